/** The object contract's speed hooks: `encode` in place of the structural fingerprint, and coverage per action kind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, encoderFingerprinter, type Fingerprint } from '../checker/index.ts';
import { petersonObject } from '../bench/beem/peterson-object.ts';

test('a model with encode and kinds gives the same counts, coverage and traces as without', () => {
  for (const n of [2, 3]) {
    const plain = check(petersonObject(n), { stopAtFirst: false });
    const hooked = check(petersonObject(n, { encode: true, kinds: true }), { stopAtFirst: false });
    assert.deepEqual([hooked.status, hooked.distinctStates, hooked.transitions, hooked.depth], [plain.status, plain.distinctStates, plain.transitions, plain.depth]);
    assert.deepEqual(hooked.coverage, plain.coverage);
  }
});

test('encode: the type tags and the order of values keep different encodings apart', () => {
  type V = { kind: 'int' | 'num' | 'str' | 'bool'; v: number | string | boolean };
  const value: fc.Arbitrary<V> = fc.oneof(
    fc.integer({ min: -5, max: 5 }).map((v) => ({ kind: 'int' as const, v })),
    fc.double({ noNaN: true, min: -3, max: 3 }).map((v) => ({ kind: 'num' as const, v })),
    fc.string({ maxLength: 3 }).map((v) => ({ kind: 'str' as const, v })),
    fc.boolean().map((v) => ({ kind: 'bool' as const, v })),
  );
  const fp = encoderFingerprinter<V[]>((s, out) => {
    for (const x of s) {
      if (x.kind === 'int' || x.kind === 'num') out.num(x.v as number);
      else if (x.kind === 'str') out.str(x.v as string);
      else out.bool(x.v as boolean);
    }
  });
  const key = (s: V[]): string => JSON.stringify(s.map((x) => (x.kind === 'int' || x.kind === 'num' ? ['n', Object.is(x.v, -0) ? 0 : x.v] : [x.kind, x.v])));
  const of = (s: V[]): string => {
    const out: Fingerprint = { hi: 0, lo: 0 };
    fp(s, out);
    return `${out.hi}:${out.lo}`;
  };
  fc.assert(
    fc.property(fc.array(value, { maxLength: 4 }), fc.array(value, { maxLength: 4 }), (a, b) => {
      assert.equal(of(a) === of(b), key(a) === key(b));
    }),
    { numRuns: 3000 },
  );
  assert.notEqual(of([{ kind: 'int', v: 1 }, { kind: 'str', v: '' }]), of([{ kind: 'str', v: '1' }]));
  assert.equal(of([{ kind: 'num', v: 2 }]), of([{ kind: 'int', v: 2 }]), 'a whole double is the same number as the int');
});

test('kindOf out of range is a model error naming kindOf, not a crash', () => {
  const m = { ...petersonObject(2, { kinds: true }), kindOf: () => 99 };
  const r = check(m);
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]!.message ?? '', /kindOf\(\) threw RangeError: kind 99 is not an index into actionKinds/);
});
