/**
 * The read I/O of a page fault as a step of its own (spec/mm/memory.ts filemapFaultStep,
 * spec/mm/readahead.ts faultRaPlan, completed by spec/vfs/read.ts bufferedReadStep): the
 * order of its steps, the read-around window, and — over every reachable state of small
 * programs where a fault races buffered writes, a hole punch, a truncate, the flusher and
 * reclaim — that a folio locked for a fault's read is never dirtied, written back or
 * dropped while the I/O is in flight, and that the fault holds the invalidate_lock shared
 * across it (knob faultInvalidateLock 'taken').
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../checker/index.ts';
import { BS, buildModel, DEVICES, fallocate, ftruncate, load, mmap, open, pread, pwrite, settings, store, type Settings, type SettingsInput, type Syscall, type World } from '../spec/index.ts';
import { actions, label, next } from '../spec/model.ts';
import { faultRaPlan } from '../spec/mm/readahead.ts';

type FsKind = 'xfs' | 'ext4';

function base(fs: FsKind, programs: Syscall[][], extra: Partial<SettingsInput> = {}): Settings {
  return settings({ name: 'fault-read-test', fs: { kind: fs, physBlocks: 6 }, device: DEVICES.loop, files: [{ blocks: [{ written: 1 }, { written: 2 }, 'hole'] }], programs, maxPowerLosses: 0, properties: [], ...extra });
}

const init = (s: Settings): World => buildModel(s).init()[0] as World;

function step(w: World, s: Settings, task: number, re: RegExp): World {
  const a = actions(w, s).find((x) => x.kind === 'task' && x.task === task && re.test(`${x.fn}: ${x.what}`));
  assert.ok(a !== undefined, `no T${task + 1} step matching ${re}; enabled: ${actions(w, s).map((x) => (x.kind === 'task' ? `T${x.task + 1} ${x.fn}: ${x.what}` : x.kind)).join(' | ')}`);
  return next(w, s, a);
}

/** T1's step, or when it waits, the completion of a read bio. */
function settle(w: World, s: Settings): World {
  const a = actions(w, s).find((x) => x.kind === 'task' && x.task === 0) ?? actions(w, s).find((x) => x.kind === 'read-end');
  assert.ok(a !== undefined, 'T1 stuck');
  return next(w, s, a);
}

/** Why a fault's read I/O in flight in `w` is not as Linux keeps it, or null; counts the faults it saw in `seen`. */
function faultReadBroken(w: World, s: Settings, seen: { n: number }): string | null {
  for (const [ti, t] of w.tasks.entries()) {
    const c = t.cur;
    if (c === null || c.sys !== 'buffered-read' || c.fault === undefined) continue;
    seen.n++;
    for (const x of w.readBios.filter((b) => b.ino === c.ino).flatMap((b) => b.blocks)) {
      const f = w.pageCache[c.ino]?.[x.blk] ?? null;
      if (f === null) return `T${ti + 1}'s fault reads block ${x.blk} but its folio was dropped`;
      if (f.locked !== true) return `folio ${c.ino}:${x.blk} under T${ti + 1}'s fault read is not locked`;
      if (f.dirty || f.writeback) return `folio ${c.ino}:${x.blk} under T${ti + 1}'s fault read is ${f.dirty ? 'dirty' : 'under writeback'}`;
      if (f.uptodate) return `folio ${c.ino}:${x.blk} is uptodate before its read I/O completed`;
    }
    const held = w.inodes[c.ino]?.invalidateLock.shared.includes(ti) === true;
    if (held !== (s.knobs.faultInvalidateLock === 'taken')) return `T${ti + 1}'s fault ${held ? 'holds' : 'does not hold'} the invalidate_lock across its read I/O (knob ${s.knobs.faultInvalidateLock})`;
  }
  return null;
}

function checkHeld(s: Settings): { states: number; faults: number } {
  const m = buildModel(s);
  const seen = { n: 0 };
  const r = check({ ...m, invariants: { ...m.invariants, 'fault-read-held': (w: World) => faultReadBroken(w, s, seen) === null } }, { maxStates: 30_000 });
  const v = r.violations[0];
  assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${v.message}\n${v.trace.map((t) => t.label).join('\n')}\n${faultReadBroken(v.trace.at(-1)?.state as World, s, { n: 0 })}`);
  assert.equal(r.status, 'ok', `${s.name}: ${r.status} ${r.incompleteReason ?? ''}`);
  return { states: r.distinctStates, faults: seen.n };
}

describe('a fault that finds no folio', () => {
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`${fs}: read-around and its I/O, then the retry that maps the page; nothing else of the task runs in between, and a writer, reclaim and a punch wait`, () => {
      const s = base(fs, [[open(0), mmap(0, BS, BS), load(0, BS)], [open(0), pwrite('W', 0, BS, BS), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS)]], { reclaim: true });
      let w = step(init(s), s, 0, /open/);
      w = step(w, s, 0, /mmap/);
      w = step(w, s, 1, /open/);
      // The read-around covers the file (ra_pages / 2 before page 1, clipped at EOF): blocks 0, 1 and the hole 2.
      w = step(w, s, 0, /do_sync_mmap_readahead → page_cache_ra_order: filemap_invalidate_lock_shared; no folio at 0:1: read-around adds folios 0,1,2 locked, !uptodate; submit read I\/O of blocks 0←p1,1←p2,2=0/);
      assert.deepEqual(actions(w, s).filter((a) => a.kind === 'task' && a.task === 0), [], 'the fault waits for its folio');
      // The hole's folio is zeroed and unlocked at submission; blocks 0-1 (p1, p2) are one bio, completing on its own.
      assert.deepEqual({ uptodate: w.pageCache[0]?.[2]?.uptodate, locked: w.pageCache[0]?.[2]?.locked }, { uptodate: true, locked: undefined });
      const ends = actions(w, s).filter((a) => a.kind === 'read-end');
      assert.deepEqual(ends.map(label), [`dev complete read bio: ${fs === 'xfs' ? 'iomap_read_end_io' : 'mpage_end_io'} → folio_end_read: file 0 blocks 0=f0.init[0],1=f0.init[1] uptodate, folios unlocked`]);
      // Reclaim leaves the locked folios and the one the fault waits for; the hole's, unlocked, it may take.
      assert.deepEqual(actions(w, s).flatMap((a) => (a.kind === 'reclaim' ? [`${a.ino}:${a.blk}`] : [])), ['0:2'], 'reclaim takes only the unlocked folio the fault does not wait for');
      // T2 runs as far as it can: its write stops at the locked folio and never reaches the punch.
      let t2 = w;
      for (let a = actions(t2, s).find((x) => x.kind === 'task' && x.task === 1); a !== undefined; a = actions(t2, s).find((x) => x.kind === 'task' && x.task === 1)) t2 = next(t2, s, a);
      assert.deepEqual({ pc: t2.tasks[1]?.pc, locked: t2.pageCache[0]?.[1]?.locked, dirty: t2.pageCache[0]?.[1]?.dirty }, { pc: 1, locked: true, dirty: false }, 'the buffered write waits for the folio lock');
      w = next(w, s, ends[0]!);
      w = step(w, s, 0, /folio 0:1 unlocked; the fault drops the invalidate_lock and returns VM_FAULT_RETRY \(it faults again on page 1\)/);
      assert.deepEqual(w.vmas[0]?.pte, ['none']);
      // The retry: do_read_fault's fault-around finds the folio uptodate and maps the page (the mapping has only page 1).
      w = step(w, s, 0, /do_fault_around → filemap_map_pages: folio 0:1 cached and uptodate \(f0\.init\[1\]\): map page 1 read-only/);
      w = step(w, s, 0, /load through a present PTE/);
      assert.deepEqual(w.tasks[0]?.results.at(-1), { op: 'mmap-load', ret: BS, file: 0, data: ['f0.init[1]'], firstBlock: 1, start: w.tasks[0]?.results.at(-1)?.op === 'mmap-load' ? (w.tasks[0]?.results.at(-1) as { start: number }).start : -1, end: (w.tasks[0]?.results.at(-1) as { end: number }).end });
    });
  }

  it('a cached folio that is not uptodate is locked and read with ->read_folio under the invalidate_lock, then the fault retries', () => {
    const s = base('xfs', [[open(0), mmap(0, 0, BS), load(0, 0)]]);
    let w = step(init(s), s, 0, /open/);
    w = step(w, s, 0, /mmap/);
    // A folio left !uptodate and unlocked (as after a failed read): Linux's page_not_uptodate path.
    const f = { t: 'zero', uptodate: false, dirty: false, writeback: false, dropbehind: false, head: 0, nr: 1, atomic: false };
    w = { ...w, pageCache: w.pageCache.map((pc, i) => (i === 0 ? pc.map((x, b) => (b === 0 ? f : x)) : pc)) };
    w = step(w, s, 0, /page_not_uptodate → filemap_read_folio: filemap_invalidate_lock_shared; folio 0:0 cached !uptodate: lock it, ->read_folio submits read I\/O of blocks 0←p1/);
    assert.deepEqual({ locked: w.pageCache[0]?.[0]?.locked, others: w.pageCache[0]?.[1] }, { locked: true, others: null }, 'no read-around: the folio was found');
    w = next(w, s, actions(w, s).find((a) => a.kind === 'read-end')!);
    w = step(w, s, 0, /VM_FAULT_RETRY/);
    w = step(w, s, 0, /cached and uptodate \(f0\.init\[0\]\)/);
    assert.deepEqual(w.vmas[0]?.pte, ['ro']);
  });

  it('fault-around: a read fault maps the cached, uptodate, unlocked pages around it within the mapping and EOF; a write fault maps only its page', () => {
    const s = base('xfs', [[open(0), pread(0, 0, 2 * BS), mmap(0, 0, 3 * BS), load(0, 0), store('M', 0, 0, BS), load(0, 0)]], { files: [{ blocks: [{ written: 1 }, { written: 2 }, { written: 3 }] }] });
    let w = step(init(s), s, 0, /open/);
    while (w.tasks[0]?.pc === 1) w = settle(w, s);
    w = step(w, s, 0, /mmap/);
    // pread cached blocks 0-2 (its readahead window), and the load's fault maps all three: one step, no ->fault.
    w = step(w, s, 0, /do_read_fault → do_fault_around → filemap_map_pages: folio 0:0 cached and uptodate \(f0\.init\[0\]\): map pages 0,1,2 read-only/);
    assert.deepEqual(w.vmas[0]?.pte, ['ro', 'ro', 'ro']);
    w = step(w, s, 0, /load through a present PTE/);
    // The store on page 1 finds its PTE present: straight to ->page_mkwrite.
    w = step(w, s, 0, /page_mkwrite/);
    assert.deepEqual(w.vmas[0]?.pte, ['ro', 'rw', 'ro']);
    w = step(w, s, 0, /store through a writable PTE/);
    // A present PTE is left as it is, a locked folio is skipped: with the PTEs of pages 0 and 2 zapped and page 2's folio locked for a read, a load of page 0 maps page 0 alone.
    const pc = w.pageCache.map((p, i) => (i === 0 ? p.map((f, b) => (b === 2 && f !== null ? { ...f, locked: true as const } : f)) : p));
    const zapped = { ...w, pageCache: pc, vmas: w.vmas.map((v) => ({ ...v, pte: v.pte.map((p, b) => (b !== 1 ? ('none' as const) : p)) })) };
    const around = actions(zapped, s).find((a) => a.kind === 'task' && a.task === 0);
    const label = around?.kind === 'task' ? `${around.fn}: ${around.what}` : 'no step';
    assert.match(label, /filemap_map_pages: folio 0:0 cached and uptodate \(f0\.init\[0\]\): map page 0 read-only/);
    // A write fault has no fault-around (do_shared_fault): with nothing mapped, a store maps only its own page.
    const st = base('xfs', [[open(0), pread(0, 0, 2 * BS), mmap(0, 0, 3 * BS), store('M', 0, 0, BS)]], { files: [{ blocks: [{ written: 1 }, { written: 2 }, { written: 3 }] }] });
    let x = step(init(st), st, 0, /open/);
    while (x.tasks[0]?.pc === 1) x = settle(x, st);
    x = step(x, st, 0, /mmap/);
    x = step(x, st, 0, /do_shared_fault → __do_fault → xfs_filemap_fault → filemap_fault: folio 0:1 cached and uptodate/);
    assert.deepEqual(x.vmas[0]?.pte, ['none', 'ro', 'none']);
  });

  it('the read-around window: ra_pages / 2 before the page, ra_pages long, clipped at EOF, cached pages skipped; one folio without readahead', () => {
    const s = base('xfs', [[open(0)]], { files: [{ blocks: Array.from({ length: 12 }, () => 'hole' as const) }], device: { ...DEVICES.loop, readAhead: 4 * BS } });
    const w = init(s);
    assert.deepEqual(faultRaPlan(w, s, 0, 0).blocks, [0, 1, 2, 3]);
    assert.deepEqual(faultRaPlan(w, s, 0, 6).blocks, [4, 5, 6, 7]);
    assert.deepEqual(faultRaPlan(w, s, 0, 11).blocks, [9, 10, 11], 'never past EOF');
    const cached = { ...w, pageCache: w.pageCache.map((pc) => pc.map((x, b) => (b === 5 ? { t: 'zero', uptodate: true, dirty: false, writeback: false, dropbehind: false, head: 5, nr: 1, atomic: false } : x))) };
    assert.deepEqual(faultRaPlan(cached, s, 0, 6).blocks, [4, 6, 7]);
    const none = base('xfs', [[open(0)]], { files: [{ blocks: Array.from({ length: 12 }, () => 'hole' as const) }], device: { ...DEVICES.loop, readAhead: 0 } });
    assert.deepEqual(faultRaPlan(init(none), none, 0, 6).blocks, [6]);
  });
});

describe('a folio locked for a fault read is never dirtied, written back or dropped (every reachable state)', () => {
  const races: Array<[string, Syscall[]]> = [
    ['a buffered write', [open(0), pwrite('W', 0, BS, BS)]],
    ['a punch', [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS)]],
    ['a truncate', [open(0), ftruncate(0, BS)]],
  ];
  // A few of the combinations (each race, each file system and each knob at least once), to keep the test at seconds.
  const cases: Array<[FsKind, 'taken' | 'not-taken', number]> = [
    ['xfs', 'taken', 1],
    ['xfs', 'taken', 2],
    ['ext4', 'taken', 0],
    ['xfs', 'not-taken', 2],
    ['ext4', 'not-taken', 2],
  ];
  for (const [fs, knob, race] of cases) {
    const [what, t2] = races[race] ?? ['nothing', []];
    it(`${fs}, faultInvalidateLock ${knob}: a store races ${what}, the flusher and reclaim`, () => {
      const s = base(fs, [[open(0), mmap(0, 0, 2 * BS), store('M', 0, 0, BS)], t2], { files: [{ blocks: [{ written: 1 }, { written: 2 }] }], flusher: true, reclaim: true, knobs: { faultInvalidateLock: knob } });
      const r = checkHeld(s);
      assert.ok(r.faults > 0, 'no state with a fault read in flight: the test checks nothing');
    });
  }
});
