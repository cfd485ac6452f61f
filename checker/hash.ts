/**
 * The hash primitives every fingerprint is built from: 64-bit fingerprints as two 32-bit
 * lanes, murmur3-style word mixing (`Hasher`), its finaliser, the type tags that keep values
 * of different kinds apart, and strings. The fingerprinters (fingerprint-structural.ts,
 * fingerprint-encode.ts, fingerprint-words.ts) write parts of `Hasher` out on locals in their
 * hottest loops; each such copy says so, and must hash exactly as `Hasher.word` does.
 */

/** A fingerprint: `hi` and `lo` are unsigned 32-bit integers. Never both zero. */
export interface Fingerprint {
  hi: number;
  lo: number;
}

/** A function from a state to its 64-bit fingerprint. It writes into `out` to avoid allocation. */
export type Fingerprinter<S> = (state: S, out: Fingerprint) => void;

const C1 = 0x85ebca6b;
const C2 = 0xc2b2ae35;
const M1 = 0xcc9e2d51;
const M2 = 0x1b873593;

// Type tags keep [1] and {"0":1}, "1" and 1, [] and {} apart, as canonical JSON does.
const TAG_NULL = 0x6e756c6c;
const TAG_TRUE = 0x74727565;
const TAG_FALSE = 0x66616c73;
const TAG_NUM = 0x6e756d62;
const TAG_STR = 0x73747269;
const TAG_ARR = 0x61727261;
const TAG_OBJ = 0x6f626a65;
const TAG_INT_ELEMENT = 0x696e7465;
const TAG_BYTES = 0x62797465;

/**
 * The constants, for the fingerprinters' own hot loops. An exported binding is read through its
 * module cell at every use, even in its own module: issue 10w measured fingerprintWords 1.3x
 * slower so (also when moved into this module) and the shape hasher some 8%. So the constants
 * above are module-private, and a module that needs them takes its own consts from this record.
 */
export const HASH: Readonly<Record<'C1' | 'C2' | 'M1' | 'M2' | 'TAG_NULL' | 'TAG_TRUE' | 'TAG_FALSE' | 'TAG_NUM' | 'TAG_STR' | 'TAG_ARR' | 'TAG_OBJ' | 'TAG_INT_ELEMENT' | 'TAG_BYTES', number>> = Object.freeze({ C1, C2, M1, M2, TAG_NULL, TAG_TRUE, TAG_FALSE, TAG_NUM, TAG_STR, TAG_ARR, TAG_OBJ, TAG_INT_ELEMENT, TAG_BYTES });

/** A double's two 32-bit halves, for hashing a number that is not an int32. */
export const f64 = new Float64Array(1);
export const u32 = new Uint32Array(f64.buffer);

export function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** murmur3's finaliser: every input bit affects every output bit. */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, C1);
  h ^= h >>> 13;
  h = Math.imul(h, C2);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The last mix of a hash of `n` words whose two lanes are `a` and `b` (never 0:0, the empty slot). */
export function finishHash(a: number, b: number, n: number, out: Fingerprint): void {
  a ^= n;
  b ^= Math.imul(n, 0x27d4eb2f);
  a = (a + b) | 0;
  b = (b + a) | 0;
  a = fmix(a);
  b = fmix(b);
  a = (a + b) | 0;
  b = (b + a) | 0;
  out.hi = a >>> 0;
  out.lo = b >>> 0;
  if (out.hi === 0 && out.lo === 0) out.lo = 1;
}

/**
 * A small streaming hasher with two 32-bit lanes that are cross-mixed, so that the pair behaves
 * as one 64-bit hash rather than two correlated 32-bit ones.
 */
export class Hasher {
  a = 0x9e3779b9;
  b = 0x7f4a7c15;
  n = 0;
  /** Words hashed by children on this hasher's behalf: a cost measure, not part of the hash. */

  reset(seedA: number, seedB: number): void {
    this.a = seedA;
    this.b = seedB;
    this.n = 0;
  }

  word(w: number): void {
    let k = Math.imul(w | 0, M1);
    k = rotl(k, 15);
    k = Math.imul(k, M2);
    this.a ^= k;
    this.a = rotl(this.a, 13);
    this.a = (Math.imul(this.a, 5) + 0xe6546b64) | 0;
    let j = Math.imul((w ^ 0x5bd1e995) | 0, M2);
    j = rotl(j, 17);
    j = Math.imul(j, M1);
    this.b ^= j ^ this.a;
    this.b = rotl(this.b, 11);
    this.b = (Math.imul(this.b, 9) + 0x38495ab5) | 0;
    this.n++;
  }

  finish(out: Fingerprint): void {
    finishHash(this.a, this.b, this.n, out);
  }
}

/** Hasher.word's first lane, on a local. */
export function laneA(a: number, w: number): number {
  let k = Math.imul(w, M1);
  k = rotl(k, 15);
  k = Math.imul(k, M2);
  a ^= k;
  a = rotl(a, 13);
  return (Math.imul(a, 5) + 0xe6546b64) | 0;
}

/** Hasher.word's second lane, after the first moved to `a`. */
export function laneB(b: number, a: number, w: number): number {
  let j = Math.imul((w ^ 0x5bd1e995) | 0, M2);
  j = rotl(j, 17);
  j = Math.imul(j, M1);
  b ^= j ^ a;
  b = rotl(b, 11);
  return (Math.imul(b, 9) + 0x38495ab5) | 0;
}

export function hashString(h: Hasher, s: string): void {
  h.word(TAG_STR);
  h.word(s.length);
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < n) h.word(s.charCodeAt(i));
}

/** Hashes a string to a fingerprint (used for model-supplied `key`s). */
export function fingerprintString(s: string, out: Fingerprint): void {
  const h = new Hasher();
  hashString(h, s);
  h.finish(out);
}
