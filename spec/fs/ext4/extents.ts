/**
 * ext4_convert_unwritten_extents (fs/ext4/extents.c, Linux 6.18): one journal handle per
 * extent, so a commit can fall between two of them; atomic writes convert every extent in
 * one handle (ext4_convert_unwritten_extents_atomic, 6.16).
 */
import { match } from 'ts-pattern';
import { allocUnwrittenRange, setMapping, unmapRange } from '../allocator.ts';
import { checkNoFillDuringPunch, truncateInodePagesRange, truncateLookupBeforeWait, truncatePagecache, truncateWouldWait } from '../../mm/truncate.ts';
import { inodeOf } from '../../vfs/fd.ts';
import type { SizeOpWork } from '../../vfs/truncate.ts';
import type { SizeOp, SizeOpKind, SizeOpStepName } from '../../vfs/types.ts';
import { inside, partialBlocks, touched } from '../xfs/xfs_bmap_util.ts';
import { markDirty } from '../journal.ts';
import { ext4BlockZeroPageRange } from './inode.ts';
import type { DioWrite } from '../iomap/types.ts';
import type { Settings, World } from '../../world.ts';

/**
 * The unwritten extents the write covered that still need converting. ext4_convert_unwritten_extents
 * converts them one extent per journal handle, so a commit can fall between two of them.
 */
export function ext4UnwrittenRuns(w: World, st: DioWrite): Array<{ blk: number; nblk: number }> {
  const inode = w.inodes[st.req.ino];
  if (inode === undefined) throw new Error(`no inode ${st.req.ino}`);
  const runs: Array<{ blk: number; nblk: number; p: number }> = [];
  for (const g of st.segs) {
    for (let i = 0; i < g.nblk; i++) {
      const m = inode.map[g.blk + i];
      if (m === undefined || m.kind !== 'unwritten' || m.p !== g.p + i) continue;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.blk + last.nblk === g.blk + i && last.p + last.nblk === m.p) last.nblk++;
      else runs.push({ blk: g.blk + i, nblk: 1, p: m.p });
    }
  }
  return runs.map(({ blk, nblk }) => ({ blk, nblk }));
}

/** One journal handle of ext4_convert_unwritten_extents: one extent becomes written. */
export function ext4ConvertRun(w: World, ino: number, run: { blk: number; nblk: number }): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  for (let b = run.blk; b < run.blk + run.nblk; b++) {
    const m = inode.map[b];
    if (m !== undefined && m.kind === 'unwritten') setMapping(inode, b, { kind: 'written', p: m.p });
  }
  markDirty(w, ino);
}

/**
 * ext4_convert_unwritten_io_end_vec: a writeback io_end's unwritten blocks become written,
 * every vec in the io_end's one reserved handle. A block no longer unwritten (punched,
 * truncated, converted already) is left alone.
 */
export function ext4ConvertUnwrittenIoEndVec(w: World, ino: number, blks: number[]): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  let changed = false;
  for (const b of blks) {
    const m = inode.map[b];
    if (m === undefined || m.kind !== 'unwritten') continue;
    setMapping(inode, b, { kind: 'written', p: m.p });
    changed = true;
  }
  if (changed) markDirty(w, ino);
}

// ---------------------------------------------------------------------------------------
// ext4_setattr (ATTR_SIZE) and ext4_fallocate (fs/ext4/inode.c, fs/ext4/extents.c)

/**
 * ext4_setattr with ATTR_SIZE, under the i_rwsem do_truncate holds: when shrinking,
 * inode_dio_wait first; filemap_invalidate_lock; one handle that sets i_disksize and
 * i_size (the orphan list entry when shrinking); truncate_pagecache; then, unless the file
 * grew, ext4_truncate in a handle of its own.
 */
export function ext4SetattrPlan(size: number, newSize: number): SizeOpStepName[] {
  if (newSize > size) return ['i_rwsem', 'invalidate_lock', 'setsize', 'unlock'];
  if (newSize === size) return ['i_rwsem', 'invalidate_lock', 'setsize', 'itruncate', 'unlock'];
  return ['i_rwsem', 'inode_dio_wait', 'invalidate_lock', 'setsize', 'itruncate', 'unlock'];
}

/**
 * ext4_fallocate: inode_lock, inode_dio_wait; mode 0 / KEEP_SIZE (ext4_do_fallocate) runs
 * without the invalidate_lock; PUNCH_HOLE and ZERO_RANGE take it exclusive.
 */
export function ext4FallocPlan(kind: SizeOpKind): SizeOpStepName[] {
  return match(kind)
    .with('truncate', () => ext4SetattrPlan(0, 0))
    .with('allocate', (): SizeOpStepName[] => ['i_rwsem', 'inode_dio_wait', 'alloc', 'unlock'])
    .with('punch', (): SizeOpStepName[] => ['i_rwsem', 'inode_dio_wait', 'invalidate_lock', 'unmap', 'free', 'unlock'])
    .with('zero', (): SizeOpStepName[] => ['i_rwsem', 'inode_dio_wait', 'invalidate_lock', 'alloc', 'unlock'])
    .exhaustive();
}

/** One step of an ext4 truncate or fallocate; null while it must wait. */
export function ext4StepWork(w: World, s: Settings, st: SizeOp, name: 'flush' | 'setsize' | 'unmap' | 'alloc' | 'itruncate' | 'free'): SizeOpWork | null {
  return match(name)
    .with('free', () => ext4PunchFree(w, s, st))
    .with('setsize', () => ext4SetattrSize(w, s, st))
    .with('itruncate', () => ext4Truncate(s, st))
    .with('unmap', () => ext4PunchHole(w, s, st))
    .with('alloc', () => (st.kind === 'zero' ? ext4ZeroRange(w, s, st) : ext4DoFallocate(w, s, st)))
    .with('flush', () => {
      throw new Error('ext4 has no flush step in its truncate or fallocate plans');
    })
    .exhaustive();
}

/**
 * ext4_setattr's handle: growing, ext4_block_truncate_page zeroes the old EOF block's tail;
 * i_disksize and i_size take the new size together (ext4_mark_inode_dirty); then
 * truncate_pagecache, which waits for writeback of the folios it drops and the partial one.
 */
function ext4SetattrSize(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const inode = inodeOf(w, st.ino);
  const old = inode.size;
  const size = st.offset;
  const grow = size > old;
  if (!grow && truncateWouldWait(w, st.ino, Math.floor(size / bs), inode.map.length)) return truncateLookupBeforeWait(w, st.ino, size, Infinity);
  return {
    fn: `ext4_setattr${grow ? ' → ext4_block_truncate_page' : ' → ext4_orphan_add'}`,
    what: `${grow && old % bs !== 0 ? `zero the tail of block ${Math.floor(old / bs)}; ` : ''}i_disksize ${inode.diskSize} → ${size}, i_size ${old} → ${size} in one handle; truncate_pagecache`,
    apply: (d, c) => {
      if (grow && old % bs !== 0) ext4BlockZeroPageRange(d, st.ino, old, bs - (old % bs));
      const i = inodeOf(d, st.ino);
      c.oldSize = old;
      i.diskSize = size;
      i.size = size;
      markDirty(d, st.ino);
      truncatePagecache(d, st.ino, size, 'buffer_head');
    },
  };
}

/** ext4_truncate: ext4_block_truncate_page at the new EOF, then ext4_ext_remove_space past it. */
function ext4Truncate(s: Settings, st: SizeOp): SizeOpWork {
  const bs = s.fs.blockSize;
  const size = st.offset;
  const from = Math.ceil(size / bs);
  return {
    fn: 'ext4_truncate → ext4_ext_remove_space',
    what: `${size % bs !== 0 ? `zero the tail of block ${Math.floor(size / bs)}; ` : ''}free the blocks from ${from} on; ext4_orphan_del`,
    apply: (d) => {
      if (size % bs !== 0) ext4BlockZeroPageRange(d, st.ino, size, bs - (size % bs));
      const i = inodeOf(d, st.ino);
      if (unmapRange(d, i, from, i.map.length)) markDirty(d, st.ino);
    },
  };
}

/** The byte range ext4_punch_hole works on: cut to EOF rounded up to a page; null at or past EOF. */
function ext4PunchRange(w: World, s: Settings, st: SizeOp): { end: number; len: number; size: number } | null {
  const bs = s.fs.blockSize;
  const size = inodeOf(w, st.ino).size;
  if (st.offset >= size) return null;
  const end = Math.min(st.offset + st.len, Math.ceil(size / bs) * bs);
  return { end, len: end - st.offset, size };
}

/**
 * ext4_punch_hole, first half: nothing at or past EOF; the end is cut to EOF rounded up to a
 * page; ext4_update_disksize_before_punch (a handle of its own, before anything waits);
 * ext4_truncate_page_cache_block_range (PTEs unmapped, no writeback first: the dirty data of
 * the range is dropped; writeback in flight is waited for, after the lookups of
 * truncateLookupBeforeWait). The freeing comes in a step of its own (ext4PunchFree): between
 * the two only the invalidate_lock keeps faults and reads from filling the range again.
 */
function ext4PunchHole(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const r = ext4PunchRange(w, s, st);
  if (r === null) return { fn: 'ext4_punch_hole', what: 'the range starts at or past EOF: nothing to do', apply: () => {} };
  const [from, to] = touched(st.offset, r.len, bs);
  const disk = Math.min(r.size, r.end);
  if (truncateWouldWait(w, st.ino, from, to)) return beforeWait(w, st, disk, truncateLookupBeforeWait(w, st.ino, st.offset, r.end));
  const [a, b] = inside(st.offset, r.len, bs);
  const inode = inodeOf(w, st.ino);
  return {
    fn: 'ext4_punch_hole',
    what: `${inode.diskSize < disk ? `ext4_update_disksize_before_punch: i_disksize ${inode.diskSize} → ${disk}; ` : ''}ext4_truncate_page_cache_block_range over blocks ${a}-${b - 1} (PTEs unmapped, folios dropped)`,
    apply: (d) => {
      updateDisksizeBeforePunch(d, st.ino, disk);
      // truncate_pagecache_range(offset, end - 1): the partial folios at the edges too.
      truncateInodePagesRange(d, st.ino, st.offset, r.end, 'buffer_head');
    },
  };
}

/** ext4_update_disksize_before_punch: i_disksize up to `disk` (the range's end, at most i_size) in a handle of its own. */
function updateDisksizeBeforePunch(d: World, ino: number, disk: number): void {
  const i = inodeOf(d, ino);
  if (i.diskSize >= disk) return;
  i.diskSize = disk;
  markDirty(d, ino);
}

/**
 * A punch or zero range whose truncate_pagecache_range must wait: what comes before the wait
 * first, in one step that stays where it is (ext4_update_disksize_before_punch, then the
 * lookups of truncateLookupBeforeWait), or the lookups alone once i_disksize is there.
 */
function beforeWait(w: World, st: SizeOp, disk: number, look: ReturnType<typeof truncateLookupBeforeWait>): SizeOpWork | null {
  const from = inodeOf(w, st.ino).diskSize;
  if (from >= disk) return look;
  return {
    fn: 'ext4_update_disksize_before_punch',
    what: `i_disksize ${from} → ${disk}; ${look === null ? 'wait for writeback' : `${look.fn}: ${look.what}`}`,
    stay: true,
    apply: (d) => {
      updateDisksizeBeforePunch(d, st.ino, disk);
      look?.apply(d);
    },
  };
}

/**
 * ext4_punch_hole, second half, in one handle: ext4_zero_partial_blocks and
 * ext4_ext_remove_space over the blocks wholly inside the range. Checks no-fill-during-punch
 * for the blocks it frees.
 */
function ext4PunchFree(w: World, s: Settings, st: SizeOp): SizeOpWork {
  const bs = s.fs.blockSize;
  const r = ext4PunchRange(w, s, st);
  if (r === null) return { fn: 'ext4_punch_hole', what: 'nothing to free', apply: () => {} };
  const [a, b] = inside(st.offset, r.len, bs);
  const edges = partialBlocks(st.offset, r.end, bs);
  return {
    fn: 'ext4_punch_hole → ext4_ext_remove_space',
    what: `${b > a ? `ext4_ext_remove_space frees blocks ${a}-${b - 1}` : 'no whole block to free'}${edges.length > 0 ? `; ext4_zero_partial_blocks zeroes part of block${edges.length > 1 ? 's' : ''} ${edges.join(',')}` : ''}`,
    apply: (d) => {
      checkNoFillDuringPunch(d, st.ino, a, b);
      for (const e of edges) ext4ZeroBlockEdge(d, st.ino, e, st.offset, r.end, bs);
      const i = inodeOf(d, st.ino);
      if (unmapRange(d, i, a, b)) markDirty(d, st.ino);
    },
  };
}

/** The new size a fallocate sets (ext4_do_fallocate / ext4_zero_range), or null. */
function ext4NewSize(st: SizeOp, i: { size: number; diskSize: number }): number | null {
  const end = st.offset + st.len;
  return !st.keepSize && (end > i.size || end > i.diskSize) ? end : null;
}

/** ext4_update_inode_size: i_size and i_disksize only grow. */
function ext4UpdateInodeSize(d: World, ino: number, size: number): void {
  const i = inodeOf(d, ino);
  i.size = Math.max(i.size, size);
  i.diskSize = Math.max(i.diskSize, size);
}

/**
 * ext4_do_fallocate → ext4_alloc_file_blocks: unwritten extents over the holes of the range,
 * and the new size (i_size and i_disksize) in the same handles; -ENOSPC when free space runs out.
 */
function ext4DoFallocate(w: World, s: Settings, st: SizeOp): SizeOpWork {
  const [from, to] = touched(st.offset, st.len, s.fs.blockSize);
  const size = ext4NewSize(st, inodeOf(w, st.ino));
  return {
    fn: 'ext4_do_fallocate → ext4_alloc_file_blocks',
    what: `unwritten extents over the holes of blocks ${from}-${to - 1}${size !== null ? `; i_size and i_disksize → ${size}` : ''}`,
    apply: (d, c) => {
      const i = inodeOf(d, st.ino);
      const got = allocUnwrittenRange(d, i, from, to, false);
      if (got === null) {
        c.ret = 'ENOSPC';
        c.at = c.steps.indexOf('unlock');
      } else if (size !== null) ext4UpdateInodeSize(d, st.ino, size);
      markDirty(d, st.ino);
    },
  };
}

/**
 * ext4_zero_range: unwritten extents over the holes of the whole range when it is not
 * block-aligned (ext4_alloc_file_blocks, which moves i_size and i_disksize to the new size
 * as it goes); ext4_update_disksize_before_punch; ext4_truncate_page_cache_block_range (the
 * range's folios dropped, writeback in flight waited for: all of the above comes before the
 * wait); the blocks wholly inside become unwritten in place (EXT4_GET_BLOCKS_CONVERT_UNWRITTEN,
 * holes allocated); ext4_zero_partial_blocks; the new size.
 */
function ext4ZeroRange(w: World, s: Settings, st: SizeOp): SizeOpWork | null {
  const bs = s.fs.blockSize;
  const [from, to] = touched(st.offset, st.len, bs);
  const end = st.offset + st.len;
  const inode = inodeOf(w, st.ino);
  const size = ext4NewSize(st, inode);
  const edges = partialBlocks(st.offset, end, bs);
  if (truncateWouldWait(w, st.ino, from, to)) {
    const look = truncateLookupBeforeWait(w, st.ino, st.offset, end);
    if (edges.length === 0 || (!hasHole(inode.map, from, to) && (size === null || inode.size >= size))) return beforeWait(w, st, zeroRangeDisksize(inode, st), look);
    // The unaligned range's allocation (and its size change) comes first; the disksize and the lookups then follow.
    return {
      fn: 'ext4_zero_range → ext4_alloc_file_blocks',
      what: `unwritten extents over the holes of blocks ${from}-${to - 1}${size !== null ? `; i_size and i_disksize → ${size}` : ''}`,
      stay: true,
      apply: (d, c) => void zeroRangeAllocEdges(d, st, c, from, to, size),
    };
  }
  const [a, b] = inside(st.offset, st.len, bs);
  return {
    fn: 'ext4_zero_range',
    what: `${edges.length > 0 ? `unwritten extents over the holes of blocks ${from}-${to - 1}; ` : ''}truncate_pagecache_range${b > a ? ` drops blocks ${a}-${b - 1}` : ''}; ${b > a ? `blocks ${a}-${b - 1} become unwritten` : 'no whole block'}${edges.length > 0 ? `; zero part of block${edges.length > 1 ? 's' : ''} ${edges.join(',')}` : ''}${size !== null ? `; i_size and i_disksize → ${size}` : ''}`,
    apply: (d, c) => {
      const i = inodeOf(d, st.ino);
      if (edges.length > 0 && !zeroRangeAllocEdges(d, st, c, from, to, size)) return;
      updateDisksizeBeforePunch(d, st.ino, zeroRangeDisksize(i, st));
      // ext4_truncate_page_cache_block_range(offset, end): a folio the range covers only in part keeps its data outside it.
      truncateInodePagesRange(d, st.ino, st.offset, end, 'buffer_head');
      if (allocUnwrittenRange(d, i, a, b, true) === null) return zeroRangeFail(d, st, c);
      for (const e of edges) ext4ZeroBlockEdge(d, st.ino, e, st.offset, end, bs);
      if (size !== null) ext4UpdateInodeSize(d, st.ino, size);
      markDirty(d, st.ino);
    },
  };
}

/** Whether a block of [from, to) is a hole (ext4_alloc_file_blocks would allocate it). */
const hasHole = (map: Array<{ kind: string }>, from: number, to: number): boolean => map.slice(from, to).some((m) => m.kind === 'hole');

/** What ext4_update_disksize_before_punch raises i_disksize to for a zero range (0: nothing, the range starts past EOF). */
const zeroRangeDisksize = (i: { size: number }, st: SizeOp): number => (st.offset > i.size ? 0 : Math.min(i.size, st.offset + st.len));

/** ext4_zero_range's first ext4_alloc_file_blocks (an unaligned range): unwritten extents over its holes, the new size; false on ENOSPC. */
function zeroRangeAllocEdges(d: World, st: SizeOp, c: SizeOp, from: number, to: number, size: number | null): boolean {
  if (allocUnwrittenRange(d, inodeOf(d, st.ino), from, to, false) === null) {
    zeroRangeFail(d, st, c);
    return false;
  }
  if (size !== null) ext4UpdateInodeSize(d, st.ino, size);
  markDirty(d, st.ino);
  return true;
}

function zeroRangeFail(d: World, st: SizeOp, c: SizeOp): void {
  c.ret = 'ENOSPC';
  c.at = c.steps.indexOf('unlock');
  markDirty(d, st.ino);
}

/**
 * ext4_zero_partial_blocks' zeroing of edge block `blk` of the range [from, to): the part
 * of the block inside it, through ext4_block_zero_page_range (ext4BlockZeroPageRange: a block
 * no folio caches is zeroed through its buffer only and is not PG_uptodate afterwards).
 */
function ext4ZeroBlockEdge(d: World, ino: number, blk: number, from: number, to: number, bs: number): void {
  const a = Math.max(from, blk * bs);
  const z = Math.min(to, (blk + 1) * bs);
  if (z > a) ext4BlockZeroPageRange(d, ino, a, z - a);
}
