import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Frontier } from '../checker/frontier.ts';
import { check, type Model } from '../checker/index.ts';

const word = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
/** Member values: mostly what fits the words, and each kind of value that does not. */
const member = fc.oneof(
  { weight: 4, arbitrary: word },
  { weight: 4, arbitrary: fc.array(word, { maxLength: 6 }) },
  fc.constant(-0),
  fc.constant([1, -0]),
  fc.double({ noNaN: false }),
  fc.array(fc.double(), { maxLength: 3 }),
  fc.string({ maxLength: 3 }),
  fc.constant(2 ** 31),
  fc.constant(Object.freeze([1, 2])),
  fc.constant([1, , 3]),
  fc.jsonValue({ maxDepth: 2 }),
);
const keyName = fc.constantFrom('pc', 'j', 'k', 'pos', 'step', '0', '7');

/** A state, a plain object or not, with the oddities a rebuilt copy could lose. */
const state = fc.oneof(
  { weight: 6, arbitrary: fc.dictionary(keyName, member, { maxKeys: 5 }) },
  { weight: 2, arbitrary: fc.array(word, { maxLength: 6 }) },
  // The same keys in another order: rebuilt in the learnt order, the values would swap places.
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.shuffledSubarray(['pc', 'j', 'k'], { minLength: 3, maxLength: 3 }), fc.array(fc.oneof(word, fc.array(word, { maxLength: 3 })), { minLength: 3, maxLength: 3 }))
      .map(([keys, values]) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
  },
  fc.tuple(fc.dictionary(keyName, member, { maxKeys: 4 }), member).map(([o, v]) => Object.defineProperty({ ...o }, 'hidden', { value: v, enumerable: false })),
  fc.tuple(fc.dictionary(keyName, member, { maxKeys: 4 }), member).map(([o, v]) => Object.assign(Object.create({ inherited: v }) as object, o)),
  fc.dictionary(keyName, member, { maxKeys: 4 }).map((o) => Object.freeze(o)),
  fc.dictionary(keyName, member, { maxKeys: 4 }).map((o) => ({ ...o, [Symbol.for('s')]: 1 })),
);

/** Everything a model could tell apart: value, own names and their enumerability, prototypes, frozenness, -0. */
function same(a: unknown, b: unknown, path = 'state'): void {
  if (typeof a !== 'object' || a === null) {
    assert.ok(Object.is(a, b), `${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  assert.ok(typeof b === 'object' && b !== null, `${path}: object vs ${typeof b}`);
  assert.equal(Object.getPrototypeOf(b), Object.getPrototypeOf(a), `${path}: prototype`);
  assert.equal(Object.isFrozen(b), Object.isFrozen(a), `${path}: frozen`);
  assert.deepEqual(Reflect.ownKeys(b), Reflect.ownKeys(a), `${path}: own keys in order`);
  for (const k of Reflect.ownKeys(a)) {
    const da: PropertyDescriptor = Object.getOwnPropertyDescriptor(a, k)!;
    const db: PropertyDescriptor = Object.getOwnPropertyDescriptor(b, k)!;
    assert.equal(db.enumerable, da.enumerable, `${path}.${String(k)}: enumerable`);
    same(da.value, db.value, `${path}.${String(k)}`);
  }
}

test('a frontier gives back each state equal in everything a model can see, and its id', () => {
  fc.assert(
    fc.property(fc.array(state, { minLength: 1, maxLength: 30 }), (states) => {
      const f = new Frontier<unknown>(undefined);
      states.forEach((s, i) => f.push(s, 1000 + i));
      // The next level starts from what this one learnt.
      const g = new Frontier<unknown>(f.learnt);
      states.forEach((s, i) => g.push(s, 0xfffffff0 + (i % 16)));
      assert.equal(f.length, states.length);
      states.forEach((s, i) => {
        same(s, f.state(i));
        same(s, g.state(i));
        assert.equal(f.id(i), 1000 + i);
        assert.equal(g.id(i), 0xfffffff0 + (i % 16));
      });
    }),
    { numRuns: 1000 },
  );
});

test('states of one form are held as words, not objects: a rebuilt state is a new object', () => {
  const f = new Frontier<{ pc: number[]; n: number }>(undefined);
  const s = { pc: [0, 1, 2], n: 7 };
  f.push(s, 0);
  f.push({ pc: [3], n: -1 }, 1);
  assert.notEqual(f.state(0), s);
  assert.deepEqual(f.state(1), { pc: [3], n: -1 });
  assert.deepEqual(f.learnt, { keys: ['pc', 'n'] });
});

/** A model whose states change form as it goes: words, then a string member, then keys reordered. */
function shifting(): Model<Record<string, unknown>, number> {
  return {
    name: 'shifting',
    init: () => [{ a: 0, b: [0, 0] }],
    actions: (s) => ((s.a as number) < 40 ? [0, 1, 2] : []),
    next: (s, k) => {
      const a = (s.a as number) + 1;
      const b = [...(s.b as number[])];
      b[k % 2] = (b[k % 2]! + k) % 5;
      if (k === 2) return { b, a, tag: a % 3 === 0 ? 'x' : -0 };
      return { a, b };
    },
    done: () => true,
    invariants: { 'a below 39': (s) => (s.a as number) < 39 },
  };
}

test('a search whose states change form finds the same states, transitions and trace as with every state kept as an object', () => {
  const r = check(shifting(), { stopAtFirst: false });
  // The same search, each state given to the frontier in a form it cannot hold as words.
  const boxed = shifting();
  const m: Model<Record<string, unknown>, number> = { ...boxed, next: (s, k) => Object.assign(Object.create(null) as Record<string, unknown>, boxed.next({ ...s }, k)) };
  const o = check(m, { stopAtFirst: false });
  assert.equal(r.distinctStates, o.distinctStates);
  assert.equal(r.transitions, o.transitions);
  assert.equal(r.status, 'violation');
  assert.deepEqual(r.violations[0]!.trace.map((t) => t.label), o.violations[0]!.trace.map((t) => t.label));
});
