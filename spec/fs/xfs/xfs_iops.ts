/** XFS atomic-write limits (fs/xfs/xfs_iops.c xfs_get_atomic_write_min/max/max_opt, Linux 6.18). */
import type { Settings, World } from '../../world.ts';
import type { SizeOp, SizeOpStepName } from '../../vfs/types.ts';
import type { SizeOpWork } from '../../vfs/truncate.ts';
import { inodeOf } from '../../vfs/fd.ts';
import { truncateLookupBeforeWait, truncatePagecache, truncateWouldWait, zeroBlockPart, zeroWholeBlock } from '../../mm/truncate.ts';
import { filemapFdatawriteRange, filemapRangeNeedsWriteback, folioAt, folioSpan } from '../../mm/filemap.ts';
import { unmapRange } from '../allocator.ts';
import { markDirty } from '../journal.ts';

/** Whether the device can do a one-block hardware atomic write (xfs_inode_can_hw_atomic_write). */
function hwCapable(s: Settings): boolean {
  const d = s.device;
  return d.atomicUnitMax >= s.fs.blockSize && d.atomicUnitMin <= s.fs.blockSize && d.atomicUnitMin > 0;
}

/** bt_awu_max: the largest hardware atomic write. */
export function xfsHwAtomicMax(s: Settings): number {
  return hwCapable(s) ? s.device.atomicUnitMax : 0;
}

/** xfs_get_atomic_write_min/max/max_opt (xfs_iops.c). */
export function xfsAtomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  const bs = s.fs.blockSize;
  const min = hwCapable(s) || s.fs.reflink ? bs : 0;
  const max = s.fs.reflink ? s.fs.swAtomicMax : hwCapable(s) ? bs : 0;
  const maxOpt = max > bs ? Math.min(max, xfsHwAtomicMax(s)) : 0;
  return { min, max, maxOpt };
}

// ---------------------------------------------------------------------------------------
// xfs_vn_setattr_size → xfs_setattr_size (ftruncate, and fallocate's new size)

/**
 * xfs_vn_setattr takes XFS_MMAPLOCK_EXCL under the i_rwsem do_truncate holds; then
 * xfs_setattr_size: inode_dio_wait, the zeroing (zero_eof), truncate_setsize, a flush when
 * the zeroing dirtied folios, and the transaction that sets di_size and frees blocks past it.
 * The zeroing and truncate_setsize are two steps: the zeroing does not wait for writeback
 * and truncate_setsize does, so a writeback can end between them. A shrink to a block
 * boundary zeroes nothing (iomap_truncate_page returns at once): no zero_eof step. A growing
 * zeroing may flush and wait in the middle (iomap_zero_iter_flush_and_stale): flush_wait and
 * zero_rest, skipped when it does not.
 */
export function xfsSetattrPlan(bs: number, size: number, newSize: number): SizeOpStepName[] {
  const zero: SizeOpStepName[] = newSize > size ? XFS_ZERO_RANGE : newSize % bs !== 0 ? ['zero_eof'] : [];
  return ['i_rwsem', 'invalidate_lock', 'inode_dio_wait', ...zero, 'setsize', 'flush_wait', 'itruncate', 'unlock'];
}

/** xfs_zero_range from the old EOF: the zeroing, the wait of its flush when it flushes, the rest after the flush. */
export const XFS_ZERO_RANGE: SizeOpStepName[] = ['zero_eof', 'flush_wait', 'zero_rest'];

/** The new size a truncate or a size-changing fallocate sets. */
export const newSizeOf = (st: SizeOp): number => (st.kind === 'truncate' ? st.offset : st.offset + st.len);

/** Move past the flush_wait that follows when nothing was flushed. */
export function skipFlushWait(st: SizeOp): void {
  st.at += st.steps[st.at + 1] === 'flush_wait' ? 2 : 1;
}

/**
 * xfs_setattr_size's zeroing: xfs_zero_range from the old EOF (growing) or xfs_truncate_page
 * at the new EOF (shrinking), both iomap_zero_range. An unaligned first block that
 * filemap_range_needs_writeback is zeroed through the page cache without waiting for
 * writeback (zeroBlockPart); its iomap_write_begin takes the folio lock, so it waits for a
 * read's I/O on that folio. Growing, the rest of the range goes mapping by mapping: written
 * blocks are zeroed through the page cache; at the first hole or unwritten extent, if the
 * range was dirty when the walk began, iomap_zero_iter_flush_and_stale writes back and waits
 * for the range from there to the end (flush_wait), and zero_rest takes the walk up again.
 * For fallocate (xfs_falloc_setsize) nothing when the range ends inside the file.
 */
export function xfsZeroEof(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const old = inodeOf(w, st.ino).size;
  const size = newSizeOf(st);
  if (st.call === 'fallocate' && size <= old) {
    return { fn: 'xfs_falloc_setsize', what: 'the range ends inside the file: i_size stays', apply: (d, c) => void (c.at = c.steps.indexOf('itruncate') + 1) };
  }
  const grow = size > old;
  if (!grow) {
    const first = Math.floor(size / bs);
    if (size % bs !== 0 && folioAt(w, st.ino, first)?.locked === true) return null;
    return {
      fn: 'xfs_setattr_size: xfs_truncate_page',
      what: `iomap_zero_range: the tail of block ${first} past ${size}`,
      apply: (d, c) => {
        if (size % bs !== 0 && zeroBlockPart(d, st.ino, first, [size, Number.MAX_SAFE_INTEGER])) c.zeroed = true;
      },
    };
  }
  const plan = xfsZeroRangePlan(w, s, st.ino, old, size);
  if (plan.waits) return null;
  return {
    fn: 'xfs_setattr_size: xfs_zero_range',
    what: xfsZeroRangeWhat(w, st.ino, plan),
    apply: (d, c, ti) => {
      const r = xfsZeroRangeStart(d, st.ino, plan, Number.MAX_SAFE_INTEGER, ti);
      if (r.zeroed) c.zeroed = true;
      if (r.flush === null) {
        c.at = c.steps.indexOf('setsize');
        return;
      }
      c.wait = r.flush.wait;
      c.ioError = r.flush.ioError;
      c.wbRange = r.flush.range;
    },
  };
}

/**
 * xfs_zero_range over [from, to) from the old EOF `from` (a growing truncate or fallocate,
 * and a write past EOF: xfs_file_write_zero_eof), decided before any of it runs, as
 * iomap_zero_range decides range_dirty once. `waits`: the unaligned start's folio is locked
 * for a read's I/O (iomap_write_begin would wait in folio_lock). `flushAt`: the first hole
 * or unwritten block of the walk when the page cache over the rest of the range needs
 * writeback (iomap_zero_iter_flush_and_stale flushes from there to the end), else null.
 */
export interface XfsZeroRange {
  from: number;
  to: number;
  first: number;
  partial: boolean;
  walkFrom: number;
  /** The first block past the old EOF block. */
  eofBlock: number;
  end: number;
  flushAt: number | null;
  waits: boolean;
}

export function xfsZeroRangePlan(w: World, s: Settings, ino: number, from: number, to: number): XfsZeroRange {
  const bs = s.fs.blockSize;
  const first = Math.floor(from / bs);
  const partial = from % bs !== 0;
  const end = Math.ceil(to / bs);
  // iomap_zero_range's special case: an unaligned start already dirty is zeroed on its own.
  const startDirty = partial && filemapRangeNeedsWriteback(w, ino, first, 1);
  const walkFrom = startDirty ? first + 1 : first;
  const hole = firstSkipped(w, s, ino, from, walkFrom, end);
  const flushAt = hole !== null && filemapRangeNeedsWriteback(w, ino, walkFrom, end - walkFrom) ? hole : null;
  return { from, to, first, partial, walkFrom, eofBlock: Math.ceil(from / bs), end, flushAt, waits: partial && folioAt(w, ino, first)?.locked === true };
}

/** The step text of xfsZeroRangeStart. */
export function xfsZeroRangeWhat(w: World, ino: number, p: XfsZeroRange): string {
  return `iomap_zero_range from the old EOF ${p.from} to ${p.to}${xfsZeroRangeFlushWhat(w, ino, p)}`;
}

/** The flush part of xfsZeroRangeWhat ('' without one). */
export function xfsZeroRangeFlushWhat(w: World, ino: number, p: XfsZeroRange): string {
  if (p.flushAt === null) return '';
  return `; iomap_zero_iter_flush_and_stale: block ${p.flushAt} is ${inodeOf(w, ino).map[p.flushAt]?.kind ?? 'hole'} under dirty page cache: filemap_write_and_wait_range over blocks ${p.flushAt}-${p.end - 1} (whole folios)`;
}

/** The writeback xfs_zero_range started and now waits for (filemap_write_and_wait_range). */
export interface XfsZeroFlush {
  wait: number[];
  ioError: boolean;
  /** The blocks [first, count] from the flush on: waited for, then zeroed where written (xfsZeroRangeRest). */
  range: [number, number];
}

/**
 * iomap_zero_range up to its flush: the unaligned start (its bytes up to `bytesTo`), the
 * written blocks before the first skipped block, and when it flushes, the writeback of the
 * range's folios from there (whole folios: one reaching below the range goes too).
 */
export function xfsZeroRangeStart(d: World, ino: number, p: XfsZeroRange, bytesTo: number, ti: number): { zeroed: boolean; flush: XfsZeroFlush | null } {
  const headDone = p.partial && zeroBlockPart(d, ino, p.first, [p.from, bytesTo]);
  const zeroed = zeroWrittenBlocks(d, ino, Math.max(p.walkFrom, p.eofBlock), p.flushAt ?? p.end) || headDone;
  if (p.flushAt === null) return { zeroed, flush: null };
  const head = folioSpan(d, ino, p.flushAt).head;
  const last = folioSpan(d, ino, p.end - 1);
  const bios = filemapFdatawriteRange(d, ino, head, last.head + last.nr - head, ti);
  return { zeroed, flush: { wait: bios ?? [], ioError: bios === null, range: [p.flushAt, p.end - p.flushAt] } };
}

/**
 * xfs_zero_range after iomap_zero_iter_flush_and_stale: the mapping is looked up again from
 * the block it flushed at, and with range_dirty now false every hole and unwritten extent is
 * skipped; written blocks are zeroed through the page cache. Whether it dirtied a folio.
 */
export function xfsZeroRangeRest(d: World, ino: number, [from, n]: [number, number]): boolean {
  return zeroWrittenBlocks(d, ino, from, from + n);
}

/**
 * The first block in [from, end) iomap_zero_range finds over a hole or an unwritten extent,
 * or null: delalloc at or past the old EOF block counts, as xfs_buffered_write_iomap_begin
 * under IOMAP_ZERO converts it to unwritten (convert_delay; the conversion itself is not
 * modelled: the block stays delalloc).
 */
function firstSkipped(w: World, s: Settings, ino: number, old: number, from: number, end: number): number | null {
  const eofBlock = Math.ceil(old / s.fs.blockSize);
  for (let b = from; b < end; b++) {
    const k = inodeOf(w, ino).map[b]?.kind ?? 'hole';
    if (k === 'hole' || k === 'unwritten' || (k === 'delalloc' && b >= eofBlock)) return b;
  }
  return null;
}

/** iomap_zero_iter over the whole written blocks of [from, to): a dirty folio of zeroes each. */
function zeroWrittenBlocks(w: World, ino: number, from: number, to: number): boolean {
  let did = false;
  for (let b = from; b < to; b++) did = zeroWholeBlock(w, ino, b) || did;
  return did;
}

/** xfs_setattr_size's zeroing after its flush (xfsZeroRangeRest). */
export function xfsZeroRest(s: Settings, st: SizeOp): SizeOpWork {
  const [from, n] = st.wbRange;
  return {
    fn: 'xfs_setattr_size: xfs_zero_range',
    what: `iomap_zero_range after the flush: blocks ${from}-${from + n - 1}, holes and unwritten extents skipped`,
    apply: (d, c) => {
      if (xfsZeroRangeRest(d, st.ino, st.wbRange)) c.zeroed = true;
    },
  };
}

/**
 * xfs_setattr_size after the zeroing: truncate_setsize (i_size, then truncate_pagecache,
 * which waits for writeback of the folios it drops and of the partial one); then, when the
 * zeroing dirtied a folio or the on-disk size lags behind,
 * filemap_write_and_wait_range(i_disk_size, newsize - 1), so the zeroes are on disk before
 * di_size moves over them: an empty range, nothing written, when di_size is at or past the
 * new size (the zeroed tail then lies past the durable EOF).
 */
export function xfsTruncateSetsize(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const inode = inodeOf(w, st.ino);
  const old = inode.size;
  const size = newSizeOf(st);
  if (size <= old && truncateWouldWait(w, st.ino, Math.floor(size / bs), inode.map.length)) return truncateLookupBeforeWait(w, st.ino, size, Infinity);
  const disk = inode.diskSize;
  return {
    fn: 'xfs_setattr_size: truncate_setsize',
    what: `i_size ${old} → ${size}; truncate_pagecache`,
    apply: (d, c, ti) => {
      const did = c.zeroed === true;
      delete c.zeroed;
      const i = inodeOf(d, st.ino);
      i.size = size;
      c.oldSize = old;
      truncatePagecache(d, st.ino, size, 'iomap');
      // Before 5885ebda878b (knob truncateZeroFlush) the size was logged without this flush.
      if (!(did || (size > disk && old !== disk)) || s.knobs.truncateZeroFlush === 'unflushed') return skipFlushWait(c);
      // filemap_write_and_wait_range returns at once when lend < lstart: a shrink below di_size flushes nothing.
      if (disk >= size) return skipFlushWait(c);
      const from = Math.floor(disk / bs);
      const n = Math.ceil(size / bs) - from;
      const bios = filemapFdatawriteRange(d, st.ino, from, n, ti);
      c.wait = bios ?? [];
      c.ioError = bios === null;
      c.wbRange = [from, n];
    },
  };
}

/**
 * The xfs_setattr_size transaction (tr_itruncate): di_size = newsize, and when the file did
 * not grow, xfs_itruncate_extents frees every block past it (real, delalloc and CoW
 * staging), all in the running transaction.
 */
export function xfsItruncate(w: World, s: Settings, st: SizeOp): SizeOpWork {
  const bs = s.fs.blockSize;
  const size = newSizeOf(st);
  const shrink = size <= st.oldSize;
  const from = Math.ceil(size / bs);
  return {
    fn: `xfs_setattr_size: xfs_trans_alloc(tr_itruncate)${shrink ? ' → xfs_itruncate_extents' : ''}`,
    what: `di_size ${inodeOf(w, st.ino).diskSize} → ${size}${shrink ? `; free the blocks from ${from} on` : ''}; log the inode`,
    apply: (d) => {
      const i = inodeOf(d, st.ino);
      i.diskSize = size;
      if (shrink) unmapRange(d, i, from, i.map.length);
      markDirty(d, st.ino);
    },
  };
}
