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
 * `o` with the members of `patch` replaced, frozen (the other members shared). A copy, then the
 * patch assigned over it: the assignment only overwrites members the copy has, so the result
 * keeps `o`'s members in `o`'s order, as `{ ...o, ...patch }` does (the order shows in traces).
 */
export function withMembers<T extends object>(o: T, patch: Partial<T>): T {
  const out = copyOf(o);
  Object.assign(out, patch);
  return Object.freeze(out);
}

/**
 * A shallow copy of a plain object, members in the same order. `{ ...o }` of a frozen object
 * takes V8's slow path (its clone cache does not take a frozen source's layout): about 0.5 µs
 * for a world of 24 members, against 0.06 µs unfrozen (issue 10q). So each member order met is
 * compiled once into an object literal, `{ "device": o["device"], ... }`, one function per
 * order, whose loads and literal see one layout. The order is found again by its first member,
 * then checked member by member with `for...in`, which allocates nothing (an `Object.keys`
 * per copy was 30 of the 219 MB xfs-sw-atomic-vs-atomic-merged's search allocated).
 */
function copyOf<T extends object>(o: T): T {
  for (const first in o) {
    const known = copiers.get(first);
    if (known !== undefined) {
      for (let i = 0; i < known.length; i++) if (hasKeys(o, known[i]!.keys)) return known[i]!.copy(o) as T;
    }
    break;
  }
  const keys = Object.keys(o);
  const copy = keys.length === 0 ? undefined : compiledCopier(keys);
  return copy === undefined ? { ...o } : (copy(o) as T);
}

/** Whether `o`'s enumerable members are `keys`, in that order (`for...in`: no array built). */
function hasKeys(o: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in o) {
    if (k !== keys[i]) return false;
    i++;
  }
  return i === keys.length;
}

interface Copier {
  keys: string[];
  copy: (o: object) => object;
}

/** Compiled copiers by their first member; a bounded number, the spread beyond (a hand-made world's). */
const copiers = new Map<string, Copier[]>();
const MAX_COPIERS = 256;
let copierCount = 0;

function compiledCopier(keys: string[]): ((o: object) => object) | undefined {
  // '__proto__' in a literal sets the prototype instead of a member. (Symbol-keyed members are
  // not copied, as the spread would: a state holds none, checker/sanity.ts refuses them, and
  // no fingerprint sees them.)
  if (copierCount >= MAX_COPIERS || keys.includes('__proto__')) return undefined;
  const body = `return {${keys.map((k) => `${JSON.stringify(k)}: o[${JSON.stringify(k)}]`).join(', ')}};`;
  const c: Copier = { keys, copy: new Function('o', body) as (o: object) => object };
  copierCount++;
  const known = copiers.get(keys[0]!);
  if (known === undefined) copiers.set(keys[0]!, [c]);
  else known.push(c);
  return c.copy;
}

/** `xs` with element `i` replaced by `v`, frozen; `xs` itself when it already holds `v` there. */
export function withAt<T>(xs: readonly T[], i: number, v: T): T[] {
  if (i < 0 || i >= xs.length) throw new Error(`withAt: index ${i} outside 0..${xs.length - 1}`);
  if (xs[i] === v) return xs as T[];
  const out = copied(xs);
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
  if (copy.length === orig.length) {
    let same = true;
    for (let i = 0; i < copy.length && same; i++) same = copy[i] === orig[i];
    if (same) return orig as T[];
  }
  return Object.freeze(copy) as T[];
}

/**
 * A mutable copy of an array a step edits locally. A loop: `slice()` of a frozen array takes
 * V8's slow path (0.4-0.6 µs for 2 to 6 elements against 0.05, issue 10q).
 */
export function copied<T>(xs: readonly T[]): T[] {
  const n = xs.length;
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = xs[i]!;
  return out;
}

/** `xs.filter(keep)`, by a loop: `filter()` of a frozen array is slow too (0.33 µs for 3 elements against 0.05). */
export function filtered<T>(xs: readonly T[], keep: (x: T) => boolean): T[] {
  const out: T[] = [];
  for (let i = 0; i < xs.length; i++) if (keep(xs[i]!)) out.push(xs[i]!);
  return out;
}
