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
  /** Words hashed by children on this hasher's behalf: a cost measure, not part of the hash. */
  childWork = 0;

  reset(seedA: number, seedB: number): void {
    this.a = seedA;
    this.b = seedB;
    this.n = 0;
    this.childWork = 0;
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

/** Objects whose hashing costs fewer words than this are not worth a WeakMap entry. */
const CACHE_MIN_WORDS = 48;

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
 *
 * An object's members are combined by adding their 64-bit pair hashes (lane by lane), which
 * does not depend on key order, so keys need no sorting; each pair hash mixes the key with
 * the value's hash, so moving a value to another key changes the sum.
 */
export function structuralFingerprinter(): Fingerprinter<unknown> {
  // A frozen object's hash, by identity. The key is weak: states the search has dropped
  // take their cache entries with them.
  const cache = new WeakMap<object, Fingerprint>();
  // One hasher per nesting level, reused, so hashing allocates nothing but cache entries.
  const hashers: Hasher[] = [];
  const pair = new Hasher();
  const tmp: Fingerprint = { hi: 0, lo: 0 };
  // Words hashed for the object just finished, its uncached children included. A WeakMap
  // insertion costs as much as hashing some tens of words, so small objects are not cached:
  // they are re-hashed only when an enclosing object changes, which is cheap.
  let work = 0;

  function hashInto(h: Hasher, v: unknown, level: number): void {
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
        objectHash(v, tmp, level + 1);
        h.childWork += work;
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

  function objectHash(o: object, out: Fingerprint, level: number): void {
    const frozen = Object.isFrozen(o);
    if (frozen) {
      const c = cache.get(o);
      if (c !== undefined) {
        out.hi = c.hi;
        out.lo = c.lo;
        work = 0;
        return;
      }
    }
    const h = (hashers[level] ??= new Hasher());
    let total: number;
    if (Array.isArray(o)) {
      h.reset(TAG_ARR, o.length);
      for (let i = 0; i < o.length; i++) hashInto(h, o[i], level);
      total = h.n + h.childWork;
      h.finish(out);
    } else {
      total = 0;
      let sumHi = 0;
      let sumLo = 0;
      let n = 0;
      const rec = o as Record<string, unknown>;
      for (const k in rec) {
        if (!Object.prototype.hasOwnProperty.call(rec, k)) continue;
        const val = rec[k];
        if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
        h.reset(TAG_OBJ, 0x2545f491);
        hashString(h, k);
        hashInto(h, val, level);
        total += h.n + h.childWork;
        h.finish(out);
        sumHi = (sumHi + out.hi) | 0;
        sumLo = (sumLo + out.lo) | 0;
        n++;
      }
      pair.reset(TAG_OBJ, n);
      pair.word(sumHi);
      pair.word(sumLo);
      pair.finish(out);
    }
    if (frozen && total >= CACHE_MIN_WORDS) cache.set(o, { hi: out.hi, lo: out.lo });
    work = total;
  }

  const root = new Hasher();
  return (state: unknown, out: Fingerprint): void => {
    if (typeof state === 'object' && state !== null) {
      objectHash(state, out, 0);
      return;
    }
    root.reset(0x9e3779b9, 0x7f4a7c15);
    hashInto(root, state, 0);
    root.finish(out);
  };
}

/** The fingerprinter for a model: its own `key` if it has one, else the structural default. */
export function fingerprinterFor<S>(key: ((state: S) => string) | undefined): Fingerprinter<S> {
  if (key === undefined) return structuralFingerprinter() as Fingerprinter<S>;
  return (state, out) => fingerprintString(key(state), out);
}
