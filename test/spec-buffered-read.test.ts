/**
 * The buffered read that fills the page cache (spec/vfs/read.ts, spec/mm/readahead.ts) and
 * large folios for buffered writes (spec/mm/filemap.ts newFolioSpan): the kernel's numbers
 * for folio sizes and readahead windows, the conformance disagreements U2 and U3 they
 * close, the locked folio under read I/O at every layer, and random programs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import { allowedOutcomes, BS, buildModel, DEVICES, fsync, initWorld, label, mincore, next, actions, open, pread, pwrite, pwritev, settings, type Outcome, type Settings, type Syscall, type World } from '../spec/index.ts';
import { newFolioSpan, writeBeginBlocks } from '../spec/mm/filemap.ts';
import { initRaSize, syncRaWindow } from '../spec/mm/readahead.ts';
import { boundedExplorer, TIMING_ALLOWANCES } from '../conform/oracle.ts';

const holes = (n: number) => Array.from({ length: n }, () => 'hole' as const);

/**
 * Every answer the spec allows a one-task program, without the XFS NOWAIT timestamp step
 * (timing allowance A1, conform/oracle.ts: the campaign accepts its EAGAIN only where the
 * clock ticked), as the oracle's strict exploration does.
 */
function answers(fs: 'xfs' | 'ext4', blocks: number, program: Syscall[]): Set<string> {
  const s = settings({ name: 'read', fs: { kind: fs, physBlocks: blocks + 8 }, device: DEVICES.loop, files: [{ blocks: holes(blocks), size: 0 }], programs: [program], maxPowerLosses: 0, backgroundCommit: false, properties: [] });
  const strict = boundedExplorer(100_000, (l) => !TIMING_ALLOWANCES.some((a) => a.step.test(l)));
  return new Set(allowedOutcomes(s, strict).map((o: Outcome) => o[0]!.map((r) => (r.op === 'pread' && typeof r.ret === 'number' ? `${r.ret} [${r.data.join(' ')}]` : String(r.ret))).join(', ')));
}

describe('large folios (fgf_set_order, __filemap_get_folio)', () => {
  it('asks for the largest power of two of pages not above the length', () => {
    assert.deepEqual([1, 4095, 4096, 8191, 8192, 12288, 16384, 16383, 65536].map((n) => writeBeginBlocks(n, BS)), [1, 1, 1, 1, 2, 2, 4, 2, 16]);
  });
  it('aligns the folio to its index, stays in the mapping range, and shrinks past cached blocks', () => {
    const s = settings({ name: 'f', fs: { kind: 'xfs', physBlocks: 8 }, device: DEVICES.loop, files: [{ blocks: holes(16) }], programs: [[]], properties: [] });
    const w = initWorld(s);
    assert.deepEqual(newFolioSpan(w, 0, 0, 4), { head: 0, nr: 4 });
    // index 14 with order 2: __ffs(14) = 1, a 2-block folio.
    assert.deepEqual(newFolioSpan(w, 0, 14, 4), { head: 14, nr: 2 });
    assert.deepEqual(newFolioSpan(w, 0, 8, 16), { head: 8, nr: 8 });
    const w2 = { ...w, pageCache: [w.pageCache[0]!.map((f, b) => (b === 2 ? { t: 'zero', uptodate: true, dirty: false, writeback: false, dropbehind: false, head: 2, nr: 1, atomic: false } : f))] } as World;
    // filemap_add_folio -EEXIST for order 2 (block 2 cached), then order 1 fits.
    assert.deepEqual(newFolioSpan(w2, 0, 0, 4), { head: 0, nr: 2 });
    const fuse = initWorld(settings({ name: 'f', fs: { kind: 'fuse', physBlocks: 8 }, device: DEVICES.loop, files: [{ blocks: holes(4) }], programs: [[]], properties: [] }));
    assert.deepEqual(newFolioSpan(fuse, 0, 0, 4), { head: 0, nr: 1 });
  });
  it('ext4 regular files get large folios by default (ext4_set_inode_mapping_order: orders 0..EXT4_MAX_PAGECACHE_ORDER), files[i].maxFolioBlocks overrides', () => {
    const mapping = (fs: 'xfs' | 'ext4' | 'fuse', over: { maxFolioBlocks?: number } = {}, mode?: 'ordered-dioread-lock' | 'writeback-dioread-lock') =>
      initWorld(settings({ name: 'f', fs: { kind: fs, physBlocks: 8 }, device: DEVICES.loop, ...(mode === undefined ? {} : { knobs: { ext4DataMode: mode } }), files: [{ blocks: holes(4), ...over }], programs: [[]], properties: [] })).mappings[0];
    assert.deepEqual(['xfs', 'ext4', 'fuse'].map((fs) => mapping(fs as 'xfs' | 'ext4' | 'fuse')?.maxFolioBlocks), [512, 512, 1]);
    // No ext4DataMode variant journals data (data=journal would keep order 0).
    assert.deepEqual([mapping('ext4', {}, 'ordered-dioread-lock')?.maxFolioBlocks, mapping('ext4', {}, 'writeback-dioread-lock')?.maxFolioBlocks], [512, 512]);
    assert.equal(mapping('ext4', { maxFolioBlocks: 1 })?.maxFolioBlocks, 1);
    assert.deepEqual(newFolioSpan(initWorld(settings({ name: 'f', fs: { kind: 'ext4', physBlocks: 8 }, device: DEVICES.loop, files: [{ blocks: holes(4) }], programs: [[]], properties: [] })), 0, 0, 4), { head: 0, nr: 4 });
  });
  // ext4 uses large folios too (ext4_set_inode_mapping_order; the model's buffered path is folio-aware).
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`U2 (${fs}): a direct write of block 0 drops the whole 16 KiB folio, so a NOWAIT direct write of block 2 finds nothing cached`, () => {
      const out = answers(fs, 4, [open(0), open(0, 'O_DIRECT'), pwrite('W1', 0, 0, 4 * BS), pwrite('W2', 1, 0, 512), pwritev('W3', 1, 11264, [512, 3072], 'RWF_DSYNC', 'RWF_SYNC', 'RWF_NOWAIT', 'RWF_DONTCACHE')]);
      assert.deepEqual(out, new Set(['0, 1, 16384, 512, 3584']));
    });
  }
});

describe('the buffered read fills the page cache', () => {
  it('readahead windows as page_cache_sync_ra computes them', () => {
    assert.deepEqual([1, 2, 3, 8, 9, 32, 40].map((n) => initRaSize(n, 32)), [4, 4, 8, 16, 32, 32, 32]);
    const none = () => false;
    // From page 0 the initial window, clipped at EOF (the page holding the last byte).
    assert.deepEqual(syncRaWindow(0, 1, 100 * BS, -1, none, BS, 320), [0, 4]);
    assert.deepEqual(syncRaWindow(0, 1, 2 * BS + 1, -1, none, BS, 320), [0, 3]);
    // A random read elsewhere with no history: the request alone.
    assert.deepEqual(syncRaWindow(5, 1, 100 * BS, -1, none, BS, 320), [5, 6]);
    // Right after the previous read of this file: the initial window.
    assert.deepEqual(syncRaWindow(5, 1, 100 * BS, 5 * BS, none, BS, 320), [5, 9]);
    // Pages 2..4 cached before it: a stream, the run plus the request.
    assert.deepEqual(syncRaWindow(5, 1, 100 * BS, -1, (b) => b >= 2 && b < 5, BS, 320), [5, 9]);
    // Measured on the lab's loop devices (read_ahead_kb 2560, conform/ra-probe.ts): a 64 KiB
    // read from page 0 of a 4 MiB file caches 64 pages, 6292 bytes at 1172 of a 64 KiB file 8.
    assert.deepEqual(syncRaWindow(0, 16, 1024 * BS, -1, none, BS, 320, 640), [0, 64]);
    assert.deepEqual(syncRaWindow(0, 2, 16 * BS, -1, none, BS, 320, 640), [0, 8]);
  });
  it('U3 (XFS): a buffered read caches the block uptodate, so a 1-byte NOWAIT overwrite needs no read and succeeds', () => {
    const out = answers('xfs', 8, [open(0), open(0, 'O_DIRECT'), pwrite('W1', 1, 20480, BS), pread(0, 20481, 1), pwrite('W2', 0, 20480, 1, 'RWF_NOWAIT')]);
    // The 1-byte read returns byte 1 of the block only (sub-block data: the rest is not read).
    assert.deepEqual(out, new Set(['0, 1, 4096, 1 [{0:- 1:W1[0] 2:-}], 1']));
  });
  it('a NOWAIT buffered overwrite of a block nothing read stays EAGAIN (the read cached only its own block)', () => {
    const out = answers('xfs', 8, [open(0), open(0, 'O_DIRECT'), pwrite('W1', 1, 16384, 2 * BS), pread(0, 20481, 1), pwrite('W2', 0, 16384, 1, 'RWF_NOWAIT')]);
    assert.ok([...out].every((a) => a.endsWith('EAGAIN')), [...out].join(' | '));
  });
});

/** Steps the world along the first enabled action whose label matches each pattern. */
function drive(s: Settings, w: World, ...patterns: RegExp[]): World {
  for (const p of patterns) {
    const a = actions(w, s).find((x) => p.test(label(x)));
    assert.ok(a !== undefined, `no action matching ${p} among: ${actions(w, s).map(label).join(' | ')}`);
    w = next(w, s, a);
  }
  return w;
}

describe('mincore: what the page cache holds', () => {
  const pages = (fs: 'xfs' | 'ext4', program: Syscall[]): Set<string> => {
    const s = settings({ name: 'm', fs: { kind: fs, physBlocks: 16 }, device: DEVICES.loop, files: [{ blocks: holes(8), size: 0 }], programs: [program], maxPowerLosses: 0, backgroundCommit: false, properties: [] });
    return new Set(allowedOutcomes(s).map((o) => o[0]!.filter((r) => r.op === 'mincore').map((r) => (r.op === 'mincore' ? r.pages : '')).join(' ')));
  };
  it('RWF_DONTCACHE: resident until the kicked writeback completes (either, right after the write), gone after fsync waited for it', () => {
    assert.deepEqual(pages('xfs', [open(0), pwrite('W1', 0, 0, 4 * BS, 'RWF_DONTCACHE'), mincore(0), fsync(0), mincore(0)]), new Set(['4r 4.', '4. 4.']));
  });
  it('a plain buffered write stays resident after fsync', () => {
    assert.deepEqual(pages('ext4', [open(0), pwrite('W1', 0, 0, 4 * BS), fsync(0), mincore(0)]), new Set(['4r']));
  });
  it('a read from page 0 caches the readahead window up to EOF; a random read only its page', () => {
    assert.deepEqual(pages('xfs', [open(0), open(0, 'O_DIRECT'), pwrite('W1', 1, 0, 8 * BS), pread(0, 0, 1), mincore(0), pread(0, 5 * BS, 1), mincore(0)]), new Set(['4r4. 4r1.1r2.']));
  });
});

describe('a folio under read I/O', () => {
  const s = settings({
    name: 'locked',
    fs: { kind: 'ext4', physBlocks: 6 },
    device: DEVICES.loop,
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [[open(0), pread(0, 0, BS)], [open(0), pwrite('W1', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('W2', 0, 0, BS)]],
    flusher: true,
    reclaim: true,
    maxPowerLosses: 0,
    properties: [],
  });
  const inFlight = drive(s, initWorld(s), /^T1 do_sys_open/, /^T2 do_sys_open/, /^T3 do_sys_open/, /^T1 .*page_cache_sync_ra/);
  it('is locked and !uptodate, in the readahead window only up to EOF', () => {
    const pc = inFlight.pageCache[0]!;
    assert.equal(pc[0]?.locked, true);
    assert.equal(pc[0]?.uptodate, false);
    assert.equal(pc[1]?.locked, true, 'readahead from page 0 takes page 1 too (8 KiB file)');
  });
  it('is not copied into, reclaimed, or invalidated by a direct write until the read completes', () => {
    const w = drive(s, inFlight, /^T2 ksys_pwritev2/, /^T2 ext4_buffered_write_iter: take/, /^T3 ksys_pwritev2/);
    const labels = () => actions(w2, s).map(label);
    let w2 = w;
    for (let i = 0; i < 6; i++) {
      const a = actions(w2, s).find((x) => x.kind === 'task' && x.task === 2);
      if (a === undefined) break;
      w2 = next(w2, s, a);
    }
    assert.ok(!labels().some((l) => /^T2 generic_perform_write: .*copy /.test(l)), labels().join(' | '));
    assert.ok(!labels().some((l) => /^reclaim/.test(l)), labels().join(' | '));
    assert.ok(!labels().some((l) => /^T3 kiocb_invalidate_pages: invalidate_inode_pages2_range/.test(l)), labels().join(' | '));
    assert.ok(!labels().some((l) => /^flusher/.test(l)));
    const done = drive(s, w2, /^dev complete read bio: mpage_end_io/);
    assert.equal(done.pageCache[0]?.[0]?.locked, undefined);
    assert.equal(done.pageCache[0]?.[0]?.uptodate, true);
    assert.ok(actions(done, s).map(label).some((l) => /^T2 generic_perform_write: .*copy /.test(l)));
  });
});

/** Why the page-cache flags are inconsistent in `w`, or null (see also test/spec-pagecache.test.ts). */
function flagsProblem(w: World): string | null {
  for (const [ino, pc] of w.pageCache.entries()) {
    for (const [blk, f] of pc.entries()) {
      if (f === null) continue;
      const head = pc[f.head];
      if (head === null || head === undefined || blk < f.head || blk >= f.head + f.nr) return `block ${ino}:${blk} outside its folio ${f.head}+${f.nr}`;
      if (head.nr !== f.nr || head.writeback !== f.writeback || head.locked !== f.locked) return `folio ${ino}:${f.head} flags differ at block ${blk}`;
      if (f.nr & (f.nr - 1) || f.head % f.nr !== 0) return `folio ${ino}:${f.head}+${f.nr} not a naturally aligned power of two`;
      if (!f.uptodate && f.locked !== true) return `folio ${ino}:${blk} !uptodate and unlocked`;
      if (f.locked === true && (f.dirty || f.writeback)) return `folio ${ino}:${blk} locked for read but dirty or under writeback`;
    }
  }
  return null;
}

let ids = 0;
const opArb = fc.oneof(
  fc.record({ fd: fc.constantFrom(0, 1), blk: fc.integer({ min: 0, max: 3 }), len: fc.constantFrom(BS, 2 * BS, 3 * BS, 4 * BS, BS / 2) }).map(({ fd, blk, len }): Syscall => pwrite(`W${++ids}`, fd, blk * BS, fd === 1 ? Math.max(BS, len - (len % BS)) : len)),
  fc.record({ fd: fc.constantFrom(0, 1), blk: fc.integer({ min: 0, max: 3 }), len: fc.constantFrom(1, BS, 3 * BS) }).map(({ fd, blk, len }): Syscall => pread(fd, blk * BS, fd === 1 ? Math.max(BS, len) : len)),
  fc.constant(fsync(0)),
);

describe('random programs with large folios and filling reads', () => {
  it('mixing buffered and direct writes, reads, fsync, the flusher and reclaim: no action throws, flags stay consistent', () => {
    fc.assert(
      fc.property(fc.constantFrom('xfs' as const, 'ext4' as const), fc.array(opArb, { minLength: 1, maxLength: 3 }), fc.array(opArb, { minLength: 0, maxLength: 1 }), fc.boolean(), (fs, a, b, bg) => {
        const s = settings({
          name: 'random-read',
          fs: { kind: fs, physBlocks: 12 },
          device: DEVICES.loop,
          files: [{ blocks: [{ written: 0 }, 'hole', { written: 1 }, 'hole', 'hole', 'hole'], size: 3 * BS }],
          programs: [[open(0), open(0, 'O_DIRECT'), ...a], ...(b.length > 0 ? [[open(0), open(0, 'O_DIRECT'), ...b]] : [])],
          // Background actors with one task only: two tasks and both actors multiply the states.
          flusher: bg && b.length === 0,
          reclaim: bg && b.length === 0,
          maxPowerLosses: 0,
          properties: ['no-stale-data', 'read-consistency'],
        });
        const m = buildModel(s);
        const r = check({ ...m, invariants: { ...m.invariants, 'folio-flags': (w: World) => flagsProblem(w) === null } }, { maxStates: 4_000 });
        assert.deepEqual(r.violations.map((v) => `${v.property}: ${v.message ?? ''}`), []);
      }),
      { numRuns: 15, seed: 20261201 },
    );
  });
});

describe('read bios outlive the read (U12: iomap_readahead / ext4_mpage_readpages, folio_end_read)', () => {
  // Blocks 0 and 1 on p0 and p2: two bios. The one-block read of block 0 waits for the first
  // alone and returns with block 1's bio in flight.
  const s = (fs: 'xfs' | 'ext4', extra: Partial<Parameters<typeof settings>[0]> = {}) =>
    settings({ name: 'u12', fs: { kind: fs, physBlocks: 4 }, device: DEVICES.loop, files: [{ blocks: [{ written: 0 }, { written: 2 }, 'hole'] }], programs: [[open(0), pread(0, 0, BS), mincore(0)]], maxPowerLosses: 1, properties: [], ...extra });
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`${fs}: a bio per physical run, the hole zeroed and unlocked at submission; the read returns once its own folio is unlocked`, () => {
      const st = s(fs);
      const end = fs === 'xfs' ? 'iomap_read_end_io' : 'mpage_end_io';
      let w = drive(st, initWorld(st), /^T1 do_sys_open/, /^T1 .*page_cache_sync_ra/);
      assert.deepEqual(w.readBios.map((b) => b.blocks.map((x) => `${x.blk}←p${x.p}`).join(',')), ['0←p0', '1←p2']);
      assert.deepEqual([0, 1, 2].map((b) => [w.pageCache[0]?.[b]?.locked === true, w.pageCache[0]?.[b]?.uptodate]), [[true, false], [true, false], [false, true]]);
      assert.ok(!actions(w, st).some((a) => a.kind === 'task'), 'the read waits for block 0');
      w = drive(st, w, new RegExp(`^dev complete read bio: ${end} → folio_end_read: file 0 blocks 0=f0\\.init\\[0\\] uptodate`));
      w = drive(st, w, /^T1 filemap_read → copy_folio_to_iter/);
      assert.deepEqual(w.tasks[0]?.results.at(-1)?.ret, BS);
      assert.equal(w.pageCache[0]?.[1]?.locked, true, 'block 1 still under read I/O after the read returned');
      // mincore sees it !uptodate (folio_test_uptodate), then the bio completes on its own.
      const m = drive(st, w, /^T1 mmap → mincore/);
      assert.deepEqual(m.tasks[0]?.results.at(-1), { op: 'mincore', ret: 0, pages: '1r1.1r' });
      const done = drive(st, w, /^dev complete read bio/);
      assert.deepEqual({ bios: done.readBios, locked: done.pageCache[0]?.[1]?.locked, t: done.pageCache[0]?.[1]?.t }, { bios: [], locked: undefined, t: 'f0.init[1]' });
    });

    it(`${fs}: a failed read bio leaves its folio unlocked !uptodate; the read reads it again, and a second failure is EIO, or a short count when a folio before it was read`, () => {
      // allowedOutcomes leaves I/O errors out: every reachable state's finished read instead.
      const rets = (maxIoErrors: number): string[] => {
        const m = buildModel(s(fs, { maxIoErrors, maxPowerLosses: 0, programs: [[open(0), pread(0, 0, 2 * BS)]] }));
        const seen = new Set<string>();
        const r = check({
          ...m,
          invariants: {
            collect: (w: World) => {
              const res = w.tasks[0]?.results[1];
              if (res !== undefined) seen.add(String(res.ret));
              return true;
            },
          },
        });
        assert.equal(r.status, 'ok');
        return [...seen].sort();
      };
      assert.deepEqual(rets(0), ['8192']);
      assert.deepEqual(rets(1), ['8192'], 'one failure: filemap_read_folio reads it again');
      assert.deepEqual(rets(2), ['4096', '8192', 'EIO'], 'block 1 failing twice: 4096; block 0: EIO');
      const st = s(fs, { maxIoErrors: 1 });
      let w = drive(st, initWorld(st), /^T1 do_sys_open/, /^T1 .*page_cache_sync_ra/, /^dev fail read bio: .*file 0 blocks 0 stay !uptodate, folios unlocked: BLK_STS_IOERR/);
      assert.deepEqual({ locked: w.pageCache[0]?.[0]?.locked, uptodate: w.pageCache[0]?.[0]?.uptodate, errors: w.ioErrors }, { locked: undefined, uptodate: false, errors: 1 });
      w = drive(st, w, /^dev complete read bio/, /^T1 filemap_read → filemap_update_page → filemap_read_folio: folio 0 !uptodate after a failed read: lock, ->read_folio submits read I\/O of blocks 0←p0/, /^dev complete read bio/, /^T1 filemap_read → copy_folio_to_iter/);
      assert.deepEqual(w.tasks[0]?.results.at(-1)?.ret, BS);
    });

    it(`${fs}: a power loss with read I/O in flight leaves no read bio and no folio (crash, and the recovery before an after-crash program)`, () => {
      for (const st of [s(fs), s(fs, { afterCrash: [[open(0), pread(0, BS, BS)]] })]) {
        const w = drive(st, initWorld(st), /^T1 do_sys_open/, /^T1 .*page_cache_sync_ra/);
        const loss = actions(w, st).find((a) => a.kind === 'power-loss');
        assert.ok(loss !== undefined);
        const after = next(w, st, loss);
        assert.deepEqual({ bios: after.readBios, cached: (after.pageCache[0] ?? []).filter((f) => f !== null).length }, { bios: [], cached: 0 });
        assert.ok(!actions(after, st).some((a) => a.kind === 'read-end'));
      }
    });
  }
});
