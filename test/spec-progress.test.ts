/**
 * Progress (issue 8): no syscall retries forever, and a task that cannot go on is reported.
 * A task with nothing enabled while unfinished is a deadlock, which every search reports
 * (done() is "every task finished"); a reachable cycle of unfinished states — a retry loop
 * that comes back to the same state — is a livelock, which checker/progress.ts finds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { produce } from 'immer';
import { check, findLivelock, withProgress } from '../checker/index.ts';
import type { Model } from '../checker/types.ts';
import { BS, buildModel, DEVICES, open, pwrite, settings, label, type Action, type World } from '../spec/index.ts';
import staleChecked from '../scenarios/xfs-stale-iomap-validity-checked.ts';
import persistentFault from '../scenarios/xfs-buffered-atomic-persistent-fault.ts';
import readVsDirect from '../scenarios/xfs-buffered-read-vs-direct-write.ts';

/** A task that retries an operation that fails while `busy`; `bound` limits the retries (null: none). */
function retryModel(bound: number | null): Model<{ tries: number; done: boolean }, string> {
  return {
    name: 'retry',
    init: () => [{ tries: 0, done: false }],
    actions: (s) => (s.done ? [] : bound !== null && s.tries >= bound ? ['give-up'] : ['try', 'fail-and-retry']),
    // Without a bound the loop keeps no count: the kernel's `goto retry` comes back to the same state.
    next: (s, a) => (a === 'fail-and-retry' ? { tries: bound === null ? 0 : s.tries + 1, done: false } : { tries: s.tries, done: true }),
    done: (s) => s.done,
    label: (a) => a,
  };
}

describe('checker: livelock', () => {
  it('finds a retry loop without bound, with the cycle', () => {
    const r = findLivelock(retryModel(null));
    assert.ok(r.livelock !== null);
    assert.deepEqual(r.livelock.cycle, ['fail-and-retry']);
  });
  it('finds none when the retries are bounded, and says the search was complete', () => {
    const r = findLivelock(retryModel(3));
    assert.equal(r.livelock, null);
    assert.equal(r.complete, true);
    assert.equal(r.states, 8);
  });
  it('a loop only through done states is not a livelock', () => {
    const m: Model<number, string> = { name: 'idle', init: () => [0], actions: (s) => (s === 0 ? ['finish'] : ['tick']), next: (s, a) => (a === 'finish' ? 1 : s === 1 ? 2 : 1), done: (s) => s > 0 };
    assert.equal(findLivelock(m).livelock, null);
  });
});

describe('spec: progress', () => {
  it('a folio lock never released leaves the writer unable to go on: a deadlock', () => {
    const s = settings({ name: 'stuck', fs: { kind: 'ext4', physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: [{ written: 0 }] }], cached: [[0, 0]], programs: [[open(0), pwrite('W1', 0, 0, BS)]], maxPowerLosses: 0, properties: [] });
    const m = buildModel(s);
    // A folio left PG_locked by no one (a read that never completes): folio_lock in write_begin waits forever.
    const stuck = { ...m, init: () => m.init().map((w) => produce(w, (d) => void (d.pageCache[0]![0]!.locked = true))) };
    const r = check(stuck);
    const v = r.violations.find((x) => x.kind === 'deadlock');
    assert.ok(v !== undefined, 'no deadlock reported');
    assert.ok(r.violations.length === 1);
    assert.equal(check(m).violations.length, 0, 'the same program without the stuck lock finishes');
  });
  for (const sc of [staleChecked, persistentFault, readVsDirect]) {
    it(`${sc.name}: no reachable cycle of unfinished states (every retry is bounded or changes the state)`, () => {
      const r = findLivelock(sc.model as Model<World, Action>);
      assert.equal(r.livelock === null ? null : [...r.livelock.prefix, '⟲', ...r.livelock.cycle].map((a) => (typeof a === 'string' ? a : label(a))).join(' → '), null);
      assert.equal(r.complete, true);
    });
  }
});

describe('checker: check({ progress: true })', () => {
  it('reports a retry without bound as a livelock of property progress, the trace ending back at loopStart', () => {
    const r = check(retryModel(null), { progress: true });
    assert.equal(r.status, 'violation');
    const v = r.violations[0]!;
    assert.equal(v.kind, 'livelock');
    assert.equal(v.property, 'progress');
    assert.equal(v.loopStart, 0);
    assert.deepEqual(v.trace.map((t) => t.label), ['init', 'fail-and-retry']);
    assert.deepEqual(v.trace[v.trace.length - 1]!.state, v.trace[v.loopStart!]!.state);
  });
  it('without the option, or with a bound, the same search holds', () => {
    assert.equal(check(retryModel(null)).status, 'ok');
    assert.equal(check(retryModel(3), { progress: true }).status, 'ok');
  });
  it('a cycle search cut by maxStates does not say holds', () => {
    const m = retryModel(3);
    const full = check(m);
    assert.equal(full.status, 'ok');
    const cut = withProgress(m, full, { maxStates: 3 });
    assert.equal(cut.status, 'incomplete');
    assert.equal(cut.incompleteReason, 'maxStates');
  });
});
