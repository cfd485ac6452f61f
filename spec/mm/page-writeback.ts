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
 */
import { maxRequestBlocks } from '../block/device.ts';
import { anyDirty, folioAt, writebackFolios } from './filemap.ts';
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
export function flusherChoices(w: World, s: Settings): Array<{ ino: number; blks: number[] }> {
  if (s.flusher !== true || w.crashed) return [];
  if (s.fs.kind === 'ext4') return ext4FlusherChoices(w, s);
  const out: Array<{ ino: number; blks: number[] }> = [];
  const ready = (ino: number, blk: number) => {
    const f = folioAt(w, ino, blk);
    return f !== null && f.head === blk && !f.writeback && f.locked !== true && anyDirty(w, ino, blk, f.nr);
  };
  w.pageCache.forEach((pc, ino) =>
    pc.forEach((f, blk) => {
      if (f === null || !ready(ino, blk)) return;
      out.push({ ino, blks: [blk] });
      const run = [blk];
      for (let b = blk + f.nr; ready(ino, b); b += folioAt(w, ino, b)?.nr ?? 1) run.push(b);
      if (run.length > 1) out.push({ ino, blks: run });
    }),
  );
  return out;
}

export function describeFlusherStep(w: World, s: Settings, ino: number, blks: number[]): string {
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
export function flusherWriteback(w: World, s: Settings, ino: number, blks: number[]): void {
  // ext4: one ext4_do_writepages pass from the chosen folio (blks holds just that folio).
  if (s.fs.kind === 'ext4') {
    ext4WritepagesPass(w, s, ino, blks[0] ?? 0, FLUSHER);
    return;
  }
  writebackFolios(w, ino, blks, FLUSHER, s.knobs.bufferedAtomicMerge === 'own-bio', maxRequestBlocks(s.device, s.fs.blockSize));
}
