/**
 * Comparing states as the structural fingerprint does, exactly and without hashing: the
 * sanity check's test that next() left its input alone and is deterministic, and the path
 * where two states differ that its messages name.
 */
import { printable } from './printable.ts';
import { childPath, describeOpaque } from './sanity-plain.ts';

/**
 * Whether two values have the same structural fingerprint, decided exactly and without hashing
 * (checker/fingerprint-structural.ts's identity, canonical JSON's): keys in any order, members holding
 * undefined, a function or a symbol absent, those as array elements the same as null, -0 the
 * same as 0. Shared sub-objects are equal at once, so comparing two successors of one state
 * walks only what they changed.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ta = typeof a;
  if (ta !== typeof b) return nullish(a) && nullish(b);
  if (ta === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (ta !== 'object' || a === null || b === null) return nullish(a) && nullish(b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // Equal elements (most of them, numbers) without a call.
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !sameValue(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let n = 0;
  for (const k in ra) {
    if (!Object.prototype.hasOwnProperty.call(ra, k) || absent(ra[k])) continue;
    // A member present here and absent there (undefined, a function, a symbol) differs, though
    // as array elements null and a symbol hash the same.
    if (!Object.prototype.hasOwnProperty.call(rb, k) || absent(rb[k]) || !sameValue(ra[k], rb[k])) return false;
    n++;
  }
  for (const k in rb) if (Object.prototype.hasOwnProperty.call(rb, k) && !absent(rb[k])) n--;
  return n === 0;
}

/** A member the fingerprint leaves out of an object. */
function absent(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

/** What the fingerprint hashes as null (as an array element or the whole state). */
function nullish(v: unknown): boolean {
  return v === null || absent(v);
}

/** The first path where two plain states differ, with both values, or undefined. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (Object.is(a, b)) return undefined;
  const here = path === '' ? '(the state)' : path;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${here}: ${printable(a)} vs ${printable(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], childPath(path, i));
      if (d !== undefined) return d;
    }
    return undefined;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort()) {
    const d = firstDifference(ra[k], rb[k], childPath(path, k));
    if (d !== undefined) return d;
  }
  return undefined;
}

/** A deep copy of plain data, to compare against after next() (functions and the like are copied by reference). */
export function snapshot(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    // A loop, not map(snapshot): a call per element was most of a sampled check's copy.
    const out: unknown[] = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      out[i] = typeof x !== 'object' || x === null ? x : snapshot(x);
    }
    return out;
  }
  if (describeOpaque(v) !== undefined) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = snapshot((v as Record<string, unknown>)[k]);
  return out;
}
