/** XFS atomic-write limits (fs/xfs/xfs_iops.c xfs_get_atomic_write_min/max/max_opt, Linux 6.18). */
import type { Settings, World } from '../../world.ts';
import type { SizeOp, SizeOpStepName } from '../../vfs/types.ts';
import type { SizeOpWork } from '../../vfs/truncate.ts';
import { inodeOf } from '../../vfs/fd.ts';
import { truncateLookupBeforeWait, truncatePagecache, truncateWouldWait, zeroBlockPart, zeroWholeBlock } from '../../mm/truncate.ts';
import { filemapFdatawriteRange, folioAt } from '../../mm/filemap.ts';
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
 * boundary zeroes nothing (iomap_truncate_page returns at once): no zero_eof step.
 */
export function xfsSetattrPlan(bs: number, size: number, newSize: number): SizeOpStepName[] {
  const zero: SizeOpStepName[] = newSize > size || newSize % bs !== 0 ? ['zero_eof'] : [];
  return ['i_rwsem', 'invalidate_lock', 'inode_dio_wait', ...zero, 'setsize', 'flush_wait', 'itruncate', 'unlock'];
}

/** The new size a truncate or a size-changing fallocate sets. */
export const newSizeOf = (st: SizeOp): number => (st.kind === 'truncate' ? st.offset : st.offset + st.len);

/** Move past the flush_wait that follows when nothing was flushed. */
export function skipFlushWait(st: SizeOp): void {
  st.at += st.steps[st.at + 1] === 'flush_wait' ? 2 : 1;
}

/**
 * xfs_setattr_size's zeroing: xfs_zero_range from the old EOF (growing) or xfs_truncate_page
 * at the new EOF (shrinking), both iomap_zero_range. For the unaligned first block it
 * zeroes through the page cache without waiting for writeback (zeroBlockPart); its
 * iomap_write_begin takes the folio lock, so it waits for a read's I/O on that folio.
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
  const from = grow ? old : size;
  const partial = from % bs !== 0;
  if (partial && folioAt(w, st.ino, Math.floor(from / bs))?.locked === true) return null;
  return {
    fn: grow ? 'xfs_setattr_size: xfs_zero_range' : 'xfs_setattr_size: xfs_truncate_page',
    what: grow ? `iomap_zero_range from the old EOF ${old} to ${size}` : `iomap_zero_range: the tail of block ${Math.floor(size / bs)} past ${size}`,
    apply: (d, c) => {
      let did = partial && zeroBlockPart(d, st.ino, Math.floor(from / bs), [from, Number.MAX_SAFE_INTEGER]);
      // Every whole block here is at or past the old EOF block: xfs_buffered_write_iomap_begin under
      // IOMAP_ZERO turns delalloc there into unwritten (convert_delay), which iomap_zero_range skips.
      if (grow) for (let b = Math.ceil(old / bs); b < Math.ceil(size / bs); b++) did = (inodeOf(d, st.ino).map[b]?.kind !== 'delalloc' && zeroWholeBlock(d, st.ino, b)) || did;
      if (did) c.zeroed = true;
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
