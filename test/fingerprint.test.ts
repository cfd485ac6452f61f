import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { produce } from 'immer';
import { fingerprintWords } from '../checker/fingerprint.ts';
import { canonicalJson, FingerprintSet, structuralFingerprinter, type Fingerprint } from '../checker/index.ts';

function fpOf(v: unknown, f = structuralFingerprinter()): string {
  const out: Fingerprint = { hi: 0, lo: 0 };
  f(v, out);
  return `${out.hi}:${out.lo}`;
}

/** A copy with every object's keys in reverse order. */
function shuffleKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shuffleKeys);
  if (typeof v === 'object' && v !== null) {
    const rec = v as Record<string, unknown>;
    return Object.fromEntries(Object.keys(rec).reverse().map((k) => [k, shuffleKeys(rec[k])]));
  }
  return v;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const json = fc.jsonValue({ maxDepth: 4 });

test('equal canonical JSON gives equal fingerprints, whatever the key order or frozenness', () => {
  fc.assert(
    fc.property(json, (v) => {
      const f = structuralFingerprinter();
      const a = fpOf(v, f);
      assert.equal(fpOf(shuffleKeys(v), f), a);
      assert.equal(fpOf(deepFreeze(structuredClone(v)), f), a);
      assert.equal(fpOf(deepFreeze(structuredClone(v)), f), a, 'cached hash');
      assert.equal(fpOf(v), a, 'a fresh fingerprinter agrees');
    }),
    { numRuns: 500 },
  );
});

test('different canonical JSON gives different fingerprints', () => {
  fc.assert(
    fc.property(json, json, (a, b) => {
      fc.pre(canonicalJson(a) !== canonicalJson(b));
      assert.notEqual(fpOf(a), fpOf(b));
    }),
    { numRuns: 2000 },
  );
});

test('near-identical values are told apart: type tags and positions matter', () => {
  const values = [null, 0, 1, '1', '', [], {}, [0], [[]], [{}], { a: 1 }, { a: '1' }, { a: [1] }, { b: 1 }, [1, 2], [2, 1], [[1], 2], [1, [2]], true, false, 0.5, -1, 2 ** 40, 'ab', 'ba', { a: 1, b: 2 }, { a: 2, b: 1 }];
  const fps = new Set(values.map((v) => fpOf(v)));
  assert.equal(fps.size, values.length);
});

test('an immer successor re-hashes only the changed path, and gets the fingerprint of an equal fresh object', () => {
  const base = produce({ tasks: [{ pc: 0, log: [1, 2, 3] }, { pc: 0, log: [] as number[] }], device: { blocks: Array.from({ length: 64 }, (_, i) => ({ token: i })) } }, () => {});
  const next = produce(base, (d) => {
    d.tasks[0]!.pc = 1;
  });
  assert.equal(next.device, base.device, 'immer shares the unchanged sub-object');
  const f = structuralFingerprinter();
  fpOf(base, f);
  assert.equal(fpOf(next, f), fpOf(JSON.parse(JSON.stringify(next))));
  assert.notEqual(fpOf(next, f), fpOf(base, f));
});

test('the fingerprint table holds what was added and nothing else, across growth', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.tuple(fc.nat(0xffffffff), fc.integer({ min: 1, max: 0xffffffff })), { maxLength: 20000, selector: ([h, l]) => `${h}:${l}` }), (pairs) => {
      const set = new FingerprintSet();
      for (const [h, l] of pairs) assert.equal(set.add(h, l), true);
      for (const [h, l] of pairs) assert.equal(set.add(h, l), false);
      assert.equal(set.size, pairs.length);
      for (const [h, l] of pairs) assert.equal(set.has(h, l), true);
      assert.equal(set.has(7, 0), pairs.some(([h, l]) => h === 7 && l === 0));
    }),
    { numRuns: 20 },
  );
});

test('the fingerprint table tells apart fingerprints that share one lane, across growth', () => {
  // Random 32-bit lanes almost never repeat; these do, so a probe that compared one lane would lose entries.
  const set = new FingerprintSet();
  const pairs: Array<[number, number]> = [];
  for (let h = 0; h < 40; h++) for (let l = 1; l <= 300; l++) pairs.push([h * 0x01000193, l * 0x9e3779b1 >>> 0]);
  for (const [h, l] of pairs) assert.equal(set.add(h, l), true);
  for (const [h, l] of pairs) assert.equal(set.add(h, l), false);
  assert.equal(set.size, pairs.length);
  for (const [h, l] of pairs) assert.equal(set.has(h, l), true);
  assert.equal(set.has(41 * 0x01000193, 1), false);
});

/** A value of a state's member: byte arrays (the packed path), other arrays, nested objects, undefined. */
const member = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 9 }),
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
  fc.constant(-0),
);
const keyName = fc.constantFrom('pc', 'j', 'k', 'pos', 'step', 'a', '0', '1');

/** States of `keys`, in that order, and near misses: keys reordered, one dropped, one added, one inherited, a frozen copy, a class instance. */
function shapeVariants(keys: string[], values: unknown[], extra: unknown): unknown[] {
  const same = Object.fromEntries(keys.map((k, i) => [k, values[i % values.length]]));
  const reordered = Object.fromEntries([...keys].reverse().map((k, i) => [k, values[(keys.length - 1 - i) % values.length]]));
  const dropped = Object.fromEntries(keys.slice(1).map((k, i) => [k, values[(i + 1) % values.length]]));
  const added = { ...same, extra };
  const inherited: Record<string, unknown> = Object.create({ [keys[0] ?? 'z']: extra }) as Record<string, unknown>;
  for (const [k, v] of Object.entries(dropped)) inherited[k] = v;
  class Box {
    constructor(readonly v: unknown) {}
  }
  return [same, reordered, dropped, added, inherited, Object.freeze({ ...same }), new Box(extra), [values[0]]];
}

test('the shape-specialised fingerprint equals the generic one on states of the learnt shape and of any other', () => {
  fc.assert(
    fc.property(fc.uniqueArray(keyName, { minLength: 1, maxLength: 6 }), fc.array(member, { minLength: 1, maxLength: 6 }), fc.array(fc.array(member, { minLength: 1, maxLength: 6 }), { maxLength: 6 }), member, (keys, first, others, extra) => {
      const special = structuralFingerprinter();
      const generic = structuralFingerprinter({ specialise: false });
      // The first state teaches the shape.
      for (const v of shapeVariants(keys, first, extra).slice(0, 1)) assert.equal(fpOf(v, special), fpOf(v, generic));
      for (const values of [first, ...others]) {
        for (const v of shapeVariants(keys, values, extra)) assert.equal(fpOf(v, special), fpOf(v, generic), JSON.stringify(v));
      }
    }),
    { numRuns: 1000 },
  );
});

test('a state of the learnt shape gets the fingerprint of an equal state with its keys in another order', () => {
  const f = structuralFingerprinter();
  const a = { pc: [0, 1, 2, 3], j: [4, 0, 0, 1], k: 7, step: [300, -1] };
  fpOf(a, f);
  const b = { step: [300, -1], k: 7, j: [4, 0, 0, 1], pc: [0, 1, 2, 3] };
  assert.equal(fpOf(b, f), fpOf(a, f));
  assert.notEqual(fpOf({ ...a, k: 8 }, f), fpOf(a, f));
  assert.notEqual(fpOf({ ...a, pc: [0, 1, 2, 4] }, f), fpOf(a, f));
  assert.notEqual(fpOf({ ...a, pc: [0, 1, 2, 3, 0] }, f), fpOf(a, f), 'a trailing zero byte changes the hash');
  // Packed four to a word, [0] and [0, 0] hash the same words: the length must tell them apart.
  const zeros = Array.from({ length: 9 }, (_, n) => fpOf(new Array<number>(n).fill(0)));
  assert.equal(new Set(zeros).size, zeros.length);
});

test('compact states: slots past a byte are not packed four to a word, wherever they are', () => {
  // Packed, 256 in one slot would read as 1 in the next: these pairs would share a fingerprint.
  const pairs: Array<[number[], number[]]> = [
    [[256, 0, 0, 0, 0], [0, 1, 0, 0, 0]],
    [[0, 256, 0, 0, 0], [0, 0, 1, 0, 0]],
    [[0, 0, 256, 0, 0], [0, 0, 0, 1, 0]],
    [[0, 0, 0, 256, 0], [0, 0, 0, 0, 0]],
    [[0, 0, 0, 0, 256, 0], [0, 0, 0, 0, 0, 1]],
  ];
  const fpOfWords = (w: number[], offset: number): string => {
    const f: Fingerprint = { hi: 0, lo: 0 };
    fingerprintWords(Int32Array.from([7, ...w].slice(1 - offset)), offset, w.length, f);
    return `${f.hi}:${f.lo}`;
  };
  for (const [x, y] of pairs) for (const offset of [0, 1]) assert.notEqual(fpOfWords(x, offset), fpOfWords(y, offset), `${x} / ${y} at offset ${offset}`);
});

test('a specialised fingerprinter that has seen many states (its memo of short byte arrays warm) equals the generic one on each', () => {
  // Few values, so that contents repeat under each key, under other keys and at other lengths
  // ([0], [0, 0] and [] pack to the same words), and the memo's slots collide.
  const small = fc.array(fc.constantFrom(0, 1, 2, 255), { maxLength: 17 });
  // Bytes that agree on their first 4, 8 or 12: only the second packed word of the memo (up to 8
  // bytes) tells the shorter apart; the longer go around the memo.
  const long = fc
    .tuple(fc.constantFrom(4, 8, 12), fc.array(fc.constantFrom(0, 1), { minLength: 1, maxLength: 5 }))
    .map(([head, tail]) => [...new Array<number>(head).fill(0), ...tail]);
  // Integer members (the table of 0..255's pairs), and those it must leave out.
  const int = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(255, 256, -1, -0, 1.5, 2 ** 31));
  const value = fc.oneof({ weight: 8, arbitrary: small }, { weight: 4, arbitrary: long }, fc.constant([256]), fc.constant([1, -1]), { weight: 4, arbitrary: int });
  const keys = ['pc', 'j', 'k', 'pos', 'step'];
  const stateOf = (vs: unknown[]) => Object.fromEntries(keys.map((k, i) => [k, vs[i]]));
  fc.assert(
    fc.property(fc.array(fc.array(value, { minLength: 5, maxLength: 5 }), { minLength: 50, maxLength: 400 }), (rows) => {
      const special = structuralFingerprinter();
      // Two slots: every short array's entry meets others' in them.
      const tiny = structuralFingerprinter({ memoBits: 1 });
      const generic = structuralFingerprinter({ specialise: false });
      for (const vs of rows) {
        const s = stateOf(vs);
        assert.equal(fpOf(s, special), fpOf(s, generic), JSON.stringify(s));
        assert.equal(fpOf(s, tiny), fpOf(s, generic), JSON.stringify(s));
        // The same arrays under the keys one place along.
        const t = stateOf([...vs.slice(1), vs[0]]);
        assert.equal(fpOf(t, special), fpOf(t, generic), JSON.stringify(t));
        assert.equal(fpOf(t, tiny), fpOf(t, generic), JSON.stringify(t));
      }
    }),
    { numRuns: 200 },
  );
});
