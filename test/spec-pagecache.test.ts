/**
 * The page cache, background writeback and reclaim (spec/mm/, spec/fs/iomap/ioend.ts,
 * spec/fs/xfs/xfs_aops.ts): folio flags stay consistent with the ioends in flight for any
 * program mixing buffered and direct writes, reads, fsyncs, the flusher, reclaim, I/O
 * errors and a power loss; and the flusher's writeback behaves as the kernel's does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import staleChecked from '../scenarios/xfs-stale-iomap-validity-checked.ts';
import staleNone from '../scenarios/xfs-stale-iomap-validity-none.ts';
import { BS, buildModel, DEVICES, fsync, KNOB_VARIANTS, open, pread, pwrite, settings, type Settings, type Syscall, type World } from '../spec/index.ts';

/** Why the page cache and the ioends disagree in `w`, or null. */
function pageCacheInconsistency(w: World): string | null {
  if (w.crashed) return null;
  for (const io of w.ioends) {
    if (!w.device.inflight.some((b) => b.id === io.bio)) return `ioend of bio#${io.bio} but no such bio in flight`;
    for (const b of io.blocks) if (w.pageCache[io.ino]?.[b.blk]?.writeback !== true) return `folio ${io.ino}:${b.blk} in bio#${io.bio} is not under writeback`;
  }
  for (const [ino, pc] of w.pageCache.entries()) {
    for (const [blk, f] of pc.entries()) {
      if (f === null) continue;
      // Only a read's I/O leaves a folio !uptodate across steps, and it holds the folio locked meanwhile, unless a read bio failed.
      if (!f.uptodate && f.locked !== true && w.ioErrors === 0) return `folio ${ino}:${blk} cached but not uptodate and not locked for read I/O`;
      if (f.locked === true && (f.dirty || f.writeback)) return `folio ${ino}:${blk} locked for read I/O but ${f.dirty ? 'dirty' : 'under writeback'}`;
      if (f.locked === true && !w.readBios.some((b) => b.ino === ino && b.blocks.some((x) => (pc[x.blk]?.head ?? -1) === f.head))) return `folio ${ino}:${blk} locked with no read I/O in flight`;
      if (pc[f.head]?.locked !== f.locked) return `folio ${ino}:${blk} PG_locked differs from its head's`;
      // ext4: the blocks of an unwritten io_end's completed bios stay under writeback until the conversion work.
      const converting = w.ext4IoEnds.some((io) => io.ino === ino && io.folios.some((b) => b.blk === blk));
      if (f.writeback && !converting && !w.ioends.some((io) => io.ino === ino && io.blocks.some((b) => b.blk === blk))) return `folio ${ino}:${blk} under writeback without an ioend`;
    }
  }
  for (const [ino, inode] of w.inodes.entries()) {
    for (const [blk, m] of inode.map.entries()) {
      if ((m.kind === 'written' || m.kind === 'unwritten') && w.free[m.p] === true) return `file ${ino} block ${blk} maps free p${m.p}`;
    }
  }
  return null;
}

function withConsistency(s: Settings) {
  const m = buildModel(s);
  return { ...m, invariants: { ...m.invariants, 'page-cache-consistent': (w: World) => pageCacheInconsistency(w) === null } };
}

let ids = 0;
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ fd: fc.constantFrom(0, 1), off: fc.constantFrom(0, BS / 2, BS), len: fc.constantFrom(BS / 2, BS) }).map(({ fd, off, len }): Syscall => pwrite(`W${++ids}`, fd, fd === 1 ? off - (off % BS) : off, len === BS / 2 && fd === 1 ? BS : len)) },
  { weight: 1, arbitrary: fc.constantFrom(pread(0, 0, 2 * BS), pread(1, 0, 2 * BS)) },
  { weight: 1, arbitrary: fc.constantFrom(fsync(0), fsync(1)) },
);

const scenarioArb = fc.record({
  fs: fc.constantFrom('xfs' as const, 'ext4' as const),
  blocks: fc.constantFrom<Settings['files'][number]['blocks']>(['hole', 'hole'], [{ written: 0 }, 'hole'], [{ written: 0 }, { unwritten: 1 }]),
  ops: fc.array(opArb, { minLength: 1, maxLength: 3 }),
  flusher: fc.boolean(),
  reclaim: fc.boolean(),
  ioError: fc.boolean(),
  wbErrReporting: fc.constantFrom(...KNOB_VARIANTS.wbErrReporting),
  iomapValid: fc.constantFrom(...KNOB_VARIANTS.iomapValid),
});

describe('page cache and writeback', () => {
  it('for random buffered/direct programs with the flusher, reclaim, I/O errors and power loss: no action throws and folio flags match the ioends', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = settings({
          name: 'random-pc',
          fs: { kind: sc.fs, physBlocks: 6 },
          device: DEVICES.loop,
          knobs: { wbErrReporting: sc.wbErrReporting, iomapValid: sc.iomapValid },
          files: [{ blocks: sc.blocks }],
          programs: [[open(0), open(0, 'O_DIRECT'), ...sc.ops]],
          flusher: sc.flusher,
          reclaim: sc.reclaim,
          maxIoErrors: sc.ioError ? 1 : 0,
          properties: [],
        });
        const r = check(withConsistency(s), { maxStates: 20000 });
        const v = r.violations[0];
        assert.notEqual(r.status, 'error', v?.message ?? 'model error');
        assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${pageCacheInconsistency(v.trace.at(-1)?.state as World)}\n${v.trace.map((t) => t.label).join('\n')}`);
      }),
      { numRuns: 30, seed: 20261130, verbose: 1 },
    );
  });

  it('with merged knobs, fsync-reports-errors, durability and stale-iomap hold for random buffered programs with the flusher and reclaim', () => {
    fc.assert(
      fc.property(scenarioArb, (sc) => {
        const s = settings({
          name: 'random-pc-props',
          fs: { kind: sc.fs, physBlocks: 6 },
          device: DEVICES.loop,
          files: [{ blocks: sc.blocks }],
          programs: [[open(0), open(0, 'O_DIRECT'), ...sc.ops]],
          flusher: sc.flusher,
          reclaim: sc.reclaim,
          maxIoErrors: sc.ioError ? 1 : 0,
          properties: ['fsync-reports-errors', 'durability', 'stale-iomap', 'no-stale-data'],
        });
        const r = check(buildModel(s), { maxStates: 20000 });
        const v = r.violations[0];
        assert.notEqual(r.status, 'error', v?.message ?? 'model error');
        assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${v.message}\n${v.trace.map((t) => t.label).join('\n')}\n${JSON.stringify(s.programs)}`);
      }),
      { numRuns: 30, seed: 20261130, verbose: 1 },
    );
  });

  it('the flusher writes a buffered write back without any fsync, converting the whole delalloc extent', () => {
    const s = settings({
      name: 'flush',
      // allocsize=16k: the default dynamic scheme preallocates nothing below 64 KiB of i_size.
      fs: { kind: 'xfs', physBlocks: 4, allocsize: 4 * BS },
      device: DEVICES.loop,
      files: [{ blocks: ['hole', 'hole'], size: 0 }],
      programs: [[open(0), pwrite('W', 0, 0, BS)]],
      flusher: true,
      maxPowerLosses: 0,
      properties: [],
    });
    const m = buildModel(s);
    const seen: string[] = [];
    const r = check({ ...m, sometimes: { 'written back': (w: World) => {
      const map = w.inodes[0]?.map ?? [];
      if (map[0]?.kind === 'written' && w.pageCache[0]?.[0]?.dirty === false && w.ioends.length === 0) {
        seen.push(JSON.stringify(map));
        return true;
      }
      return false;
    } } });
    assert.equal(r.status, 'ok');
    // Block 1 was speculative preallocation: converted to unwritten with block 0, never written.
    assert.ok(seen.some((x) => x === JSON.stringify([{ kind: 'written', p: 0 }, { kind: 'unwritten', p: 1 }])), seen.join(' | '));
  });

  it('stale-iomap is reported at the step that zeroes from the stale mapping; with the cookie checked the write maps again and reads the block', () => {
    const none = check(staleNone.model);
    const v = none.violations[0];
    assert.equal(v?.property, 'stale-iomap');
    assert.match(v?.trace.at(-1)?.label ?? '', /iomap_write_begin: block 0 is delalloc in the iomap: zero the part the write does not cover/);
    assert.ok(v?.trace.some((t) => /reclaim shrink_folio_list: evict clean folio 0:0/.test(t.label)));
    const checked = check(staleChecked.model);
    assert.equal(checked.status, 'ok');
    const fired = Object.keys(checked.coverage);
    assert.ok(fired.some((l) => /xfs_iomap_valid: .*IOMAP_F_STALE, unlock the folio, map again/.test(l)), 'the cookie check never fired');
    assert.ok(fired.some((l) => /read p0 for the part the write does not cover/.test(l)), 'the remapped write never read the block in');
  });

  it('RWF_DONTCACHE (6.18): a folio the write created is dropped when its writeback completes; a folio cached before stays', () => {
    const s = settings({
      name: 'dontcache-residency',
      fs: { kind: 'xfs', physBlocks: 4 },
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
      cached: [[0, 1]],
      programs: [[open(0), pwrite('U', 0, 0, 2 * BS, 'RWF_DONTCACHE')]],
      maxPowerLosses: 0,
      properties: [],
    });
    const m = buildModel(s);
    const resident = new Set<string>();
    const r = check({ ...m, invariants: { probe: (w: World) => {
      if (m.done?.(w) === true && w.device.inflight.length === 0) resident.add(JSON.stringify(w.pageCache[0]?.map((f) => (f === null ? null : { t: f.t, dirty: f.dirty, dropbehind: f.dropbehind }))));
      return true;
    } } });
    assert.equal(r.status, 'ok');
    assert.deepEqual([...resident], [JSON.stringify([null, { t: 'U[1]', dirty: false, dropbehind: false }])]);
  });

  it('RWF_UNCACHED as posted in 2019 writes back inside the actor and so uses a stale iomap; the per-call fix does not', () => {
    const prog = [open(0), pwrite('U', 0, 0, 2 * BS, 'RWF_DONTCACHE')];
    const run = (uncached: 'per-page-2019' | 'per-call-fix') =>
      check(buildModel(settings({ name: 'u', fs: { kind: 'xfs', physBlocks: 6 }, device: DEVICES.loop, knobs: { uncached, iomapValid: 'none' }, files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }], programs: [prog], maxPowerLosses: 0 })));
    const posted = run('per-page-2019');
    assert.equal(posted.violations[0]?.property, 'uncached-iomap-stable');
    assert.ok(posted.violations[0]?.trace.some((t) => /write_drop_cached_pages/.test(t.label)));
    assert.equal(run('per-call-fix').status, 'ok');
  });
});
