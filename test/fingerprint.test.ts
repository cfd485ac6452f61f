import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { produce } from 'immer';
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
