/**
 * Loads and stores through a shared writable mapping (mm/memory.c handle_mm_fault →
 * do_fault / do_shared_fault / do_read_fault, wp_page_shared → do_page_mkwrite; mm/filemap.c
 * filemap_fault; fs/xfs/xfs_file.c xfs_filemap_fault / xfs_filemap_page_mkwrite →
 * __xfs_write_fault → iomap_page_mkwrite; fs/ext4/inode.c ext4_page_mkwrite).
 * Models Linux 6.18. A page is a file block.
 *
 * A store through mapping `map` takes up to three steps, each decided by the PTE:
 *  1. not present: the fault (filemap_fault) maps a cached uptodate folio read-only (the
 *     mapping wants write-notify), or reads the folio in — created by the read-around under
 *     the invalidate_lock held shared, the I/O its own step — and faults again; a page at or
 *     beyond EOF is SIGBUS;
 *  2. read-only: ->page_mkwrite under the invalidate_lock (XFS_MMAPLOCK) shared and the folio
 *     lock: folio_mkwrite_check_truncate, the block reservation (XFS: iomap_iter with
 *     IOMAP_WRITE|IOMAP_FAULT → xfs_buffered_write_iomap_begin reserves delalloc over a hole),
 *     folio_mark_dirty (every block of the folio), then the PTE made writable;
 *  3. writable: the store itself writes the data into the folio (the CPU sets only the PTE's
 *     dirty bit: the folio was dirtied in step 2).
 * Between the steps anything may run: writeback's folio_mkclean turns a writable PTE
 * read-only again (step 2 again), reclaim or an invalidation unmaps it (step 1 again).
 * Step 1 reads a missing or !uptodate folio in with its read I/O in flight as a step of its
 * own (the folio locked meanwhile), then the access faults again (VM_FAULT_RETRY).
 *
 * The shorthand store (no `map`) keeps its old meaning: the page is mapped, and the write fault
 * and the store are one step.
 */
import { beginWrite, finishSyscall, ghostWrite, task } from '../ghost.ts';
import { canLock, lock } from '../kernel/locking/rwsem.ts';
import { writeToken } from '../token.ts';
import { xfsReserveDelalloc } from '../fs/xfs/xfs_iomap.ts';
import { inodeOf } from '../vfs/fd.ts';
import { readIoOf } from '../vfs/read.ts';
import type { BufferedRead } from '../fs/iomap/types.ts';
import type { Errno, Syscall } from '../vfs/types.ts';
import type { Settings, Step, World } from '../world.ts';
import { dirtyFolio, folioAt } from './filemap.ts';
import { addReadFolios, faultRaPlan, submitReadIo } from './readahead.ts';
import { pteOf, setPte, vmaOf } from './rmap.ts';
import type { Vma } from './types.ts';

/**
 * mincore(2) over an mmap of the whole file (mm/mincore.c mincore_page → filemap_get_entry):
 * a page is resident when a folio caches it and the folio is uptodate (folio_test_uptodate:
 * every block of it, and not an ext4 folio only whose buffer was read, Folio.pgNotUptodate),
 * dirty or under writeback alike; a folio under read I/O is not. Reported as the
 * conformance helper prints it: runs of resident ("r") and absent (".") pages over the
 * file's size, "2r14.".
 */
export function mincoreEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mincore' }>): Step {
  const of = task(w, ti).fds[c.fd] ?? null;
  const ino = of?.ino ?? -1;
  const size = of === null ? 0 : inodeOf(w, ino).size;
  const pages = Math.ceil(size / s.fs.blockSize);
  const resident = Array.from({ length: pages }, (_, b) => folioPgUptodate(w, ino, b));
  let out = '';
  for (let k = 0; k < pages; ) {
    let run = 1;
    while (k + run < pages && resident[k + run] === resident[k]) run++;
    out += `${run}${resident[k] === true ? 'r' : '.'}`;
    k += run;
  }
  return {
    fn: 'mmap → mincore → mincore_page',
    what: of === null ? '-EBADF' : `resident pages of file ${ino}: ${out || 'none'}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, of === null ? { op: 'mincore', ret: 'EBADF', pages: '' } : { op: 'mincore', ret: 0, pages: out });
    },
  };
}

/** A store through a shared writable mapping: the shorthand (one step) or through `map`, step by step. */
export function mmapStoreEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap-store' }>): Step | null {
  if (c.map !== undefined) return mappedStoreStep(w, s, ti, { ...c, map: c.map });
  const blk = Math.floor(c.offset / s.fs.blockSize);
  // The write fault runs under invalidate_lock shared, start to end, within this step.
  if (!canLock(inodeOf(w, c.file).invalidateLock, 'shared')) return null;
  // The fault locks the folio (filemap_fault / iomap_page_mkwrite): it waits for a read's I/O.
  if (folioAt(w, c.file, blk)?.locked === true) return null;
  return {
    fn: `${s.fs.kind === 'xfs' ? 'xfs_write_fault' : 'ext4_page_mkwrite'} → iomap_page_mkwrite`,
    what: `${c.id}: store into the mapped folio of file ${c.file} block ${blk} under invalidate_lock shared, folio dirty`,
    apply: (d) => {
      if (blk >= (d.inodes[c.file]?.map.length ?? 0)) throw new Error('mmap store beyond the modelled file');
      beginWrite(d, ti, c.id, c.file, blk, 1, false);
      dirtyFolio(d, c.file, blk, writeToken(c.id, 0));
      const g = ghostWrite(d, c.id);
      finishSyscall(d, ti, { op: 'mmap-store', id: c.id, ret: 0 });
      g.end = d.ghost.clock;
      g.ret = s.fs.blockSize;
    },
  };
}

/** Whether the fault path takes the invalidate_lock shared (knob faultInvalidateLock) and can now. */
function faultLockFree(w: World, s: Settings, ino: number): boolean {
  return s.knobs.faultInvalidateLock === 'not-taken' || canLock(inodeOf(w, ino).invalidateLock, 'shared');
}

/** Where an access through mapping `map` at file block `blk` goes: the vma, or the signal it gets. */
function accessOf(w: World, s: Settings, ti: number, map: number, ino: number | null, blk: number): { v: Vma } | { sig: 'SIGSEGV' | 'SIGBUS'; why: string } {
  const v = vmaOf(w, ti, map);
  if (v === null || blk < v.blk || blk >= v.blk + v.nblk || (ino !== null && v.ino !== ino)) return { sig: 'SIGSEGV', why: `no mapping ${map} of that page` };
  // filemap_fault: a page at or beyond EOF is SIGBUS (a present PTE there was zapped by truncate).
  if (blk * s.fs.blockSize >= inodeOf(w, v.ino).size) return { sig: 'SIGBUS', why: `page ${blk} is beyond EOF (i_size ${inodeOf(w, v.ino).size})` };
  return { v };
}

/** fault_around_bytes at its default (64 KiB): do_fault_around maps up to this many pages. */
export const FAULT_AROUND_PAGES = 16;

/**
 * do_read_fault → do_fault_around → filemap_map_pages (mm/memory.c, mm/filemap.c, Linux
 * 6.18): the pages of mapping `v` a read fault on `blk` maps read-only before (or instead of)
 * calling ->fault — those whose PTE is not present and whose folio is cached, uptodate and
 * unlocked (next_uptodate_folio), below EOF. The window is the run of FAULT_AROUND_PAGES pages
 * holding `blk`, aligned from the mapping's start: Linux aligns it by virtual address, which
 * the model does not have, so it takes the mapping to start on a 64 KiB boundary.
 * PG_readahead, which next_uptodate_folio skips, is not modelled (no read-around here marks a
 * folio: its mark lies ra_pages * 3 / 4 past the window's start, beyond these files' EOF).
 */
function faultAroundPages(w: World, s: Settings, v: Vma, blk: number): number[] {
  const from = blk - ((blk - v.blk) % FAULT_AROUND_PAGES);
  const to = Math.min(from + FAULT_AROUND_PAGES, v.blk + v.nblk);
  const pages = Math.ceil(inodeOf(w, v.ino).size / s.fs.blockSize);
  const out: number[] = [];
  for (let b = from; b < to && b < pages; b++) {
    const f = folioAt(w, v.ino, b);
    if (f === null || f.locked === true || pteOf(w, v, b) !== 'none') continue;
    const whole = Array.from({ length: f.nr }, (_, i) => folioAt(w, v.ino, f.head + i));
    if (whole.every((x) => x?.uptodate === true)) out.push(b);
  }
  return out;
}

/**
 * Step 1, the PTE not present: filemap_fault (mm/filemap.c, Linux 6.18).
 *  - A cached, uptodate, unlocked folio is mapped read-only (the folio lock is taken and
 *    dropped within the step; a locked folio is waited for).
 *  - No folio: do_sync_mmap_readahead's read-around adds the window's folios locked and
 *    !uptodate and submits their read I/O (page_cache_ra_order, under the invalidate_lock
 *    shared); then retry_find takes the invalidate_lock shared and lock_folio_maybe_drop_mmap
 *    waits for the faulting folio's lock — the I/O. One step here: the gap between
 *    page_cache_ra_order dropping the lock and retry_find taking it again is left out (a
 *    punch that took the lock exclusive there would wait for the locked folios anyway).
 *  - A folio cached but !uptodate (a read error, or a large folio partly filled):
 *    invalidate_lock shared, the folio locked, page_not_uptodate → filemap_read_folio
 *    submits ->read_folio for its !uptodate blocks.
 * In both reading cases the read bios complete on their own (the device's read-end, holes
 * at once: readahead.ts submitReadIo); once the faulting folio is unlocked (bufferedReadStep
 * with `fault`) the fault — which dropped the mmap_lock for the I/O
 * (maybe_unlock_mmap_for_io) — drops the invalidate_lock and returns VM_FAULT_RETRY, and the
 * access faults again and finds the folio uptodate, unless something removed it meanwhile.
 * The PTE is always read-only: the mapping wants write-notify. Null while the task must wait.
 */
function filemapFaultStep(w: World, s: Settings, ti: number, v: Vma, blk: number, why: 'load' | 'store', begin: (d: World) => void): Step | null {
  const f = folioAt(w, v.ino, blk);
  // do_read_fault: fault-around first (a store's do_shared_fault has none).
  const around = why === 'load' ? faultAroundPages(w, s, v, blk) : [];
  const mapAround = (d: World) => {
    const dv = vmaOf(d, v.task, v.id) as Vma;
    for (const b of around) setPte(dv, b, 'ro');
  };
  if (around.includes(blk)) {
    return {
      fn: 'do_read_fault → do_fault_around → filemap_map_pages',
      what: `folio ${v.ino}:${blk} cached and uptodate (${f?.t ?? '?'}): map page${around.length > 1 ? 's' : ''} ${around.join(',')} read-only (write-notify), VM_FAULT_NOPAGE`,
      apply: mapAround,
    };
  }
  const aroundWhat = around.length > 0 ? `fault-around maps cached page${around.length > 1 ? 's' : ''} ${around.join(',')} read-only; ` : '';
  const via = `${why === 'store' ? 'do_shared_fault → __do_fault' : 'do_read_fault'} → ${s.fs.kind === 'xfs' ? 'xfs_filemap_fault → ' : ''}filemap_fault`;
  // lock_folio_maybe_drop_mmap: a folio locked for another read's I/O is waited for.
  if (f?.locked === true) return null;
  if (f !== null && f.uptodate) {
    return {
      fn: via,
      what: `folio ${v.ino}:${blk} cached and uptodate (${f.t}): map it read-only (write-notify)`,
      apply: (d) => {
        begin(d);
        setPte(vmaOf(d, v.task, v.id) as Vma, blk, 'ro');
      },
    };
  }
  if (!faultLockFree(w, s, v.ino)) return null;
  const taken = s.knobs.faultInvalidateLock === 'taken';
  const lockWhat = taken ? 'filemap_invalidate_lock_shared; ' : 'no invalidate_lock (before 730633f0b7f9); ';
  const plan = f === null ? faultRaPlan(w, s, v.ino, blk) : { add: [], blocks: Array.from({ length: f.nr }, (_, i) => f.head + i).filter((b) => folioAt(w, v.ino, b)?.uptodate !== true) };
  const io = readIoOf(w, s, v.ino, plan.blocks);
  const ioWhat = io.map((x) => `${x.blk}${x.p === null ? '=0' : `←p${x.p}`}`).join(',');
  return {
    fn: f === null ? `${via} → do_sync_mmap_readahead → page_cache_ra_order` : `${via} → page_not_uptodate → filemap_read_folio`,
    what:
      f === null
        ? `${aroundWhat}${lockWhat}no folio at ${v.ino}:${blk}: read-around adds folios ${plan.add.join(',')} locked, !uptodate; submit read I/O of blocks ${ioWhat}; wait for folio ${blk}'s lock`
        : `${aroundWhat}${lockWhat}folio ${v.ino}:${f.head} cached !uptodate: lock it, ->read_folio submits read I/O of blocks ${ioWhat}; wait for it`,
    apply: (d) => {
      begin(d);
      mapAround(d);
      if (taken) lock(inodeOf(d, v.ino).invalidateLock, 'shared', ti);
      if (f === null) addReadFolios(d, v.ino, plan.add);
      else {
        for (let b = f.head; b < f.head + f.nr; b++) {
          const e = folioAt(d, v.ino, b);
          if (e !== null) e.locked = true;
        }
      }
      submitReadIo(d, s, v.ino, io);
      const r: BufferedRead = { sys: 'buffered-read', fd: v.fd, ino: v.ino, pos: blk * s.fs.blockSize, len: s.fs.blockSize, iolock: false, wait: [], ioError: false, start: 0, fault: { map: v.id, blk, invalidateLock: taken } };
      task(d, ti).cur = r;
    },
  };
}

/**
 * Step 2, a read-only PTE: wp_page_shared → do_page_mkwrite → ->page_mkwrite. Under the
 * invalidate_lock shared (XFS: __xfs_write_fault's MMAPLOCK; ext4_page_mkwrite takes it too)
 * and the folio lock: the folio is still in the mapping (it is: its PTE is present) and within
 * EOF; XFS reserves delalloc over the folio's holes (iomap_page_mkwrite → iomap_iter,
 * IOMAP_WRITE|IOMAP_FAULT → xfs_buffered_write_iomap_begin); the folio is marked dirty
 * whole; then the PTE is made writable (finish_mkwrite_fault / finish_fault).
 */
function pageMkwriteStep(w: World, s: Settings, v: Vma, blk: number, begin: (d: World) => void, storeToo: Step | null): Step | null {
  if (!faultLockFree(w, s, v.ino)) return null;
  const f = folioAt(w, v.ino, blk);
  if (f === null) throw new Error(`a read-only PTE of ${v.ino}:${blk} without a folio`);
  const inode = inodeOf(w, v.ino);
  const xfs = s.fs.kind === 'xfs';
  const holes = Array.from({ length: f.nr }, (_, i) => f.head + i).filter((b) => inode.map[b]?.kind === 'hole' && b * s.fs.blockSize < inode.size);
  const lock = s.knobs.faultInvalidateLock === 'taken' ? `${xfs ? 'XFS_MMAPLOCK_SHARED' : 'filemap_invalidate_lock_shared'}, ` : '';
  const reserve = xfs ? (holes.length > 0 ? `xfs_buffered_write_iomap_begin reserves delalloc for block${holes.length > 1 ? 's' : ''} ${holes.join(',')}, ` : 'blocks already mapped, ') : holes.length > 0 ? 'hole left for writeback to allocate (the model\'s ext4 has no delalloc reservation), ' : '';
  return {
    fn: xfs ? 'wp_page_shared → xfs_filemap_page_mkwrite → __xfs_write_fault → iomap_page_mkwrite' : 'wp_page_shared → ext4_page_mkwrite',
    what: `sb_start_pagefault, ${lock}folio ${v.ino}:${f.head} locked, within EOF; ${reserve}folio_mark_dirty; PTE writable${storeToo !== null ? `; then ${storeToo.what}` : ''}`,
    apply: (d) => {
      begin(d);
      if (xfs) xfsReserveDelalloc(inodeOf(d, v.ino), holes);
      for (let b = f.head; b < f.head + f.nr; b++) {
        const e = folioAt(d, v.ino, b);
        if (e !== null) e.dirty = true;
      }
      setPte(vmaOf(d, v.task, v.id) as Vma, blk, 'rw');
      storeToo?.apply(d);
    },
  };
}

/** The store through `map`: whichever of the three steps its PTE calls for. */
function mappedStoreStep(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap-store' }> & { map: number }): Step | null {
  const blk = Math.floor(c.offset / s.fs.blockSize);
  const begun = (d: World) => d.ghost.writes.some((g) => g.id === c.id);
  const begin = (d: World) => {
    if (!begun(d)) beginWrite(d, ti, c.id, c.file, blk, 1, false);
  };
  const end = (d: World, ret: number | Errno) => {
    begin(d);
    const g = ghostWrite(d, c.id);
    finishSyscall(d, ti, { op: 'mmap-store', id: c.id, ret });
    g.end = d.ghost.clock;
    g.ret = ret;
  };
  const a = accessOf(w, s, ti, c.map, c.file, blk);
  if ('sig' in a) return { fn: 'handle_mm_fault', what: `${c.id}: ${a.why}: ${a.sig}`, apply: (d) => end(d, a.sig) };
  const v = a.v;
  const pte = pteOf(w, v, blk);
  if (pte === 'none') return filemapFaultStep(w, s, ti, v, blk, 'store', begin);
  if (pte === 'ro') {
    // Bound: writeback may slip between a store's first ->page_mkwrite and the store; a
    // later ->page_mkwrite of the same store runs with the store in one step (otherwise
    // mkwrite, writeback, mkwrite, ... never ends and fills the device cache).
    const mkwrites = w.ghost.writes.find((g) => g.id === c.id)?.mkwrites ?? 0;
    const counted = (d: World) => {
      begin(d);
      const g = ghostWrite(d, c.id);
      g.mkwrites = (g.mkwrites ?? 0) + 1;
    };
    return pageMkwriteStep(w, s, v, blk, counted, mkwrites >= MKWRITE_SPLIT ? storeStep(w, s, ti, v, blk, c.id, end, true) : null);
  }
  return storeStep(w, s, ti, v, blk, c.id, end, false);
}

/** How many of a store's ->page_mkwrite calls are steps of their own (the bound above). */
export const MKWRITE_SPLIT = 1;

/** Step 3, a writable PTE: the store writes its block into the folio (judged by mmap-store-backed). */
function storeStep(w: World, s: Settings, ti: number, v: Vma, blk: number, id: string, end: (d: World, ret: number | Errno) => void, afterMkwrite: boolean): Step {
  const f = folioAt(w, v.ino, blk);
  const m = inodeOf(w, v.ino).map[blk];
  // Judged before the step when the PTE was writable already; after ->page_mkwrite in the same step, on the result.
  const judge = (x: World): string | null => {
    const e = folioAt(x, v.ino, blk);
    const mm = inodeOf(x, v.ino).map[blk];
    return e === null || !e.dirty ? `folio ${v.ino}:${blk} is clean: writeback will never write this store` : s.fs.kind === 'xfs' && mm?.kind === 'hole' ? `block ${blk} of file ${v.ino} has no delalloc reservation or extent under the dirty folio` : null;
  };
  return {
    fn: 'store through a writable PTE',
    what: `${id}: write the block into folio ${v.ino}:${blk}${afterMkwrite ? '' : ` (${f?.dirty === true ? 'dirty' : 'clean'}, block ${m?.kind ?? '?'})`}`,
    apply: (d) => {
      const unbacked = judge(d);
      const e = folioAt(d, v.ino, blk);
      if (e === null) throw new Error(`writable PTE of ${v.ino}:${blk} without a folio`);
      if (unbacked !== null) d.ghost.flagged.push({ property: 'mmap-store-backed', what: `store ${id} (T${ti + 1}) went through a writable PTE but ${unbacked}` });
      e.t = writeToken(id, 0);
      e.uptodate = true;
      end(d, s.fs.blockSize);
    },
  };
}

/** A load of one block through mapping `map`: a read fault if the PTE is not present, then the load. */
export function mmapLoadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap-load' }>): Step | null {
  const blk = Math.floor(c.offset / s.fs.blockSize);
  const result = (d: World, ret: number | Errno, ino: number, data: World['pageCache'][number][number][]) => {
    d.ghost.clock++;
    const start = d.ghost.clock;
    const toks = data.flatMap((f) => (f === null ? [] : [f.t]));
    finishSyscall(d, ti, { op: 'mmap-load', ret, file: ino, data: toks, firstBlock: blk, start, end: d.ghost.clock + 1 });
  };
  const a = accessOf(w, s, ti, c.map, null, blk);
  if ('sig' in a) return { fn: 'handle_mm_fault', what: `load: ${a.why}: ${a.sig}`, apply: (d) => result(d, a.sig, -1, []) };
  const v = a.v;
  if (pteOf(w, v, blk) === 'none') return filemapFaultStep(w, s, ti, v, blk, 'load', () => {});
  return {
    fn: 'load through a present PTE',
    what: `read folio ${v.ino}:${blk} (${folioAt(w, v.ino, blk)?.t ?? '?'})`,
    apply: (d) => result(d, s.fs.blockSize, v.ino, [folioAt(d, v.ino, blk)]),
  };
}

/** folio_test_uptodate of the folio caching block `blk` (false when none does). */
function folioPgUptodate(w: World, ino: number, blk: number): boolean {
  const f = folioAt(w, ino, blk);
  if (f === null || f.pgNotUptodate === true) return false;
  const n = w.pageCache[ino]?.length ?? 0;
  for (let b = f.head; b < f.head + f.nr && b < n; b++) if (folioAt(w, ino, b)?.uptodate !== true) return false;
  return true;
}
