/**
 * The parallel compact search (worker threads sharing one fingerprint table) against the
 * sequential one: the same states, transitions, coverage and verdicts with 1, 2 and 3 workers, and
 * counterexamples of the same (shortest) length that replay. These models are small enough that
 * by default the coordinator expands every level itself, so each is also run with every level
 * given to the workers (`FORCED`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateTrace } from '../checker/index.ts';
import { asObjectModel, checkCompact } from '../checker/compact.ts';
import { checkCompactParallel, newPhases, type ParallelTuning } from '../checker/workers.ts';
import { SharedTable } from '../checker/shared-table.ts';
import { expandLevel, LevelOutput, TableView, type LevelJob } from '../checker/compact-expand.ts';
import type { CompactModel } from '../checker/compact.ts';
import { ParentLinks } from '../checker/store.ts';
import type { ModelRef } from '../checker/model-ref.ts';
import { at } from '../bench/beem/at.ts';

const refs = [
  { name: 'peterson(3)', ref: { module: 'bench/beem/peterson.ts', export: 'peterson', args: [3] } },
  { name: 'hanoi(7)', ref: { module: 'bench/beem/hanoi.ts', export: 'hanoi', args: [7] } },
  { name: 'at(2)', ref: { module: 'bench/beem/at.ts', export: 'at', args: [2] } },
];

/** Every level to the workers, started before the first. */
const FORCED: ParallelTuning = { smallLevel: 0, waitForWorkers: true };
const GROWING: ParallelTuning = { ...FORCED, initialSlots: 1 << 10 };
const EMPTY: ParallelTuning = {};

for (const { name, ref } of refs) {
  test(`${name}: 1, 2 and 3 workers agree with the sequential search`, async () => {
    const { loadCompactModel } = await import('../checker/model-ref.ts');
    const seq = checkCompact(await loadCompactModel(ref), { stopAtFirst: false });
    // GROWING: a table of 1,024 slots, so that the threads grow it between levels, several times.
    for (const [workers, tuning] of [[1, EMPTY], [2, EMPTY], [1, FORCED], [2, FORCED], [3, FORCED], [2, GROWING], [3, GROWING]] as const) {
      const phases = newPhases();
      const par = await checkCompactParallel(ref, workers, { stopAtFirst: false }, { ...tuning, phases });
      // One worker is the coordinator alone: no thread is started.
      if (workers === 1) assert.equal(phases.boot, 'not started');
      else if (tuning !== EMPTY) {
        assert.equal(phases.coordinatorLevels, 0, 'the threads shared every level');
        assert.equal(phases.levels, seq.depth + 1);
        assert.match(phases.boot, /^bundle/, 'the workers ran the compiled model');
      }
      assert.equal(par.status, seq.status, `${workers} workers`);
      assert.equal(par.distinctStates, seq.distinctStates);
      assert.equal(par.transitions, seq.transitions);
      assert.equal(par.depth, seq.depth);
      assert.deepEqual(par.coverage, seq.coverage);
      assert.deepEqual(par.violations.map((v) => [v.property, v.trace.length]), seq.violations.map((v) => [v.property, v.trace.length]));
      const om = asObjectModel(await loadCompactModel(ref));
      for (const v of par.violations) {
        assert.equal(validateTrace(om, v.trace), undefined);
        if (v.kind === 'invariant') assert.equal(om.invariants![v.property]!(v.trace[v.trace.length - 1]!.state), false, 'the trace ends in a violating state');
      }
    }
  });
}

test('2 workers: the at(2) counterexample is a shortest one and replays', async () => {
  for (const tuning of [{}, FORCED]) {
    const r = await checkCompactParallel({ module: 'bench/beem/at.ts', export: 'at', args: [2] }, 2, {}, tuning);
    assert.equal(r.status, 'violation');
    const v = r.violations[0]!;
    assert.equal(v.trace.length, checkCompact(at(2)).violations[0]!.trace.length);
    assert.equal(validateTrace(asObjectModel(at(2)), v.trace), undefined);
    assert.deepEqual(v.trace[v.trace.length - 1]!.state.slice(5), [8, 8], 'both processes in CS');
  }
});

test('workers: limits end the search incomplete; a bad module path is an error naming it', async () => {
  for (const tuning of [{}, FORCED]) {
    const r = await checkCompactParallel({ module: 'bench/beem/peterson.ts', export: 'peterson', args: [3] }, 2, { maxStates: 1000 }, tuning);
    assert.equal(r.status, 'incomplete');
    assert.equal(r.incompleteReason, 'maxStates');
    assert.ok(r.distinctStates >= 1000 && r.distinctStates < 12_498);
    const d = await checkCompactParallel({ module: 'bench/beem/peterson.ts', export: 'peterson', args: [3] }, 2, { maxDepth: 5 }, tuning);
    assert.equal(d.incompleteReason, 'maxDepth');
    const { peterson } = await import('../bench/beem/peterson.ts');
    const seq = checkCompact(peterson(3), { maxDepth: 5 });
    assert.equal(d.depth, seq.depth);
    assert.equal(d.distinctStates, seq.distinctStates);
  }
  await assert.rejects(checkCompactParallel({ module: 'bench/beem/nothing-here.ts' }, 2), /nothing-here/);
});

test('a worker thread that cannot load the model ends the search with its reason', async () => {
  const ref = { module: 'test/fixtures/compact/main-thread-only.ts', export: 'mainThreadOnly' };
  const r = await checkCompactParallel(ref, 2, {}, FORCED);
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]?.message ?? '', /built in the main thread only/);
});

test('a model that reads import.meta: the workers start with tsx instead of the compiled copy, and agree', async () => {
  const ref = { module: 'test/fixtures/compact/import-meta-counter.ts', export: 'counter' };
  const { counter } = await import('./fixtures/compact/import-meta-counter.ts');
  const seq = checkCompact(counter());
  const phases = newPhases();
  const par = await checkCompactParallel(ref, 2, {}, { ...FORCED, phases });
  assert.match(phases.boot, /^tsx \(.*uses import\.meta\)$/);
  assert.equal(par.distinctStates, seq.distinctStates);
  assert.equal(par.transitions, seq.transitions);
  assert.equal(par.status, 'ok');
  // Its levels (the diagonals of a 64 x 64 grid) never reach START_LEVEL: no worker is started.
  const alone = newPhases();
  const small = await checkCompactParallel(ref, 2, {}, { phases: alone });
  assert.equal(alone.boot, 'not started');
  assert.equal(small.distinctStates, seq.distinctStates);
});

/** State x (one slot) has two successors, 2x + 10,001 and 2x + 10,002: all distinct for x < 5,000. */
const doubling: CompactModel = {
  name: 'doubling',
  width: 1,
  init: () => [[0]],
  transitions: ['a', 'b'],
  enabled: () => true,
  apply(s, t, out) {
    out[0] = 2 * s[0]! + 10_001 + t;
  },
};

/** A level of states 0..n-1 split into segments of the given sizes, to expand in this thread. */
function levelOf(sizes: number[], limit: number): LevelJob {
  let next = 0;
  const segments = sizes.map((n) => {
    const a = new Int32Array(new SharedArrayBuffer(n * 4));
    for (let i = 0; i < n; i++) a[i] = next++;
    return a.buffer as SharedArrayBuffer;
  });
  return { table: SharedTable.create(1 << 14).buffer, segments, counts: sizes, cursor: new SharedArrayBuffer(8), threads: 2, firstId: 7, parity: 1, cut: false, stored: 0, limit, tableLimit: 1 << 13, deadline: Number.MAX_SAFE_INTEGER, stopAtFirst: false, found: [], sometimesHeld: [], measure: false };
}

test('expanding a level: chunks across segments give every state its successors and the right parent', () => {
  const job = levelOf([300, 700], Infinity);
  const out = new LevelOutput(1);
  const r = expandLevel(doubling, job, out, new TableView());
  assert.equal(r.count, 2000);
  const states = new Int32Array(r.states);
  const parents = new Uint32Array(r.parents);
  const actions = new Uint16Array(r.actions);
  for (let i = 0; i < r.count; i++) {
    const x = Math.floor((states[i]! - 10_001) / 2);
    assert.equal(parents[i], 7 + x, `the parent of ${states[i]}`);
    assert.equal(actions[i], (states[i]! - 10_001) % 2);
  }
});

test('expanding a level: a thread sees the states other threads added, as of their last chunk', () => {
  const job = levelOf([1000], 100);
  const first = expandLevel(doubling, job, new LevelOutput(1), new TableView());
  assert.deepEqual([first.count, first.stopped], [100, 'maxStates']);
  // A second thread claiming the chunks left: the budget is spent already.
  const second = expandLevel(doubling, job, new LevelOutput(1), new TableView());
  assert.deepEqual([second.count, second.stopped], [0, 'maxStates']);
});

test('parent links appended by block across the chunks of 65,536 links keep every link', () => {
  const links = new ParentLinks();
  for (let i = 0; i < 65_000; i++) links.push(i, i & 0xffff);
  const n = 140_000;
  const parents = Uint32Array.from({ length: n }, (_, i) => 7 * i);
  const actions = Uint16Array.from({ length: n }, (_, i) => i % 9);
  links.pushMany(parents, actions, 131_500);
  assert.equal(links.size, 196_500);
  for (let id = 0; id < links.size; id++) {
    const i = id - 65_000;
    assert.equal(links.parent(id), i < 0 ? id : 7 * i);
    assert.equal(links.action(id), i < 0 ? id & 0xffff : i % 9);
  }
});

test('the shared table: concurrent-safe inserts behave as a set, and growing keeps every entry', () => {
  let t = SharedTable.create(1 << 10);
  const seen = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const hi = Math.imul(i, 0x9e3779b1) >>> 0;
    const lo = i % 7 === 0 ? 0 : Math.imul(i + 1, 0x85ebca6b) >>> 0;
    assert.equal(t.add(hi, lo), !seen.has(`${hi},${lo}`));
    seen.add(`${hi},${lo}`);
    assert.equal(t.add(hi, lo), false);
  }
  t = t.grown();
  for (const k of seen) {
    const [hi, lo] = k.split(',').map(Number) as [number, number];
    assert.ok(t.has(hi, lo));
  }
  assert.equal(t.has(12345, 678), false);
});

test('the compiled worker and model are cached, and compiled again when a file they came from changes', async () => {
  const { bundleWorker, cachedBundle } = await import('../checker/worker-bundle.ts');
  const { loadCompactModel } = await import('../checker/model-ref.ts');
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'writepath-bundle-test-'));
  const module = join(dir, 'line.mjs');
  const line = (n: number): string => `export const line = { name: 'line', width: 1, init: () => [[0]], transitions: ['step'], enabled: (s) => s[0] < ${n}, apply: (s, t, out) => { out[0] = s[0] + 1; } };\n`;
  const ref = { module, export: 'line' };
  const statesOf = async (b: { ref: ModelRef } | string | undefined): Promise<number> => {
    assert.ok(b !== undefined && typeof b !== 'string', String(b));
    return checkCompact(await loadCompactModel(b.ref)).distinctStates;
  };
  try {
    for (const n of [5, 9]) {
      await writeFile(module, line(n));
      assert.equal(cachedBundle(ref), undefined, `nothing current cached for the model with ${n}`);
      const compiled = await bundleWorker(ref, await loadCompactModel(ref));
      assert.equal(typeof compiled !== 'string' && compiled.cached, false);
      assert.equal(await statesOf(compiled), n + 1, 'the compiled model is the current one');
      const cached = cachedBundle(ref);
      assert.equal(cached?.cached, true);
      assert.equal(await statesOf(cached), n + 1, 'the cached model is the current one');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('growing the shared table in chunks, by several participants, keeps every entry once', async () => {
  const { growShare, GROW_CHUNK } = await import('../checker/compact-expand.ts');
  const from = SharedTable.create(GROW_CHUNK * 4);
  const keys: Array<[number, number]> = [];
  for (let i = 1; i <= GROW_CHUNK * 2; i++) keys.push([Math.imul(i, 0x9e3779b1), Math.imul(i, 0x85ebca6b) ^ i]);
  for (const [hi, lo] of keys) from.add(hi, lo);
  const to = SharedTable.create(GROW_CHUNK * 8);
  const job = { grow: true as const, from: from.buffer, to: to.buffer, cursor: new SharedArrayBuffer(4) };
  // Two participants in turn: the first stops after its first chunk (as if the other took the rest).
  const cursor = new Int32Array(job.cursor);
  from.copyInto(to, Atomics.add(cursor, 0, 1) * GROW_CHUNK, GROW_CHUNK);
  growShare(job);
  for (const [hi, lo] of keys) assert.equal(to.add(hi, lo), false, 'every entry was copied');
  let taken = 0;
  for (let j = 0; j < to.lanes.length; j += 2) if (to.lanes[j] !== 0) taken++;
  assert.equal(taken, keys.length, 'and copied once');
});

test('the shared table: two threads inserting the same fingerprints at once find each one new exactly once', async () => {
  const { Worker } = await import('node:worker_threads');
  const { insertAll } = await import('./fixtures/compact/table-inserter.ts');
  const tsx = import.meta.resolve('tsx/esm/api');
  const url = new URL('./fixtures/compact/table-inserter.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  // Rounds in lockstep: each key is raced for while both threads run (a plain store instead of
  // the compare-and-swap lets both win it).
  for (let round = 0; round < 3; round++) {
    const n = 200_000;
    const data = { table: SharedTable.create(1 << 19).buffer, rendezvous: new SharedArrayBuffer(4), n };
    const w = new Worker(boot, { eval: true, workerData: data });
    const theirs = new Promise<number>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    // Waits for the worker to load before racing it (its rendezvous turn comes after its imports).
    const mine = await new Promise<number>((resolve) => setImmediate(() => resolve(insertAll(data, 2))));
    assert.equal(mine + (await theirs), n, `round ${round}`);
    await w.terminate();
  }
});

test('growing the shared table: two threads copying entries that contend for the same slots keep every one', async () => {
  const { Worker } = await import('node:worker_threads');
  const { contendingTables, copyHalf } = await import('./fixtures/compact/table-copier.ts');
  const tsx = import.meta.resolve('tsx/esm/api');
  const url = new URL('./fixtures/compact/table-copier.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
  // Each entry of one half races one of the other half for the tail of their cluster while both
  // threads run: a plain store in place of copyInto's compare-and-swap lets both take one slot.
  const slots = 1 << 16;
  const data = contendingTables(slots, 64);
  const w = new Worker(boot, { eval: true, workerData: data });
  const theirs = new Promise<unknown>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await new Promise<void>((resolve) => setImmediate(() => resolve(copyHalf(data, 0))));
  await theirs;
  await w.terminate();
  const from = new SharedTable(data.from);
  data.to.forEach((buffer, round) => {
    const to = new SharedTable(buffer);
    let taken = 0;
    for (let j = 0; j < to.lanes.length; j += 2) if (to.lanes[j] !== 0) taken++;
    assert.equal(taken, slots, `round ${round}: every entry has a slot of its own`);
    for (let j = 0; j < from.lanes.length; j += 2) assert.ok(to.has(from.lanes[j]!, from.lanes[j + 1]!), `round ${round}: entry ${j / 2} was copied`);
  });
});
