/**
 * Model sanity checks: the mistakes that make a search unsound without a word.
 *
 * - `init()` returning no state: the search would check nothing and say "holds".
 * - Values the structural fingerprint cannot see — Map, Set, Date, class instances (hidden
 *   state), functions, symbols, typed arrays — are REFUSED with the path to the value. We do
 *   not hash them by content: a class instance's equality is not knowable from outside (private
 *   fields, getters, identity), and a Map would then be a second kind of object with its own
 *   canonical order, printing and diff; one rule ("a state is plain data: objects, arrays,
 *   strings, numbers, booleans, null, BigInt") keeps fingerprints, traces and --json agreeing.
 *   A model with its own `key` decides identity itself and is not checked for them.
 * - `next()` that mutates its input: an unfrozen parent is copied before the call and compared
 *   with its copy after (`sameValue`, exactly; with a model's own `key`, what the key says is
 *   compared by fingerprint instead); a frozen one is fingerprinted before and after (one that
 *   next() tries to write throws a TypeError, named the same way).
 *   A parent that is plain data frozen all the way down (every object frozen, every member a
 *   data property; immer's states and the spec's) cannot change, so it is not fingerprinted:
 *   such states are remembered (one WeakSet entry a state), and a successor of one is walked
 *   beside it, so what it shares with its parent (an object at the same path, by identity) costs
 *   a comparison and only what next() built is walked (issue 10q: a WeakSet entry per object,
 *   as before, was most of a check's cost).
 * - Non-determinism: the same transition is executed twice and the two successors compared,
 *   exactly (`sameValue`: the fingerprint's equality without hashing, up to no collision), so
 *   that the members both share with the parent are equal at once.
 *
 * Cost: the checks run on the first FULL_CHECKS transitions and then on one in SAMPLE_EVERY,
 * which keeps them on by default at a few per cent of the search's time (issue 10m measured
 * the checks at 18 to 26 µs a transition on the spec's worlds, a second next() included, and
 * issue 10q at 11 µs after the walk beside the parent; 2,000 + 600 of them on a search of
 * 40,000 transitions: bench/README.md); `sanity: 'paranoid'` checks every
 * transition, `sanity: 'off'` none. Sampling is by count, never random, so a search stays
 * deterministic.
 *
 * The checks live in a wrapper around the model (`withSanity`), so the search itself has no
 * sanity code: a failed check is an exception from init() or next(), which the search already
 * reports as a model error with the trace to the state where it happened.
 */
import { structuralFingerprinter, type Fingerprint } from './fingerprint.ts';
import { defaultLabel } from './label.ts';
import type { Model } from './types.ts';

export type SanityLevel = 'default' | 'paranoid' | 'off';

/** A model mistake found by a sanity check. */
export class SanityError extends Error {
  override readonly name = 'SanityError';
}

const FULL_CHECKS = 2000;
const SAMPLE_EVERY = 64;

function describeOpaque(v: unknown): string | undefined {
  switch (typeof v) {
    case 'function':
      return `a function${v.name ? ` (${v.name})` : ''}`;
    case 'symbol':
      return `a symbol (${String(v)})`;
    case 'object': {
      if (v === null || Array.isArray(v)) return undefined;
      const proto = Object.getPrototypeOf(v) as object | null;
      if (proto === Object.prototype || proto === null) return undefined;
      if (v instanceof Map) return 'a Map';
      if (v instanceof Set) return 'a Set';
      if (v instanceof Date) return 'a Date';
      if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
      const name = (proto as { constructor?: { name?: string } }).constructor?.name;
      return `an instance of class ${name ?? '(anonymous)'}`;
    }
    default:
      return undefined;
  }
}

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

/** What `walkPlain` found: an opaque value (its `what` and `at`), plain data, or plain data frozen all the way down. */
const OPAQUE = 0;
const PLAIN = 1;
const DEEP_FROZEN = 2;
type Walked = typeof OPAQUE | typeof PLAIN | typeof DEEP_FROZEN;

/** Where `walkPlain` found an opaque value: its description and its path, innermost key first. */
interface Found {
  what: string;
  at: Array<string | number>;
}

const lookupGetter = (Object.prototype as unknown as { __lookupGetter__(this: object, k: string): unknown }).__lookupGetter__;

/**
 * Walks `v` for values the structural fingerprint cannot see. Two ways to skip what is known
 * already: objects in `frozen` are plain data frozen all the way down (frozen, plain, every
 * member a data property holding a primitive or such an object), and `ref` is the value at the
 * same path in a state known to be such data as a whole (the parent of a successor, issue 10q):
 * an object that is `ref` itself is part of that state. Nothing under either can be opaque or
 * change, so it is not walked again; the objects found so are added to `frozen` when there is
 * one. The path is built only when something is found: a walk that finds nothing (nearly every
 * one) builds no strings.
 */
function walkPlain(v: unknown, frozen: WeakSet<object> | undefined, ref: unknown, found: Found): Walked {
  if (typeof v !== 'object' || v === null) {
    if (typeof v !== 'function' && typeof v !== 'symbol') return DEEP_FROZEN;
    found.what = describeOpaque(v)!;
    return OPAQUE;
  }
  // Shared with the parent: a successor built by structural sharing walks only what is new.
  if (v === ref) return DEEP_FROZEN;
  // Only frozen objects enter the set: an unfrozen one (a user's state) costs no lookup.
  let deep = Object.isFrozen(v);
  if (deep && frozen !== undefined && frozen.has(v)) return DEEP_FROZEN;
  let keys: string[] | undefined;
  const what = describeOpaque(v);
  if (what !== undefined) {
    found.what = what;
    return OPAQUE;
  }
  if (Array.isArray(v)) {
    const refs = Array.isArray(ref) ? ref : undefined;
    for (let i = 0; i < v.length; i++) {
      const r = walkPlain(v[i], frozen, refs === undefined || i >= refs.length ? undefined : refs[i], found);
      if (r === OPAQUE) {
        found.at.push(i);
        return OPAQUE;
      }
      if (r === PLAIN) deep = false;
    }
  } else {
    const rec = v as Record<string, unknown>;
    const refs = typeof ref === 'object' && ref !== null && !Array.isArray(ref) ? (ref as Record<string, unknown>) : undefined;
    keys = Object.keys(rec);
    // Index loops: the first 2,000 transitions' walks run while this is still interpreted.
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      // Only `ref`'s own data can stand for a member: '__proto__' would read its prototype.
      const r = walkPlain(rec[k], frozen, refs === undefined || k === '__proto__' ? undefined : refs[k], found);
      if (r === OPAQUE) {
        found.at.push(k);
        return OPAQUE;
      }
      if (r === PLAIN) deep = false;
    }
    const symbols = Object.getOwnPropertySymbols(v);
    if (symbols.length > 0) {
      found.what = 'a symbol-keyed member';
      found.at.push(String(symbols[0]));
      return OPAQUE;
    }
  }
  // A frozen object's getter can still return something new each time: only data properties
  // make it unchangeable. Checked once per object, as it enters the set.
  // `__lookupGetter__` rather than a descriptor: no object allocated per member (issue 10u: the
  // descriptors were a sixth of a search's allocation); an own key is found before any prototype.
  if (deep && keys !== undefined) {
    for (let i = 0; i < keys.length; i++) {
      if (lookupGetter.call(v, keys[i]!) !== undefined) {
        deep = false;
        break;
      }
    }
  }
  if (!deep) return PLAIN;
  frozen?.add(v);
  return DEEP_FROZEN;
}

/**
 * The first value in `state` the structural fingerprint cannot see, as "path: what", or
 * undefined. Sub-objects already found plain and frozen all the way down are skipped (immer and
 * the spec share them between a state and its successors), so checking a successor walks only
 * what changed.
 */
export function findOpaque(state: unknown, frozen: WeakSet<object> = new WeakSet()): string | undefined {
  const found: Found = { what: '', at: [] };
  return walkPlain(state, frozen, undefined, found) === OPAQUE ? described(found) : undefined;
}

function described(found: Found): string {
  const path = found.at.reduceRight<string>((p, k) => childPath(p, k), '');
  return `${path === '' ? '(the state)' : path} is ${found.what}`;
}

/**
 * Whether `state` is plain data frozen all the way down, so that nothing can change it; such
 * states are remembered in `whole` (one entry a state, not one per object: a WeakSet entry
 * per object was most of a check's cost, issue 10q).
 */
function deepFrozen(state: unknown, whole: Whole): boolean {
  if (typeof state !== 'object' || state === null || !Object.isFrozen(state)) return false;
  if (whole.states.has(state)) return true;
  // Walked beside the last state found so: what it shares with it (by identity, at the same path)
  // is part of a state frozen all the way down, hence so itself. A parent the sample reaches
  // (one transition in 64) was not itself checked as a successor, and walking all of it cost
  // most of the default sample's time (issue 10u).
  if (walkPlain(state, undefined, whole.last, { what: '', at: [] }) !== DEEP_FROZEN) return false;
  remember(whole, state);
  return true;
}

/** The states found plain data frozen all the way down, and the last of them. */
interface Whole {
  readonly states: WeakSet<object>;
  last: object | undefined;
}

function remember(whole: Whole, state: object): void {
  whole.states.add(state);
  whole.last = state;
}

/**
 * Whether two values have the same structural fingerprint, decided exactly and without hashing
 * (checker/fingerprint.ts's identity, canonical JSON's): keys in any order, members holding
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
function snapshot(v: unknown): unknown {
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

const FROZEN_WRITE = /read.only|not extensible|Cannot add property|Cannot delete property|Cannot assign to|object is not extensible/i;

/**
 * The model with sanity checks around init() and next(). Each check throws a SanityError
 * that names the mistake; after the first one the wrapper only passes calls through, so the
 * search can rebuild the trace to the state where it happened.
 */
export function withSanity<S, A>(model: Model<S, A>, level: SanityLevel = 'default'): Model<S, A> {
  if (level === 'off') return model;
  const fp = structuralFingerprinter();
  const plain = new WeakSet<object>();
  // States found plain data frozen all the way down: their successors are walked beside them.
  const whole: Whole = { states: new WeakSet<object>(), last: undefined };
  const label = (a: A): string => {
    try {
      return (model.label ?? defaultLabel)(a);
    } catch {
      return '(label() threw)';
    }
  };
  const checkValues = model.key === undefined;
  let tripped = false;
  let calls = 0;
  const fail = (message: string): never => {
    tripped = true;
    throw new SanityError(message);
  };
  const same = (x: Fingerprint, y: Fingerprint) => x.hi === y.hi && x.lo === y.lo;
  const before: Fingerprint = { hi: 0, lo: 0 };
  const after: Fingerprint = { hi: 0, lo: 0 };
  const keyFp = (s: S, out: Fingerprint): void => {
    if (model.key === undefined) fp(s, out);
    else fp(model.key(s), out);
  };

  // Inherits every other member (also a class-based model's prototype methods).
  const wrapped = Object.create(model) as Model<S, A>;
  Object.assign(wrapped, {
    init: (): S[] => {
      const states = model.init();
      if (tripped) return states;
      if (!Array.isArray(states) || states.length === 0) fail('init() returned no initial state: the search would check nothing and report "holds"');
      if (checkValues) {
        states.forEach((s, i) => {
          const bad = findOpaque(s, plain);
          if (bad !== undefined) fail(`initial state #${i}: ${bad}, which the state fingerprint cannot see (states must be plain data; see checker/sanity.ts)`);
        });
      }
      return states;
    },
    next: (s: S, a: A): S => {
      calls++;
      if (tripped || (level !== 'paranoid' && calls > FULL_CHECKS && calls % SAMPLE_EVERY !== 0)) return model.next(s, a);
      // A state frozen all the way down cannot change: next() can only throw trying (strict
      // mode) or write nowhere (sloppy mode), so it is not fingerprinted before and after.
      // (An unfrozen state is not: no walk needed to say so.)
      const unchangeable = deepFrozen(s, whole);
      // Frozen states (immer's) cannot be changed in place, and copying them costs; only a
      // mutable state is copied, to say where a mutation happened.
      const copy = Object.isFrozen(s) ? undefined : snapshot(s);
      // With the structural identity, the copy itself says whether next() changed the state,
      // exactly and by one walk (sameValue is the fingerprint's equality): no hash before and after.
      const byCopy = copy !== undefined && model.key === undefined;
      if (!unchangeable && !byCopy) keyFp(s, before);
      let t: S;
      try {
        t = model.next(s, a);
      } catch (e) {
        if (e instanceof TypeError && FROZEN_WRITE.test(e.message)) fail(`next() on action "${label(a)}" writes to its input state (${e.message}): next() must return a new state and leave its input alone (immer's produce() does this)`);
        throw e;
      }
      if (byCopy) {
        if (!sameValue(copy, s)) fail(`next() on action "${label(a)}" changed its input state (${firstDifference(copy, s) ?? 'somewhere'}): next() must return a new state and leave its input alone (immer's produce() does this)`);
      } else if (!unchangeable) {
        keyFp(s, after);
        if (!same(before, after)) {
          fail(`next() on action "${label(a)}" changed its input state (${copy === undefined ? 'inside a nested object' : (firstDifference(copy, s) ?? 'somewhere')}): next() must return a new state and leave its input alone (immer's produce() does this)`);
        }
      }
      if (checkValues) {
        // Beside an unchangeable parent only what next() built is walked, with no set lookups.
        const found: Found = { what: '', at: [] };
        const r = unchangeable ? walkPlain(t, undefined, s, found) : walkPlain(t, plain, undefined, found);
        if (r === OPAQUE) fail(`the state after action "${label(a)}": ${described(found)}, which the state fingerprint cannot see (states must be plain data; see checker/sanity.ts)`);
        if (r === DEEP_FROZEN && typeof t === 'object' && t !== null) remember(whole, t);
      }
      // Compared exactly rather than by fingerprint: the two successors share every member
      // next() did not touch, so only what it built is walked.
      const t2 = model.next(s, a);
      if (!(model.key === undefined ? sameValue(t, t2) : sameValue(model.key(t), model.key(t2)))) {
        fail(`next() is not deterministic: action "${label(a)}" from the same state gave two different states (${firstDifference(t, t2) ?? 'different keys'})`);
      }
      return t;
    },
  });
  return wrapped;
}

// ---- printing values JSON cannot hold ------------------------------------------------

/**
 * A copy of `v` that JSON.stringify can write and a reader can understand: BigInt as
 * "12n", NaN and ±Infinity as strings, undefined array members as null, Map and Set as
 * tagged lists, functions and symbols by name.
 */
export function jsonSafe(v: unknown): unknown {
  switch (typeof v) {
    case 'bigint':
      return `${v.toString()}n`;
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'function':
      return `[function ${v.name || '(anonymous)'}]`;
    case 'symbol':
      return `[${String(v)}]`;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : jsonSafe(x)));
      if (v instanceof Map) return { '[Map]': [...v.entries()].map(([k, x]) => [jsonSafe(k), jsonSafe(x)]) };
      if (v instanceof Set) return { '[Set]': [...v.values()].map(jsonSafe) };
      if (v instanceof Date) return { '[Date]': Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString() };
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== undefined) out[k] = jsonSafe(x);
      }
      return out;
    }
    default:
      return v;
  }
}

/** JSON.stringify that never throws on a value a model may hold (see jsonSafe). */
export function printable(v: unknown, space?: number): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(jsonSafe(v), null, space);
}
