/**
 * The metadata journal (jbd2 / the XFS log), abstracted to "in memory" vs "committed".
 *
 * Extent-map, CoW-fork, free-space and size changes mark the journal dirty; a commit makes
 * the whole in-memory metadata durable at once. A commit starts with a cache flush, as
 * jbd2's commit block and XFS's first iclog write carry REQ_PREFLUSH, so data completed
 * before the commit is durable with it. Log I/O itself is not modelled as requests.
 *
 * Models Linux 6.18 (fs/jbd2/commit.c, fs/xfs/xfs_log_cil.c).
 */
import { flushDevice } from '../block/device.ts';
import type { InodeMeta, Metadata, World } from '../types.ts';

/** The committed copy of an inode: its size is the on-disk size (di_size / i_disksize), not i_size. */
function metaOf(ino: InodeMeta & { diskSize?: number }): InodeMeta {
  return { size: ino.diskSize ?? ino.size, map: ino.map, cow: ino.cow };
}

/**
 * The metadata as of now. It shares the extent arrays with the live inodes (immer keeps
 * one frozen copy for both, so the checker hashes them once); callers commit as the last
 * metadata change of a step.
 */
export function snapshotMetadata(inodes: Array<InodeMeta & { diskSize?: number }>, free: boolean[]): Metadata {
  return { inodes: inodes.map(metaOf), free };
}

/** Inode `ino`'s metadata changed in the running transaction (it joins the journal's dirty list). */
export function markDirty(w: World, ino: number): void {
  const d = w.journal.dirtyInodes;
  if (!d.includes(ino)) w.journal.dirtyInodes = [...d, ino].sort((a, b) => a - b);
}

/** The running transaction holds changes (a commit has something to write). */
export const journalDirty = (w: World): boolean => w.journal.dirtyInodes.length > 0;

/**
 * Whether fsync of `ino` must force the log: xfs_file_fsync checks xfs_ipincount (the
 * inode's last change is not committed); ext4_sync_file commits up to the inode's
 * i_sync_tid / i_datasync_tid. Both are per inode.
 */
export const inodeMetaDirty = (w: World, ino: number): boolean => w.journal.dirtyInodes.includes(ino);

/** jbd2_journal_commit_transaction / xlog_cil_push: flush, then commit everything. */
export function commitJournal(w: World): void {
  flushDevice(w.device);
  w.journal.committed = snapshotMetadata(w.inodes, w.free);
  w.journal.dirtyInodes = [];
}

/**
 * Log recovery after a power loss: the last committed metadata. CoW staging extents are
 * orphans (recorded in the refcount btree) and recovery frees them. Pure: builds the
 * recovered parts of the world, sharing the committed (frozen) extent arrays.
 */
export function recoverJournal(w: World): Pick<World, 'inodes' | 'free' | 'journal'> {
  const c = w.journal.committed;
  const free = [...c.free];
  const inodes = c.inodes.map((m, i) => {
    const staged = m.cow.some((cw) => cw.kind === 'staging');
    for (const cw of m.cow) if (cw.kind === 'staging') free[cw.p] = true;
    // Delalloc reservations live only in memory: after a crash they are holes.
    const map = m.map.some((x) => x.kind === 'delalloc') ? m.map.map((x) => (x.kind === 'delalloc' ? { kind: 'hole' as const } : x)) : m.map;
    return {
      size: m.size,
      diskSize: m.size,
      map,
      cow: staged ? m.cow.map(() => ({ kind: 'none' as const })) : m.cow,
      seq: (w.inodes[i]?.seq ?? 0) + 1,
      iolock: { excl: null, shared: [] },
      invalidateLock: { excl: null, shared: [] },
      dioCount: 0,
      reflink: w.inodes[i]?.reflink ?? false,
    };
  });
  return { inodes, free, journal: { committed: snapshotMetadata(inodes, free), dirtyInodes: [] } };
}
