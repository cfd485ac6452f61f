/**
 * Dropping page-cache folios for truncate and hole punching (mm/truncate.c
 * truncate_inode_pages_range, truncate_pagecache, truncate_pagecache_range, truncate_setsize)
 * and the zeroing of a block's part beyond a cut (fs/iomap/buffered-io.c iomap_zero_range /
 * iomap_truncate_page, fs/ext4/inode.c ext4_block_truncate_page). Linux 6.18.
 *
 * truncate_inode_pages_range waits for a folio under writeback before it drops it
 * (folio_wait_writeback), and the partial folio at the cut too (truncate_inode_partial_folio),
 * so a step that drops folios is enabled only when none of them is under writeback. Dirty
 * folios are dropped with their data: that range is being cut off or punched. A large folio
 * the range cuts is zeroed in the range and split (truncate_inode_partial_folio), so its
 * pages outside the range stay cached; one that cannot be split (dirty, its private data
 * not releasable) stays whole.
 */
import { readBlock } from '../vfs/read.ts';
import type { World } from '../world.ts';
import type { Folio } from './types.ts';
import { overlay, ZERO } from '../token.ts';
import { anyDirty, clearNoIfs, dirtyFolio, filemapGetFolio, folioAt, mappingOf } from './filemap.ts';
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
 * The address_space_operations a truncate calls into: iomap's (XFS: iomap_invalidate_folio,
 * iomap_release_folio) or buffer heads' (ext4: block_invalidate_folio, try_to_free_buffers).
 */
export type Aops = 'iomap' | 'buffer_head';

/**
 * truncate_pagecache_range / truncate_pagecache → truncate_inode_pages_range over the bytes
 * [start, end) (end Infinity: truncate_inode_pages to the end of the file). The caller has
 * checked truncateWouldWait over every block the range touches. unmap_mapping_range clears
 * the PTEs of the whole pages in the range; the folios wholly inside are dropped
 * (find_lock_entries); the folio holding the first byte, and the one holding the last,
 * are looked up (which clears PG_dropbehind) and go through truncate_inode_partial_folio,
 * which zeroes their part in the range and splits them so that the pages outside it stay
 * cached; a dirty one that cannot be split is kept whole and excluded from the final pass,
 * which drops what is left inside.
 */
export function truncateInodePagesRange(w: World, ino: number, start: number, end: number, aops: Aops): void {
  const pc = w.pageCache[ino];
  if (pc === undefined) throw new Error(`no page cache for inode ${ino}`);
  const bs = mappingOf(w, ino).blockSize;
  let first = Math.ceil(start / bs);
  let last = Math.min(pc.length, end === Infinity ? pc.length : Math.floor(end / bs));
  if (last > first) unmapFolio(w, ino, first, last - first);
  dropFoliosInside(w, ino, first, last);
  const f1 = folioAt(w, ino, Math.floor(start / bs));
  const { sameFolio, b2 } = lastPartialBlock(w, ino, start, end, f1);
  if (f1 !== null) {
    const { head, nr } = f1;
    lookupPartialFolio(w, ino, head);
    if (!truncateInodePartialFolio(w, ino, head, start, end, aops)) {
      first = head + nr;
      if (sameFolio) last = head;
    }
  }
  const f2 = b2 === null ? null : folioAt(w, ino, b2);
  if (f2 !== null) lookupPartialFolio(w, ino, f2.head);
  if (f2 !== null && !truncateInodePartialFolio(w, ino, f2.head, start, end, aops)) last = f2.head;
  dropFoliosInside(w, ino, first, last);
}

/**
 * Whether the folio `f1` holding the range's first byte (as it was before
 * truncate_inode_partial_folio changed it) holds its last byte too (same_folio), and the
 * block truncate_inode_pages_range looks up for the last byte otherwise (null: none).
 */
function lastPartialBlock(w: World, ino: number, start: number, end: number, f1: Folio | null): { sameFolio: boolean; b2: number | null } {
  const bs = mappingOf(w, ino).blockSize;
  const lastByteBlk = end === Infinity ? Infinity : Math.floor((end - 1) / bs);
  // lend == -1 (Infinity here) compares below every folio's end: a truncate to EOF has one partial folio.
  const sameFolio = f1 === null ? Math.floor(start / bs) === lastByteBlk : end === Infinity || end <= (f1.head + f1.nr) * bs;
  return { sameFolio, b2: sameFolio || lastByteBlk >= (w.pageCache[ino]?.length ?? 0) ? null : lastByteBlk };
}

/** __filemap_get_folio(FGP_LOCK) of a partial folio: a lookup without FGP_DONTCACHE clears PG_dropbehind. */
function lookupPartialFolio(w: World, ino: number, head: number): void {
  const f = folioAt(w, ino, head);
  if (f === null) return;
  for (let b = f.head; b < f.head + f.nr; b++) {
    const e = folioAt(w, ino, b);
    if (e !== null) e.dropbehind = false;
  }
}

/**
 * The partial folios truncate_inode_pages_range over bytes [start, end) has looked up by the
 * time it waits: it takes the lock of the one holding the first byte, then waits for its
 * writeback (truncate_inode_partial_folio) before it looks up the one holding the last byte.
 * Only the heads of those still marked PG_dropbehind. (Its first pass, find_lock_entries,
 * skips folios under writeback and waits for none.)
 */
function partialFoliosBeforeWait(w: World, ino: number, start: number, end: number): number[] {
  const bs = mappingOf(w, ino).blockSize;
  const f1 = folioAt(w, ino, Math.floor(start / bs));
  if (f1?.locked === true) return [];
  const out = f1?.dropbehind === true ? [f1.head] : [];
  if (f1?.writeback === true) return out;
  const { b2 } = lastPartialBlock(w, ino, start, end, f1);
  const f2 = b2 === null ? null : folioAt(w, ino, b2);
  return f2 !== null && f2.locked !== true && f2.dropbehind ? [...out, f2.head] : out;
}

/**
 * A step that must wait in truncate_inode_pages_range over bytes [start, end)
 * (truncateWouldWait) has first looked up its partial folios, which clears PG_dropbehind:
 * an RWF_DONTCACHE folio whose writeback it waits for stays cached. The lookup as a step
 * that does not advance (the wait follows), or null when nothing is left to clear.
 */
export function truncateLookupBeforeWait(w: World, ino: number, start: number, end: number): { fn: string; what: string; stay: true; apply(d: World): void } | null {
  const heads = partialFoliosBeforeWait(w, ino, start, end);
  if (heads.length === 0) return null;
  return {
    fn: 'truncate_inode_pages_range → __filemap_get_folio',
    what: `lock the partial folio${heads.length > 1 ? 's' : ''} at block ${heads.join(',')}: PG_dropbehind cleared (no FGP_DONTCACHE); wait for writeback`,
    stay: true,
    apply: (d) => {
      for (const h of heads) lookupPartialFolio(d, ino, h);
    },
  };
}

/** truncate_inode_folio for every folio wholly inside blocks [from, to). */
function dropFoliosInside(w: World, ino: number, from: number, to: number): void {
  for (let b = Math.max(0, from); b < to; b++) {
    const f = folioAt(w, ino, b);
    if (f === null || f.head < from || f.head + f.nr > to) continue;
    if (f.writeback) throw new Error(`truncate_inode_pages_range: folio ${ino}:${b} is under writeback`);
    dropFolio(w, ino, f.head, f.nr);
    b = f.head + f.nr - 1;
  }
}

/** truncate_inode_folio / filemap_remove_folio: the folio leaves the page cache, its PTEs cleared. */
function dropFolio(w: World, ino: number, head: number, nr: number): void {
  const pc = w.pageCache[ino];
  if (pc === undefined) return;
  unmapFolio(w, ino, head, nr);
  for (let b = head; b < head + nr && b < pc.length; b++) pc[b] = null;
}

/**
 * truncate_inode_partial_folio(folio, start, end - 1) for the folio at `head`: a folio
 * wholly in the range is dropped; otherwise its bytes in the range are zeroed
 * (folio_zero_range, not dirtied), folio_invalidate runs over them, and a large folio is
 * split (try_folio_split_or_unmap) at the page holding the range's first byte, then, if
 * that worked, the folio holding the page just after the range at that page. A folio that
 * does not split is unmapped, and dropped whole if clean; a dirty one is kept whole, zeroed
 * in the range: false tells the caller not to drop it.
 */
export function truncateInodePartialFolio(w: World, ino: number, head: number, start: number, end: number, aops: Aops): boolean {
  const f = folioAt(w, ino, head);
  if (f === null) return true;
  const bs = mappingOf(w, ino).blockSize;
  const pos = head * bs;
  const size = f.nr * bs;
  const offset = Math.max(0, start - pos);
  const length = (pos + size <= end ? size : end - pos) - offset;
  if (length === size) {
    dropFolio(w, ino, head, f.nr);
    return true;
  }
  folioZeroRange(w, ino, head, f.nr, pos + offset, pos + offset + length);
  if (aops === 'buffer_head') blockInvalidateFolio(w, ino, head, f.nr, pos + offset, pos + offset + length);
  if (f.nr === 1) return true;
  const at = head + Math.floor(offset / bs);
  if (tryFolioSplitOrUnmap(w, ino, head, at, aops)) {
    if (offset + length === size) return true;
    const at2 = head + Math.floor((offset + length) / bs);
    const f2 = folioAt(w, ino, at2);
    if (f2 !== null && f2.nr > 1) tryFolioSplitOrUnmap(w, ino, f2.head, at2, aops);
    return true;
  }
  if (anyDirty(w, ino, head, f.nr)) return false;
  dropFolio(w, ino, head, f.nr);
  return true;
}

/** folio_zero_range over the bytes [from, to) of the folio's uptodate blocks (memory only: not dirtied). */
function folioZeroRange(w: World, ino: number, head: number, nr: number, from: number, to: number): void {
  const bs = mappingOf(w, ino).blockSize;
  for (let b = head; b < head + nr; b++) {
    const e = folioAt(w, ino, b);
    const a = Math.max(from, b * bs) - b * bs;
    const z = Math.min(to, (b + 1) * bs) - b * bs;
    if (e === null || !e.uptodate || z <= a) continue;
    e.t = a === 0 && z === bs ? ZERO : overlay(e.t, ZERO, a, z, bs);
  }
}

/**
 * block_invalidate_folio over the bytes [from, to) of a folio (ext4_invalidate_folio):
 * discard_buffer on every buffer wholly inside clears BH_Dirty, BH_Mapped, BH_Delay and
 * BH_Unwritten; the buffer stays attached, uptodate.
 */
function blockInvalidateFolio(w: World, ino: number, head: number, nr: number, from: number, to: number): void {
  const bs = mappingOf(w, ino).blockSize;
  for (let b = head; b < head + nr; b++) {
    const e = folioAt(w, ino, b);
    if (e === null || b * bs < from || (b + 1) * bs > to) continue;
    e.dirty = false;
    e.bh = { p: null, delay: false, unwritten: false };
  }
}

/**
 * filemap_release_folio before a split (__folio_split): iomap_release_folio refuses a dirty
 * folio that has an iomap_folio_state (it is released when it has none: Folio.noIfs);
 * try_to_free_buffers refuses while a buffer is dirty. Writeback was waited for.
 */
function filemapReleaseFolio(w: World, ino: number, head: number, nr: number, aops: Aops): boolean {
  if (aops === 'iomap' && folioAt(w, ino, head)?.noIfs === true) return true;
  return !anyDirty(w, ino, head, nr);
}

/**
 * try_folio_split_or_unmap → try_folio_split_to_order(folio, page `at`, min order) → the
 * non-uniform split (__folio_split, __split_unmapped_folio): halves, the half holding `at`
 * halved again down to the mapping's minimum order. The private data is released first
 * (filemap_release_folio), so each new folio is uptodate only if the old one was
 * (PG_uptodate copied; the per-block states are gone) and an iomap one has no
 * iomap_folio_state; new folios entirely at or past EOF are removed. A failed split
 * unmaps the folio (try_to_unmap). Returns whether it split.
 */
function tryFolioSplitOrUnmap(w: World, ino: number, head: number, at: number, aops: Aops): boolean {
  const f = folioAt(w, ino, head);
  const pc = w.pageCache[ino];
  if (f === null || pc === undefined) return false;
  const nr = f.nr;
  const min = mappingOf(w, ino).folioBlocks;
  if (nr <= min || !filemapReleaseFolio(w, ino, head, nr, aops)) {
    unmapFolio(w, ino, head, nr);
    return false;
  }
  let uptodate = true;
  for (let b = head; b < head + nr; b++) if (folioAt(w, ino, b)?.uptodate !== true || folioAt(w, ino, b)?.pgNotUptodate === true) uptodate = false;
  const eof = Math.ceil((w.inodes[ino]?.size ?? 0) / mappingOf(w, ino).blockSize);
  for (const [h, n] of buddySplit(head, nr, at, min)) {
    if (h >= eof) {
      dropFolio(w, ino, h, n);
      continue;
    }
    for (let b = h; b < h + n; b++) {
      const e = pc[b];
      if (e === null || e === undefined) continue;
      const g = { ...e, head: h, nr: n, uptodate: uptodate && e.uptodate };
      delete g.bh;
      delete g.pgNotUptodate;
      if (aops === 'iomap') g.noIfs = true;
      else delete g.noIfs;
      pc[b] = g;
    }
  }
  return true;
}

/** The folios a non-uniform split of [head, head + nr) at block `at` down to `min` blocks leaves, as [head, nr]. */
export function buddySplit(head: number, nr: number, at: number, min: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let lo = head;
  let n = nr;
  while (n > min) {
    n /= 2;
    if (at < lo + n) out.push([lo + n, n]);
    else {
      out.push([lo, n]);
      lo += n;
    }
  }
  out.push([lo, n]);
  return out.sort((a, b) => a[0] - b[0]);
}

/** truncate_pagecache(inode, newsize): PTEs and folios beyond the new EOF; the folio holding it is cut there. */
export function truncatePagecache(w: World, ino: number, newsize: number, aops: Aops): void {
  truncateInodePagesRange(w, ino, newsize, Infinity, aops);
}

/**
 * The zeroing of part of block `blk` (the tail beyond a new EOF, the head or tail of a
 * punched or zeroed range): iomap_zero_range / iomap_truncate_page for XFS,
 * ext4_block_truncate_page / ext4_zero_partial_blocks for ext4. They zero through the page
 * cache and skip blocks that read as zeroes anyway (holes, unwritten extents) unless a
 * dirty folio caches data for them, or, for iomap_zero_range's unaligned start, a folio
 * under writeback (zeroed and dirtied without waiting: no stable pages here). Returns
 * whether a folio was dirtied (XFS's did_zeroing: the zeroed bytes must then reach the
 * disk before the size changes there).
 *
 * The data model is per block: a block's token stands for its bytes below the cut, so the
 * zeroed part shows only as the folio read in (if it was not cached) and dirtied. This is
 * the one place that would zero the bytes themselves once tokens have sub-block ranges.
 */
export function zeroBlockPart(w: World, ino: number, blk: number, bytes: [number, number]): boolean {
  const m = w.inodes[ino]?.map[blk];
  const f = folioAt(w, ino, blk);
  const bs = w.mappings[ino]?.blockSize ?? 4096;
  // iomap_zero_iter skips only IOMAP_HOLE and IOMAP_UNWRITTEN mappings: a delalloc block is zeroed too.
  // An unaligned start whose folio filemap_range_needs_writeback (dirty or under writeback) is
  // zeroed whatever its mapping (a delalloc block under writeback is unwritten until its ioend).
  const needsWriteback = f?.dirty === true || (f?.writeback === true && bytes[0] > blk * bs);
  const holdsData = m?.kind === 'written' || m?.kind === 'delalloc' || needsWriteback;
  if (!holdsData) return false;
  // The lookup (no FGP_DONTCACHE) clears PG_dropbehind: the folio outlives its writeback.
  filemapGetFolio(w, ino, blk);
  const g = folioAt(w, ino, blk);
  if (g === null) throw new Error(`no folio ${ino}:${blk} after filemap_get_folio`);
  if (!g.uptodate) {
    // __iomap_write_begin reads the block before zeroing part of it.
    g.t = readBlock(w, ino, blk);
    g.uptodate = true;
  }
  // Only the bytes of the block inside the file range are zeroed (sub-block data).
  const from = Math.max(0, bytes[0] - blk * bs);
  const to = Math.min(bs, bytes[1] - blk * bs);
  if (to > from) g.t = overlay(g.t, ZERO, from, to, bs);
  g.dirty = true;
  // __iomap_write_begin over part of a large folio attaches an iomap_folio_state.
  clearNoIfs(w, ino, g.head, g.nr);
  return true;
}

/**
 * iomap_zero_iter over the whole of block `blk` (xfs_setattr_size zeroing from the old EOF
 * to the new one): a written block gets a dirty folio of zeroes. Holes, unwritten extents
 * and delalloc past the old EOF (converted to unwritten) read as zeroes already; where the
 * page cache over them is dirty, xfs_zero_range flushes it instead (xfsZeroEof). Returns
 * whether a folio was dirtied.
 */
export function zeroWholeBlock(w: World, ino: number, blk: number): boolean {
  if (w.inodes[ino]?.map[blk]?.kind !== 'written') return false;
  dirtyFolio(w, ino, blk, ZERO);
  return true;
}

/**
 * A block of a large folio that truncate_inode_partial_folio kept whole (dirty, not
 * split): it reaches outside the punched blocks and caches zeroes, clean. Not a refill.
 */
function keptByPartialFolio(f: Folio, from: number, to: number): boolean {
  return (f.head < from || f.head + f.nr > to) && !f.dirty && f.uptodate && f.t === ZERO;
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
    if (f === null || keptByPartialFolio(f, from, to)) continue;
    w.ghost.flagged.push({
      property: 'no-fill-during-punch',
      what: `file ${ino} block ${b} is being freed by a hole punch, but the page cache holds a folio of it (${f.t}${f.dirty ? ', dirty' : ''}) filled after truncate_pagecache_range: it now caches a block the file no longer has`,
    });
  }
}
