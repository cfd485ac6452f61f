/**
 * 64-bit fingerprints of states, as two 32-bit lanes.
 *
 * The default fingerprint is structural: two states with the same canonical JSON (object keys
 * in any order, `undefined` members absent) get the same fingerprint. It is incremental for
 * frozen sub-objects: immer freezes everything it produces and shares every unchanged
 * sub-object between a state and its successor, so the hash of a frozen object is computed
 * once and cached by identity, and a successor re-hashes only the path that changed.
 * Objects that are not frozen are hashed afresh every time (they could have been mutated).
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

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** murmur3's finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, C1);
  h ^= h >>> 13;
  h = Math.imul(h, C2);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A small streaming hasher with two 32-bit lanes that are cross-mixed, so that the pair behaves
 * as one 64-bit hash rather than two correlated 32-bit ones.
 */
class Hasher {
  a = 0x9e3779b9;
  b = 0x7f4a7c15;
  n = 0;

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
    let a = this.a ^ this.n;
    let b = this.b ^ Math.imul(this.n, 0x27d4eb2f);
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
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

function hashString(h: Hasher, s: string): void {
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

/**
 * The default, structural fingerprinter. Each call of `structuralFingerprinter()` returns a
 * fingerprinter with its own cache, so two searches never share cached hashes.
 */
export function structuralFingerprinter(): Fingerprinter<unknown> {
  // A frozen object's hash, by identity. The key is weak: states the search has dropped
  // take their cache entries with them.
  const cache = new WeakMap<object, Fingerprint>();
  const keyCache = new WeakMap<object, string[]>();
  const tmp: Fingerprint = { hi: 0, lo: 0 };

  function hashInto(h: Hasher, v: unknown): void {
    switch (typeof v) {
      case 'number':
        h.word(TAG_NUM);
        if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
          h.word(v | 0);
          h.word(0);
        } else {
          f64[0] = Object.is(v, -0) ? 0 : v;
          h.word(u32[0]!);
          h.word(u32[1]! ^ 0x7ff00001);
        }
        return;
      case 'string':
        hashString(h, v);
        return;
      case 'boolean':
        h.word(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object':
        if (v === null) {
          h.word(TAG_NULL);
          return;
        }
        objectHash(v, tmp);
        h.word(tmp.hi);
        h.word(tmp.lo);
        return;
      case 'bigint':
        hashString(h, `bigint:${v.toString()}`);
        return;
      default:
        // undefined, functions and symbols have no canonical-JSON form: they hash as null,
        // as JSON.stringify writes them inside arrays.
        h.word(TAG_NULL);
    }
  }

  function sortedKeys(o: object, frozen: boolean): string[] {
    if (frozen) {
      const cached = keyCache.get(o);
      if (cached !== undefined) return cached;
    }
    const keys = Object.keys(o).sort();
    if (frozen) keyCache.set(o, keys);
    return keys;
  }

  function objectHash(o: object, out: Fingerprint): void {
    const frozen = Object.isFrozen(o);
    if (frozen) {
      const c = cache.get(o);
      if (c !== undefined) {
        out.hi = c.hi;
        out.lo = c.lo;
        return;
      }
    }
    const h = new Hasher();
    if (Array.isArray(o)) {
      h.word(TAG_ARR);
      h.word(o.length);
      for (let i = 0; i < o.length; i++) hashInto(h, o[i]);
    } else {
      h.word(TAG_OBJ);
      const rec = o as Record<string, unknown>;
      for (const k of sortedKeys(o, frozen)) {
        const val = rec[k];
        if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
        hashString(h, k);
        hashInto(h, val);
      }
    }
    h.finish(out);
    if (frozen) cache.set(o, { hi: out.hi, lo: out.lo });
  }

  const root = new Hasher();
  return (state: unknown, out: Fingerprint): void => {
    if (typeof state === 'object' && state !== null) {
      objectHash(state, out);
      return;
    }
    root.reset(0x9e3779b9, 0x7f4a7c15);
    hashInto(root, state);
    root.finish(out);
  };
}

/** The fingerprinter for a model: its own `key` if it has one, else the structural default. */
export function fingerprinterFor<S>(key: ((state: S) => string) | undefined): Fingerprinter<S> {
  if (key === undefined) return structuralFingerprinter() as Fingerprinter<S>;
  return (state, out) => fingerprintString(key(state), out);
}
