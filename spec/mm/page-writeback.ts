/**
 * Background writeback (mm/page-writeback.c writeback_iter, fs/fs-writeback.c wb_workfn,
 * → ->writepages: iomap_writepages for XFS, ext4_writepages for ext4; Linux 6.18).
 *
 * The flusher runs without the writer's i_rwsem / IOLOCK, at any time, and may pick any
 * dirty folio. WB_SYNC_NONE writeback skips a folio already under writeback. Each choice
 * is one step: the folio is locked, cleaned (folio_clear_dirty_for_io), marked under
 * writeback, mapped (->map_blocks: xfs_map_blocks converts a delalloc extent, whole, to
 * unwritten), added to an ioend whose bio is submitted, and unlocked. The folio lock and
 * the ILOCK are held only inside the step, so no other actor can see them held.
 *
 * On XFS with Settings.flusherPerFolio (or knob xfsWritebackMapValid 'eof-trim') a pass may
 * also run one folio per step, keeping its writepage context (wpc->iomap, World.wpc) between
 * steps, as iomap_writepages does with no inode lock held across the pass.
 */
import { maxRequestBlocks } from '../block/device.ts';
import { anyDirty, folioAt, mapBlock, writebackFolioMapped, writebackFolios, type BlockMapper } from './filemap.ts';
import { wpcStaleUse, xfsCachedIomap, xfsImapValid, type XfsWritepageCtx } from '../fs/xfs/xfs_aops.ts';
import { folioMkclean } from './rmap.ts';
import { describeMpd, ext4FlusherChoices, ext4WritepagesPass, mpagePrepareExtentToMap } from '../fs/ext4/inode.ts';
import type { Settings, World } from '../types.ts';

/**
 * folio_clear_dirty_for_io, for the folio of `nr` blocks at `head` that writeback has locked:
 * folio_mkclean write-protects its PTEs, so a store through a mapping after writeback
 * started faults (->page_mkwrite) and dirties the folio again instead of landing unseen in a
 * folio being cleaned. PG_dirty is, in the model, the OR of the per-block dirty bits; the
 * caller clears those it writes (iomap_writeback_range the ifs bits, ext4_bio_write_folio
 * BH_Dirty, keeping a still-delayed buffer dirty).
 */
export function folioClearDirtyForIo(w: World, ino: number, head: number, nr: number): void {
  folioMkclean(w, ino, head, nr);
}

/** Owner of bios nobody waits for (the flusher's). */
export const FLUSHER = -1;

/**
 * The flusher's choices now: a dirty folio not under writeback (its first block), alone or,
 * when the folio after it is dirty too, together with the dirty folios that follow it
 * (writeback_iter walks the file in index order and iomap_add_to_ioend merges what is
 * contiguous on disk; a pass may also stop after one folio, nr_to_write).
 */
export function flusherChoices(w: World, s: Settings): FlusherChoice[] {
  if (s.flusher !== true || w.crashed) return [];
  if (s.fs.kind === 'ext4') return ext4FlusherChoices(w, s);
  // One flusher: a pass in progress folio by folio goes on (or ends) before anything else.
  if (w.wpc !== null) return [wpcNext(w, w.wpc)];
  const out: FlusherChoice[] = [];
  const perFolio = s.fs.kind === 'xfs' && perFolioPasses(s);
  w.pageCache.forEach((pc, ino) =>
    pc.forEach((f, blk) => {
      if (f === null || !wbReady(w, ino, blk)) return;
      out.push({ ino, blks: [blk] });
      const run = [blk];
      for (let b = blk + f.nr; wbReady(w, ino, b); b += folioAt(w, ino, b)?.nr ?? 1) run.push(b);
      if (run.length > 1) out.push({ ino, blks: run });
      // A pass folio by folio, other actors free to run between its folios: worth a choice
      // of its own when writeback_iter has a later folio to go on to (not only the next one).
      if (perFolio && nextReady(w, ino, blk + f.nr) !== null) out.push({ ino, blks: [blk], pass: 'start' });
    }),
  );
  return out;
}

/**
 * A flusher choice: a pass over `blks` in one step, or one step of a pass that runs folio by
 * folio (XFS, Settings.flusherPerFolio): its first folio ('start'), the next folio
 * writeback_iter finds ('next'), or its end when there is none ('end').
 */
export interface FlusherChoice {
  ino: number;
  blks: number[];
  pass?: 'start' | 'next' | 'end';
}

/** Whether XFS passes may run folio by folio: asked for, or needed to show 'eof-trim' go wrong. */
export function perFolioPasses(s: Settings): boolean {
  return s.flusherPerFolio === true || s.knobs.xfsWritebackMapValid === 'eof-trim';
}

/** A dirty folio headed at `blk`, not under writeback (WB_SYNC_NONE skips those) nor locked by another actor. */
function wbReady(w: World, ino: number, blk: number): boolean {
  const f = folioAt(w, ino, blk);
  return f !== null && f.head === blk && !f.writeback && f.locked !== true && anyDirty(w, ino, blk, f.nr);
}

/** writeback_iter from file block `from`: the first folio it would write, or null. */
function nextReady(w: World, ino: number, from: number): number | null {
  const len = w.pageCache[ino]?.length ?? 0;
  for (let b = from; b < len; b++) if (wbReady(w, ino, b)) return b;
  return null;
}

/** writeback_iter from the pass's position: the folio it would write next, or the pass's end. */
function wpcNext(w: World, wpc: XfsWritepageCtx): FlusherChoice {
  const b = nextReady(w, wpc.ino, wpc.next);
  return b === null ? { ino: wpc.ino, blks: [], pass: 'end' } : { ino: wpc.ino, blks: [b], pass: 'next' };
}

export function describeFlusherStep(w: World, s: Settings, ino: number, blks: number[], pass?: FlusherChoice['pass']): string {
  if (pass !== undefined) return describeWpcStep(w, s, ino, blks[0] ?? 0, pass);
  if (s.fs.kind === 'ext4') return `ext4_writepages → ext4_do_writepages from folio ${ino}:${blks[0] ?? 0}: ${describeMpd(w, s, ino, mpagePrepareExtentToMap(w, s, ino, blks[0] ?? 0, w.pageCache[ino]?.length ?? 0, false))}`;
  const fs = s.fs.kind === 'xfs' ? 'xfs_vm_writepages → iomap_writepages' : 'ext4_writepages';
  const one = (blk: number) => {
    const f = folioAt(w, ino, blk);
    const nr = f?.nr ?? 1;
    const m = w.inodes[ino]?.map[blk];
    const how = m?.kind === 'delalloc' ? 'xfs_map_blocks: xfs_bmapi_convert_delalloc allocates the whole delalloc extent unwritten' : m?.kind === 'hole' ? 'allocate an unwritten block' : `${m?.kind ?? '?'} block`;
    const toks = Array.from({ length: nr }, (_, i) => folioAt(w, ino, blk + i)).map((x) => `${x?.t ?? '?'}${x?.dirty === true ? '' : ' clean'}`);
    return `folio ${ino}:${blk}${nr > 1 ? `-${blk + nr - 1}` : ''}${f?.atomic === true ? ' PG_atomic' : ''} (${toks.join(', ')}) locked, cleaned, under writeback; ${how}`;
  };
  const merge = blks.length > 1 ? `; one ioend${s.knobs.bufferedAtomicMerge === 'own-bio' ? ' (an atomic folio gets its own)' : ''}` : '';
  return `${fs}: ${blks.map(one).join('; ')}${merge}; submit the ioend's bio`;
}

/** Background writeback of the chosen folios; the bios complete later (fs/iomap/ioend.ts). */
export function flusherWriteback(w: World, s: Settings, ino: number, blks: number[], pass?: FlusherChoice['pass']): void {
  if (pass !== undefined) {
    xfsWritepagesStep(w, s, ino, blks[0] ?? 0, pass);
    return;
  }
  // ext4: one ext4_do_writepages pass from the chosen folio (blks holds just that folio).
  if (s.fs.kind === 'ext4') {
    ext4WritepagesPass(w, s, ino, blks[0] ?? 0, FLUSHER);
    return;
  }
  writebackFolios(w, ino, blks, FLUSHER, s.knobs.bufferedAtomicMerge === 'own-bio', maxRequestBlocks(s.device, s.fs.blockSize));
}

/**
 * One step of an XFS ->writepages pass that runs folio by folio (iomap_writepages →
 * writeback_iter → iomap_writepage_map → xfs_map_blocks). 'start' and 'next' write one
 * folio: xfs_map_blocks reuses the cached wpc->iomap when xfs_imap_valid accepts it, and
 * otherwise looks the extent up (converting delalloc) and caches the new mapping. The
 * folio's ioend is submitted in the same step (iomap_writepages holds it until the next
 * folio does not fit it or the pass ends: only the bio's timing differs, and the folio is
 * under writeback either way). The pass ends when writeback_iter finds no folio left.
 */
function xfsWritepagesStep(w: World, s: Settings, ino: number, blk: number, pass: NonNullable<FlusherChoice['pass']>): void {
  if (pass === 'end') {
    w.wpc = null;
    return;
  }
  const wpc: XfsWritepageCtx = w.wpc ?? { ino, next: blk, iomap: { blk, nblk: 0, p: 0, unwritten: false }, dataSeq: -1 };
  const variant = s.knobs.xfsWritebackMapValid;
  const eofBlk = Math.ceil((w.inodes[ino]?.size ?? 0) / s.fs.blockSize);
  const map: BlockMapper = (d, i, b) => {
    const inode = d.inodes[i];
    if (inode !== undefined && xfsImapValid(wpc, inode, b, variant)) {
      const p = wpc.iomap.p + (b - wpc.iomap.blk);
      const stale = wpcStaleUse(d, wpc, b, p);
      if (stale !== null) d.ghost.flagged.push({ property: 'stale-iomap', what: stale });
      return { p, unwritten: wpc.iomap.unwritten };
    }
    const got = mapBlock(d, i, b);
    const io = inode === undefined || got === null ? null : xfsCachedIomap(inode, b, variant, eofBlk);
    if (inode !== undefined && io !== null) {
      wpc.iomap = io;
      wpc.dataSeq = inode.seq;
    }
    return got;
  };
  writebackFolioMapped(w, ino, blk, FLUSHER, map, maxRequestBlocks(s.device, s.fs.blockSize));
  wpc.next = blk + (folioAt(w, ino, blk)?.nr ?? 1);
  w.wpc = nextReady(w, ino, wpc.next) === null ? null : wpc;
}

function describeWpcStep(w: World, s: Settings, ino: number, blk: number, pass: NonNullable<FlusherChoice['pass']>): string {
  if (pass === 'end') return 'iomap_writepages: writeback_iter finds no dirty folio left; the pass ends and its writepage context (the cached mapping) is dropped';
  const f = folioAt(w, ino, blk);
  const nr = f?.nr ?? 1;
  const inode = w.inodes[ino];
  const wpc = w.wpc;
  const valid = pass === 'next' && wpc !== null && inode !== undefined && xfsImapValid(wpc, inode, blk, s.knobs.xfsWritebackMapValid);
  const how = valid
    ? `xfs_imap_valid accepts the cached mapping (file blocks ${wpc.iomap.blk}-${wpc.iomap.blk + wpc.iomap.nblk - 1} → p${wpc.iomap.p}, ${s.knobs.xfsWritebackMapValid === 'seq' ? `data_seq ${wpc.dataSeq} = if_seq` : 'offset only'})`
    : `xfs_map_blocks looks the extent up${inode?.map[blk]?.kind === 'delalloc' ? ' (xfs_bmapi_convert_delalloc allocates the whole delalloc extent unwritten)' : ''} and caches it${pass === 'next' && wpc !== null ? ` (the cached mapping is ${inode !== undefined && xfsImapValid(wpc, inode, blk, 'eof-trim') ? `stale: data_seq ${wpc.dataSeq} ≠ if_seq ${inode.seq}` : 'not over this offset'})` : ''}`;
  const toks = Array.from({ length: nr }, (_, i) => folioAt(w, ino, blk + i)).map((x) => `${x?.t ?? '?'}${x?.dirty === true ? '' : ' clean'}`);
  return `xfs_vm_writepages → iomap_writepages${pass === 'start' ? '' : ' (pass goes on)'}: writeback_iter → iomap_writepage_map folio ${ino}:${blk}${nr > 1 ? `-${blk + nr - 1}` : ''} (${toks.join(', ')}) locked, cleaned, under writeback; ${how}; submit its ioend`;
}
