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
 * - `next()` that mutates its input: the parent state is fingerprinted before and after the
 *   call (a frozen input that next() tries to write throws a TypeError, named the same way).
 * - Non-determinism: the same transition is executed twice and the two successors compared.
 *
 * Cost: the checks run on the first FULL_CHECKS transitions and then on one in SAMPLE_EVERY,
 * which keeps them on by default at a few per cent of the search's time; `sanity: 'paranoid'`
 * checks every transition, `sanity: 'off'` none. Sampling is by count, never random, so a
 * search stays deterministic.
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

/**
 * The first value in `state` the structural fingerprint cannot see, as "path: what", or
 * undefined. Frozen sub-objects already found plain are skipped (immer shares them between
 * a state and its successors), so checking a successor walks only what changed.
 */
export function findOpaque(state: unknown, plain: WeakSet<object> = new WeakSet()): string | undefined {
  const walk = (v: unknown, path: string): string | undefined => {
    const what = describeOpaque(v);
    if (what !== undefined) return `${path === '' ? '(the state)' : path} is ${what}`;
    if (typeof v !== 'object' || v === null || plain.has(v)) return undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = walk(v[i], childPath(path, i));
        if (r !== undefined) return r;
      }
    } else {
      for (const k of Object.keys(v)) {
        const r = walk((v as Record<string, unknown>)[k], childPath(path, k));
        if (r !== undefined) return r;
      }
      for (const s of Object.getOwnPropertySymbols(v)) return `${childPath(path, String(s))} is a symbol-keyed member`;
    }
    if (Object.isFrozen(v)) plain.add(v);
    return undefined;
  };
  return walk(state, '');
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
  if (Array.isArray(v)) return v.map(snapshot);
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
  const again: Fingerprint = { hi: 0, lo: 0 };
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
      // Frozen states (immer's) cannot be changed in place, and copying them costs; only a
      // mutable state is copied, to say where a mutation happened.
      const copy = Object.isFrozen(s) ? undefined : snapshot(s);
      keyFp(s, before);
      let t: S;
      try {
        t = model.next(s, a);
      } catch (e) {
        if (e instanceof TypeError && FROZEN_WRITE.test(e.message)) fail(`next() on action "${label(a)}" writes to its input state (${e.message}): next() must return a new state and leave its input alone (immer's produce() does this)`);
        throw e;
      }
      keyFp(s, after);
      if (!same(before, after)) {
        fail(`next() on action "${label(a)}" changed its input state (${copy === undefined ? 'inside a nested object' : (firstDifference(copy, s) ?? 'somewhere')}): next() must return a new state and leave its input alone (immer's produce() does this)`);
      }
      if (checkValues) {
        const bad = findOpaque(t, plain);
        if (bad !== undefined) fail(`the state after action "${label(a)}": ${bad}, which the state fingerprint cannot see (states must be plain data; see checker/sanity.ts)`);
      }
      const t2 = model.next(s, a);
      keyFp(t, after);
      keyFp(t2, again);
      if (!same(after, again)) {
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
