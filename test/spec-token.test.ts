/**
 * The sub-block token API (spec/token.ts): the encoding, and the laws overlay, slice and
 * canonicalisation obey (fast-check over random blocks built from random overlays).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMixed, overlay, runsToken, sliceToken, tokenAtByte, tokenParts, tokenRuns, tokenWriter, tokenWriters, ZERO } from '../spec/token.ts';

const BS = 4096;

test('a write over part of a zero block is a canonical mixed token', () => {
  const t = overlay(ZERO, 'W1[0]', 512, 1024, BS);
  assert.equal(t, '{0:zero 512:W1[0] 1024:zero}');
  assert.deepEqual(tokenRuns(t, BS), [
    { from: 0, to: 512, t: 'zero' },
    { from: 512, to: 1024, t: 'W1[0]' },
    { from: 1024, to: 4096, t: 'zero' },
  ]);
  assert.equal(tokenAtByte(t, 511, BS), 'zero');
  assert.equal(tokenAtByte(t, 512, BS), 'W1[0]');
  assert.deepEqual(tokenParts(t), ['zero', 'W1[0]']);
  assert.deepEqual(tokenWriters(t), ['W1']);
  assert.equal(tokenWriter(t), null);
  assert.ok(isMixed(t));
});

test('a block whose bytes all hold one token is that plain token', () => {
  assert.equal(overlay(ZERO, 'W1[0]', 0, BS, BS), 'W1[0]');
  const half = overlay('f0.init[0]', 'W2[0]', 0, 2048, BS);
  assert.equal(overlay(half, 'W3[0]', 0, BS, BS), 'W3[0]');
  assert.equal(overlay(half, 'f0.init[0]', 0, 2048, BS), 'f0.init[0]');
  assert.equal(runsToken([{ from: 0, to: 100, t: 'zero' }, { from: 100, to: BS, t: 'zero' }], BS), 'zero');
  assert.deepEqual(sliceToken('W1[0]', 100, 200, BS), [{ from: 100, to: 200, t: 'W1[0]' }]);
});

test('malformed runs are refused, not silently accepted', () => {
  assert.throws(() => runsToken([{ from: 0, to: 100, t: 'zero' }], BS), /cover/);
  assert.throws(() => runsToken([{ from: 0, to: 100, t: 'zero' }, { from: 200, to: BS, t: 'zero' }], BS), /in order/);
  assert.throws(() => tokenRuns('{0:zero 5000:W1[0]}', BS), /fit/);
  assert.throws(() => tokenRuns('{0:zero', BS), /malformed/);
});

const plain: fc.Arbitrary<string> = fc.constantFrom('zero', 'W1[0]', 'W2[0]', 'f0.init[0]', 'stale[p3]');
const range = fc.tuple(fc.integer({ min: 0, max: BS }), fc.integer({ min: 0, max: BS })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
/** A block built by random overlays of plain tokens: any mixed token the spec can make. */
const block = fc.tuple(plain, fc.array(fc.tuple(plain, range), { maxLength: 5 })).map(([t0, ops]) => ops.reduce((t, [p, [a, b]]) => overlay(t, p, a, b, BS), t0));
/** The same block as one token per byte (the reference semantics), sampled every 64 bytes and at run edges. */
const bytes = (t: string): string[] => Array.from({ length: BS }, (_, i) => tokenAtByte(t, i, BS));

test('laws: overlay agrees with a byte-by-byte reference; results are canonical', () => {
  fc.assert(
    fc.property(block, block, range, (base, src, [a, b]) => {
      const t = overlay(base, src, a, b, BS);
      const want = bytes(base).map((x, i) => (i >= a && i < b ? tokenAtByte(src, i, BS) : x));
      assert.deepEqual(bytes(t), want);
      // Canonical: re-encoding its own runs gives the same string; neighbours differ; plain iff one run.
      const runs = tokenRuns(t, BS);
      assert.equal(runsToken(runs, BS), t);
      for (let i = 1; i < runs.length; i++) assert.notEqual(runs[i]?.t, runs[i - 1]?.t);
      assert.equal(isMixed(t), runs.length > 1);
    }),
    { numRuns: 150 },
  );
});

test('laws: equal contents give equal tokens, whatever overlays built them', () => {
  fc.assert(
    fc.property(block, range, (t, [a, b]) => {
      // Splitting an overlay of the block onto itself in two halves changes nothing.
      const m = Math.floor((a + b) / 2);
      assert.equal(overlay(overlay(t, t, a, m, BS), t, m, b, BS), t);
      // Overlaying a slice's own token back is the identity; slices tile the block.
      const cut = [...sliceToken(t, 0, a, BS), ...sliceToken(t, a, BS, BS)];
      assert.equal(runsToken(cut, BS), t);
    }),
    { numRuns: 150 },
  );
});

test('laws: the last overlay of a range wins, and overlays of disjoint ranges commute', () => {
  fc.assert(
    fc.property(block, plain, plain, range, range, (t, p, q, r1, r2) => {
      assert.equal(overlay(overlay(t, p, r1[0], r1[1], BS), q, r1[0], r1[1], BS), overlay(t, q, r1[0], r1[1], BS));
      if (r1[1] <= r2[0] || r2[1] <= r1[0]) {
        assert.equal(overlay(overlay(t, p, r1[0], r1[1], BS), q, r2[0], r2[1], BS), overlay(overlay(t, q, r2[0], r2[1], BS), p, r1[0], r1[1], BS));
      }
    }),
    { numRuns: 150 },
  );
});
