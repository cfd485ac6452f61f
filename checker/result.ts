/**
 * The parts of a search's result that are computed once, at the end: a violation's trace
 * rebuilt from its parent links (and checked against the fingerprint it was found with), the
 * shortest of several violations found in one BFS level, and a bitstate search's coverage.
 */
import type { CheckResult, Model, Violation, ViolationKind } from './types.ts';
import type { Fingerprint, Fingerprinter } from './fingerprint.ts';
import type { ParentLinks } from './store.ts';
import { expectedCoverage, type BitstateSet } from './bitstate.ts';
import { replay } from './trace.ts';

/** A violation found during the search, before its trace is rebuilt. */
export interface Found {
  property: string;
  kind: ViolationKind;
  message?: string;
  /** The state the trace ends in (-1: no trace). */
  id: number;
  /** Its depth, to keep the shortest of several found in one BFS level. */
  depth: number;
  fp: Fingerprint;
  /** A trace given as a path of action indexes (random walks keep no parent links). */
  path?: number[];
}

/** The one of `found` found at the least depth (the first of those), or all if one or none. */
export function shortestFirst(found: Found[]): Found[] {
  if (found.length <= 1) return found;
  let best = found[0]!;
  for (const f of found) if (f.depth < best.depth) best = f;
  return [best];
}

/** What rebuilding a trace needs of the search. */
export interface Rebuilder<S, A> {
  model: Model<S, A>;
  label: (a: A) => string;
  links: ParentLinks;
  fp: Fingerprinter<S>;
  identity: (s: S) => S;
}

/**
 * The violation with its trace, re-executed from the initial state along the parent links (or
 * the walk's path). A path that no longer replays, or ends in a state of another fingerprint,
 * says so in the message: the model's next() is not deterministic.
 */
export function rebuildViolation<S, A>(f: Found, r: Rebuilder<S, A>): Violation<S, A> {
  const v: Violation<S, A> = { property: f.property, kind: f.kind, trace: [] };
  if (f.message !== undefined) v.message = f.message;
  const path = f.path ?? (f.id >= 0 ? r.links.path(f.id) : undefined);
  if (path === undefined) return v;
  const replayed = replay(r.model, path, r.label);
  v.trace = replayed.trace;
  if (replayed.error !== undefined) {
    v.message = `${v.message ?? ''} (the trace could not be rebuilt: ${replayed.error})`.trim();
    return v;
  }
  if (f.kind === 'error') return v;
  const last = replayed.trace[replayed.trace.length - 1];
  if (last === undefined) return v;
  const check: Fingerprint = { hi: 0, lo: 0 };
  r.fp(r.identity(last.state), check);
  if (check.hi !== f.fp.hi || check.lo !== f.fp.lo) {
    v.message = `${v.message ?? ''} (warning: re-executing the path gave a different state; is next() deterministic?)`.trim();
  }
  return v;
}

/** A bitstate search's figures (SPIN's hash factor and expected coverage) and, when it found nothing, the hint that says what that is worth. */
export function bitstateReport(n: number, set: BitstateSet, nothingFound: boolean): { bitstate: NonNullable<CheckResult<unknown, unknown>['bitstate']>; hint?: string } {
  const m = set.bitCount;
  const hashFactor = n > 0 ? m / n : Infinity;
  const cov = expectedCoverage(n, m, set.hashes);
  const bitstate = { bits: m, hashes: set.hashes, hashFactor, expectedCoverage: cov };
  if (!nothingFound) return { bitstate };
  return {
    bitstate,
    hint: `bitstate search: hash factor ${hashFactor.toFixed(1)} (SPIN: best coverage if > 100), expected coverage ${(cov * 100).toFixed(2)}%; no violation found in the states stored, but states may have been missed. Without --bitstate the search is exact.`,
  };
}
