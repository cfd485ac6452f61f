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
import type { AddressSpace, Folio, OpenFile, Token, World } from '../types.ts';

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

/** Whether a folio in the range is under writeback (filemap_fdatawait_range would wait). */
export function anyWriteback(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b)?.writeback === true) return true;
  return false;
}

/**
 * Store into a folio and dirty it (a buffered copy of a whole block or an mmap store). A
 * folio under writeback stays under writeback: the bio carries the older data, and the
 * folio is dirty again for the next writeback (no stable pages on these devices).
 */
export function dirtyFolio(w: World, ino: number, blk: number, t: Token, dontcache = false): void {
  const pc = w.pageCache[ino];
  if (pc === undefined) throw new Error(`no inode ${ino}`);
  const old = pc[blk] ?? null;
  // __filemap_get_folio: FGP_DONTCACHE marks a folio it creates; a lookup without it clears the mark.
  const dropbehind = old === null ? dontcache : dontcache && old.dropbehind;
  pc[blk] = { t, uptodate: true, dirty: true, writeback: old?.writeback ?? false, dropbehind };
}

export function mappingOf(w: World, ino: number): AddressSpace {
  const m = w.mappings[ino];
  if (m === undefined) throw new Error(`no mapping for inode ${ino}`);
  return m;
}

/**
 * One dirty folio's writeback, under its lock: folio_clear_dirty_for_io,
 * folio_start_writeback, map the block (a hole gets a block allocated as unwritten,
 * converted when its bio completes, as ext4's dioread_nolock writeback does; a delalloc
 * block makes XFS allocate its whole delalloc extent, xfsBmapiConvertDelalloc), then the
 * bio and its ioend. Returns the bio id, or null
 * when allocation failed (ENOSPC at writeback; the folio is left clean, as
 * xfs_discard_folio leaves it, and the error recorded in the mapping).
 */
export function writebackFolio(w: World, ino: number, blk: number, owner: number): number | null {
  const f = folioAt(w, ino, blk);
  const inode = w.inodes[ino];
  if (f === null || inode === undefined) throw new Error(`no folio ${ino}:${blk} to write back`);
  f.dirty = false;
  const m = inode.map[blk];
  let p: number;
  let convert: Array<[number, number]> = [];
  if (m !== undefined && m.kind === 'written') p = m.p;
  else if (m !== undefined && m.kind === 'unwritten') {
    p = m.p;
    convert = [[ino, blk]];
  } else if (m !== undefined && m.kind === 'delalloc') {
    const got = xfsBmapiConvertDelalloc(w, ino, blk);
    if (got === null) {
      mappingSetError(w, ino, 'ENOSPC');
      recordWritebackFailure(w, ino, -1, [{ blk, t: f.t }]);
      return null;
    }
    p = got;
    convert = [[ino, blk]];
  } else {
    const got = allocBlocks(allocatable(w), 1);
    if (got === null || got[0] === undefined) {
      mappingSetError(w, ino, 'ENOSPC');
      recordWritebackFailure(w, ino, -1, [{ blk, t: f.t }]);
      return null;
    }
    p = got[0];
    w.free[p] = false;
    setMapping(inode, blk, { kind: 'unwritten', p });
    markDirty(w, ino);
    convert = [[ino, blk]];
  }
  f.writeback = true;
  // One block: always one request.
  const [bio] = submitBio(w.device, { op: 'write', owner, blocks: [{ p, t: f.t }], atomic: false, fua: false, preflush: false, convert });
  if (bio === undefined) throw new Error('submit_bio gave no request');
  w.ioends.push({ bio, ino, blocks: [{ blk, t: f.t }] });
  w.ioends.sort((a, b) => a.bio - b.bio);
  return bio;
}

/**
 * filemap_write_and_wait_range, write half (__filemap_fdatawrite_range with WB_SYNC_ALL):
 * one bio per dirty folio. Returns the bio ids, or null when allocation failed.
 */
export function filemapFdatawriteRange(w: World, ino: number, blk: number, n: number, owner: number): number[] | null {
  const bios: number[] = [];
  for (let b = blk; b < blk + n; b++) {
    if (folioAt(w, ino, b)?.dirty !== true) continue;
    const bio = writebackFolio(w, ino, b, owner);
    if (bio === null) return null;
    bios.push(bio);
  }
  return bios;
}

/**
 * filemap_fdatawrite_range_kick (WB_SYNC_NONE): start writeback of the dirty folios in the
 * range that are not already under writeback; nobody waits, the result is ignored.
 */
export function filemapFdatawriteRangeKick(w: World, ino: number, blk: number, n: number): void {
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    // Owner -1: nobody waits (the flusher's owner, FLUSHER in page-writeback.ts).
    if (f !== null && f.dirty && !f.writeback) writebackFolio(w, ino, b, -1);
  }
}

/** invalidate_inode_pages2_range: drop the folios, failing (EBUSY) if one is dirty. */
export function invalidateInodePages2Range(w: World, ino: number, blk: number, n: number): boolean {
  if (anyDirty(w, ino, blk, n)) return false;
  const pc = w.pageCache[ino];
  if (pc !== undefined) for (let b = blk; b < blk + n && b < pc.length; b++) pc[b] = null;
  return true;
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
