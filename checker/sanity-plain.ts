/**
 * Whether a state is plain data the structural fingerprint can see (sanity.ts refuses one that
 * is not), and whether it is plain data frozen all the way down, so that nothing can change it.
 * The walk skips what is known already: sub-objects found so before, and what a successor
 * shares with a parent found so (issue 10q).
 */

export function describeOpaque(v: unknown): string | undefined {
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

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? (path === '' ? key : `${path}.${key}`) : `${path}[${JSON.stringify(key)}]`;
}

/** What `walkPlain` found: an opaque value (its `what` and `at`), plain data, or plain data frozen all the way down. */
const OPAQUE = 0;
const PLAIN = 1;
const DEEP_FROZEN = 2;
type Walked = typeof OPAQUE | typeof PLAIN | typeof DEEP_FROZEN;
/** The three, for sanity.ts to take as consts of its own (an exported binding is read through its module cell: see HASH in hash.ts). */
export const WALKED = { OPAQUE, PLAIN, DEEP_FROZEN } as const;

/** Where `walkPlain` found an opaque value: its description and its path, innermost key first. */
export interface Found {
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
export function walkPlain(v: unknown, frozen: WeakSet<object> | undefined, ref: unknown, found: Found): Walked {
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

export function described(found: Found): string {
  const path = found.at.reduceRight<string>((p, k) => childPath(p, k), '');
  return `${path === '' ? '(the state)' : path} is ${found.what}`;
}

/**
 * Whether `state` is plain data frozen all the way down, so that nothing can change it; such
 * states are remembered in `whole` (one entry a state, not one per object: a WeakSet entry
 * per object was most of a check's cost, issue 10q).
 */
export function deepFrozen(state: unknown, whole: Whole): boolean {
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
export interface Whole {
  readonly states: WeakSet<object>;
  last: object | undefined;
}

export function remember(whole: Whole, state: object): void {
  whole.states.add(state);
  whole.last = state;
}
