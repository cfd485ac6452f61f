/**
 * The default, structural fingerprint: two states with the same canonical JSON (object keys
 * in any order, `undefined` members absent) get the same fingerprint. It is incremental for
 * frozen sub-objects: immer freezes everything it produces and shares every unchanged
 * sub-object between a state and its successor, so the hash of a frozen object is computed
 * once and cached by identity, and a successor re-hashes only the path that changed.
 * Objects that are not frozen are hashed afresh every time (they could have been mutated).
 */
import { HASH, f64, finishHash, fmix, Hasher, hashString, rotl, u32, type Fingerprint, type Fingerprinter } from './hash.ts';

// The hash constants as this module's own consts, not imported bindings (see HASH in hash.ts).
const { C1, M1, M2, TAG_ARR, TAG_BYTES, TAG_FALSE, TAG_INT_ELEMENT, TAG_NULL, TAG_NUM, TAG_OBJ, TAG_STR, TAG_TRUE } = HASH;

/** Objects whose hashing costs fewer words than this are not worth a WeakMap entry. */
const CACHE_MIN_WORDS = 48;
/** Distinct strings whose hashes are kept; the cache starts again when it is full. */
const STRING_CACHE_MAX = 1 << 16;
/** A fingerprinter's memo of short byte arrays' member pairs: 2^13 slots of 8 words (256 KiB). */
const MEMO_BITS = 13;
const MEMO_STRIDE = 8;
/** Shapes of up to this many keys get the table of small integers' member pairs (2 KiB a key). */
const INT_MEMO_KEYS = 64;

/**
 * A top-level state shape the structural fingerprinter specialises for (see `learnShape`):
 * its keys in enumeration order and their hashes, and the member pairs of integers 0..255
 * under those keys, by key index and value (a location, a flag, a counter: a few values each),
 * where each costs a value hash and a pair mix (four fmix): pairs at 2 * (key << 8 | value),
 * intKnown[key << 8 | value] once computed.
 */
interface Shape {
  keys: string[];
  keyHi: Uint32Array;
  keyLo: Uint32Array;
  intPairs: Int32Array;
  intKnown: Uint8Array;
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
 *
 * The walk (stringHash, valueHash, objectHash, arrayHash, recordHash, shapeHash) stays inside
 * the factory: its functions are mutually recursive, return a hash through the shared vHi, vLo
 * and work rather than an allocated pair, and read this fingerprinter's caches, so as closures
 * they need neither a context argument nor module-wide registers that two fingerprinters would
 * share. What needs none of that (the shape, the member pairs of small integers and short byte
 * arrays, byte arrays) is module-level below.
 */
export function structuralFingerprinter(options: { specialise?: boolean; memoBits?: number } = {}): Fingerprinter<unknown> {
  // A frozen object's hash, by identity. The key is weak: states the search has dropped
  // take their cache entries with them.
  const cache = new WeakMap<object, Fingerprint>();
  const strings = new Map<string, Fingerprint>();
  // One hasher per nesting level, reused, so hashing allocates nothing but cache entries.
  const hashers: Hasher[] = [];
  const strHasher = new Hasher();
  const scratch: Fingerprint = { hi: 0, lo: 0 };
  // Words hashed for the value just finished, its uncached parts included. A WeakMap
  // insertion costs as much as hashing some tens of words, so small objects are not cached:
  // they are re-hashed only when an enclosing object changes, which is cheap.
  let work = 0;
  let vHi = 0;
  let vLo = 0;

  // The shape of the first top-level state that is a plain, unfrozen object (what a user's
  // model returns from next()), so that a state of that shape is hashed without looking its
  // keys up. null: not learnt, or given up.
  let shape: Shape | null | undefined = options.specialise === false ? null : undefined;
  // The member pairs of short byte arrays under the learnt shape's keys, by content: most
  // members of a successor hold what they held in its parent (a pc array, flags), so their
  // pair comes from here instead of a byte-array hash and a pair mix (four fmix). Direct-mapped,
  // MEMO_STRIDE words a slot: packed0, packed1, tag (key index, length; 0 is empty), pairHi, pairLo.
  const memoBits = options.memoBits ?? MEMO_BITS;
  const memo = new Int32Array((1 << memoBits) * MEMO_STRIDE);
  let hits = 0;
  let misses = 0;

  function stringHash(str: string): void {
    const c = strings.get(str);
    if (c !== undefined) {
      vHi = c.hi;
      vLo = c.lo;
      work = 1;
      return;
    }
    const fp: Fingerprint = { hi: 0, lo: 0 };
    seededStringHash(strHasher, str, fp);
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
          vHi = intHashHi(v);
          vLo = intHashLo(v);
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

  /** valueHash for an object: from the cache when it is frozen and was hashed before. */
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
    if (Array.isArray(o)) arrayHash(o, level);
    else recordHash(o as Record<string, unknown>, level);
    if (frozen && work >= CACHE_MIN_WORDS) cache.set(o, { hi: vHi, lo: vLo });
  }

  function arrayHash(o: readonly unknown[], level: number): void {
    if (byteArrayHash(o)) {
      vHi = bytes.hi;
      vLo = bytes.lo;
      work = 1 + ((o.length + 3) >> 2);
      return;
    }
    const h = (hashers[level] ??= new Hasher());
    let total = 1;
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
    vHi = scratch.hi;
    vLo = scratch.lo;
    work = total;
  }

  function recordHash(rec: Record<string, unknown>, level: number): void {
    let total = 1;
    let sumHi = 0;
    let sumLo = 0;
    let n = 0;
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
    vHi = scratch.hi;
    vLo = scratch.lo;
    work = total + n;
  }

  /**
   * recordHash for an object of `sh`'s shape, with the key hashes already known; the same
   * members mixed the same way, so the same hash. False (vHi and vLo then mean nothing) when
   * `o` is not of that shape: its enumerable keys, own or inherited, are not exactly sh.keys in
   * that order, or its prototype is not Object.prototype (a key could then be inherited, which
   * recordHash leaves out).
   */
  function shapeHash(o: object, sh: Shape): boolean {
    if (Object.getPrototypeOf(o) !== Object.prototype) return false;
    const keys = sh.keys;
    const intKnown = sh.intKnown;
    const intKeys = intKnown.length >> 8;
    const intPairs = sh.intPairs;
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
      // The two tables' lookups stay here, and a hit's pair is added from the table: only a
      // miss is a call (hits as calls returning through pairHi/pairLo, module-wide lets that
      // box a number past 2^30, measured 1 to 5% slower: issue 10w). -0 hashes as 0 here too.
      if (typeof val === 'number' && (val & 255) === val && i <= intKeys) {
        const at = ((i - 1) << 8) | val;
        if (intKnown[at] !== 1) putSmallIntPair(sh, at, val, kHi, kLo);
        sumHi = (sumHi + intPairs[at << 1]!) | 0;
        sumLo = (sumLo + intPairs[(at << 1) + 1]!) | 0;
        continue;
      }
      if (Array.isArray(val) && val.length <= 8 && packSmall(val)) {
        const tag = ((i << 4) | val.length) + 1;
        const at = memoSlot(packed0, packed1, tag, memoBits);
        if (memo[at + 2] !== tag || memo[at] !== packed0 || memo[at + 1] !== packed1) putShortBytesPair(memo, at, tag, val, kHi, kLo);
        sumHi = (sumHi + memo[at + 3]!) | 0;
        sumLo = (sumLo + memo[at + 4]!) | 0;
        continue;
      }
      // A byte array straight away: objectHash would get the same (a cached hash is this one).
      if (Array.isArray(val) && byteArrayHash(val)) pairHash(kHi, kLo, bytes.hi, bytes.lo);
      else {
        valueHash(val, 0);
        pairHash(kHi, kLo, vHi, vLo);
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
      shape ??= learnShape(state, strHasher);
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

/** A string's own hash, as the structural fingerprint uses it (for a key or a string value). */
function seededStringHash(h: Hasher, str: string, out: Fingerprint): void {
  h.reset(TAG_STR, 0x165667b1);
  hashString(h, str);
  h.finish(out);
}

/** The int32 `v`'s hash, its hi lane. */
function intHashHi(v: number): number {
  return fmix((v ^ TAG_NUM) >>> 0);
}

/** The int32 `v`'s hash, its lo lane. */
function intHashLo(v: number): number {
  return fmix((Math.imul(v, 0x9e3779b1) ^ 0x7f4a7c15) >>> 0);
}

/** The shape of `o` when it is a plain object (its keys hashed with `h`), else null. */
function learnShape(o: object, h: Hasher): Shape | null {
  if (Object.getPrototypeOf(o) !== Object.prototype) return null;
  const keys: string[] = [];
  for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k)) keys.push(k);
  const keyHi = new Uint32Array(keys.length);
  const keyLo = new Uint32Array(keys.length);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  keys.forEach((k, i) => {
    seededStringHash(h, k, fp);
    keyHi[i] = fp.hi;
    keyLo[i] = fp.lo;
  });
  const intKeys = keys.length <= INT_MEMO_KEYS ? keys.length : 0;
  return { keys, keyHi, keyLo, intPairs: new Int32Array(intKeys << 9), intKnown: new Uint8Array(intKeys << 8) };
}

/** Computes the member pair of the integer `val` (0..255) into `sh`'s table at `at` (key << 8 | val). */
function putSmallIntPair(sh: Shape, at: number, val: number, kHi: number, kLo: number): void {
  pairHash(kHi, kLo, intHashHi(val), intHashLo(val));
  sh.intPairs[at << 1] = pairHi;
  sh.intPairs[(at << 1) + 1] = pairLo;
  sh.intKnown[at] = 1;
}

/** Computes the member pair of the short byte array `val` (just packed by packSmall) into the memo slot `at`, tagged `tag`. */
function putShortBytesPair(memo: Int32Array, at: number, tag: number, val: readonly unknown[], kHi: number, kLo: number): void {
  byteArrayHash(val);
  pairHash(kHi, kLo, bytes.hi, bytes.lo);
  memo[at] = packed0;
  memo[at + 1] = packed1;
  memo[at + 2] = tag;
  memo[at + 3] = pairHi;
  memo[at + 4] = pairLo;
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

/** The member pair pairHash found (a register: every function that sets it is read at once). */
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
