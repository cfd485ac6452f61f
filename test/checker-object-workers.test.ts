/**
 * The parallel object search (`check --workers N`, checker/object-workers.ts) against `check`:
 * every scenario under scenarios/ gets the same verdict with 2 workers and, when the search is
 * complete, the same distinct states, transitions, depth and coverage; each counterexample
 * replays and has the sequential search's (shortest) length. One pool serves the whole file;
 * the sequential searches run meanwhile in the CLI's own search thread (cli/worker.ts, the
 * `check` that `writepath check` runs, with its options), so the two overlap.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { check, validateTrace, type CheckOptions, type CheckResult, type Scenario } from '../checker/index.ts';
import { ObjectPool, checkObjectParallel } from '../checker/object-workers.ts';
import { shareOut } from '../checker/object-protocol.ts';
import { loadTargets } from '../cli/load.ts';
import { withReductions } from '../cli/reductions.ts';
import type { Job, WorkerInput, WorkerMessage } from '../cli/worker.ts';

const { scenarios: loaded } = await loadTargets([], 'scenarios');
const pool = ObjectPool.start(2);

// No partial-order reduction on the sequential side either: the parallel search does none, and
// `writepath check` reduces the spec by it by default since issue 10v.
const jobs: Job[] = loaded.map((l) => ({ path: l.path, index: l.index, change: { knobs: {} }, options: {}, reductions: { partialOrder: false, symmetry: true, view: true } }));
const seqInput: WorkerInput = { module: new URL('../cli/worker.ts', import.meta.url).href, jobs, stop: new SharedArrayBuffer(4), progress: false };
const seqWorker = new Worker(new URL('../cli/worker.mjs', import.meta.url), { workerData: seqInput });
const settle: Array<{ resolve: (r: CheckResult<unknown, unknown>) => void; reject: (e: Error) => void }> = [];
const seqResults = loaded.map((_, i) => new Promise<CheckResult<unknown, unknown>>((resolve, reject) => (settle[i] = { resolve, reject })));
seqWorker.on('message', (m: WorkerMessage) => {
  if (m.type === 'result') settle[m.job]!.resolve(m.result);
  else if (m.type === 'failed') settle[m.job]!.reject(new Error(m.message));
});
after(async () => {
  await pool.close();
  await seqWorker.terminate();
});

const refOf = (path: string, index: number) => ({ module: 'cli/scenario-model.ts', export: 'scenarioModel', args: [path, index, {}] });

/** The options `writepath check` gives a scenario, with no partial-order reduction either side. */
const cliOptions = (scenario: Scenario): CheckOptions => withReductions(scenario, scenario.options ?? {}, { partialOrder: false, symmetry: true, view: true }, false);

const summary = (r: CheckResult<unknown, unknown>) =>
  r.violations.map((v) => `${v.property}/${v.kind}/${v.trace.length}`).sort();

test('there are scenarios to compare', () => assert.ok(loaded.length > 50));

for (const [i, { file, path, index, scenario }] of loaded.entries()) {
  test(`${scenario.name} (${file}): 2 workers agree with check`, async () => {
    const options = cliOptions(scenario);
    const par = await pool.check(refOf(path, index), options);
    const seq = await seqResults[i]!;
    assert.equal(par.status, seq.status);
    assert.deepEqual(summary(par), summary(seq), 'the same properties violated, with traces of the same length');
    if (seq.status === 'ok' || (seq.status === 'violation' && options.stopAtFirst === false)) {
      assert.equal(par.distinctStates, seq.distinctStates);
      assert.equal(par.transitions, seq.transitions);
      assert.equal(par.depth, seq.depth);
      assert.deepEqual(par.coverage, seq.coverage);
    }
    for (const v of par.violations) {
      if (v.kind === 'sometimes') continue;
      assert.equal(validateTrace(scenario.model, v.trace), undefined, `${v.property}: the trace replays`);
      assert.doesNotMatch(v.message ?? '', /re-executing the path gave a different state|could not be rebuilt/);
      const last = v.trace[v.trace.length - 1]!.state;
      if (v.kind === 'invariant') assert.equal(scenario.model.invariants![v.property]!(last), false, `${v.property}: the trace ends in a violating state`);
      if (v.kind === 'deadlock') assert.deepEqual(scenario.model.actions(last), [], 'a deadlock trace ends with nothing enabled');
    }
  });
}

const big = loaded.find((l) => l.scenario.name === 'xfs-sw-atomic-vs-plain-merged')!;

test('limits: maxStates is exact, maxDepth cuts as check does, a stop request and a time limit end it incomplete', async () => {
  const ref = refOf(big.path, big.index);
  const m = await pool.check(ref, { maxStates: 777 });
  assert.equal(m.status, 'incomplete');
  assert.equal(m.incompleteReason, 'maxStates');
  assert.equal(m.distinctStates, 777);
  const d = await pool.check(ref, { maxDepth: 9 });
  const ds = check(big.scenario.model, { maxDepth: 9 });
  assert.equal(d.incompleteReason, 'maxDepth');
  assert.deepEqual([d.distinctStates, d.transitions, d.depth], [ds.distinctStates, ds.transitions, ds.depth]);
  // The stop request is polled every 100 ms: asked at the first poll, on a search of 39,001
  // states (seconds), not the 5,533 above, which a warm pool can finish in a few polls.
  const four = loaded.find((l) => l.scenario.name === 'xfs-sw-atomic-vs-plain-merged-4-blocks')!;
  let polls = 0;
  const s = await pool.check(refOf(four.path, four.index), { shouldStop: () => ++polls >= 1 });
  assert.equal(s.incompleteReason, 'interrupted');
  assert.ok(s.distinctStates < 39_001);
  const t = await pool.check(ref, { timeLimitMs: 1 });
  assert.equal(t.incompleteReason, 'timeLimit');
});

test('what the parallel search cannot do is refused, naming it', async () => {
  const ref = refOf(big.path, big.index);
  await assert.rejects(pool.check(ref, { strategy: 'dfs' }), /breadth-first only/);
  await assert.rejects(pool.check(ref, { partialOrder: true }), /partial-order/);
  await assert.rejects(pool.check(ref, { bitstate: { log2Bits: 20 } }), /bitstate/);
  await assert.rejects(pool.check({ module: 'cli/nothing-here.ts' }, {}), /nothing-here/);
  assert.throws(() => ObjectPool.start(0), /1 to 64/);
  // The pool still works after refusals.
  assert.equal((await pool.check(ref, { maxStates: 10 })).distinctStates, 10);
});

test('a model exception ends the search as an error with the trace to the state that threw', async () => {
  const r = await checkObjectParallel({ module: 'test/models/throws-at-depth.ts', export: 'throwsAtDepth', args: [4] }, 2);
  const s = check((await import('./models/throws-at-depth.ts')).throwsAtDepth(4));
  assert.equal(r.status, 'error');
  assert.equal(r.violations[0]!.message, s.violations[0]!.message);
  assert.equal(r.violations[0]!.trace.length, s.violations[0]!.trace.length);
});

test('wide levels: every violation found by either worker has a shortest trace to its own state', async () => {
  // Depth 18 of 10^4 states: levels of hundreds of states, several chunks, both workers busy.
  const corners = [[9, 9, 0, 0], [0, 9, 9, 0], [0, 0, 9, 9], [9, 0, 0, 9], [5, 4, 5, 4], [4, 5, 4, 5], [6, 3, 6, 3], [3, 6, 3, 6], [5, 5, 4, 4], [4, 4, 5, 5]];
  const { grid } = await import('./models/grid.ts');
  const model = grid(4, 10, corners);
  const seq = check(model, { stopAtFirst: false });
  const par = await pool.check<number[], number>({ module: 'test/models/grid.ts', export: 'grid', args: [4, 10, corners] }, { stopAtFirst: false });
  assert.equal(par.distinctStates, 10 ** 4);
  assert.deepEqual(summary(par), summary(seq));
  for (const v of par.violations) {
    assert.equal(validateTrace(model, v.trace), undefined);
    assert.equal(v.trace[v.trace.length - 1]!.state.join(','), v.property.slice(4), 'the trace ends in the state the property names');
  }
});

test('states that cross threads to balance a level arrive frozen again', async () => {
  const r = await pool.check({ module: 'test/models/grid.ts', export: 'grid', args: [4, 10, [], true] }, {});
  assert.equal(r.status, 'ok', r.violations[0]?.message ?? '');
  assert.equal(r.distinctStates, 10 ** 4);
});

test('a level is shared out evenly, each worker keeping its own chunks up to its share', () => {
  const c = (owner: number, count: number) => ({ owner, count });
  // Worker 0 found everything: half of it moves to worker 1.
  assert.deepEqual(shareOut([c(0, 256), c(0, 256), c(0, 256), c(0, 256)], 2), [0, 0, 1, 1]);
  // Found evenly: nothing moves.
  assert.deepEqual(shareOut([c(0, 256), c(1, 256), c(0, 100), c(1, 90)], 2), [0, 1, 0, 1]);
  // The initial states (held by the coordinator) go where there is room.
  assert.deepEqual(shareOut([c(-1, 1)], 2), [0]);
  assert.deepEqual(shareOut([c(1, 256), c(1, 256), c(1, 10), c(0, 5)], 3), [1, 2, 0, 0]);
});

test('writepath check --workers: validated (exit 2 naming the option), and it runs', () => {
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'check', big.path, '--workers', '65'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers needs a whole number from 1 to 64, not "65"/);
  assert.doesNotMatch(bad.stderr, /at .*\.ts:\d+/, 'no stack trace');
  const dfs = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'check', big.path, '--workers', '2', '--strategy', 'random'], { encoding: 'utf8' });
  assert.equal(dfs.status, 2);
  assert.match(dfs.stderr, /--workers cannot be combined with --strategy random/);
  const ok = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'check', 'xfs-store-vs-punch-taken', '--workers', '2', '--json'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { results: Array<{ distinctStates: number }> };
  const sc = loaded.find((l) => l.scenario.name === 'xfs-store-vs-punch-taken')!.scenario;
  const seq = check(sc.model, cliOptions(sc));
  assert.equal(doc.results[0]!.distinctStates, seq.distinctStates);
});
