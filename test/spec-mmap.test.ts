/**
 * Stores through a shared writable mapping (spec/mm/memory.ts, mmap.ts, msync.ts, rmap.ts):
 * each fault step, ->page_mkwrite's reservation and dirtying, folio_mkclean's write-protect
 * on writeback, msync, munmap and the signals; a hole punch (fallocate PUNCH_HOLE) unmaps the
 * PTEs of the range; the model without folio_mkclean (broken on purpose) loses a store;
 * random programs mixing stores, loads, buffered writes, msync, fsync, the flusher, reclaim
 * and a punch by another task break no invariant and no action throws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import storeVsWriteback from '../scenarios/xfs-mmap-store-vs-writeback.ts';
import { BS, buildModel, DEVICES, settingsProblems, fallocate, fsync, load, mmap, msync, munmap, open, pread, pwrite, settings, store, type Action, type Settings, type SettingsInput, type Syscall, type World } from '../spec/index.ts';
import { actions, label, next } from '../spec/model.ts';

function base(fs: 'xfs' | 'ext4', programs: Syscall[][], extra: Partial<SettingsInput> = {}): Settings {
  return settings({ name: 'mmap-test', fs: { kind: fs, physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: [{ written: 1 }, 'hole'] }], programs, maxPowerLosses: 0, properties: [], ...extra });
}

/** Take T1's only step, or the completion of a read bio, whose label matches `re` (throws if none). */
function t1(w: World, s: Settings, re: RegExp): World {
  const a = actions(w, s).find((x) => (x.kind === 'task' && x.task === 0 && re.test(`${x.fn}: ${x.what}`)) || (x.kind === 'read-end' && re.test(label(x))));
  assert.ok(a !== undefined, `no T1 step matching ${re}; enabled: ${actions(w, s).map((x) => (x.kind === 'task' ? `${x.fn}: ${x.what}` : x.kind)).join(' | ')}`);
  return next(w, s, a);
}

function runT1(w: World, s: Settings, steps: RegExp[]): World {
  return steps.reduce((x, re) => t1(x, s, re), w);
}

const init = (s: Settings): World => buildModel(s).init()[0] as World;
/** A fault on a page with no folio: the read-around and its I/O, the I/O's completion, VM_FAULT_RETRY, the retry that maps it. */
const FAULT_IN = [/page_cache_ra_order/, /^dev complete read bio/, /VM_FAULT_RETRY/, /folio .* cached and uptodate/];
const pte = (w: World, blk: number) => w.vmas[0]?.pte[blk - (w.vmas[0]?.blk ?? 0)];

describe('the fault path of a store through a mapping', () => {
  it('mmap maps nothing; the first store faults the folio in read-only, then ->page_mkwrite dirties it and makes the PTE writable, then the store writes it', () => {
    const s = base('xfs', [[open(0), mmap(0, 0, 2 * BS), store('M', 0, 0, 0)]]);
    let w = runT1(init(s), s, [/open/, /mmap/]);
    assert.deepEqual(w.vmas[0]?.pte, ['none', 'none']);
    assert.equal(w.pageCache[0]?.[0], null);
    // The fault's read I/O is a step of its own: the read-around adds folios 0 and 1 locked, !uptodate, the invalidate_lock held shared; the hole's folio 1 is zeroed and unlocked at once.
    w = t1(w, s, /filemap_fault → do_sync_mmap_readahead → page_cache_ra_order: filemap_invalidate_lock_shared; no folio at 0:0: read-around adds folios 0,1 locked, !uptodate; submit read I\/O of blocks 0←p1,1=0/);
    assert.deepEqual([0, 1].map((b) => ({ uptodate: w.pageCache[0]?.[b]?.uptodate, locked: w.pageCache[0]?.[b]?.locked })), [{ uptodate: false, locked: true }, { uptodate: true, locked: undefined }]);
    assert.deepEqual(w.inodes[0]?.invalidateLock, { excl: null, shared: [0] });
    assert.equal(pte(w, 0), 'none');
    assert.ok(!actions(w, s).some((x) => x.kind === 'task' && x.task === 0), 'the fault waits for its folio');
    w = t1(w, s, /^dev complete read bio: iomap_read_end_io → folio_end_read: file 0 blocks 0=f0\.init\[0\] uptodate, folios unlocked$/);
    w = t1(w, s, /filemap_fault → lock_folio_maybe_drop_mmap → out_retry: folio 0:0 unlocked; the fault drops the invalidate_lock and returns VM_FAULT_RETRY/);
    assert.deepEqual([0, 1].map((b) => ({ t: w.pageCache[0]?.[b]?.t, uptodate: w.pageCache[0]?.[b]?.uptodate, locked: w.pageCache[0]?.[b]?.locked })), [{ t: 'f0.init[0]', uptodate: true, locked: undefined }, { t: 'zero', uptodate: true, locked: undefined }]);
    assert.deepEqual({ lock: w.inodes[0]?.invalidateLock, cur: w.tasks[0]?.cur, pte: pte(w, 0) }, { lock: { excl: null, shared: [] }, cur: null, pte: 'none' });
    w = t1(w, s, /filemap_fault: folio 0:0 cached and uptodate \(f0\.init\[0\]\): map it read-only/);
    assert.equal(pte(w, 0), 'ro');
    assert.deepEqual({ t: w.pageCache[0]?.[0]?.t, dirty: w.pageCache[0]?.[0]?.dirty }, { t: 'f0.init[0]', dirty: false });
    w = t1(w, s, /iomap_page_mkwrite: .*XFS_MMAPLOCK_SHARED.*folio_mark_dirty; PTE writable/);
    assert.equal(pte(w, 0), 'rw');
    assert.equal(w.pageCache[0]?.[0]?.dirty, true);
    assert.equal(w.pageCache[0]?.[0]?.t, 'f0.init[0]', 'the data is written by the store, not by the fault');
    w = t1(w, s, /store through a writable PTE: M/);
    assert.equal(w.pageCache[0]?.[0]?.t, 'M[0]');
    assert.deepEqual(w.tasks[0]?.results.at(-1), { op: 'mmap-store', id: 'M', ret: BS });
  });

  it('the read fault waits while the invalidate_lock is held exclusive (merged), and does not with faultInvalidateLock not-taken', () => {
    for (const [v, blocked] of [['taken', true], ['not-taken', false]] as const) {
      const s = base('xfs', [[open(0), mmap(0, 0, BS), load(0, 0)]], { knobs: { faultInvalidateLock: v } });
      const w = runT1(init(s), s, [/open/, /mmap/]);
      const held = { ...w, inodes: w.inodes.map((i) => ({ ...i, invalidateLock: { excl: 5, shared: [] } })) };
      assert.equal(actions(held, s).some((a) => a.kind === 'task'), !blocked, v);
    }
  });

  it('XFS ->page_mkwrite reserves delalloc over a hole; ext4 leaves the hole for writeback to allocate', () => {
    for (const fs of ['xfs', 'ext4'] as const) {
      const s = base(fs, [[open(0), mmap(0, 0, 2 * BS), store('M', 0, 0, BS)]]);
      const w = runT1(init(s), s, [/open/, /mmap/, ...FAULT_IN, /mkwrite/]);
      assert.equal(w.pageCache[0]?.[1]?.t, 'zero', 'a hole faults in as zeroes');
      assert.equal(w.inodes[0]?.map[1]?.kind, fs === 'xfs' ? 'delalloc' : 'hole', fs);
    }
  });

  it('writeback write-protects the PTE (folio_mkclean): the next store faults again through ->page_mkwrite and dirties the folio again', () => {
    const s = base('xfs', [[open(0), mmap(0, 0, BS), store('M1', 0, 0, 0), store('M2', 0, 0, 0)]], { flusher: true });
    let w = runT1(init(s), s, [/open/, /mmap/, ...FAULT_IN, /mkwrite/, /store through a writable PTE: M1/]);
    const flush = actions(w, s).find((a): a is Extract<Action, { kind: 'flusher' }> => a.kind === 'flusher');
    assert.ok(flush !== undefined);
    w = next(w, s, flush);
    assert.equal(pte(w, 0), 'ro');
    assert.deepEqual({ dirty: w.pageCache[0]?.[0]?.dirty, writeback: w.pageCache[0]?.[0]?.writeback }, { dirty: false, writeback: true });
    assert.ok(!actions(w, s).some((a) => a.kind === 'task' && /store through a writable PTE/.test(a.fn)), 'the store must not go straight to the clean folio');
    w = t1(w, s, /mkwrite.*folio_mark_dirty; PTE writable$/);
    assert.deepEqual({ pte: pte(w, 0), dirty: w.pageCache[0]?.[0]?.dirty }, { pte: 'rw', dirty: true });
    w = t1(w, s, /store through a writable PTE: M2/);
    assert.deepEqual({ t: w.pageCache[0]?.[0]?.t, dirty: w.pageCache[0]?.[0]?.dirty, writeback: w.pageCache[0]?.[0]?.writeback }, { t: 'M2[0]', dirty: true, writeback: true });
  });

  it('reclaim unmaps a clean mapped folio: the next access faults it in again', () => {
    const s = base('xfs', [[open(0), mmap(0, 0, BS), load(0, 0), load(0, 0)]], { reclaim: true });
    let w = runT1(init(s), s, [/open/, /mmap/, ...FAULT_IN, /load through a present PTE/]);
    const r = actions(w, s).find((a) => a.kind === 'reclaim');
    assert.ok(r !== undefined);
    w = next(w, s, r);
    assert.equal(pte(w, 0), 'none');
    w = runT1(w, s, [...FAULT_IN, /load/]);
    assert.deepEqual(w.tasks[0]?.results.filter((x) => x.op === 'mmap-load').map((x) => (x.op === 'mmap-load' ? x.data : [])), [['f0.init[0]'], ['f0.init[0]']]);
  });
});

describe('msync, munmap and the signals', () => {
  it('msync(MS_SYNC) writes back only the mapped range and promises its stores; MS_ASYNC writes nothing', () => {
    const s = base('xfs', [[open(0), pwrite('W', 0, BS, BS), mmap(0, 0, BS), store('M', 0, 0, 0), msync(0, 'MS_ASYNC'), msync(0)]]);
    let w = t1(init(s), s, /open/);
    while (w.tasks[0]?.pc === 1) w = t1(w, s, /./);
    w = runT1(w, s, [/mmap/, ...FAULT_IN, /mkwrite/, /store/, /MS_ASYNC/]);
    assert.deepEqual(w.tasks[0]?.results.at(-1), { op: 'msync', ret: 0 });
    assert.equal(w.device.inflight.length, 0, 'MS_ASYNC starts no writeback');
    w = runT1(w, s, [/msync\(MS_SYNC\)/, /file_write_and_wait_range/]);
    assert.deepEqual(w.device.inflight.flatMap((b) => b.blocks.map((x) => x.t)), ['M[0]'], 'only block 0 (the mapping) is written back, not W in block 1');
    assert.equal(w.pageCache[0]?.[1]?.dirty, true);
    while (w.tasks[0]?.cur !== null) {
      const a = actions(w, s).find((x) => x.kind === 'task') ?? actions(w, s).find((x) => x.kind === 'dev-complete');
      assert.ok(a !== undefined);
      w = next(w, s, a);
    }
    assert.deepEqual(w.tasks[0]?.results.at(-1), { op: 'msync', ret: 0 });
    assert.deepEqual(w.ghost.obligations.map((o) => [o.blk, o.t]), [[0, 'M[0]']]);
  });

  it('munmap removes the mapping: a later store is SIGSEGV, msync ENOMEM; a store beyond EOF is SIGBUS; mmap needs O_RDWR and a page-aligned offset', () => {
    const s = base('xfs', [[open(0), mmap(0, 0, 2 * BS), store('B', 0, 0, BS), munmap(0), store('M', 0, 0, 0), msync(0), mmap(0, 1, BS), { op: 'open', file: 0, access: 'O_RDONLY', flags: [] }, mmap(1, 0, BS)]], {
      files: [{ blocks: [{ written: 1 }, 'hole'], size: BS }],
    });
    let w = init(s);
    for (let i = 0; i < 9; i++) w = t1(w, s, /./);
    assert.deepEqual(
      w.tasks[0]?.results.map((r) => r.ret),
      [0, 0, 'SIGBUS', 0, 'SIGSEGV', 'ENOMEM', 'EINVAL', 1, 'EACCES'],
    );
    assert.deepEqual(w.vmas, []);
  });
});

describe('validation of the mapping vocabulary', () => {
  const input = (extra: Record<string, unknown>) => ({ name: 'v', fs: 'xfs', files: [{ blocks: ['hole'] }], programs: [[open(0), mmap(0, 0, BS)]], ...extra });
  it('names the field and the problem', () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ fs: 'fuse', programs: [[open(0), mmap(0, 0, BS)]] }, 'programs[0][1].op', /^mmap is not modelled for FUSE; FUSE has only the shorthand mmap-store \(no map\)$/],
      [{ fs: 'fuse', programs: [[open(0), store('M', 0, 0, 0)]] }, 'programs[0][1].op', /^mmap-store through a mapping \(map\) is not modelled for FUSE/],
      [{ programs: [[{ op: 'msync', map: 0, flags: 'MS_NOW' }]] }, 'programs[0][0].flags', /^"MS_NOW" is not an msync flag; one of MS_SYNC, MS_ASYNC$/],
      [{ programs: [[{ op: 'mmap-load', map: -1, offset: 0 }]] }, 'programs[0][0].map', /^must not be negative \(the ordinal of a successful mmap\)$/],
    ];
    for (const [extra, field, re] of cases) {
      const p = settingsProblems(input(extra));
      assert.ok(p.some((x) => x.field === field && re.test(x.problem)), `${JSON.stringify(extra)}: ${JSON.stringify(p)}`);
    }
    assert.deepEqual(settingsProblems(input({ programs: [[open(0), mmap(0, 0, BS), store('M', 0, 0, 0), load(0, 0), msync(0, 'MS_ASYNC'), munmap(0)]] })), []);
  });
});

const PUNCH = ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'] as const satisfies Parameters<typeof fallocate>[1];

/** Take the first enabled step of task `ti`, or else complete a bio it waits for (throws if neither). */
function stepOf(w: World, s: Settings, ti: number): World {
  const all = actions(w, s);
  const a = all.find((x) => x.kind === 'task' && x.task === ti) ?? all.find((x) => x.kind === 'dev-complete' || x.kind === 'read-end');
  assert.ok(a !== undefined, `T${ti + 1} has no step`);
  return next(w, s, a);
}

describe('a hole punch and the mappings of its range', () => {
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`${fs}: truncate_pagecache_range unmaps the PTE of a stored-to block, and the next store faults again`, () => {
      const s = base(fs, [[open(0), mmap(0, 0, 2 * BS), store('M', 0, 0, 0)], [open(0), fallocate(0, [...PUNCH], 0, BS)]]);
      let w = buildModel(s).init()[0]!;
      while (task0Pending(w)) w = stepOf(w, s, 0);
      assert.equal(w.vmas[0]?.pte[0], 'rw');
      while (w.tasks[1]!.results.length < 2) w = stepOf(w, s, 1);
      assert.deepEqual(w.tasks[1]!.results.map((r) => r.ret), [0, 0]);
      assert.equal(w.vmas[0]?.pte[0], 'none', 'the punch left the PTE of block 0 mapped');
      assert.equal(w.pageCache[0]?.[0], null);
    });
  }
});

function task0Pending(w: World): boolean {
  return w.tasks[0]!.results.length < 3;
}

/** The model with folio_mkclean removed: writeback leaves writable PTEs writable. */
function withoutMkclean(s: Settings) {
  const m = buildModel(s);
  return {
    ...m,
    next: (w: World, a: Action): World => {
      const after = m.next(w, a);
      if (a.kind !== 'flusher' && !(a.kind === 'task' && /file_write_and_wait_range$/.test(a.fn))) return after;
      return { ...after, vmas: after.vmas.map((v, i) => ({ ...v, pte: v.pte.map((p, k) => (w.vmas[i]?.pte[k] === 'rw' ? 'rw' : p)) })) };
    },
  };
}

describe('folio_mkclean broken on purpose', () => {
  it('without the write-protect a store after writeback lands in a clean folio and is lost after msync and a power loss', () => {
    const s = (storeVsWriteback.model as ReturnType<typeof buildModel>).settings;
    assert.equal(check(buildModel(s)).status, 'ok');
    const r = check(withoutMkclean(s), { stopAtFirst: false });
    const props = r.violations.map((v) => v.property).sort();
    assert.deepEqual(props, ['durability', 'mmap-store-backed'], r.violations.map((v) => v.message).join('\n'));
  });
});

let ids = 0;
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(0, BS).map((off): Syscall => store(`M${++ids}`, 0, 0, off)) },
  { weight: 2, arbitrary: fc.constantFrom(0, BS).map((off): Syscall => pwrite(`W${++ids}`, 0, off, BS)) },
  { weight: 1, arbitrary: fc.constantFrom(load(0, 0), load(0, BS), pread(0, 0, 2 * BS)) },
  { weight: 1, arbitrary: fc.constantFrom(msync(0), msync(0, 'MS_ASYNC'), fsync(0)) },
);

describe('random programs with stores through mmap', () => {
  it('mixing stores, loads, buffered writes, msync, fsync, the flusher, reclaim and a punch: no invariant breaks, no action throws (merged knobs)', () => {
    fc.assert(
      fc.property(
        fc.record({
          fs: fc.constantFrom('xfs' as const, 'ext4' as const),
          ops: fc.array(opArb, { minLength: 1, maxLength: 3 }),
          two: fc.boolean(),
          flusher: fc.boolean(),
          reclaim: fc.boolean(),
          punch: fc.boolean(),
          blocks: fc.constantFrom<Settings['files'][number]['blocks']>(['hole', 'hole'], [{ written: 1 }, 'hole'], [{ written: 1 }, { unwritten: 2 }]),
        }),
        (sc) => {
          const [first, ...rest] = sc.ops;
          const prog: Syscall[] = [open(0), mmap(0, 0, 2 * BS), ...sc.ops];
          const mapped = sc.two && first !== undefined ? [[open(0), mmap(0, 0, 2 * BS), first], [open(0), mmap(0, 0, 2 * BS), ...rest]] : [prog];
          const programs = sc.punch ? [...mapped, [open(0), fallocate(0, PUNCH, 0, BS)]] : mapped;
          const s = settings({
            name: 'random-mmap',
            fs: { kind: sc.fs, physBlocks: 6 },
            device: DEVICES.loop,
            files: [{ blocks: sc.blocks }],
            programs,
            flusher: sc.flusher,
            reclaim: sc.reclaim,
              maxPowerLosses: 1,
            properties: ['durability', 'no-stale-data', 'mmap-store-backed', 'no-fill-during-punch', 'read-consistency'],
          });
          // Bounded: a search cut at maxStates still checks every state it reached.
          const r = check(buildModel(s), { maxStates: 3000 });
          const v = r.violations[0];
          assert.notEqual(r.status, 'error', v?.message ?? 'model error');
          assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${v.message}\n${v.trace.map((t) => t.label).join('\n')}\n${JSON.stringify(programs)}`);
        },
      ),
      { numRuns: 20, seed: 20261201, verbose: 1 },
    );
  });
});
