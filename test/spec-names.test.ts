/**
 * Files by name and life after a power loss (spec/vfs/namei.ts, spec/fs/recovery.ts):
 * each operation on its own, the ext4 auto_da_alloc / XFS truncate flush, recovery's
 * replay and orphan cleanup, and random programs with names and power losses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import replaceAuto from '../scenarios/ext4-replace-via-truncate-auto-da-alloc.ts';
import replaceNoauto from '../scenarios/ext4-replace-via-truncate-noauto-da-alloc.ts';
import replaceXfs from '../scenarios/xfs-replace-via-truncate.ts';
import { actions, BS, buildModel, close, DEVICES, fsync, next, openat, pread, pwrite, rename, scenarioProblems, settings, unlink, type Action, type Settings, type SettingsInput, type Syscall, type World } from '../spec/index.ts';

const base = (fs: 'ext4' | 'xfs', programs: Syscall[][], extra: Partial<SettingsInput> = {}): Settings =>
  settings({ name: 't', fs: { kind: fs, physBlocks: 6 }, device: DEVICES.loop, files: [{ name: 'f', blocks: [{ written: 0 }] }], programs, ...extra });

/** Run task 0 alone (no device completions but a read bio's, which its read waits for; no commits) until it has no step left. */
function runTask(s: Settings, w?: World): World {
  const m = buildModel(s);
  let cur = w ?? (m.init()[0] as World);
  for (let i = 0; i < 200; i++) {
    // A read bio completes on its own: a task's read waits for it.
    const a = actions(cur, s).find((x) => x.kind === 'task') ?? actions(cur, s).find((x) => x.kind === 'read-end');
    if (a === undefined) return cur;
    cur = next(cur, s, a);
  }
  throw new Error('task did not finish');
}
const take = (w: World, s: Settings, pick: (a: Action) => boolean): World => {
  const a = actions(w, s).find(pick);
  assert.ok(a !== undefined, `no such action among ${actions(w, s).map((x) => x.kind).join(', ')}`);
  return next(w, s, a);
};
const results = (w: World) => w.tasks[0]?.results.map((r) => r.ret);
const nameOf = (w: World, n: string) => w.dir.find(([x]) => x === n)?.[1] ?? null;

describe('openat by name', () => {
  it('O_CREAT makes a new empty inode and its entry in the running transaction; without it ENOENT', () => {
    const s = base('xfs', [[openat('g'), openat('g', 'O_CREAT'), openat('f')]]);
    const w = runTask(s);
    assert.deepEqual(results(w), ['ENOENT', 0, 1]);
    assert.equal(nameOf(w, 'g'), 1);
    assert.equal(w.inodes[1]?.size, 0);
    assert.equal(w.journal.namesDirty, true);
    assert.deepEqual(w.journal.dir, [['f', 0]]);
  });

  it('O_TRUNC frees the blocks and drops the page cache; the freed block is not reusable before the commit', () => {
    const s = base('xfs', [[openat('f', 'O_TRUNC')]]);
    const w = runTask(s);
    assert.equal(w.inodes[0]?.size, 0);
    assert.deepEqual(w.inodes[0]?.map, [{ kind: 'hole' }]);
    assert.equal(w.free[0], true);
    assert.equal(w.journal.committed.free[0], false);
    assert.deepEqual(w.flushOnClose, [0], 'xfs_setattr_size sets XFS_ITRUNCATED');
  });

  it('ext4: O_TRUNC sets EXT4_STATE_DA_ALLOC_CLOSE only with auto_da_alloc', () => {
    assert.deepEqual(runTask(base('ext4', [[openat('f', 'O_TRUNC')]])).flushOnClose, [0]);
    assert.deepEqual(runTask(base('ext4', [[openat('f', 'O_TRUNC')]], { knobs: { ext4AutoDaAlloc: 'noauto_da_alloc' } })).flushOnClose, []);
  });
});

describe('close', () => {
  it('a closed fd is EBADF; close writes nothing by itself', () => {
    const w = runTask(base('xfs', [[openat('f'), pwrite('W', 0, 0, BS), close(0), pwrite('V', 0, 0, BS), close(0)]]));
    assert.deepEqual(results(w), [0, BS, 0, 'EBADF', 'EBADF']);
    assert.equal(w.device.inflight.length, 0);
  });

  for (const fs of ['ext4', 'xfs'] as const) {
    it(`${fs}: truncate to 0, write, close starts writeback of the delalloc data (filemap_flush)`, () => {
      const w = runTask(base(fs, [[openat('f', 'O_TRUNC'), pwrite('W', 0, 0, BS), close(0)]]));
      assert.equal(w.device.inflight.length, 1, 'one writeback bio in flight');
      assert.deepEqual(w.flushOnClose, []);
    });
  }

  it('ext4 noauto_da_alloc: the same close starts nothing', () => {
    const w = runTask(base('ext4', [[openat('f', 'O_TRUNC'), pwrite('W', 0, 0, BS), close(0)]], { knobs: { ext4AutoDaAlloc: 'noauto_da_alloc' } }));
    assert.equal(w.device.inflight.length, 0);
  });
});

describe('unlink', () => {
  it('of a closed file: entry gone and blocks freed at once', () => {
    const w = runTask(base('xfs', [[unlink('f'), unlink('f')]]));
    assert.deepEqual(results(w), [0, 'ENOENT']);
    assert.equal(nameOf(w, 'f'), null);
    assert.equal(w.free[0], true);
    assert.deepEqual(w.orphans, []);
  });

  it('of an open file: on the orphan list until the last close, which evicts it', () => {
    const s = base('ext4', [[openat('f'), unlink('f'), pread(0, 0, BS)]]);
    const w = runTask(s);
    assert.deepEqual(w.orphans, [0]);
    assert.equal(w.free[0], false, 'the open inode keeps its block');
    const r = w.tasks[0]?.results[2];
    assert.ok(r?.op === 'pread' && r.data[0] === 'f0.init[0]', 'still readable through the fd');
    const closed = runTask({ ...s, programs: [[openat('f'), unlink('f'), close(0)]] });
    assert.deepEqual(closed.orphans, []);
    assert.equal(closed.free[0], true);
    assert.deepEqual(closed.dead, [0]);
  });
});

describe('rename', () => {
  it('over an existing file: the target names the source, the replaced inode is evicted, all in the running transaction', () => {
    const w = runTask(base('xfs', [[openat('g', 'O_CREAT'), rename('g', 'f'), rename('nope', 'f')]]));
    assert.deepEqual(results(w), [0, 0, 'ENOENT']);
    assert.deepEqual(w.dir, [['f', 1]]);
    assert.deepEqual(w.journal.dir, [['f', 0]]);
    assert.equal(w.free[0], true);
  });

  it('ext4 auto_da_alloc starts writeback of the source when the target exists; noauto_da_alloc and XFS do not', () => {
    const prog = [openat('g', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('g', 'f')];
    assert.equal(runTask(base('ext4', [prog])).device.inflight.length, 1);
    assert.equal(runTask(base('ext4', [prog], { knobs: { ext4AutoDaAlloc: 'noauto_da_alloc' } })).device.inflight.length, 0);
    assert.equal(runTask(base('xfs', [prog])).device.inflight.length, 0);
    // No target: no flush (ext4_rename tests new.inode).
    assert.equal(runTask(base('ext4', [[openat('g', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('g', 'h')]])).device.inflight.length, 0);
  });

  it('a power loss before the commit leaves the old name; after it the new one', () => {
    const s = base('ext4', [[openat('g', 'O_CREAT'), rename('g', 'f')]]);
    const w = runTask(s);
    const lost = take(w, s, (a) => a.kind === 'power-loss');
    assert.deepEqual(lost.dir, [['f', 0]]);
    const committed = take(take(w, s, (a) => a.kind === 'commit'), s, (a) => a.kind === 'power-loss');
    assert.deepEqual(committed.dir, [['f', 1]]);
    assert.equal(committed.free[0], true, 'the replaced file was freed in the committed transaction');
  });
});

describe('ext4 dioread_lock: the commit waits for ordered data', () => {
  it('no commit while the writeback that auto_da_alloc started is in flight; dioread_nolock commits at once', () => {
    const prog = [openat('g', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('g', 'f')];
    const lock = base('ext4', [prog], { knobs: { ext4DataMode: 'ordered-dioread-lock' } });
    const w = runTask(lock);
    assert.equal(w.device.inflight.length, 1);
    assert.ok(!actions(w, lock).some((a) => a.kind === 'commit'));
    const done = take(w, lock, (a) => a.kind === 'dev-complete');
    assert.ok(actions(done, lock).some((a) => a.kind === 'commit'));
    const nolock = base('ext4', [prog]);
    assert.ok(actions(runTask(nolock), nolock).some((a) => a.kind === 'commit'));
  });
});

describe('recovery', () => {
  it('without post-crash programs the crashed world is final and orphans are freed in it', () => {
    const s = base('xfs', [[openat('f'), unlink('f')]]);
    const w = take(take(runTask(s), s, (a) => a.kind === 'commit'), s, (a) => a.kind === 'power-loss');
    assert.equal(w.crashed, true);
    assert.equal(w.boot, null);
    assert.deepEqual(w.orphans, []);
    assert.equal(w.free[0], true);
    assert.deepEqual(actions(w, s), []);
  });

  it('with post-crash programs: replay, orphan cleanup, then the program runs on the recovered file system', () => {
    const s = base('ext4', [[openat('f'), unlink('f')]], { afterCrash: [[openat('f'), openat('n', 'O_CREAT')]] });
    let w = take(take(runTask(s), s, (a) => a.kind === 'commit'), s, (a) => a.kind === 'power-loss');
    assert.equal(w.boot, 'replay');
    assert.equal(w.inodes.length, 0, 'nothing in memory before replay');
    assert.deepEqual(actions(w, s).map((a) => a.kind), ['recovery', 'power-loss'].filter((k) => k === 'recovery' || s.maxPowerLosses > 1));
    w = take(w, s, (a) => a.kind === 'recovery');
    assert.equal(w.boot, 'orphans');
    assert.deepEqual(w.orphans, [0]);
    w = take(w, s, (a) => a.kind === 'recovery');
    assert.equal(w.boot, 'running');
    assert.deepEqual(w.orphans, []);
    assert.equal(w.free[0], true);
    assert.deepEqual(w.journal.orphans, [0], 'the cleanup is not committed yet');
    w = runTask(s, w);
    assert.deepEqual(results(w), ['ENOENT', 0]);
  });

  it('an unwritten extent whose conversion never committed stays unwritten and reads as zeroes', () => {
    const s = base('ext4', [[openat('g', 'O_CREAT'), pwrite('W', 0, 0, BS), fsync(0)]], { afterCrash: [[openat('g'), pread(0, 0, BS)]] });
    // Writeback allocates unwritten; commit that, complete the bio (conversion in memory only), lose power keeping the data.
    let w = runTask(s);
    w = take(w, s, (a) => a.kind === 'commit');
    assert.equal(w.journal.committed.inodes[1]?.map[0]?.kind, 'unwritten');
    w = take(w, s, (a) => a.kind === 'dev-complete');
    // ext4_end_bio queues the io_end; the rsv conversion work converts it in memory.
    w = take(w, s, (a) => a.kind === 'ext4-end-io');
    assert.equal(w.inodes[1]?.map[0]?.kind, 'written', 'converted in memory by the conversion work');
    w = take(w, s, (a) => a.kind === 'power-loss' && a.keep.length > 0);
    w = take(take(w, s, (a) => a.kind === 'recovery'), s, (a) => a.kind === 'recovery');
    assert.equal(w.inodes[1]?.map[0]?.kind, 'unwritten');
    w = runTask(s, w);
    const r = w.tasks[0]?.results[1];
    assert.ok(r?.op === 'pread' && r.data.length === 1 && r.data[0] === 'zero', JSON.stringify(r));
  });

  it('a second power loss during recovery replays the same journal (idempotent)', () => {
    const s = base('ext4', [[openat('f'), unlink('f')]], { afterCrash: [[]], maxPowerLosses: 2 });
    const once = take(take(runTask(s), s, (a) => a.kind === 'commit'), s, (a) => a.kind === 'power-loss');
    const mid = take(once, s, (a) => a.kind === 'recovery');
    const again = take(mid, s, (a) => a.kind === 'power-loss');
    assert.deepEqual({ ...again, powerLosses: 0 }, { ...once, powerLosses: 0 });
    const cleaned = take(mid, s, (a) => a.kind === 'recovery');
    const afterCleanup = take(take(take(cleaned, s, (a) => a.kind === 'power-loss'), s, (a) => a.kind === 'recovery'), s, (a) => a.kind === 'recovery');
    assert.deepEqual(afterCleanup.inodes, cleaned.inodes.map((i) => ({ ...i, seq: afterCleanup.inodes[0]?.seq ?? 0 })));
  });
});

describe('recovered-reads', () => {
  it('a file made or truncated after recovery reads zeroes where no post-crash write went; recovered data is read back', () => {
    for (const prog of [
      [openat('n', 'O_CREAT'), pwrite('V', 0, BS, BS), pread(0, 0, 2 * BS)],
      [openat('a', 'O_TRUNC'), pwrite('V', 0, BS, BS), pread(0, 0, 2 * BS)],
      [openat('a'), pread(0, 0, 2 * BS)],
    ]) {
      const s = settings({ name: 't', fs: { kind: 'ext4', physBlocks: 6 }, device: DEVICES.loop, files: [{ name: 'a', blocks: [{ written: 0 }, { written: 1 }] }], programs: [[]], afterCrash: [prog], properties: ['recovered-reads', 'no-stale-data'] });
      const r = check(buildModel(s), {});
      assert.deepEqual(r.violations.map((v) => v.message), [], JSON.stringify(prog));
      assert.equal(r.status, 'ok');
    }
  });
});

describe('validation', () => {
  it('refuses names on FUSE, duplicate names, and post-crash programs without power losses', () => {
    const fuse = scenarioProblems({ name: 't', description: 'd', expect: 'holds', fs: 'fuse', files: [{ blocks: ['hole'] }], programs: [[openat('0')]] });
    assert.ok(fuse.some((p) => p.field === 'programs[0][0].op' && /not modelled on FUSE/.test(p.problem)), JSON.stringify(fuse));
    const dup = scenarioProblems({ name: 't', description: 'd', expect: 'holds', fs: 'xfs', files: [{ name: 'a', blocks: ['hole'] }, { name: 'a', blocks: ['hole'] }], programs: [] });
    assert.ok(dup.some((p) => p.field === 'files[1].name'));
    const none = scenarioProblems({ name: 't', description: 'd', expect: 'holds', fs: 'xfs', files: [], programs: [], afterCrash: [[]], maxPowerLosses: 0 });
    assert.ok(none.some((p) => p.field === 'afterCrash'));
    const slash = scenarioProblems({ name: 't', description: 'd', expect: 'holds', fs: 'xfs', files: [], programs: [[unlink('a/b')]] });
    assert.ok(slash.some((p) => p.field === 'programs[0][0].path'));
  });
});

describe('random programs with names and power losses (fast-check)', () => {
  const names = ['a', 'b', 'c'];
  const nameArb = fc.constantFrom(...names);
  const callArb: fc.Arbitrary<Syscall> = fc.oneof(
    { weight: 2, arbitrary: nameArb.chain((n) => fc.subarray(['O_CREAT', 'O_TRUNC'] as const).map((fl) => openat(n, ...fl))) },
    { weight: 3, arbitrary: fc.constantFrom(0, 1).map((fd) => pwrite('W', fd, 0, BS)) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1).map((fd) => pread(fd, 0, BS)) },
    { weight: 2, arbitrary: fc.constantFrom(0, 1).map((fd) => fsync(fd)) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1).map((fd) => close(fd)) },
    { weight: 1, arbitrary: nameArb.map((n) => unlink(n)) },
    { weight: 1, arbitrary: fc.tuple(nameArb, nameArb).map(([a, b]) => rename(a, b)) },
  );
  /** A program starts by opening a name (so most fds exist), then mixes everything. */
  const progArb = (max: number) => fc.tuple(nameArb, fc.array(callArb, { maxLength: max })).map(([n, rest]) => [openat(n, 'O_CREAT'), ...rest]);
  let k = 0;
  const named = (p: Syscall[]) => p.map((c) => (c.op === 'pwritev2' ? { ...c, id: `W${++k}` } : c));
  it('no default invariant breaks and no action throws (ext4 and XFS, merged knobs)', () => {
    fc.assert(
      fc.property(fc.constantFrom('ext4' as const, 'xfs' as const), progArb(4), progArb(2), (fs, before, after) => {
        const s = settings({ name: 'random', fs: { kind: fs, physBlocks: 6 }, device: DEVICES.loop, files: [{ name: 'a', blocks: [{ written: 0 }] }, { name: 'b', blocks: ['hole'] }], programs: [named(before)], afterCrash: [named(after)], maxPowerLosses: 2 });
        const r = check(buildModel(s), { maxStates: 20_000 });
        assert.notEqual(r.status, 'error', JSON.stringify(r).slice(0, 2000));
        assert.deepEqual(r.violations.map((v) => `${v.property}: ${v.message}`), []);
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it('the same with the other ext4 knob variants, the flusher and two tasks (no throw, no invariant break)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('auto_da_alloc' as const, 'noauto_da_alloc' as const),
        fc.constantFrom('ordered-dioread-nolock' as const, 'ordered-dioread-lock' as const),
        progArb(3),
        progArb(2),
        progArb(1),
        (da, dio, t1, t2, after) => {
          const s = settings({ name: 'random', fs: { kind: 'ext4', physBlocks: 6 }, device: DEVICES.loop, knobs: { ext4AutoDaAlloc: da, ext4DataMode: dio }, files: [{ name: 'a', blocks: [{ written: 0 }] }, { name: 'b', blocks: ['hole'] }], programs: [named(t1), named(t2)], afterCrash: [named(after), []], flusher: true });
          const r = check(buildModel(s), { maxStates: 20_000 });
          assert.notEqual(r.status, 'error', JSON.stringify(r).slice(0, 2000));
          assert.deepEqual(r.violations.map((v) => `${v.property}: ${v.message}`), []);
        },
      ),
      { numRuns: 15, seed: 31 },
    );
  });
});

/** Every recovered state of file 0 the scenario reaches, as "size:block tokens". */
function recoveredContents(sc: { model: unknown }): string[] {
  const m = buildModel((sc.model as ReturnType<typeof buildModel>).settings);
  const seen = new Set<string>();
  const out = new Set<string>();
  let frontier: World[] = [...m.init()];
  while (frontier.length > 0) {
    const next: World[] = [];
    for (const w of frontier) {
      if (w.recovered !== null) out.add(`${w.recovered.sizes[0]}:${w.recovered.files[0]?.join(',')}`);
      for (const a of m.actions(w)) {
        const v = m.next(w, a);
        const k = JSON.stringify(v);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(v);
      }
    }
    frontier = next;
  }
  return [...out].sort();
}

describe('replace-via-truncate (open O_TRUNC, write, close, no fsync) after a power loss', () => {
  it('ext4 auto_da_alloc: the close-time flush lets W reach the disk (or the unwritten allocation: zeroes); the truncate alone leaves f empty', () => {
    assert.deepEqual(recoveredContents(replaceAuto), ['0:zero', '4096:W[0]', '4096:f0.init[0]', '4096:zero']);
  });
  it('ext4 noauto_da_alloc: no close-time flush, no flusher: W never reaches the disk; f is the old file or empty', () => {
    assert.deepEqual(recoveredContents(replaceNoauto), ['0:zero', '4096:f0.init[0]']);
  });
  it('XFS: XFS_ITRUNCATED flushes at close; the size moves only at ioend completion, so never 4 KiB of zeroes', () => {
    assert.deepEqual(recoveredContents(replaceXfs), ['0:zero', '4096:W[0]', '4096:f0.init[0]']);
  });
});
