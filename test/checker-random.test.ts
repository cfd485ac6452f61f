/**
 * Random walks: seeded and replayable, sound (a violation they report is real and its trace
 * replays), shrinking to 1-minimal schedules; swarm shards; the memory guard; bitstate search.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, validateTrace, type Model } from '../checker/index.ts';
import { shardPlan } from '../checker/random.ts';
import { expectedCoverage } from '../checker/bitstate.ts';
import { brokenMutex } from './models/mutex.ts';
import { peterson } from './models/peterson.ts';
import { counters } from '../bench/models.ts';
import { asObjectModel } from '../checker/compact.ts';
import { peterson as petersonN } from '../bench/beem/peterson.ts';

test('random: the broken mutex is caught; the same seed replays the same run exactly', () => {
  const a = check(brokenMutex(), { strategy: 'random', seed: 12345 });
  assert.equal(a.status, 'violation');
  assert.equal(a.seed, 12345);
  const v = a.violations[0]!;
  assert.equal(validateTrace(brokenMutex(), v.trace), undefined);
  // Shrunk to the shortest schedule there is: 4 steps.
  assert.equal(v.trace.length, 5);
  const b = check(brokenMutex(), { strategy: 'random', seed: 12345 });
  assert.deepEqual([b.schedule, b.walks, b.transitions, b.violations], [a.schedule, a.walks, a.transitions, a.violations]);
  const drawn = check(peterson(), { strategy: 'random', walks: 20 });
  assert.equal(typeof drawn.seed, 'number');
  const again = check(peterson(), { strategy: 'random', walks: 20, seed: drawn.seed! });
  assert.deepEqual([again.distinctStates, again.transitions], [drawn.distinctStates, drawn.transitions]);
});

test('random: a search that finds nothing is incomplete, never "holds"', () => {
  const r = check(peterson(), { strategy: 'random', seed: 1, walks: 50, maxDepth: 30 });
  assert.equal(r.status, 'incomplete');
  assert.equal(r.incompleteReason, 'random');
  assert.equal(r.walks, 50);
  assert.equal(r.distinctStates, 20);
});

/** A grid walk: x and y in 0..size, a noisy "toggle" action, and a bad corner. */
function grid(size: number): Model<{ x: number; y: number; t: boolean }, 'x+' | 'y+' | 'x-' | 'toggle'> {
  return {
    name: 'grid',
    init: () => [{ x: 0, y: 0, t: false }],
    actions: (s) => {
      const out: Array<'x+' | 'y+' | 'x-' | 'toggle'> = ['toggle'];
      if (s.x < size) out.push('x+');
      if (s.y < size) out.push('y+');
      if (s.x > 0) out.push('x-');
      return out;
    },
    next: (s, a) => (a === 'toggle' ? { ...s, t: !s.t } : a === 'x+' ? { ...s, x: s.x + 1 } : a === 'y+' ? { ...s, y: s.y + 1 } : { ...s, x: s.x - 1 }),
    invariants: { 'not in the corner': (s) => !(s.x === size && s.y === size) },
  };
}

test('random: a long failing walk shrinks to a shortest schedule, and every shrunk trace replays', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.nat(2 ** 32 - 1), (size, seed) => {
      const model = grid(size);
      const r = check(model, { strategy: 'random', seed, walks: 2000, maxDepth: 200 });
      if (r.status !== 'violation') return;
      const v = r.violations[0]!;
      assert.equal(validateTrace(model, v.trace), undefined);
      // The shortest path to the corner is 2*size moves; the walk that found it was longer.
      assert.equal(v.trace.length - 1, 2 * size);
      assert.ok(v.trace.every((s) => s.label !== 'toggle' && s.label !== 'x-'));
    }),
    { numRuns: 30 },
  );
});

test('random is sound on random graphs: a violation it reports, BFS reports too, and its trace replays', () => {
  const graphArb = fc.integer({ min: 1, max: 15 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.uniqueArray(fc.nat(n - 1), { maxLength: 3 }), { minLength: n, maxLength: n }),
      bad: fc.uniqueArray(fc.nat(n - 1), { maxLength: 2 }),
      seed: fc.nat(1000),
    }),
  );
  fc.assert(
    fc.property(graphArb, (g) => {
      const model: Model<{ node: number }, number> = {
        name: 'g',
        init: () => [{ node: 0 }],
        actions: (s) => g.edges[s.node]!,
        next: (_s, to) => ({ node: to }),
        done: () => true,
        invariants: { 'not bad': (s) => !g.bad.includes(s.node) },
      };
      const r = check(model, { strategy: 'random', seed: g.seed, walks: 50, maxDepth: 20 });
      const full = check(model);
      const reachable = check({ ...model, invariants: {} }).distinctStates;
      if (r.status === 'violation') {
        assert.equal(full.status, 'violation');
        assert.equal(validateTrace(model, r.violations[0]!.trace), undefined);
        assert.ok(r.violations[0]!.trace.length >= full.violations[0]!.trace.length);
      }
      assert.ok(r.distinctStates <= reachable);
    }),
    { numRuns: 200 },
  );
});

test('swarm shards get distinct seeds and depth bounds, deterministically', () => {
  const plans = Array.from({ length: 8 }, (_, i) => shardPlan(42, 100, { index: i, count: 8 }));
  assert.equal(new Set(plans.map((p) => p.seed)).size, 8);
  assert.deepEqual(new Set(plans.map((p) => p.depth)), new Set([100, 25, 50, 200]));
  assert.deepEqual(shardPlan(42, 100, { index: 3, count: 8 }), plans[3]);
  assert.deepEqual(shardPlan(42, 100, undefined), { seed: 42, depth: 100 });
});

test('the memory guard ends a search incomplete with figures and a hint, not an out-of-memory crash', () => {
  const r = check(counters(3, 128), { maxMemoryBytes: 2 ** 20, maxStates: 1_500_000 });
  assert.equal(r.status, 'incomplete');
  assert.equal(r.incompleteReason, 'maxMemory');
  assert.ok(r.distinctStates > 0 && r.distinctStates < 1_500_000);
  assert.match(r.hint ?? '', /reached the limit of 1 MiB.*--bitstate/);
  assert.ok((r.peakRssBytes ?? 0) > 2 ** 20);
});

test('bitstate: exact on a small model with room to spare, reports SPIN\'s hash factor, still finds violations', () => {
  const model = asObjectModel(petersonN(3));
  const exact = check(model);
  const r = check(model, { bitstate: { log2Bits: 24 } });
  assert.equal(r.status, 'incomplete');
  assert.equal(r.incompleteReason, 'bitstate');
  assert.equal(r.distinctStates, exact.distinctStates);
  assert.equal(r.bitstate!.hashFactor, 2 ** 24 / exact.distinctStates);
  assert.ok(r.bitstate!.expectedCoverage > 0.999);
  const tiny = check(model, { bitstate: { log2Bits: 12 } });
  assert.ok(tiny.distinctStates < exact.distinctStates, 'a 4,096-bit table must lose states of 12,498');
  assert.ok(tiny.bitstate!.hashFactor < 3);
  // Holzmann's estimate counts only the states stored, not the successors of those missed,
  // so it is optimistic once the table is this full; it still falls below 1.
  assert.ok(tiny.bitstate!.expectedCoverage < 0.9);
  const bad = check(brokenMutex(), { bitstate: { log2Bits: 16 } });
  assert.equal(bad.status, 'violation');
});

test("Holzmann's coverage estimate: near 1 for a large hash factor, falling as the table fills", () => {
  assert.ok(expectedCoverage(1000, 2 ** 30, 3) > 0.999999);
  assert.ok(expectedCoverage(1e6, 2 ** 20, 3) < 0.7);
  const a = expectedCoverage(1e5, 2 ** 22, 3);
  const b = expectedCoverage(2e5, 2 ** 22, 3);
  assert.ok(a > b && b > 0 && a < 1);
});
