/**
 * Properties of the checker over random small transition graphs, against a naive reference
 * search written here (a Set of numbers, no fingerprints, no parent links).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, validateTrace, type Model } from '../checker/index.ts';

interface Graph {
  n: number;
  edges: number[][];
  inits: number[];
  bad: number[];
  terminal: number[];
}

const graphArb: fc.Arbitrary<Graph> = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.uniqueArray(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
    inits: fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 }),
    bad: fc.uniqueArray(fc.nat(n - 1), { maxLength: 3 }),
    terminal: fc.uniqueArray(fc.nat(n - 1), { maxLength: n }),
  }),
);

/** States are node numbers wrapped in objects, so the default structural identity is exercised. */
function graphModel(g: Graph): Model<{ node: number }, { to: number }> {
  return {
    name: 'random-graph',
    init: () => g.inits.map((node) => ({ node })),
    actions: (s) => g.edges[s.node]!.map((to) => ({ to })),
    next: (_s, a) => ({ node: a.to }),
    invariants: { 'not bad': (s) => !g.bad.includes(s.node) },
    done: (s) => g.terminal.includes(s.node),
    label: (a) => `to ${a.to}`,
  };
}

/** Reference BFS: distances from the initial nodes. */
function distances(g: Graph): Map<number, number> {
  const dist = new Map<number, number>();
  let frontier = [...g.inits];
  for (const i of frontier) dist.set(i, 0);
  let d = 0;
  while (frontier.length > 0) {
    d++;
    const next: number[] = [];
    for (const u of frontier) for (const v of g.edges[u]!) if (!dist.has(v)) { dist.set(v, d); next.push(v); }
    frontier = next;
  }
  return dist;
}

/** The set of states the checker stored, observed through an invariant (called once per new state). */
function visitedBy(g: Graph, strategy: 'bfs' | 'dfs'): Set<number> {
  const seen = new Set<number>();
  const model = { ...graphModel(g), done: () => true, invariants: { observe: (s: { node: number }) => { seen.add(s.node); return true; } } };
  const r = check(model, { strategy });
  assert.notEqual(r.status, 'error');
  assert.equal(r.distinctStates, seen.size);
  return seen;
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy} reaches exactly the states a naive search reaches`, () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const expected = [...distances(g).keys()].sort((a, b) => a - b);
        assert.deepEqual([...visitedBy(g, strategy)].sort((a, b) => a - b), expected);
      }),
      { numRuns: 300 },
    );
  });

  test(`${strategy}: every reported trace replays step by step to its violation`, () => {
    fc.assert(
      fc.property(graphArb, (g) => {
        const model = graphModel(g);
        const r = check(model, { strategy, stopAtFirst: false });
        for (const v of r.violations) {
          if (v.kind === 'sometimes') continue;
          assert.equal(validateTrace(model, v.trace), undefined);
          const last = v.trace[v.trace.length - 1]!.state.node;
          if (v.kind === 'invariant') assert.ok(g.bad.includes(last));
          if (v.kind === 'deadlock') assert.ok(g.edges[last]!.length === 0 && !g.terminal.includes(last));
        }
      }),
      { numRuns: 300 },
    );
  });
}

test('bfs: a violation is found exactly when a bad state is reachable, and its trace is a shortest path', () => {
  fc.assert(
    fc.property(graphArb, (g) => {
      const dist = distances(g);
      const reachableBad = g.bad.filter((b) => dist.has(b));
      const deadlocks = [...dist.keys()].filter((u) => g.edges[u]!.length === 0 && !g.terminal.includes(u));
      const r = check(graphModel(g));
      if (reachableBad.length === 0 && deadlocks.length === 0) {
        assert.equal(r.status, 'ok');
        return;
      }
      assert.equal(r.status, 'violation');
      const v = r.violations[0]!;
      const shortest = Math.min(...reachableBad.map((b) => dist.get(b)!), ...deadlocks.map((u) => dist.get(u)!));
      assert.equal(v.trace.length - 1, shortest);
    }),
    { numRuns: 500 },
  );
});

test('limits give incomplete, and never more states than maxStates', () => {
  fc.assert(
    fc.property(graphArb, fc.integer({ min: 1, max: 10 }), fc.constantFrom('bfs' as const, 'dfs' as const), (g, maxStates, strategy) => {
      const reachable = distances(g).size;
      const model = { ...graphModel(g), invariants: {} };
      const r = check(model, { strategy, maxStates });
      assert.ok(r.distinctStates <= maxStates);
      const hasDeadlock = r.violations.some((v) => v.kind === 'deadlock');
      if (reachable > maxStates && !hasDeadlock) assert.equal(r.status, 'incomplete');
      if (reachable <= maxStates) assert.notEqual(r.status, 'incomplete');
    }),
    { numRuns: 300 },
  );
});

test('bfs and dfs agree on the number of states and transitions', () => {
  fc.assert(
    fc.property(graphArb, (g) => {
      const model = { ...graphModel(g), invariants: {}, done: () => true };
      const a = check(model, { strategy: 'bfs' });
      const b = check(model, { strategy: 'dfs' });
      assert.equal(a.distinctStates, b.distinctStates);
      assert.equal(a.transitions, b.transitions);
      assert.deepEqual(a.coverage, b.coverage);
    }),
    { numRuns: 300 },
  );
});
