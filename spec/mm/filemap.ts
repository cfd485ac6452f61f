/**
 * The page cache (mm/filemap.c, Linux 6.18): folio lookup, dirtying, the data-integrity
 * writeback helpers (filemap_fdatawrite_range and friends), invalidation, and the
 * mapping's writeback-error state (mapping_set_error, filemap_check_errors,
 * file_check_and_advance_wb_err).
 *
 * Writeback of one folio is writebackFolio below: the folio is cleaned, marked under
 * writeback, mapped to disk blocks and submitted as its own bio with an ioend, whose
 * completion (fs/iomap/ioend.ts) clears the writeback flag and records errors.
 */
import { allocatable, allocBlocks, setMapping } from '../fs/allocator.ts';
import { submitBio } from '../block/device.ts';
import { markDirty } from '../fs/journal.ts';
import { xfsBmapiConvertDelalloc } from '../fs/xfs/xfs_aops.ts';
import { recordWritebackFailure } from '../ghost.ts';
import { errseqCheck, errseqCheckAndAdvance, errseqSet, type WbErrno } from '../lib/errseq.ts';
import { unmapFolio, unmapFolioPure } from './rmap.ts';
import { copied, keepIfSame, withAt, withMembers } from '../cow.ts';
import { folioClearDirtyForIo } from './page-writeback.ts';
import { overlay, tokenWriter, tokenWriters, ZERO, type AddressSpace, type Folio, type OpenFile, type Token, type World } from '../types.ts';
import type { FolioEndWalk } from './types.ts';

export function folioAt(w: World, ino: number, blk: number): Folio | null {
  return w.pageCache[ino]?.[blk] ?? null;
}

export function anyCached(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b) !== null) return true;
  return false;
}

export function anyDirty(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b)?.dirty === true) return true;
  return false;
}

/**
 * Whether a folio overlapping blocks [blk, blk + n) is dirty. PG_dirty is the folio's: a large
 * folio with one dirty block is dirty as a whole, though the range holds only its clean blocks
 * (the ifs dirty bits, `Folio.dirty`, are per block). What filemap_write_and_wait_range writes
 * and invalidate_inode_pages2_range refuses.
 */
export function foliosDirty(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    if (f !== null && anyDirty(w, ino, f.head, f.nr)) return true;
  }
  return false;
}

/** The heads of the dirty folios overlapping blocks [blk, blk + n) (foliosDirty), in order; with `idle`, only those not under writeback. */
function dirtyFolioHeads(w: World, ino: number, blk: number, n: number, idle: boolean): number[] {
  const heads: number[] = [];
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    if (f === null || heads.includes(f.head) || (idle && f.writeback) || !anyDirty(w, ino, f.head, f.nr)) continue;
    heads.push(f.head);
  }
  return heads;
}

/** Whether a folio over blocks [blk, blk + n) is locked for a read's I/O (folio_lock would wait). */
export function anyLocked(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b)?.locked === true) return true;
  return false;
}

/** Whether a folio in the range is under writeback (filemap_fdatawait_range would wait). */
export function anyWriteback(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b)?.writeback === true) return true;
  return false;
}

/**
 * filemap_range_needs_writeback over blocks [blk, blk + n): the mapping has a dirty folio or
 * one under writeback (its tags), and a folio overlapping the range is dirty, locked or under
 * writeback. Folio flags are the folio's: a large folio with one dirty block is dirty.
 */
export function filemapRangeNeedsWriteback(w: World, ino: number, blk: number, n: number): boolean {
  const pc = w.pageCache[ino] ?? [];
  if (!pc.some((f) => f !== null && (f.dirty || f.writeback))) return false;
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    if (f === null) continue;
    if (f.writeback || anyDirty(w, ino, f.head, f.nr) || anyLocked(w, ino, f.head, f.nr)) return true;
  }
  return false;
}

/** The first block and the size of the folio that does or would cache block `blk`. */
export function folioSpan(w: World, ino: number, blk: number): { head: number; nr: number } {
  const f = folioAt(w, ino, blk);
  if (f !== null) return { head: f.head, nr: f.nr };
  const nr = mappingOf(w, ino).folioBlocks;
  return { head: blk - (blk % nr), nr };
}

/**
 * filemap_get_order / fgf_set_order (include/linux/pagemap.h): the folio size, in blocks,
 * a write of `len` bytes asks __filemap_get_folio for — the largest power of two not above
 * len, in pages (a block is a page here), 1 below two pages.
 */
export function writeBeginBlocks(len: number, blockSize: number): number {
  if (len < 2 * blockSize) return 1;
  return 2 ** (Math.floor(Math.log2(len)) - Math.log2(blockSize));
}

/**
 * The folio __filemap_get_folio(FGP_CREAT) would add for block `blk` (not cached) when asked
 * for `want` blocks: at least the mapping's minimum order, at most its maximum, smaller
 * when the index is not aligned to it (order = __ffs(index)), and smaller again for every
 * failed filemap_add_folio (-EEXIST: a block of the range is cached; the model's file ends)
 * down to the minimum order.
 */
export function newFolioSpan(w: World, ino: number, blk: number, want: number): { head: number; nr: number } {
  const m = mappingOf(w, ino);
  const min = m.folioBlocks;
  const head = blk - (blk % min);
  let nr = Math.max(min, Math.min(want, m.maxFolioBlocks ?? min));
  if (head % nr !== 0) nr = head & -head;
  const pc = w.pageCache[ino] ?? [];
  const free = (n: number) => head + n <= pc.length && pc.slice(head, head + n).every((f) => f === null || f === undefined);
  while (nr > min && !free(nr)) nr /= 2;
  return { head, nr };
}

/**
 * __filemap_get_folio(FGP_CREAT): the folio caching `blk`, created (every block !uptodate)
 * when there is none: of the mapping's minimum size, or as large as `want` blocks allows
 * (newFolioSpan; a buffered write's fgf_set_order(len)). FGP_DONTCACHE marks a folio it
 * creates; a lookup without it clears the mark.
 */
export function filemapGetFolio(w: World, ino: number, blk: number, dontcache = false, want = 1): { head: number; nr: number } {
  const pc = w.pageCache[ino];
  if (pc === undefined) throw new Error(`no inode ${ino}`);
  const { head, nr } = folioAt(w, ino, blk) !== null ? folioSpan(w, ino, blk) : newFolioSpan(w, ino, blk, want);
  const old = pc[head] ?? null;
  for (let b = head; b < head + nr && b < pc.length; b++) {
    const e = pc[b] ?? null;
    pc[b] =
      e === null
        ? { t: ZERO, uptodate: false, dirty: false, writeback: false, dropbehind: dontcache, head, nr, atomic: false }
        : { ...e, dropbehind: old !== null && dontcache && e.dropbehind };
  }
  return { head, nr };
}

/** Set or clear a folio flag (PG_atomic, PG_writeback) in every block of the folio. */
export function setFolioFlag(w: World, ino: number, blk: number, flag: 'atomic' | 'writeback', v: boolean): void {
  const f = folioAt(w, ino, blk);
  if (f === null) return;
  for (let b = f.head; b < f.head + f.nr; b++) {
    const e = folioAt(w, ino, b);
    if (e !== null) e[flag] = v;
  }
}

/**
 * Store into a block of a folio and dirty it (a buffered copy of a whole block or an mmap
 * store; iomap_set_range_uptodate + iomap_set_range_dirty). A folio under writeback stays
 * under writeback: the bio carries the older data, and the folio is dirty again for the
 * next writeback (no stable pages on these devices).
 */
export function dirtyFolio(w: World, ino: number, blk: number, t: Token, dontcache = false): void {
  filemapGetFolio(w, ino, blk, dontcache);
  const f = folioAt(w, ino, blk);
  if (f === null) throw new Error(`no folio ${ino}:${blk}`);
  f.t = t;
  f.uptodate = true;
  f.dirty = true;
  // block_commit_write: every buffer uptodate, so PG_uptodate is set (an ext4 zeroing left it clear).
  delete f.pgNotUptodate;
  // A store or a copy into part of a large folio attaches an iomap_folio_state (iomap_dirty_folio,
  // __iomap_write_begin); a buffered write that covers the folio whole marks it again (folioSetNoIfs).
  clearNoIfs(w, ino, f.head, f.nr);
}

/** The folio at `head` has an iomap_folio_state now (Folio.noIfs cleared in every block). */
export function clearNoIfs(w: World, ino: number, head: number, nr: number): void {
  // Equal in every block: the head says it (and the write path calls this once per block).
  if (folioAt(w, ino, head)?.noIfs !== true) return;
  for (let b = head; b < head + nr; b++) {
    const e = folioAt(w, ino, b);
    if (e?.noIfs === true) delete e.noIfs;
  }
}

/**
 * __iomap_write_begin over a large folio that the write covers whole, which had no
 * iomap_folio_state (a new folio, or one without): it attaches none (Folio.noIfs).
 */
export function folioSetNoIfs(w: World, ino: number, head: number, nr: number): void {
  if (nr < 2) return;
  for (let b = head; b < head + nr; b++) {
    const e = folioAt(w, ino, b);
    if (e !== null) e.noIfs = true;
  }
}

export function mappingOf(w: World, ino: number): AddressSpace {
  const m = w.mappings[ino];
  if (m === undefined) throw new Error(`no mapping for inode ${ino}`);
  return m;
}

/**
 * ->map_blocks for one dirty block of a folio being written back: a written or unwritten
 * block as it is; a delalloc block makes XFS allocate its whole delalloc extent
 * (xfsBmapiConvertDelalloc); a hole gets a block allocated as unwritten, converted when its
 * bio completes, as ext4's dioread_nolock writeback does. Null when allocation failed.
 */
export function mapBlock(w: World, ino: number, blk: number): { p: number; unwritten: boolean } | null {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  const m = inode.map[blk];
  if (m !== undefined && m.kind === 'written') return { p: m.p, unwritten: false };
  if (m !== undefined && m.kind === 'unwritten') return { p: m.p, unwritten: true };
  if (m !== undefined && m.kind === 'delalloc') {
    const got = xfsBmapiConvertDelalloc(w, ino, blk);
    return got === null ? null : { p: got, unwritten: true };
  }
  const got = allocBlocks(allocatable(w), 1);
  if (got === null || got[0] === undefined) return null;
  const p = got[0];
  w.free[p] = false;
  setMapping(inode, blk, { kind: 'unwritten', p });
  markDirty(w, ino);
  return { p, unwritten: true };
}

/** ->map_blocks for one block: where its data goes, or null when allocation failed. */
export type BlockMapper = (w: World, ino: number, blk: number) => { p: number; unwritten: boolean } | null;

interface WbBlock {
  blk: number;
  t: Token;
  p: number;
  unwritten: boolean;
  atomic: boolean;
}

/**
 * Clean, mark under writeback and map the dirty blocks of the folio holding `blk`
 * (folio_clear_dirty_for_io, folio_start_writeback, iomap_writeback_range over the ifs
 * dirty blocks). Null when allocation failed: ENOSPC at writeback, the folio is left
 * clean (as xfs_discard_folio leaves it) and the error recorded in the mapping.
 */
function startFolioWriteback(w: World, ino: number, blk: number, map: BlockMapper = mapBlock): WbBlock[] | null {
  const f = folioAt(w, ino, blk);
  if (f === null) throw new Error(`no folio ${ino}:${blk} to write back`);
  const endBlk = writebackHandleEof(w, ino, f.head, f.nr);
  const out: WbBlock[] = [];
  // iomap_writeback_folio attaches an iomap_folio_state to a large folio that has none.
  clearNoIfs(w, ino, f.head, f.nr);
  folioClearDirtyForIo(w, ino, f.head, f.nr);
  for (let b = f.head; b < f.head + f.nr; b++) {
    const e = folioAt(w, ino, b);
    if (e === null || !e.dirty) continue;
    if (b >= endBlk) {
      // Entirely beyond i_size: folio_clear_dirty_for_io cleaned it and nothing writes it.
      e.dirty = false;
      continue;
    }
    e.dirty = false;
    const m = map(w, ino, b);
    if (m === null) {
      for (let c = b; c < f.head + f.nr; c++) {
        const x = folioAt(w, ino, c);
        if (x !== null) x.dirty = false;
      }
      mappingSetError(w, ino, 'ENOSPC');
      recordWritebackFailure(w, ino, -1, [{ blk: b, t: e.t }]);
      return null;
    }
    out.push({ blk: b, t: e.t, ...m, atomic: e.atomic });
  }
  if (out.length > 0) setFolioFlag(w, ino, blk, 'writeback', true);
  return out;
}

/**
 * iomap_writeback_handle_eof: a folio that straddles i_size has everything beyond i_size
 * zeroed in memory before it is written (folio_zero_segment: the tail of the EOF block may
 * hold mmap stores beyond EOF, which must never reach the file), and its blocks entirely
 * beyond i_size are not written. Returns the first block not to write (the folio's end when
 * it lies within i_size; its head when the folio is entirely beyond i_size).
 */
function writebackHandleEof(w: World, ino: number, head: number, nr: number): number {
  const bs = mappingOf(w, ino).blockSize;
  const isize = w.inodes[ino]?.size ?? 0;
  if ((head + nr) * bs <= isize) return head + nr;
  if (head * bs >= isize) return head;
  for (let b = head; b < head + nr; b++) {
    const e = folioAt(w, ino, b);
    if (e !== null) e.t = overlay(e.t, ZERO, isize - b * bs, bs, bs);
  }
  return Math.ceil(isize / bs);
}

/**
 * iomap_add_to_ioend / iomap_submit_ioend: blocks that follow each other in the file and on
 * disk and need the same completion (unwritten conversion or not) share an ioend and its
 * bio; REQ_ATOMIC when the first block's folio is atomic (iomap_alloc_ioend); `ownBio`
 * blocks (an atomic folio under 'own-bio') never share one with another folio's blocks.
 */
function submitIoends(w: World, ino: number, blocks: WbBlock[], owner: number, ownBio: (a: WbBlock, b: WbBlock) => boolean, maxBlocks: number): number[] {
  const runs: WbBlock[][] = [];
  for (const b of blocks) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run !== undefined && last !== undefined && last.blk + 1 === b.blk && last.p + 1 === b.p && last.unwritten === b.unwritten && !ownBio(last, b)) run.push(b);
    else runs.push([b]);
  }
  const ids: number[] = [];
  for (const run of runs) {
    const atomic = run[0]?.atomic === true;
    const convert: Array<[number, number]> = run.filter((b) => b.unwritten).map((b) => [ino, b.blk]);
    const reqs = submitBio(w.device, { op: 'write', owner, blocks: run.map((b) => ({ p: b.p, t: b.t })), atomic, fua: false, preflush: false, convert }, maxBlocks);
    for (const bio of reqs) {
      const req = w.device.inflight.find((x) => x.id === bio);
      const carried = run.filter((b) => req?.blocks.some((x) => x.p === b.p) === true);
      w.ioends.push({ bio, ino, blocks: carried.map((b) => ({ blk: b.blk, t: b.t })) });
      recordAtomicBio(w, atomic, carried);
      ids.push(bio);
    }
  }
  w.ioends.sort((a, b) => a.bio - b.bio);
  return ids;
}

/** Ghost: a buffered RWF_ATOMIC write whose data a writeback request carries. */
function recordAtomicBio(w: World, atomic: boolean, blocks: WbBlock[]): void {
  const first = blocks[0];
  if (first === undefined) return;
  const writers = new Set(blocks.flatMap((b) => tokenWriters(b.t)));
  for (const g of w.ghost.writes) if (g.path === 'buffered-rfc' && writers.has(g.id)) g.bios.push({ atomic, p: first.p, n: blocks.length });
}

/**
 * Writeback of the folios holding `blks` (each a dirty folio not under writeback), in file
 * order, as iomap_writepages does it: every folio locked, cleaned, under writeback and
 * mapped, then the ioends submitted, split into requests of at most `maxBlocks` (a
 * REQ_ATOMIC bio is never split). Returns the bio ids, or null when allocation failed.
 */
export function writebackFolios(w: World, ino: number, blks: number[], owner: number, ownAtomicBio = true, maxBlocks = Number.POSITIVE_INFINITY): number[] | null {
  const blocks: WbBlock[] = [];
  for (const blk of blks) {
    const got = startFolioWriteback(w, ino, blk);
    if (got === null) return null;
    blocks.push(...got);
  }
  const folioOf = (b: WbBlock) => folioAt(w, ino, b.blk)?.head;
  return submitIoends(w, ino, blocks, owner, (a, b) => ownAtomicBio && folioOf(a) !== folioOf(b) && (a.atomic || b.atomic), maxBlocks);
}

/**
 * One folio of a ->writepages pass that runs folio by folio (fs/xfs/xfs_aops.ts
 * xfsWritepageMap): the folio's dirty blocks mapped by `map` (the pass's cached mapping or a
 * fresh lookup), its ioend submitted at once. Returns the bio ids, or null when allocation failed.
 */
export function writebackFolioMapped(w: World, ino: number, blk: number, owner: number, map: BlockMapper, maxBlocks = Number.POSITIVE_INFINITY): number[] | null {
  const blocks = startFolioWriteback(w, ino, blk, map);
  return blocks === null ? null : submitIoends(w, ino, blocks, owner, () => false, maxBlocks);
}

/** One dirty folio's writeback as its own ioend (a data-integrity writeback of a range). */
export function writebackFolio(w: World, ino: number, blk: number, owner: number): number[] | null {
  return writebackFolios(w, ino, [blk], owner);
}

/**
 * filemap_write_and_wait_range, write half (__filemap_fdatawrite_range with WB_SYNC_ALL →
 * ->writepages): every dirty folio the range overlaps (its dirty blocks outside the range too), in one pass, as the flusher's
 * writebackFolios (blocks contiguous in the file and on disk share a bio). Returns the bio
 * ids, or null when allocation failed.
 */
export function filemapFdatawriteRange(w: World, ino: number, blk: number, n: number, owner: number): number[] | null {
  const heads = dirtyFolioHeads(w, ino, blk, n, false);
  // iomap_writepages / ext4_writepages: one pass, contiguous blocks share an ioend and its bio.
  return heads.length === 0 ? [] : writebackFolios(w, ino, heads, owner);
}

/**
 * filemap_fdatawrite_range_kick (WB_SYNC_NONE): start writeback of the dirty folios in the
 * range that are not already under writeback; nobody waits, the result is ignored.
 */
export function filemapFdatawriteRangeKick(w: World, ino: number, blk: number, n: number): void {
  const heads = dirtyFolioHeads(w, ino, blk, n, true);
  // Owner -1: nobody waits (the flusher's owner, FLUSHER in page-writeback.ts). One ->writepages pass.
  if (heads.length > 0) writebackFolios(w, ino, heads, -1);
}

/** invalidate_inode_pages2_range: drop the folios (whole) that the range touches, failing (EBUSY) if one is dirty. */
export function invalidateInodePages2Range(w: World, ino: number, blk: number, n: number): boolean {
  const start = folioSpan(w, ino, blk).head;
  const last = folioSpan(w, ino, blk + n - 1);
  const end = last.head + last.nr;
  if (anyDirty(w, ino, start, end - start)) return false;
  const pc = w.pageCache[ino];
  if (pc !== undefined) for (let b = start; b < end && b < pc.length; b++) pc[b] = null;
  unmapFolio(w, ino, start, end - start);
  return true;
}

/** invalidateInodePages2Range without a draft (issue 10d): the world after it, and whether it dropped the range. */
export function invalidateInodePages2RangePure(w: World, ino: number, blk: number, n: number): { w: World; ok: boolean } {
  const start = folioSpan(w, ino, blk).head;
  const last = folioSpan(w, ino, blk + n - 1);
  const end = last.head + last.nr;
  if (anyDirty(w, ino, start, end - start)) return { w, ok: false };
  let x = w;
  const pc = w.pageCache[ino];
  if (pc !== undefined) {
    const row = copied(pc);
    for (let b = start; b < end && b < row.length; b++) row[b] = null;
    const kept = keepIfSame(pc, row);
    if (kept !== pc) x = withMembers(x, { pageCache: withAt(x.pageCache, ino, kept) });
  }
  return { w: unmapFolioPure(x, ino, start, end - start), ok: true };
}

/** mappingSetError without a draft. */
export function mappingSetErrorPure(w: World, ino: number, err: WbErrno): World {
  const m = mappingOf(w, ino);
  const patch: Partial<AddressSpace> = err === 'ENOSPC' ? { wbErr: errseqSet(m.wbErr, err), asEnospc: true } : { wbErr: errseqSet(m.wbErr, err), asEio: true };
  return withMembers(w, { mappings: withAt(w.mappings, ino, withMembers(m, patch)) });
}

/**
 * mapping_set_error (include/linux/pagemap.h): record a writeback error in the errseq_t
 * that open files sample and in the legacy flag bits.
 */
export function mappingSetError(w: World, ino: number, err: WbErrno): void {
  const m = mappingOf(w, ino);
  m.wbErr = errseqSet(m.wbErr, err);
  if (err === 'ENOSPC') m.asEnospc = true;
  else m.asEio = true;
}

/** filemap_check_errors: test and clear AS_ENOSPC / AS_EIO; the first caller gets the error. */
export function filemapCheckErrors(w: World, ino: number): WbErrno | null {
  const m = mappingOf(w, ino);
  let ret: WbErrno | null = null;
  if (m.asEnospc) ret = 'ENOSPC';
  if (m.asEio) ret = 'EIO';
  m.asEnospc = false;
  m.asEio = false;
  return ret;
}

/**
 * file_check_and_advance_wb_err: report an error recorded since this open file's cursor
 * and advance the cursor; clear the legacy bits as filemap_check_errors would.
 */
export function fileCheckAndAdvanceWbErr(w: World, of: OpenFile): WbErrno | null {
  const m = mappingOf(w, of.ino);
  let err: WbErrno | null = null;
  if (errseqCheck(m.wbErr, of.wbErr) !== null) {
    const r = errseqCheckAndAdvance(m.wbErr, of.wbErr);
    m.wbErr = r.cell;
    of.wbErr = r.since;
    err = r.err;
  }
  m.asEio = false;
  m.asEnospc = false;
  return err;
}

/**
 * Whether another writeback bio still holds a block of the folio at head..head+nr: one in
 * flight, one an ext4 unwritten io_end keeps until its conversion, or a completed bio whose
 * walk has not reached the folio yet. The folio ends writeback when the last of them lets it go
 * (iomap_finish_folio_write's write_bytes_pending, ext4_finish_bio's under_io count).
 */
export function folioStillInWritebackIo(w: World, ino: number, head: number, nr: number): boolean {
  const inFolio = (blk: number) => blk >= head && blk < head + nr;
  return (
    w.ioends.some((x) => x.ino === ino && x.blocks.some((b) => inFolio(b.blk))) ||
    w.ext4IoEnds.some((x) => x.ino === ino && x.folios.some((b) => inFolio(b.blk))) ||
    w.folioEnds.some((x) => x.ino === ino && x.heads.some(inFolio))
  );
}

/**
 * A completed writeback bio's walk over its folios (iomap_finish_ioend_buffered,
 * ext4_finish_bio): folio_end_writeback on each folio no other bio still holds, in bio order,
 * then folio_end_dropbehind. The walk goes on in this step until it drops a folio; what is left
 * after one waits in w.folioEnds for a step of its own, because the kernel ends one folio after
 * the other and a reader or mincore can run in between (the kernel's `6.1r` of U10). A walk
 * that drops nothing needs no stop: ending PG_writeback alone changes nothing a reader sees.
 * The caller has taken `walk` out of w.folioEnds.
 */
export function endWritebackWalk(w: World, walk: FolioEndWalk): void {
  const { ino, inTask } = walk;
  let rest = walk.heads;
  while (rest.length > 0) {
    const blk = rest[0]!;
    rest = rest.slice(1);
    const f = folioAt(w, ino, blk);
    if (f === null || !f.writeback || folioStillInWritebackIo(w, ino, f.head, f.nr)) continue;
    setFolioFlag(w, ino, blk, 'writeback', false);
    // The RFC: PG_atomic is cleared once the folio has been written back.
    if (walk.by === 'iomap') setFolioFlag(w, ino, blk, 'atomic', false);
    const drops = inTask && f.dropbehind && !anyDirty(w, ino, f.head, f.nr);
    filemapEndDropbehindWrite(w, ino, f, inTask);
    rest = rest.filter((b) => b < f.head || b >= f.head + f.nr);
    if (drops && rest.length > 0) {
      w.folioEnds = [...w.folioEnds, { ...walk, heads: rest }];
      return;
    }
  }
}

/** The kernel function that walks a completed bio's folios, by whose walk it is. */
export const FOLIO_WALK_FN: Record<FolioEndWalk['by'], string> = { ext4: 'ext4_finish_bio', iomap: 'iomap_finish_ioend_buffered' };

export function describeFolioEndWalk(x: FolioEndWalk): string {
  const fn = `${x.by === 'ext4' ? 'ext4_release_io_end' : 'xfs_end_io'} → ${FOLIO_WALK_FN[x.by]}`;
  return `${fn} goes on: folio_end_writeback → folio_end_dropbehind for file ${x.ino} block${x.heads.length > 1 ? 's' : ''} ${x.heads.join(',')}`;
}

/** The next step of the walk at index `k` of w.folioEnds. */
export function endWritebackWalkStep(w: World, k: number): void {
  const walk = w.folioEnds[k];
  if (walk === undefined) throw new Error(`no folio walk #${k}`);
  w.folioEnds = w.folioEnds.filter((_, i) => i !== k);
  endWritebackWalk(w, walk);
}

/**
 * filemap_end_dropbehind_write → folio_end_dropbehind, for folio `f` of file `ino` whose
 * writeback just ended: an RWF_DONTCACHE folio still clean is unmapped and invalidated
 * (folio_unmap_invalidate). Only in task context (`inTask`): from a bio's interrupt-time
 * completion the kernel skips it (!in_task()) and the folio stays cached.
 */
export function filemapEndDropbehindWrite(w: World, ino: number, f: Folio, inTask: boolean): void {
  const pc = w.pageCache[ino];
  if (!inTask || !f.dropbehind || pc === undefined || anyDirty(w, ino, f.head, f.nr)) return;
  for (let x = f.head; x < f.head + f.nr; x++) pc[x] = null;
  unmapFolio(w, ino, f.head, f.nr);
}
