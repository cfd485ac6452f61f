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
import { structuralFingerprinter } from './fingerprint-structural.ts';
import type { Fingerprint, Fingerprinter } from './hash.ts';
import { defaultLabel } from './label.ts';
import { firstDifference, sameValue, snapshot } from './sanity-compare.ts';
import { deepFrozen, described, findOpaque, remember, walkPlain, WALKED, type Found, type Whole } from './sanity-plain.ts';
import type { Model } from './types.ts';

const { OPAQUE, DEEP_FROZEN } = WALKED;

export type SanityLevel = 'default' | 'paranoid' | 'off';

/** A model mistake found by a sanity check. */
export class SanityError extends Error {
  override readonly name = 'SanityError';
}

const FULL_CHECKS = 2000;
const SAMPLE_EVERY = 64;

const FROZEN_WRITE = /read.only|not extensible|Cannot add property|Cannot delete property|Cannot assign to|object is not extensible/i;

const LEAVE_INPUT = "next() must return a new state and leave its input alone (immer's produce() does this)";
const PLAIN_DATA = 'which the state fingerprint cannot see (states must be plain data; see checker/sanity.ts)';

/**
 * The model with sanity checks around init() and next(). Each check throws a SanityError
 * that names the mistake; after the first one the wrapper only passes calls through, so the
 * search can rebuild the trace to the state where it happened.
 */
export function withSanity<S, A>(model: Model<S, A>, level: SanityLevel = 'default'): Model<S, A> {
  if (level === 'off') return model;
  const c = checksFor(model);
  let calls = 0;
  // Inherits every other member (also a class-based model's prototype methods).
  const wrapped = Object.create(model) as Model<S, A>;
  Object.assign(wrapped, {
    init: (): S[] => {
      const states = model.init();
      if (!c.tripped) checkInitial(c, states);
      return states;
    },
    next: (s: S, a: A): S => {
      calls++;
      if (c.tripped || (level !== 'paranoid' && calls > FULL_CHECKS && calls % SAMPLE_EVERY !== 0)) return model.next(s, a);
      return checkedNext(c, s, a);
    },
  });
  return wrapped;
}

/** One wrapped model's checks: what they remember between transitions, and whether one failed. */
interface Checks<S, A> {
  readonly model: Model<S, A>;
  /** With a model's own `key`, the model decides identity: its values are not checked. */
  readonly checkValues: boolean;
  /** The structural fingerprint, of the state or (with a model's own `key`) of its key. */
  readonly fp: Fingerprinter<unknown>;
  /** Objects found plain data frozen all the way down (findOpaque's set). */
  readonly plain: WeakSet<object>;
  /** States found plain data frozen all the way down: their successors are walked beside them. */
  readonly whole: Whole;
  readonly before: Fingerprint;
  readonly after: Fingerprint;
  tripped: boolean;
}

function checksFor<S, A>(model: Model<S, A>): Checks<S, A> {
  return {
    model,
    checkValues: model.key === undefined,
    fp: structuralFingerprinter(),
    plain: new WeakSet<object>(),
    whole: { states: new WeakSet<object>(), last: undefined },
    before: { hi: 0, lo: 0 },
    after: { hi: 0, lo: 0 },
    tripped: false,
  };
}

function fail(c: { tripped: boolean }, message: string): never {
  c.tripped = true;
  throw new SanityError(message);
}

function labelOf<S, A>(model: Model<S, A>, a: A): string {
  try {
    return (model.label ?? defaultLabel)(a);
  } catch {
    return '(label() threw)';
  }
}

/** The fingerprint that says whether next() changed its input: the state's, or its `key`'s. */
function keyFingerprint<S, A>(c: Checks<S, A>, s: S, out: Fingerprint): void {
  if (c.model.key === undefined) c.fp(s, out);
  else c.fp(c.model.key(s), out);
}

function checkInitial<S, A>(c: Checks<S, A>, states: S[]): void {
  if (!Array.isArray(states) || states.length === 0) fail(c, 'init() returned no initial state: the search would check nothing and report "holds"');
  if (!c.checkValues) return;
  states.forEach((s, i) => {
    const bad = findOpaque(s, c.plain);
    if (bad !== undefined) fail(c, `initial state #${i}: ${bad}, ${PLAIN_DATA}`);
  });
}

/** next(s, a) with every check: input left alone, successor plain data, the same successor twice. */
function checkedNext<S, A>(c: Checks<S, A>, s: S, a: A): S {
  // A state frozen all the way down cannot change: next() can only throw trying (strict
  // mode) or write nowhere (sloppy mode), so it is not fingerprinted before and after.
  // (An unfrozen state is not: no walk needed to say so.)
  const unchangeable = deepFrozen(s, c.whole);
  // Frozen states (immer's) cannot be changed in place, and copying them costs; only a
  // mutable state is copied, to say where a mutation happened.
  const copy = Object.isFrozen(s) ? undefined : snapshot(s);
  // With the structural identity, the copy itself says whether next() changed the state,
  // exactly and by one walk (sameValue is the fingerprint's equality): no hash before and after.
  const byCopy = copy !== undefined && c.model.key === undefined;
  if (!unchangeable && !byCopy) keyFingerprint(c, s, c.before);
  const t = nextOrWriteError(c, s, a);
  if (byCopy) {
    if (!sameValue(copy, s)) fail(c, `next() on action "${labelOf(c.model, a)}" changed its input state (${firstDifference(copy, s) ?? 'somewhere'}): ${LEAVE_INPUT}`);
  } else if (!unchangeable) {
    keyFingerprint(c, s, c.after);
    if (c.before.hi !== c.after.hi || c.before.lo !== c.after.lo) {
      fail(c, `next() on action "${labelOf(c.model, a)}" changed its input state (${copy === undefined ? 'inside a nested object' : (firstDifference(copy, s) ?? 'somewhere')}): ${LEAVE_INPUT}`);
    }
  }
  if (c.checkValues) checkSuccessorPlain(c, s, a, t, unchangeable);
  checkDeterministic(c, s, a, t);
  return t;
}

/** next(s, a), with a write to a frozen input (strict mode's TypeError) named as the mistake it is. */
function nextOrWriteError<S, A>(c: Checks<S, A>, s: S, a: A): S {
  try {
    return c.model.next(s, a);
  } catch (e) {
    if (e instanceof TypeError && FROZEN_WRITE.test(e.message)) fail(c, `next() on action "${labelOf(c.model, a)}" writes to its input state (${e.message}): ${LEAVE_INPUT}`);
    throw e;
  }
}

function checkSuccessorPlain<S, A>(c: Checks<S, A>, s: S, a: A, t: S, unchangeable: boolean): void {
  // Beside an unchangeable parent only what next() built is walked, with no set lookups.
  const found: Found = { what: '', at: [] };
  const r = unchangeable ? walkPlain(t, undefined, s, found) : walkPlain(t, c.plain, undefined, found);
  if (r === OPAQUE) fail(c, `the state after action "${labelOf(c.model, a)}": ${described(found)}, ${PLAIN_DATA}`);
  if (r === DEEP_FROZEN && typeof t === 'object' && t !== null) remember(c.whole, t);
}

function checkDeterministic<S, A>(c: Checks<S, A>, s: S, a: A, t: S): void {
  // Compared exactly rather than by fingerprint: the two successors share every member
  // next() did not touch, so only what it built is walked.
  const t2 = c.model.next(s, a);
  const key = c.model.key;
  if (!(key === undefined ? sameValue(t, t2) : sameValue(key(t), key(t2)))) {
    fail(c, `next() is not deterministic: action "${labelOf(c.model, a)}" from the same state gave two different states (${firstDifference(t, t2) ?? 'different keys'})`);
  }
}
