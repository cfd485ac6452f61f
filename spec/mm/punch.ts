/**
 * A minimal hole punch of one block by another process (Settings.punch), in the two steps
 * whose gap the fault path must not fill: fallocate(FALLOC_FL_PUNCH_HOLE) as xfs_file_fallocate
 * / ext4_punch_hole do it in Linux 6.18 — i_rwsem and the invalidate_lock (XFS: IOLOCK and
 * MMAPLOCK) exclusive, truncate_pagecache_range (PTEs unmapped, folios dropped) — then the
 * extent removed and the block freed (xfs_free_file_space / ext4_ext_remove_space), the
 * change in the running transaction, and both locks released.
 *
 * It exists to race the fault path (knob faultInvalidateLock) and is a stand-in: it does not
 * write back first (the punched data is discarded anyway), zero partial blocks or run as a
 * task's syscall. Issue 13's fallocate (issue-13a) is the real one.
 */
import { freeBlock, setMapping } from '../fs/allocator.ts';
import { markDirty } from '../fs/journal.ts';
import { canLock, lock, unlock } from '../kernel/locking/rwsem.ts';
import { inodeOf } from '../vfs/fd.ts';
import type { Settings, World } from '../world.ts';
import { anyLocked, anyWriteback, folioAt, folioSpan } from './filemap.ts';
import { unmapFolio } from './rmap.ts';

/** The lock owner that stands for the punching process. */
export const PUNCHER = -2;

/** The punch's next step, described, or null when it has none (done, not set, blocked). */
export function punchChoice(w: World, s: Settings): string | null {
  if (s.punch === undefined || w.crashed || w.punch === 'done') return null;
  const [ino, blk] = s.punch;
  const inode = inodeOf(w, ino);
  const xfs = s.fs.kind === 'xfs';
  if (w.punch === 'idle') {
    // truncate_inode_pages_range waits for writeback of the folios it drops, and folio_lock
    // for a folio a read's I/O holds locked (the read dropped the invalidate_lock already).
    if (!canLock(inode.iolock, 'excl') || !canLock(inode.invalidateLock, 'excl') || anyWriteback(w, ino, blk, 1) || anyLocked(w, ino, blk, 1)) return null;
    const f = folioAt(w, ino, blk);
    return `${xfs ? 'xfs_file_fallocate(PUNCH_HOLE): IOLOCK_EXCL|MMAPLOCK_EXCL; xfs_flush_unmap_range' : 'ext4_punch_hole: inode_lock, filemap_invalidate_lock'} → truncate_pagecache_range: file ${ino} block ${blk}${f === null ? ' not cached' : `: folio (${f.t}) unmapped and dropped`}`;
  }
  const m = inode.map[blk];
  return `${xfs ? 'xfs_free_file_space → xfs_bunmapi' : 'ext4_ext_remove_space'}: file ${ino} block ${blk} (${m?.kind ?? '?'}${m !== undefined && 'p' in m ? ` p${m.p}` : ''}) becomes a hole${m !== undefined && 'p' in m ? `, p${m.p} freed` : ''}; unlock`;
}

export function punchStep(w: World, s: Settings): void {
  if (s.punch === undefined) throw new Error('no punch in this scenario');
  const [ino, blk] = s.punch;
  const inode = inodeOf(w, ino);
  if (w.punch === 'idle') {
    lock(inode.iolock, 'excl', PUNCHER);
    lock(inode.invalidateLock, 'excl', PUNCHER);
    const { head, nr } = folioSpan(w, ino, blk);
    const pc = w.pageCache[ino];
    if (pc !== undefined) for (let b = head; b < head + nr && b < pc.length; b++) pc[b] = null;
    unmapFolio(w, ino, head, nr);
    w.punch = 'truncated';
    return;
  }
  // What invalidate_lock promises the punch: nothing refilled the range since truncate_pagecache_range.
  const f = folioAt(w, ino, blk);
  if (f !== null) {
    w.ghost.flagged.push({
      property: 'no-fill-during-punch',
      what: `file ${ino} block ${blk} is being freed by a hole punch, but the page cache holds a folio of it (${f.t}${f.dirty ? ', dirty' : ''}) filled after truncate_pagecache_range: it now caches a block the file no longer has`,
    });
  }
  const m = inode.map[blk];
  if (m !== undefined && m.kind !== 'hole') {
    if (m.kind === 'written' || m.kind === 'unwritten') freeBlock(w.free, m.p);
    setMapping(inode, blk, { kind: 'hole' });
    markDirty(w, ino);
  }
  unlock(inode.invalidateLock, 'excl', PUNCHER);
  unlock(inode.iolock, 'excl', PUNCHER);
  w.punch = 'done';
}
