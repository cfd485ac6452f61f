/**
 * XFS fallocate (fs/xfs/xfs_file.c __xfs_file_fallocate and its xfs_falloc_* helpers) and
 * the space operations it calls (fs/xfs/xfs_bmap_util.c xfs_flush_unmap_range,
 * xfs_free_file_space, xfs_alloc_file_space). Linux 6.18.
 *
 * __xfs_file_fallocate takes XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL for every mode, then
 * inode_dio_wait. PUNCH_HOLE is xfs_free_file_space; ZERO_RANGE is xfs_free_file_space then
 * xfs_alloc_file_space over the block-rounded range; mode 0 / KEEP_SIZE is
 * xfs_alloc_file_space (unwritten extents, XFS_BMAPI_PREALLOC). A new size goes through
 * xfs_falloc_setsize → xfs_setattr_size (xfs_iops.ts). Each extent change is a transaction
 * of its own, committed by the log later (or by xfs_log_force_inode on an O_SYNC/O_DSYNC file).
 */
import { match } from 'ts-pattern';
import { allocUnwrittenRange, unmapRange } from '../allocator.ts';
import { markDirty } from '../journal.ts';
import { filemapFdatawriteRange } from '../../mm/filemap.ts';
import { checkNoFillDuringPunch, truncateInodePagesRange, truncateLookupBeforeWait, truncateWouldWait, zeroBlockPart } from '../../mm/truncate.ts';
import { inodeOf } from '../../vfs/fd.ts';
import type { SizeOpWork } from '../../vfs/truncate.ts';
import type { SizeOp, SizeOpKind, SizeOpStepName } from '../../vfs/types.ts';
import type { Settings, World } from '../../world.ts';
import { skipFlushWait, XFS_ZERO_RANGE, xfsItruncate, xfsTruncateSetsize, xfsZeroEof, xfsZeroRest } from './xfs_iops.ts';

/** The steps of an XFS fallocate of this kind (i_size known: taken under the i_rwsem); a truncate's are xfsSetattrPlan. */
export function xfsFallocPlan(kind: Exclude<SizeOpKind, 'truncate'>, keepSize: boolean, grows: boolean): SizeOpStepName[] {
  const locks: SizeOpStepName[] = ['i_rwsem', 'invalidate_lock', 'inode_dio_wait'];
  const setsize: SizeOpStepName[] = !keepSize && grows ? [...XFS_ZERO_RANGE, 'setsize', 'flush_wait', 'itruncate'] : [];
  return match(kind)
    .with('allocate', (): SizeOpStepName[] => [...locks, 'alloc', ...setsize, 'unlock'])
    .with('punch', (): SizeOpStepName[] => [...locks, 'flush', 'flush_wait', 'unmap', 'free', 'flush_wait', 'unlock'])
    .with('zero', (): SizeOpStepName[] => [...locks, 'flush', 'flush_wait', 'unmap', 'free', 'flush_wait', 'alloc', ...setsize, 'unlock'])
    .exhaustive();
}

/** The blocks a byte range touches, [first, end). */
export const touched = (off: number, len: number, bs: number): [number, number] => [Math.floor(off / bs), Math.ceil((off + len) / bs)];
/** The blocks wholly inside a byte range, [first, end). */
export const inside = (off: number, len: number, bs: number): [number, number] => [Math.ceil(off / bs), Math.floor((off + len) / bs)];

/** The blocks a byte range covers only in part (the head and the tail of a punch). */
export function partialBlocks(off: number, end: number, bs: number): number[] {
  if (end <= off) return [];
  const out: number[] = [];
  if (off % bs !== 0) out.push(Math.floor(off / bs));
  const last = Math.floor(end / bs);
  if (end % bs !== 0 && !out.includes(last)) out.push(last);
  return out;
}

/** One step of an XFS truncate or fallocate; null while it must wait. */
export function xfsStepWork(w: World, s: Settings, st: SizeOp, name: 'flush' | 'zero_eof' | 'zero_rest' | 'setsize' | 'unmap' | 'alloc' | 'itruncate' | 'free'): SizeOpWork | null {
  return match(name)
    .with('flush', () => xfsFlushUnmapRange(s, st))
    .with('unmap', () => xfsTruncatePagecacheRange(w, s, st))
    .with('free', () => xfsFreeFileSpace(w, s, st))
    .with('alloc', () => xfsAllocFileSpace(s, st))
    .with('zero_eof', () => xfsZeroEof(w, s, st))
    .with('zero_rest', () => xfsZeroRest(s, st))
    .with('setsize', () => xfsTruncateSetsize(w, s, st))
    .with('itruncate', () => xfsItruncate(w, s, st))
    .exhaustive();
}

/**
 * xfs_flush_unmap_range, write half: filemap_write_and_wait_range over the range rounded
 * out to the allocation unit and the page (one block here), so no folio of it is dirty or
 * under writeback when its extents change.
 */
function xfsFlushUnmapRange(s: Settings, st: SizeOp): SizeOpWork {
  const [from, to] = touched(st.offset, st.len, s.fs.blockSize);
  return {
    fn: 'xfs_free_file_space → xfs_flush_unmap_range',
    what: `filemap_write_and_wait_range over blocks ${from}-${to - 1}`,
    apply: (d, c, ti) => {
      const bios = filemapFdatawriteRange(d, st.ino, from, to - from, ti);
      c.wait = bios ?? [];
      c.ioError = bios === null;
      c.wbRange = [from, to - from];
    },
  };
}

/**
 * xfs_flush_unmap_range, second half: truncate_pagecache_range over the range rounded out
 * (PTEs unmapped, folios dropped). The extents change in the next step (xfsFreeFileSpace):
 * between the two only the MMAPLOCK (invalidate_lock) keeps faults and reads from filling
 * the range again.
 */
function xfsTruncatePagecacheRange(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const [from, to] = touched(st.offset, st.len, s.fs.blockSize);
  // The range was written back and nothing can dirty it (both locks held): this wait is for
  // writeback that the flusher started before the flush, still in flight.
  if (truncateWouldWait(w, st.ino, from, to)) return truncateLookupBeforeWait(w, st.ino, from * s.fs.blockSize, to * s.fs.blockSize);
  return {
    fn: 'xfs_flush_unmap_range → truncate_pagecache_range',
    what: `blocks ${from}-${to - 1}: PTEs unmapped, folios dropped`,
    apply: (d) => truncateInodePagesRange(d, st.ino, from * s.fs.blockSize, to * s.fs.blockSize, 'iomap'),
  };
}

/**
 * xfs_free_file_space after xfs_flush_unmap_range: xfs_unmap_extent
 * over the blocks wholly inside the range, xfs_zero_range over the partial blocks at its
 * edges (only below EOF), and, when the range reaches EOF inside a page, a flush of the EOF
 * page (filemap_write_and_wait_range from it to the end of the file). Checks
 * no-fill-during-punch for the blocks it frees.
 */
function xfsFreeFileSpace(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const [from, to] = touched(st.offset, st.len, bs);
  // Only a fill the MMAPLOCK did not keep out (faultInvalidateLock 'not-taken') can put a
  // folio, and then writeback, back into the range since the last step.
  if (truncateWouldWait(w, st.ino, from, to)) return null;
  const [a, b] = inside(st.offset, st.len, bs);
  const size = inodeOf(w, st.ino).size;
  const end = Math.min(st.offset + st.len, size);
  const edges = st.offset < size ? partialBlocks(st.offset, end, bs) : [];
  const eofFlush = st.offset < size && end >= size && end % bs !== 0;
  return {
    fn: 'xfs_free_file_space',
    what: `${b > a ? `xfs_unmap_extent frees blocks ${a}-${b - 1}` : 'no whole block to free'}${edges.length > 0 ? `; xfs_zero_range zeroes part of block${edges.length > 1 ? 's' : ''} ${edges.join(',')}` : ''}${eofFlush ? '; write back the EOF page' : ''}`,
    apply: (d, c, ti) => {
      checkNoFillDuringPunch(d, st.ino, a, b);
      const i = inodeOf(d, st.ino);
      if (unmapRange(d, i, a, b)) markDirty(d, st.ino);
      for (const e of edges) zeroBlockPart(d, st.ino, e, [st.offset, end]);
      if (!eofFlush) return skipFlushWait(c);
      const first = Math.floor(end / bs);
      const n = i.map.length - first;
      const bios = filemapFdatawriteRange(d, st.ino, first, n, ti);
      c.wait = bios ?? [];
      c.ioError = bios === null;
      c.wbRange = [first, n];
    },
  };
}

/**
 * xfs_alloc_file_space: unwritten extents (XFS_BMAPI_PREALLOC) over the holes and delalloc
 * reservations of the block-rounded range, one transaction per extent; -ENOSPC when free
 * space runs out (what was allocated stays).
 */
function xfsAllocFileSpace(s: Settings, st: SizeOp): SizeOpWork {
  const [from, to] = touched(st.offset, st.len, s.fs.blockSize);
  return {
    fn: 'xfs_alloc_file_space',
    what: `unwritten extents over the holes of blocks ${from}-${to - 1}`,
    apply: (d, c) => {
      const i = inodeOf(d, st.ino);
      const got = allocUnwrittenRange(d, i, from, to, false);
      if (got === null || got.length > 0) markDirty(d, st.ino);
      if (got === null) {
        c.ret = 'ENOSPC';
        c.at = c.steps.indexOf('unlock');
      }
    },
  };
}
