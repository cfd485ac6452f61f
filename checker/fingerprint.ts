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

import type { StateEncoder } from './types.ts';

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

/** The last mix of a hash of `n` words whose two lanes are `a` and `b` (never 0:0, the empty slot). */
function finishHash(a: number, b: number, n: number, out: Fingerprint): void {
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
class Hasher {
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

/**
 * An object's hash from the sum of its `n` members' pair hashes (the generic walk and the
 * shape-specialised hasher alike): Hasher's reset(TAG_OBJ, n), word(sumHi), word(sumLo) and
 * finish() written out on locals (through the Hasher's fields it was a fifth of a peterson.4
 * state's fingerprint).
 */
function objectHashOf(n: number, sumHi: number, sumLo: number, out: Fingerprint): void {
  let a = TAG_OBJ;
  let b = n;
  for (let t = 0; t < 2; t++) {
    const w = t === 0 ? sumHi : sumLo;
    let k = Math.imul(w | 0, M1);
    k = rotl(k, 15);
    k = Math.imul(k, M2);
    a ^= k;
    a = rotl(a, 13);
    a = (Math.imul(a, 5) + 0xe6546b64) | 0;
    let j = Math.imul((w ^ 0x5bd1e995) | 0, M2);
    j = rotl(j, 17);
    j = Math.imul(j, M1);
    b ^= j ^ a;
    b = rotl(b, 11);
    b = (Math.imul(b, 9) + 0x38495ab5) | 0;
  }
  finishHash(a, b, 2, out);
}

/** Objects whose hashing costs fewer words than this are not worth a WeakMap entry. */
const CACHE_MIN_WORDS = 48;
/** Distinct strings whose hashes are kept; the cache starts again when it is full. */
const STRING_CACHE_MAX = 1 << 16;

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
 * fingerprinter with its own caches, so two searches never share cached hashes.
 *
 * Every value gets a 64-bit hash of its own: primitives directly, strings through a cache
 * (states repeat the same keys and tokens; V8 keeps a string's hash, so the lookup is cheap),
 * arrays by hashing their elements' hashes in order (an array of integers in 0..255 packs them
 * four to a word), objects by adding the mixed (key hash, value hash) pairs of their members
 * lane by lane, which does not depend on key order, so no key sorting is needed.
 *
 * It specialises for the shape of the first state it is given when that is a plain unfrozen
 * object (as a user's next() returns): a state of the same keys in the same order is hashed
 * with the key hashes already known, to the same value; any other state goes the generic way.
 * `specialise: false` turns that off (the tests compare the two); `memoBits` sizes the memo of
 * short byte arrays (2^memoBits slots; the tests make it tiny so that its slots collide).
 */
export function structuralFingerprinter(options: { specialise?: boolean; memoBits?: number } = {}): Fingerprinter<unknown> {
  // A frozen object's hash, by identity. The key is weak: states the search has dropped
  // take their cache entries with them.
  const cache = new WeakMap<object, Fingerprint>();
  const strings = new Map<string, Fingerprint>();
  // One hasher per nesting level, reused, so hashing allocates nothing but cache entries.
  const hashers: Hasher[] = [];
  const strHasher = new Hasher();
  // Words hashed for the value just finished, its uncached parts included. A WeakMap
  // insertion costs as much as hashing some tens of words, so small objects are not cached:
  // they are re-hashed only when an enclosing object changes, which is cheap.
  let work = 0;
  let vHi = 0;
  let vLo = 0;

  function stringHash(str: string): void {
    const c = strings.get(str);
    if (c !== undefined) {
      vHi = c.hi;
      vLo = c.lo;
      work = 1;
      return;
    }
    strHasher.reset(TAG_STR, 0x165667b1);
    hashString(strHasher, str);
    const fp: Fingerprint = { hi: 0, lo: 0 };
    strHasher.finish(fp);
    // Bounded: a model that makes unboundedly many distinct strings must not grow this forever.
    if (strings.size >= STRING_CACHE_MAX) strings.clear();
    strings.set(str, fp);
    vHi = fp.hi;
    vLo = fp.lo;
    work = 1 + (str.length >> 1);
  }

  /** Sets vHi/vLo to the hash of `v` and `work` to what it cost. */
  function valueHash(v: unknown, level: number): void {
    switch (typeof v) {
      case 'number':
        if (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) {
          vHi = fmix((v ^ TAG_NUM) >>> 0);
          vLo = fmix((Math.imul(v, 0x9e3779b1) ^ 0x7f4a7c15) >>> 0);
        } else {
          f64[0] = Object.is(v, -0) ? 0 : v;
          vHi = fmix((u32[0]! ^ TAG_NUM ^ 0x2b992ddf) >>> 0);
          vLo = fmix((u32[1]! + Math.imul(vHi, 0x85ebca6b)) >>> 0);
        }
        work = 1;
        return;
      case 'string':
        stringHash(v);
        return;
      case 'boolean':
        vHi = v ? TAG_TRUE : TAG_FALSE;
        vLo = v ? 0x3c6ef372 : 0xa54ff53a;
        work = 1;
        return;
      case 'object':
        if (v !== null) {
          objectHash(v, level + 1);
          return;
        }
        break;
      case 'bigint':
        stringHash(`bigint:${v.toString()}`);
        return;
      default:
    }
    // null, and what canonical JSON writes as null inside arrays: undefined, functions, symbols.
    vHi = TAG_NULL;
    vLo = 0x510e527f;
    work = 1;
  }

  function objectHash(o: object, level: number): void {
    const frozen = Object.isFrozen(o);
    if (frozen) {
      const c = cache.get(o);
      if (c !== undefined) {
        vHi = c.hi;
        vLo = c.lo;
        work = 1;
        return;
      }
    }
    const h = (hashers[level] ??= new Hasher());
    let total = 1;
    let hi: number;
    let lo: number;
    if (Array.isArray(o)) {
      if (byteArrayHash(o)) {
        total += (o.length + 3) >> 2;
        hi = bytes.hi;
        lo = bytes.lo;
        if (frozen && total >= CACHE_MIN_WORDS) cache.set(o, { hi, lo });
        vHi = hi;
        vLo = lo;
        work = total;
        return;
      }
      h.reset(TAG_ARR, o.length);
      for (let i = 0; i < o.length; i++) {
        const el: unknown = o[i];
        // Small integers, the commonest array element of a model's state (pcs, counters, ids),
        // go into the array's hasher as a tagged word, without a hash of their own.
        if (typeof el === 'number' && (el | 0) === el) {
          h.word(TAG_INT_ELEMENT);
          h.word(el | 0);
          total++;
          continue;
        }
        valueHash(el, level);
        h.word(vHi);
        h.word(vLo);
        total += work;
      }
      h.finish(scratch);
      hi = scratch.hi;
      lo = scratch.lo;
    } else {
      let sumHi = 0;
      let sumLo = 0;
      let n = 0;
      const rec = o as Record<string, unknown>;
      for (const k in rec) {
        if (!Object.prototype.hasOwnProperty.call(rec, k)) continue;
        const val = rec[k];
        if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
        valueHash(val, level);
        total += work;
        const valHi = vHi;
        const valLo = vLo;
        stringHash(k);
        pairHash(vHi, vLo, valHi, valLo);
        sumHi = (sumHi + pairHi) | 0;
        sumLo = (sumLo + pairLo) | 0;
        n++;
      }
      objectHashOf(n, sumHi, sumLo, scratch);
      hi = scratch.hi;
      lo = scratch.lo;
      total += n;
    }
    if (frozen && total >= CACHE_MIN_WORDS) cache.set(o, { hi, lo });
    vHi = hi;
    vLo = lo;
    work = total;
  }

  const scratch: Fingerprint = { hi: 0, lo: 0 };

  // The shape of the first top-level state that is a plain, unfrozen object (what a user's
  // model returns from next()): its keys in enumeration order and their hashes, so that a state
  // of that shape is hashed without looking its keys up. null: not learnt, or given up.
  let shape: Shape | null | undefined = options.specialise === false ? null : undefined;
  // The member pairs of short byte arrays under the learnt shape's keys, by content: most
  // members of a successor hold what they held in its parent (a pc array, flags), so their
  // pair comes from here instead of a byte-array hash and a pair mix (four fmix). Direct-mapped,
  // MEMO_STRIDE words a slot: packed0, packed1, tag (key index, length; 0 is empty), pairHi, pairLo.
  const memoBits = options.memoBits ?? MEMO_BITS;
  const memo = new Int32Array((1 << memoBits) * MEMO_STRIDE);
  // The member pairs of integers 0..255 under the learnt shape's keys, by key index and value
  // (a location, a flag, a counter: a few values each), where each costs a value hash and a
  // pair mix (four fmix): pairs at 2 * (key << 8 | value), known[key << 8 | value] once computed.
  let intPairs = new Int32Array(0);
  let intKnown = new Uint8Array(0);
  let hits = 0;
  let misses = 0;

  function learn(o: object): Shape | null {
    if (Object.getPrototypeOf(o) !== Object.prototype) return null;
    const keys: string[] = [];
    for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) keys.push(k);
    const keyHi = new Uint32Array(keys.length);
    const keyLo = new Uint32Array(keys.length);
    keys.forEach((k, i) => {
      stringHash(k);
      keyHi[i] = vHi;
      keyLo[i] = vLo;
    });
    const intKeys = keys.length <= INT_MEMO_KEYS ? keys.length : 0;
    intPairs = new Int32Array(intKeys << 9);
    intKnown = new Uint8Array(intKeys << 8);
    return { keys, keyHi, keyLo };
  }

  /**
   * objectHash for an object of `sh`'s shape, with the key hashes already known; the same
   * members mixed the same way, so the same hash. False (vHi and vLo then mean nothing) when
   * `o` is not of that shape: its enumerable keys, own or inherited, are not exactly sh.keys in
   * that order, or its prototype is not Object.prototype (a key could then be inherited, which
   * objectHash leaves out).
   */
  function shapeHash(o: object, sh: Shape): boolean {
    if (Object.getPrototypeOf(o) !== Object.prototype) return false;
    const keys = sh.keys;
    const rec = o as Record<string, unknown>;
    let i = 0;
    let sumHi = 0;
    let sumLo = 0;
    let n = 0;
    for (const k in rec) {
      if (k !== keys[i]) return false;
      const val = rec[k];
      const kHi = sh.keyHi[i]!;
      const kLo = sh.keyLo[i]!;
      i++;
      if (val === undefined || typeof val === 'function' || typeof val === 'symbol') continue;
      n++;
      // An integer 0..255's member pair, from the table when this key has held it before (-0
      // too: it hashes as 0).
      if (typeof val === 'number' && (val & 255) === val && i <= intKnown.length >> 8) {
        const at = ((i - 1) << 8) | val;
        if (intKnown[at] !== 1) {
          valueHash(val, 0);
          pairHash(kHi, kLo, vHi, vLo);
          intPairs[at << 1] = pairHi;
          intPairs[(at << 1) + 1] = pairLo;
          intKnown[at] = 1;
        }
        sumHi = (sumHi + intPairs[at << 1]!) | 0;
        sumLo = (sumLo + intPairs[(at << 1) + 1]!) | 0;
        continue;
      }
      // A short byte array's member pair, from the memo when this key has held it before.
      if (Array.isArray(val) && val.length <= 8 && packSmall(val)) {
        const tag = ((i << 4) | val.length) + 1;
        const at = memoSlot(packed0, packed1, tag, memoBits);
        if (memo[at + 2] === tag && memo[at] === packed0 && memo[at + 1] === packed1) {
          sumHi = (sumHi + memo[at + 3]!) | 0;
          sumLo = (sumLo + memo[at + 4]!) | 0;
          continue;
        }
        byteArrayHash(val);
        pairHash(kHi, kLo, bytes.hi, bytes.lo);
        memo[at] = packed0;
        memo[at + 1] = packed1;
        memo[at + 2] = tag;
        memo[at + 3] = pairHi;
        memo[at + 4] = pairLo;
      } else {
        // A byte array straight away: objectHash would get the same (a cached hash is this one).
        if (Array.isArray(val) && byteArrayHash(val)) pairHash(kHi, kLo, bytes.hi, bytes.lo);
        else {
          valueHash(val, 0);
          pairHash(kHi, kLo, vHi, vLo);
        }
      }
      sumHi = (sumHi + pairHi) | 0;
      sumLo = (sumLo + pairLo) | 0;
    }
    if (i !== keys.length) return false;
    objectHashOf(n, sumHi, sumLo, scratch);
    vHi = scratch.hi;
    vLo = scratch.lo;
    return true;
  }

  return (state: unknown, out: Fingerprint): void => {
    // Frozen states (immer's, the spec's) go the generic way, which caches them by identity.
    let done = false;
    if (shape !== null && typeof state === 'object' && state !== null && !Array.isArray(state) && !Object.isFrozen(state)) {
      shape ??= learn(state);
      if (shape !== null) {
        done = shapeHash(state, shape);
        if (done) hits++;
        // Mostly states of other shapes: stop trying.
        else if (++misses > 64 && misses > hits) shape = null;
      }
    }
    if (!done) valueHash(state, -1);
    out.hi = vHi >>> 0;
    out.lo = vLo >>> 0;
    if (out.hi === 0 && out.lo === 0) out.lo = 1;
  };
}

/** A top-level state shape the structural fingerprinter specialises for (see `learn`). */
interface Shape {
  keys: string[];
  keyHi: Uint32Array;
  keyLo: Uint32Array;
}

/** A fingerprinter's memo of short byte arrays' member pairs: 2^13 slots of 8 words (256 KiB). */
const MEMO_BITS = 13;
const MEMO_STRIDE = 8;
/** Shapes of up to this many keys get the table of small integers' member pairs (2 KiB a key). */
const INT_MEMO_KEYS = 64;

/** The member pair pairHash found. */
let pairHi = 0;
let pairLo = 0;

/** Mixes a member's key hash with its value hash, so that the sum over an object's members depends on which value sits under which key. */
function pairHash(keyHi: number, keyLo: number, valHi: number, valLo: number): void {
  pairHi = fmix((keyHi ^ rotl(valLo, 16) ^ Math.imul(valHi, M1)) >>> 0);
  pairLo = fmix((keyLo + Math.imul(pairHi ^ valHi, M2) + rotl(valLo, 5)) >>> 0);
}

/** What packSmall packed: elements 0-3 and 4-7, a byte each. */
let packed0 = 0;
let packed1 = 0;

/** Packs an array of at most 8 integers in 0..255 into packed0 and packed1 (with its length, exactly the array); false for any other element. */
function packSmall(o: readonly unknown[]): boolean {
  let w0 = 0;
  let w1 = 0;
  for (let i = 0; i < o.length; i++) {
    const el = o[i];
    if (typeof el !== 'number' || (el & 255) !== el) return false;
    if (i < 4) w0 |= el << (i << 3);
    else w1 |= el << ((i - 4) << 3);
  }
  packed0 = w0;
  packed1 = w1;
  return true;
}

/** The memo slot (its first word) for packed words and a tag, in a memo of 2^bits slots. */
function memoSlot(w0: number, w1: number, tag: number, bits: number): number {
  const h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(tag, C1), M1);
  return ((h ^ (h >>> 15)) >>> (32 - bits)) * MEMO_STRIDE;
}

/** The hash byteArrayHash found, as Hasher.finish would write it. */
const bytes: Fingerprint = { hi: 0, lo: 0 };

/**
 * Hashes an array whose elements are all integers in 0..255 (the pcs, counters and ids of most
 * models' arrays) four to a word, from a seed of its own, as fingerprintWords does for compact
 * states, into `bytes`; false for any other array. Which way an array goes depends on its
 * elements alone, so equal arrays always get equal hashes. It is Hasher's reset(TAG_BYTES,
 * length), word() per packed word and finish() written out on locals (the hottest loop of a
 * user's object model: a third faster than through the Hasher's fields).
 */
function byteArrayHash(o: readonly unknown[]): boolean {
  const len = o.length;
  let a = TAG_BYTES;
  let b = len;
  let n = 0;
  let w = 0;
  for (let i = 0; i < len; i++) {
    const el = o[i];
    // NaN, fractions, negatives and numbers past 255 all fail (el & 255) === el.
    if (typeof el !== 'number' || (el & 255) !== el) return false;
    w |= el << ((i & 3) << 3);
    if ((i & 3) === 3 || i === len - 1) {
      // Hasher.word(w)
      let k = Math.imul(w, M1);
      k = rotl(k, 15);
      k = Math.imul(k, M2);
      a ^= k;
      a = rotl(a, 13);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      let j = Math.imul((w ^ 0x5bd1e995) | 0, M2);
      j = rotl(j, 17);
      j = Math.imul(j, M1);
      b ^= j ^ a;
      b = rotl(b, 11);
      b = (Math.imul(b, 9) + 0x38495ab5) | 0;
      n++;
      w = 0;
    }
  }
  finishHash(a, b, n, bytes);
  return true;
}

/** The fingerprinter for a model: its own `key` if it has one, else the structural default. */
export function fingerprinterFor<S>(key: ((state: S) => string) | undefined): Fingerprinter<S> {
  if (key === undefined) return structuralFingerprinter() as Fingerprinter<S>;
  return (state, out) => fingerprintString(key(state), out);
}

/**
 * The fingerprinter for a model's `encode` hook: the words it writes go straight into one
 * streaming hasher, with no key string built and no object walked. Each value carries a type
 * tag, so `int(1)` then `str("")` and `str("1")` differ.
 *
 * Integers in 0..255 (a model's pcs, counters, flags: most of what it encodes) are packed four
 * to a word and hashed as a run — TAG_BYTES, the run's length, its packed words — when the run
 * ends (another kind of value, 64 bytes, or the state's end): a quarter of a word each, where
 * TAG_NUM and the value were two. Every item begins with its tag and says its own length, so
 * the words decode to one sequence of values only: different encodings stay apart.
 */
export function encoderFingerprinter<S>(encode: (state: S, out: StateEncoder) => void): Fingerprinter<S> {
  const h = new Hasher();
  // The run of bytes not hashed yet: its whole packed words, the word being filled, its length.
  const run = new Int32Array(RUN_MAX >> 2);
  let pending = 0;
  let runLength = 0;
  const flush = (): void => {
    h.word(TAG_BYTES);
    h.word(runLength);
    const whole = runLength >> 2;
    for (let i = 0; i < whole; i++) h.word(run[i]!);
    if ((runLength & 3) !== 0) h.word(pending);
    pending = 0;
    runLength = 0;
  };
  const enc: StateEncoder = {
    int(n: number): void {
      if ((n & 255) === n) {
        pending |= n << ((runLength & 3) << 3);
        runLength++;
        if ((runLength & 3) === 0) {
          run[(runLength >> 2) - 1] = pending;
          pending = 0;
          if (runLength === RUN_MAX) flush();
        }
        return;
      }
      if (runLength > 0) flush();
      if ((n | 0) === n) {
        h.word(TAG_NUM);
        h.word(n);
      } else enc.num(n);
    },
    num(n: number): void {
      // -0 is 0, as in canonical JSON; a whole double is the same number as the int.
      if ((n | 0) === n) {
        enc.int(n | 0);
        return;
      }
      if (runLength > 0) flush();
      f64[0] = n;
      h.word(TAG_NUM ^ 0x2b992ddf);
      h.word(u32[0]!);
      h.word(u32[1]!);
    },
    str(s: string): void {
      if (runLength > 0) flush();
      hashString(h, s);
    },
    bool(b: boolean): void {
      if (runLength > 0) flush();
      h.word(b ? TAG_TRUE : TAG_FALSE);
    },
  };
  return (state, out) => {
    h.reset(0x9e3779b9, 0x7f4a7c15);
    pending = 0;
    runLength = 0;
    encode(state, enc);
    if (runLength > 0) flush();
    h.finish(out);
  };
}

/** The longest run of bytes the encode fingerprinter packs before hashing it (a multiple of 4). */
const RUN_MAX = 64;

/** Hasher.word's first lane, on a local. */
function laneA(a: number, w: number): number {
  let k = Math.imul(w, M1);
  k = rotl(k, 15);
  k = Math.imul(k, M2);
  a ^= k;
  a = rotl(a, 13);
  return (Math.imul(a, 5) + 0xe6546b64) | 0;
}

/** Hasher.word's second lane, after the first moved to `a`. */
function laneB(b: number, a: number, w: number): number {
  let j = Math.imul((w ^ 0x5bd1e995) | 0, M2);
  j = rotl(j, 17);
  j = Math.imul(j, M1);
  b ^= j ^ a;
  b = rotl(b, 11);
  return (Math.imul(b, 9) + 0x38495ab5) | 0;
}

/** Hashes `width` int32 slots of `words` starting at `offset` (the compact contract's states). */
export function fingerprintWords(words: Int32Array, offset: number, width: number, out: Fingerprint): void {
  // Most compact models hold bytes (BEEM's do): when every slot is in 0..255, four slots are
  // packed into each hashed word, a quarter of the hashing. Other states hash a word per slot
  // from another seed; which way a state goes depends on the state alone, so equal states
  // always get equal fingerprints. The byte way is tried first, in one pass that also finds
  // whether every slot is a byte. Hasher's reset, word and finish on locals (laneA, laneB), not
  // its fields: the compact search's hottest call (a sixth of its time through the Hasher).
  const end = offset + width;
  let any = 0;
  let a = 0x9e3779b9;
  let b = 0x7f4a7c15;
  let n = 0;
  let i = offset;
  for (;;) {
    let w = 0;
    if (i + 3 < end) {
      const x = words[i]!;
      const y = words[i + 1]!;
      const z = words[i + 2]!;
      const v = words[i + 3]!;
      any |= x | y | z | v;
      w = x | (y << 8) | (z << 16) | (v << 24);
      i += 4;
    } else {
      // The last, partial word (a whole zero word when width is a multiple of four).
      for (let sh = 0; i < end; i++, sh += 8) {
        any |= words[i]!;
        w |= words[i]! << sh;
      }
      i = end + 1;
    }
    a = laneA(a, w);
    b = laneB(b, a, w);
    n++;
    if (i > end) break;
  }
  if ((any & ~255) !== 0) {
    a = 0x165667b1;
    b = 0x27d4eb2f;
    n = 0;
    for (i = offset; i < end; i++) {
      const w = words[i]!;
      a = laneA(a, w);
      b = laneB(b, a, w);
      n++;
    }
  }
  finishHash(a, b, n, out);
}

/** The fingerprinter for a model: `encode` if given, else `key`, else the structural default. */
export function fingerprinterForModel<S>(model: { encode?: (state: S, out: StateEncoder) => void; key?: (state: S) => string }): Fingerprinter<S> {
  if (model.encode !== undefined) return encoderFingerprinter(model.encode.bind(model));
  return fingerprinterFor(model.key?.bind(model));
}
