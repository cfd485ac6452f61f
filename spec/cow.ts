/**
 * Copy-on-write helpers for the steps written without immer (issue 10d): a step's pure
 * `next(w)` builds a new object only along the path it changes, freezes every object it
 * builds, and shares every other member with `w` by identity. Sharing frozen members is what
 * makes the fingerprint cheap (spec/encode.ts caches a member's hash while it is the same
 * frozen object), and freezing is what lets the next step share them in turn.
 *
 * Deliberately small: a shallow copy with some members replaced, and an array with one
 * element replaced. Anything deeper is spelt out in the step, so the path it changes is read
 * off the code.
 *
 * Models Linux 6.18 (nothing of its own: the steps that use it do).
 */

/**
 * `o` with the members of `patch` replaced, frozen (the other members shared). A copy, then
 * the patch assigned over it, rather than `{ ...o, ...patch }`: the copy keeps `o`'s shape and
 * the assignment only overwrites members it has, and the two spreads cost about a tenth more of
 * a transition's `actions` and `next` (issue 10p, bench/README.md).
 */
export function withMembers<T extends object>(o: T, patch: Partial<T>): T {
  const out = { ...o };
  Object.assign(out, patch);
  return Object.freeze(out);
}

/** `xs` with element `i` replaced by `v`, frozen; `xs` itself when it already holds `v` there. */
export function withAt<T>(xs: readonly T[], i: number, v: T): T[] {
  if (i < 0 || i >= xs.length) throw new Error(`withAt: index ${i} outside 0..${xs.length - 1}`);
  if (xs[i] === v) return xs as T[];
  const out = xs.slice();
  out[i] = v;
  return Object.freeze(out) as T[];
}

/** A new array (or object) built by the step, frozen before it is shared. */
export function frozen<T extends object>(x: T): T {
  return Object.freeze(x);
}

/**
 * `orig` when `copy` (a scratch copy a step edited in place) holds the same elements, else
 * `copy` frozen: a step may edit a local copy freely and still share what it did not change.
 */
export function keepIfSame<T>(orig: readonly T[], copy: T[]): T[] {
  if (copy.length === orig.length && copy.every((x, i) => x === orig[i])) return orig as T[];
  return Object.freeze(copy) as T[];
}
