/**
 * Dropping page-cache folios for truncate and hole punching (mm/truncate.c
 * truncate_inode_pages_range, truncate_pagecache, truncate_pagecache_range, truncate_setsize)
 * and the zeroing of a block's part beyond a cut (fs/iomap/buffered-io.c iomap_zero_range /
 * iomap_truncate_page, fs/ext4/inode.c ext4_block_truncate_page). Linux 6.18.
 *
 * truncate_inode_pages_range waits for a folio under writeback before it drops it
 * (folio_wait_writeback), and the partial folio at the cut too (truncate_inode_partial_folio),
 * so a step that drops folios is enabled only when none of them is under writeback. Dirty
 * folios are dropped with their data: that range is being cut off or punched.
 */
import { readBlock } from '../vfs/read.ts';
import type { World } from '../world.ts';
import { overlay, ZERO } from '../token.ts';
import { dirtyFolio, filemapGetFolio, folioAt } from './filemap.ts';
import { unmapFolio } from './rmap.ts';

/** Whether truncate_inode_pages_range over blocks [from, to) would wait for writeback now. */
export function truncateWouldWait(w: World, ino: number, from: number, to: number): boolean {
  // truncate_inode_pages_range waits for writeback, and folio_lock waits for a read's I/O.
  for (let b = Math.max(0, from); b < to; b++) {
    const f = folioAt(w, ino, b);
    if (f?.writeback === true || f?.locked === true) return true;
  }
  return false;
}

/**
 * truncate_pagecache_range / truncate_pagecache over whole blocks [from, to):
 * unmap_mapping_range first (every PTE of the range cleared, so the next access faults),
 * then truncate_inode_pages_range: every folio that lies wholly in the range is dropped; a folio that straddles the range's edge keeps its blocks outside it
 * (truncate_inode_partial_folio splits or zeroes it; with one-block folios this never
 * happens at block granularity). The caller has checked truncateWouldWait.
 */
export function truncateInodePagesRange(w: World, ino: number, from: number, to: number): void {
  const pc = w.pageCache[ino];
  if (pc === undefined) throw new Error(`no page cache for inode ${ino}`);
  const lo = Math.max(0, from);
  const hi = Math.min(to, pc.length);
  if (hi > lo) unmapFolio(w, ino, lo, hi - lo);
  for (let b = lo; b < hi; b++) {
    const f = pc[b];
    if (f === null || f === undefined) continue;
    if (f.writeback) throw new Error(`truncate_inode_pages_range: folio ${ino}:${b} is under writeback`);
    pc[b] = null;
  }
}

/** truncate_pagecache(inode, newsize): drop the folios wholly beyond the new EOF. */
export function truncatePagecache(w: World, ino: number, newsize: number, bs: number): void {
  const pc = w.pageCache[ino];
  truncateInodePagesRange(w, ino, Math.ceil(newsize / bs), pc?.length ?? 0);
}

/**
 * The zeroing of part of block `blk` (the tail beyond a new EOF, the head or tail of a
 * punched or zeroed range): iomap_zero_range / iomap_truncate_page for XFS,
 * ext4_block_truncate_page / ext4_zero_partial_blocks for ext4. They zero through the page
 * cache and skip blocks that read as zeroes anyway (holes, unwritten extents) unless a
 * dirty folio caches data for them. Returns whether a folio was dirtied (XFS's did_zeroing:
 * the zeroed bytes must then reach the disk before the size changes there).
 *
 * The data model is per block: a block's token stands for its bytes below the cut, so the
 * zeroed part shows only as the folio read in (if it was not cached) and dirtied. This is
 * the one place that would zero the bytes themselves once tokens have sub-block ranges.
 */
export function zeroBlockPart(w: World, ino: number, blk: number, bytes: [number, number]): boolean {
  const m = w.inodes[ino]?.map[blk];
  const f = folioAt(w, ino, blk);
  // iomap_zero_iter skips only IOMAP_HOLE and IOMAP_UNWRITTEN mappings: a delalloc block is zeroed too.
  const holdsData = m?.kind === 'written' || m?.kind === 'delalloc' || f?.dirty === true;
  if (!holdsData) return false;
  filemapGetFolio(w, ino, blk);
  const g = folioAt(w, ino, blk);
  if (g === null) throw new Error(`no folio ${ino}:${blk} after filemap_get_folio`);
  if (!g.uptodate) {
    // __iomap_write_begin reads the block before zeroing part of it.
    g.t = readBlock(w, ino, blk);
    g.uptodate = true;
  }
  // Only the bytes of the block inside the file range are zeroed (sub-block data).
  const bs = w.mappings[ino]?.blockSize ?? 4096;
  const from = Math.max(0, bytes[0] - blk * bs);
  const to = Math.min(bs, bytes[1] - blk * bs);
  if (to > from) g.t = overlay(g.t, ZERO, from, to, bs);
  g.dirty = true;
  return true;
}

/**
 * iomap_zero_range over the whole of block `blk` (xfs_setattr_size zeroing from the old EOF
 * to the new one): a written or delalloc block, or one whose folio caches dirty data, gets
 * a dirty folio of zeroes; holes and unwritten blocks read as zeroes already. Returns whether a folio
 * was dirtied.
 */
export function zeroWholeBlock(w: World, ino: number, blk: number): boolean {
  const m = w.inodes[ino]?.map[blk];
  if (m?.kind !== 'written' && m?.kind !== 'delalloc' && folioAt(w, ino, blk)?.dirty !== true) return false;
  dirtyFolio(w, ino, blk, ZERO);
  return true;
}

/**
 * What the invalidate_lock promises a hole punch (730633f0b7f9; before it XFS's MMAPLOCK and
 * ext4's i_mmap_sem): when it frees blocks [from, to), nothing has refilled them since its
 * truncate_pagecache_range. A folio cached there now caches a block the file no longer has;
 * flagged as no-fill-during-punch.
 */
export function checkNoFillDuringPunch(w: World, ino: number, from: number, to: number): void {
  for (let b = Math.max(0, from); b < to; b++) {
    const f = folioAt(w, ino, b);
    if (f === null) continue;
    w.ghost.flagged.push({
      property: 'no-fill-during-punch',
      what: `file ${ino} block ${b} is being freed by a hole punch, but the page cache holds a folio of it (${f.t}${f.dirty ? ', dirty' : ''}) filled after truncate_pagecache_range: it now caches a block the file no longer has`,
    });
  }
}
