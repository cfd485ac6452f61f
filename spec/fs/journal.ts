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
import type { InodeMeta, Metadata, Settings, World } from '../types.ts';

function metaOf(ino: InodeMeta): InodeMeta {
  return { size: ino.size, map: ino.map, cow: ino.cow };
}

/**
 * The metadata as of now. It shares the extent arrays with the live inodes (immer keeps
 * one frozen copy for both, so the checker hashes them once); callers commit as the last
 * metadata change of a step.
 */
export function snapshotMetadata(inodes: InodeMeta[], free: boolean[]): Metadata {
  return { inodes: inodes.map(metaOf), free };
}

/** Inode `ino`'s metadata changed in the running transaction (it joins the journal's dirty list). */
export function markDirty(w: World, ino: number): void {
  const d = w.journal.dirtyInodes;
  if (!d.includes(ino)) w.journal.dirtyInodes = [...d, ino].sort((a, b) => a - b);
}

/** The running transaction holds changes (a commit has something to write). */
export const journalDirty = (w: World): boolean => w.journal.dirtyInodes.length > 0 || w.journal.namesDirty;

/** The directory or the orphan list changed in the running transaction (ext4_add_entry / xfs_dir_replace / ext4_orphan_add / xfs_iunlink). */
export function markNamesDirty(w: World): void {
  w.journal.namesDirty = true;
}

/**
 * Whether fsync of `ino` must force the log: xfs_file_fsync checks xfs_ipincount (the
 * inode's last change is not committed); ext4_sync_file commits up to the inode's
 * i_sync_tid / i_datasync_tid. Both are per inode.
 */
export const inodeMetaDirty = (w: World, ino: number): boolean => w.journal.dirtyInodes.includes(ino);

/**
 * ext4 mounted dioread_lock (data=ordered without dioread_nolock): writeback allocates
 * its blocks written and puts them on the running transaction's ordered-data list
 * (ext4_map_blocks → ext4_jbd2_inode_add_wait, EXT4_GET_BLOCKS_IO_SUBMIT), and the
 * commit waits for their writeback before its commit block (journal_finish_inode_data_buffers
 * → filemap_fdatawait_range_keep_errors). In this model writeback allocates unwritten
 * and converts at completion, so "the commit waits for the writeback of newly allocated
 * blocks" is: no commit while a writeback bio that converts blocks is in flight; when it
 * has completed, the conversion is in the transaction the commit writes. With
 * dioread_nolock (the default) the conversion runs in a reserved handle at I/O completion
 * that the commit does not wait for.
 */
export function orderedDataInFlight(w: World, s: Settings): boolean {
  if (s.fs.kind !== 'ext4' || s.knobs.ext4DioreadNolock !== 'dioread_lock') return false;
  return w.ioends.some((io) => (w.device.inflight.find((b) => b.id === io.bio)?.convert.length ?? 0) > 0);
}

/** jbd2_journal_commit_transaction / xlog_cil_push: flush, then commit everything. */
export function commitJournal(w: World): void {
  flushDevice(w.device);
  w.journal.committed = snapshotMetadata(w.inodes, w.free);
  w.journal.dirtyInodes = [];
  w.journal.dir = w.dir;
  w.journal.orphans = w.orphans;
  w.journal.namesDirty = false;
}

/**
 * Log recovery after a power loss: the last committed metadata. CoW staging extents are
 * orphans (recorded in the refcount btree) and recovery frees them. Pure: builds the
 * recovered parts of the world, sharing the committed (frozen) extent arrays.
 */
export function recoverJournal(w: World): Pick<World, 'inodes' | 'free' | 'journal' | 'dir' | 'orphans'> {
  const c = w.journal.committed;
  const free = [...c.free];
  const inodes = c.inodes.map((m, i) => {
    const staged = m.cow.some((cw) => cw.kind === 'staging');
    for (const cw of m.cow) if (cw.kind === 'staging') free[cw.p] = true;
    // Delalloc reservations live only in memory: after a crash they are holes.
    const map = m.map.some((x) => x.kind === 'delalloc') ? m.map.map((x) => (x.kind === 'delalloc' ? { kind: 'hole' as const } : x)) : m.map;
    return {
      size: m.size,
      map,
      cow: staged ? m.cow.map(() => ({ kind: 'none' as const })) : m.cow,
      seq: (w.inodes[i]?.seq ?? 0) + 1,
      iolock: { excl: null, shared: [] },
      invalidateLock: { excl: null, shared: [] },
      dioCount: 0,
      reflink: w.inodes[i]?.reflink ?? false,
    };
  });
  const { dir, orphans } = w.journal;
  return { inodes, free, dir, orphans, journal: { committed: snapshotMetadata(inodes, free), dirtyInodes: [], dir, orphans, namesDirty: false } };
}
