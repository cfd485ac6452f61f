/**
 * Reachable worlds of a model for state-by-state tests of the reductions (symmetry, the clock
 * view): breadth first, each stored once by its structural fingerprint.
 */
import { structuralFingerprinter, type Fingerprint, type Model } from '../../checker/index.ts';

const fpOf = structuralFingerprinter();

/** A value's structural fingerprint as a string (equal canonical JSON, equal string). */
export function fp(w: unknown): string {
  const o: Fingerprint = { hi: 0, lo: 0 };
  fpOf(w, o);
  return `${o.hi}:${o.lo}`;
}

/** Reachable states, breadth first, up to `limit` (stored by their real fingerprint). */
export function reachable<S, A>(m: Model<S, A>, limit: number): S[] {
  const seen = new Set<string>();
  const out: S[] = [];
  const queue = [...m.init()];
  for (let i = 0; i < queue.length && out.length < limit; i++) {
    const w = queue[i]!;
    const k = fp(w);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(w);
    for (const a of m.actions(w)) queue.push(m.next(w, a));
  }
  return out;
}
