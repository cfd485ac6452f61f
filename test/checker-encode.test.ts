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

test('encode: runs of small integers (packed four to a word, 64 to a run) keep different encodings apart', () => {
  // Bytes around the run's limit of 64 and the word's 4, zeros (a packed word of a shorter
  // run), the bytes' edges (255, 256, -1) and other kinds of value breaking a run.
  type V = number | string | boolean;
  const item: fc.Arbitrary<V> = fc.oneof({ weight: 12, arbitrary: fc.constantFrom(0, 1, 255) }, fc.constantFrom(256, -1, 2 ** 31 - 1, 0.5), fc.constantFrom('', 'a'), fc.boolean());
  const seq = fc.oneof(fc.array(item, { maxLength: 10 }), fc.array(item, { minLength: 60, maxLength: 140 }));
  const fp = encoderFingerprinter<V[]>((s, out) => {
    for (const x of s) {
      if (typeof x === 'number') out.int(x);
      else if (typeof x === 'string') out.str(x);
      else if (typeof x === 'boolean') out.bool(x);
      else throw new TypeError('not a value');
    }
  });
  const of = (s: V[], f = fp): string => {
    const out: Fingerprint = { hi: 0, lo: 0 };
    f(s, out);
    return `${out.hi}:${out.lo}`;
  };
  const fresh = (s: V[]): string => of(s, encoderFingerprinter<V[]>((t, out) => t.forEach((x) => out.int(x as number))));
  fc.assert(
    fc.property(seq, seq, (a, b) => {
      assert.equal(of(a) === of(b), JSON.stringify(a) === JSON.stringify(b));
      assert.equal(of(a), of([...a]), 'the same encoding twice');
    }),
    { numRuns: 2000 },
  );
  // Runs that differ only in length, and at the 64th byte.
  const zeros = (n: number): V[] => new Array<V>(n).fill(0);
  const lengths = [0, 1, 3, 4, 5, 63, 64, 65, 128, 129].map((n) => of(zeros(n)));
  assert.equal(new Set(lengths).size, lengths.length);
  assert.notEqual(of([...zeros(64), 1]), of([...zeros(63), 1, 0]));
  assert.notEqual(of([1, 'a']), of(['a', 1]));
  assert.equal(of([2]), of([2.0]), 'a whole double is the same number as the int');
  // An encode that throws half-way through a run leaves nothing behind for the next state.
  assert.throws(() => of([1, 2, Symbol('x') as unknown as V]), /not a value/);
  assert.equal(of([3]), fresh([3]));
});

test('kindOf out of range is a model error naming kindOf, not a crash', () => {
  const m = { ...petersonObject(2, { kinds: true }), kindOf: () => 99 };
  const r = check(m);
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]!.message ?? '', /kindOf\(\) threw RangeError: kind 99 is not an index into actionKinds/);
});
