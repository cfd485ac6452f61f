/**
 * The checker on small models whose answers are known independently of this code: from SPIN,
 * or by hand (the reasoning is in each model's file under test/models/).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, validateTrace, type Model } from '../checker/index.ts';
import { peterson } from './models/peterson.ts';
import { brokenMutex } from './models/mutex.ts';
import { philosophers } from './models/philosophers.ts';
import { chain, evenCounter } from './models/counter.ts';

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: Peterson's algorithm has SPIN's 20 states and 34 transitions, and is safe`, () => {
    const r = check(peterson(), { strategy });
    assert.equal(r.status, 'ok');
    assert.equal(r.distinctStates, 20);
    assert.equal(r.transitions, 34);
    assert.deepEqual(r.violations, []);
    assert.deepEqual(Object.keys(r.coverage), ['P0', 'P1']);
    assert.equal(r.coverage.P0! + r.coverage.P1!, 34);
  });

  test(`${strategy}: the broken mutex is caught, with a trace that replays`, () => {
    const model = brokenMutex();
    const r = check(model, { strategy });
    assert.equal(r.status, 'violation');
    const v = r.violations[0]!;
    assert.equal(v.property, 'mutual-exclusion');
    assert.equal(v.kind, 'invariant');
    assert.equal(validateTrace(model, v.trace), undefined);
    const last = v.trace[v.trace.length - 1]!.state;
    assert.deepEqual(last.pc, [2, 2]);
  });

  test(`${strategy}: three dining philosophers deadlock with every left fork taken`, () => {
    const model = philosophers(3);
    const r = check(model, { strategy });
    assert.equal(r.status, 'violation');
    const v = r.violations[0]!;
    assert.equal(v.kind, 'deadlock');
    const last = v.trace[v.trace.length - 1]!.state;
    assert.deepEqual(last.pc, [1, 1, 1]);
    assert.deepEqual(last.holder, [0, 1, 2]);
    assert.equal(validateTrace(model, v.trace), undefined);
  });

  test(`${strategy}: a sometimes-property that never holds is reported; one that holds is not`, () => {
    const r = check(evenCounter(10), { strategy, stopAtFirst: false });
    assert.equal(r.status, 'violation');
    assert.deepEqual(r.violations.map((v) => [v.property, v.kind, v.trace.length]), [['reaches an odd value', 'sometimes', 0]]);
    assert.equal(r.distinctStates, 6);
  });
}

test('bfs: the broken mutex counterexample is the shortest, 4 steps', () => {
  const r = check(brokenMutex());
  assert.equal(r.violations[0]!.trace.length, 5);
  assert.deepEqual(r.violations[0]!.trace.map((s) => s.label), ['init', 'P0', 'P1', 'P0', 'P1']);
});

test('bfs: the philosophers deadlock is found at its shortest, 3 steps', () => {
  const r = check(philosophers(3));
  assert.equal(r.violations[0]!.trace.length, 4);
  assert.equal(r.depth, 3);
});

test('dfs: a chain 600,000 states deep is searched without overflowing the stack', () => {
  const r = check(chain(600_000), { strategy: 'dfs' });
  assert.equal(r.status, 'violation');
  assert.equal(r.distinctStates, 600_001);
  assert.equal(r.depth, 600_000);
  assert.equal(r.violations[0]!.trace.length, 600_001);
  assert.equal(r.violations[0]!.trace[600_000]!.state, 600_000);
});

test('invariants are checked in the initial states', () => {
  const model: Model<number, 'x'> = { name: 'bad-init', init: () => [0, 1], actions: () => [], next: (s) => s, done: () => true, invariants: { positive: (s) => s > 0 } };
  const r = check(model);
  assert.equal(r.status, 'violation');
  assert.deepEqual(r.violations[0]!.trace.map((s) => s.state), [0]);
});

test('the default identity is canonical: key order and undefined members do not matter', () => {
  // Two actions lead to the "same" state written two ways: one state, two transitions.
  const model: Model<Record<string, unknown>, number> = {
    name: 'canonical',
    init: () => [{ start: true }],
    actions: (s) => (s.start === true ? [0, 1] : []),
    next: (_s, a) => (a === 0 ? { x: 1, y: [1, { p: 2, q: 3 }] } : { y: [1, { q: 3, p: 2 }], x: 1, z: undefined }),
    done: () => true,
  };
  const r = check(model);
  assert.equal(r.distinctStates, 2);
  assert.equal(r.transitions, 2);
});

test('stopAtFirst: false collects one violation per property', () => {
  const model: Model<number, 'inc'> = {
    name: 'two-bugs',
    init: () => [0],
    actions: (s) => (s < 5 ? ['inc'] : []),
    next: (s) => s + 1,
    invariants: { 'below 2': (s) => s < 2, 'below 4': (s) => s < 4 },
  };
  const first = check(model);
  assert.deepEqual(first.violations.map((v) => v.property), ['below 2']);
  const all = check(model, { stopAtFirst: false });
  assert.deepEqual(all.violations.map((v) => [v.property, v.trace.length]), [['below 2', 3], ['below 4', 5], ['deadlock', 6]]);
});

const infinite: Model<number, 'inc'> = { name: 'infinite', init: () => [0], actions: () => ['inc'], next: (s) => s + 1, sometimes: { never: () => false } };

test('maxStates, maxDepth and timeLimitMs end the search as incomplete, and then no sometimes-violation is claimed', () => {
  const a = check(infinite, { maxStates: 100 });
  assert.equal(a.status, 'incomplete');
  assert.equal(a.incompleteReason, 'maxStates');
  assert.equal(a.distinctStates, 100);
  assert.deepEqual(a.violations, []);
  const b = check(infinite, { maxDepth: 10, strategy: 'dfs' });
  assert.equal(b.status, 'incomplete');
  assert.equal(b.incompleteReason, 'maxDepth');
  assert.equal(b.depth, 10);
  const c = check(infinite, { timeLimitMs: 50 });
  assert.equal(c.status, 'incomplete');
  assert.equal(c.incompleteReason, 'timeLimit');
  assert.ok(c.distinctStates > 0);
});

test('maxDepth that cuts nothing leaves the search complete', () => {
  const r = check(peterson(), { maxDepth: 1000 });
  assert.equal(r.status, 'ok');
  assert.equal(r.distinctStates, 20);
});

test('an exception in the model gives status error with the trace to the state where it was thrown', () => {
  const model: Model<number, 'inc'> = {
    name: 'throws',
    init: () => [0],
    actions: () => ['inc'],
    next: (s) => {
      if (s === 3) throw new Error('boom at 3');
      return s + 1;
    },
  };
  const r = check(model);
  assert.equal(r.status, 'error');
  const v = r.violations[0]!;
  assert.equal(v.kind, 'error');
  assert.match(v.message!, /next\(\) on action "inc" threw Error: boom at 3/);
  assert.deepEqual(v.trace.map((s) => s.state), [0, 1, 2, 3]);
  const initThrows = check({ ...model, init: () => { throw new TypeError('no init'); } });
  assert.equal(initThrows.status, 'error');
  assert.match(initThrows.violations[0]!.message!, /init\(\) threw TypeError: no init/);
  const invThrows = check({ ...model, invariants: { bad: (s) => { if (s === 2) throw new Error('inv'); return true; } } });
  assert.equal(invThrows.status, 'error');
  assert.equal(invThrows.violations[0]!.trace.length, 3);
});

test('statistics: bytes per state, collision probability, progress', () => {
  const progress: number[] = [];
  const r = check(chain(200_000), { strategy: 'bfs', onProgress: (p) => progress.push(p.distinctStates) });
  assert.ok(r.bytesPerState > 0 && r.bytesPerState < 64, `bytesPerState ${r.bytesPerState}`);
  assert.ok(r.collisionProbability > 0 && r.collisionProbability < 1e-8);
  assert.ok(progress.every((n) => n > 0));
});

test('the search is deterministic: same counts and traces on every run', () => {
  for (const strategy of ['bfs', 'dfs'] as const) {
    const a = check(philosophers(4), { strategy, stopAtFirst: false });
    const b = check(philosophers(4), { strategy, stopAtFirst: false });
    assert.equal(a.distinctStates, b.distinctStates);
    assert.equal(a.transitions, b.transitions);
    assert.deepEqual(a.coverage, b.coverage);
    assert.deepEqual(a.violations.map((v) => v.trace.map((s) => s.label)), b.violations.map((v) => v.trace.map((s) => s.label)));
  }
});
