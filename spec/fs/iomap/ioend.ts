/**
 * Writeback completion (fs/iomap/ioend.c iomap_finish_ioends → iomap_finish_folio_write →
 * folio_end_writeback, Linux 6.18). The unwritten conversion the bio asks for is done by
 * the caller (xfs_end_ioend / ext4_end_io_rsv_work) on success only.
 *
 * On an error the folio is neither redirtied nor marked !uptodate: the page cache keeps
 * clean new data that the disk does not have, and nothing retries the write. The error
 * goes to mapping_set_error, from where fsync reports it.
 */
import { recordWritebackFailure } from '../../ghost.ts';
import { endWritebackWalk, mappingSetError } from '../../mm/filemap.ts';
import type { World } from '../../types.ts';

/**
 * Finish the ioend of bio `bio`, if it is a writeback bio; returns whether it was. `inTask`:
 * whether folio_end_writeback runs in task context — folio_end_dropbehind invalidates a
 * clean RWF_DONTCACHE folio only then (in_task()); from a bio's interrupt-time completion it
 * leaves the folio cached. XFS punts every DONTCACHE ioend to a workqueue
 * (xfs_ioend_needs_wq_completion); ext4_end_bio finishes an io_end without unwritten
 * extents in the completion itself.
 */
export function iomapFinishIoend(w: World, bio: number, failed: boolean, inTask = true): boolean {
  const io = w.ioends.find((x) => x.bio === bio);
  if (io === undefined) return false;
  w.ioends = w.ioends.filter((x) => x.bio !== bio);
  // iomap_finish_ioend_buffered records the error before it walks the folios.
  if (failed) {
    mappingSetError(w, io.ino, 'EIO');
    recordWritebackFailure(w, io.ino, bio, io.blocks);
  }
  endWritebackWalk(w, { ino: io.ino, heads: io.blocks.map((b) => b.blk), inTask, by: 'iomap' });
  return true;
}
