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
import { folioAt, writebackFolio } from './filemap.ts';
import type { Settings, World } from '../types.ts';

/** Owner of bios nobody waits for (the flusher's). */
export const FLUSHER = -1;

/** The folios the flusher may pick now: dirty and not under writeback. */
export function flusherChoices(w: World, s: Settings): Array<[number, number]> {
  if (s.flusher !== true || w.crashed) return [];
  const out: Array<[number, number]> = [];
  w.pageCache.forEach((pc, ino) =>
    pc.forEach((f, blk) => {
      if (f !== null && f.dirty && !f.writeback) out.push([ino, blk]);
    }),
  );
  return out;
}

export function describeFlusherStep(w: World, s: Settings, ino: number, blk: number): string {
  const m = w.inodes[ino]?.map[blk];
  const how = m?.kind === 'delalloc' ? 'xfs_map_blocks: xfs_bmapi_convert_delalloc allocates the whole delalloc extent unwritten' : m?.kind === 'hole' ? 'allocate an unwritten block' : `${m?.kind ?? '?'} block`;
  const fs = s.fs.kind === 'xfs' ? 'xfs_vm_writepages → iomap_writepages' : 'ext4_writepages';
  return `${fs}: folio ${ino}:${blk} (${folioAt(w, ino, blk)?.t ?? '?'}) locked, cleaned, under writeback; ${how}; submit the ioend's bio`;
}

/** One folio's background writeback; the bio completes later (fs/iomap/ioend.ts). */
export function flusherWriteback(w: World, ino: number, blk: number): void {
  writebackFolio(w, ino, blk, FLUSHER);
}
