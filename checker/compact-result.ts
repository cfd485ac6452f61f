/**
 * The result of a compact search, sequential (compact.ts) or parallel (workers.ts): the
 * violations chosen and their traces, rebuilt through the object contract from the parent links,
 * the status, and coverage by transition name.
 */
import type { CheckResult, CheckStatus, Violation, ViolationKind } from './types.ts';
import type { ParentLinks } from './store.ts';
import { asObjectModel, type CompactModel } from './compact.ts';
import { replay } from './trace.ts';

/** A property the search found violated, at state `id` (-1: no state, a sometimes-property never seen). */
export interface Found {
  property: string;
  kind: ViolationKind;
  message: string;
  id: number;
  depth: number;
}

export interface CompactOutcome {
  found: Found[];
  /** The model threw: its message, and the state it was expanding (-1: none known, no trace). */
  error?: { message: string; id: number };
  /** Sometimes-properties never seen, to report when the search was complete. */
  unseen: string[];
  complete: boolean;
  stopAtFirst: boolean;
  distinctStates: number;
  transitions: number;
  depth: number;
  elapsedMs: number;
  /** Bytes of the visited set and the parent links. */
  storeBytes: number;
  /** Bits of fingerprint that tell states apart (64; 62 in the shared table, which maps a zero lane to 1). */
  hashBits: number;
  coverage: Float64Array;
  peakRssBytes: number;
  incomplete?: CheckResult<number[], number>['incompleteReason'];
  hint?: string;
}

export function compactResult(cm: CompactModel, links: ParentLinks, o: CompactOutcome): CheckResult<number[], number> {
  // Every guard, as traces were always rebuilt: the replay does not run the grouping's audit.
  const om = asObjectModel(cm, 'every');
  const label = (t: number): string => cm.transitions[t]!;
  const rebuild = (f: Pick<Found, 'property' | 'kind' | 'message' | 'id'>): Violation<number[], number> => {
    const v: Violation<number[], number> = { property: f.property, kind: f.kind, message: f.message, trace: [] };
    if (f.id < 0) return v;
    const r = replay(om, links.path(f.id), label);
    v.trace = r.trace;
    if (r.error !== undefined) v.message = `${f.message} (the trace could not be rebuilt: ${r.error})`;
    return v;
  };
  let violations: Array<Violation<number[], number>>;
  if (o.error !== undefined) violations = [rebuild({ property: 'model-error', kind: 'error', ...o.error })];
  else {
    const found = [...o.found];
    if (o.complete) for (const name of o.unseen) found.push({ property: name, kind: 'sometimes', message: `"${name}" holds in no reachable state`, id: -1, depth: 0 });
    const chosen = o.stopAtFirst && found.length > 1 ? [found.reduce((a, b) => (b.depth < a.depth ? b : a))] : found;
    violations = chosen.map(rebuild);
  }
  let status: CheckStatus = 'ok';
  if (o.error !== undefined) status = 'error';
  else if (violations.length > 0) status = 'violation';
  else if (o.incomplete !== undefined) status = 'incomplete';
  const n = o.distinctStates;
  const result: CheckResult<number[], number> = {
    status,
    distinctStates: n,
    transitions: o.transitions,
    depth: o.depth,
    elapsedMs: o.elapsedMs,
    statesPerSecond: o.elapsedMs > 0 ? Math.round(n / (o.elapsedMs / 1000)) : n,
    bytesPerState: n > 0 ? o.storeBytes / n : 0,
    collisionProbability: (n * (n - 1)) / 2 / 2 ** o.hashBits,
    coverage: coverageByName(cm, o.coverage),
    violations,
    peakRssBytes: o.peakRssBytes,
  };
  if (o.incomplete !== undefined) result.incompleteReason = o.incomplete;
  if (o.hint !== undefined) result.hint = o.hint;
  return result;
}

/** Transitions fired, by name, in name order (two transitions may share a name). */
function coverageByName(cm: CompactModel, counts: Float64Array): Record<string, number> {
  const cov: Record<string, number> = {};
  const names = [...cm.transitions.keys()].filter((t) => counts[t]! > 0).sort((a, b) => (cm.transitions[a]! < cm.transitions[b]! ? -1 : cm.transitions[a]! > cm.transitions[b]! ? 1 : 0));
  for (const t of names) cov[cm.transitions[t]!] = (cov[cm.transitions[t]!] ?? 0) + counts[t]!;
  return cov;
}
