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
import { flushDevice, flushDevicePure } from '../block/device.ts';
import { frozen, withMembers } from '../cow.ts';
import type { InodeMeta, Metadata, Settings, World } from '../types.ts';

/**
 * The committed copy of an inode: its size is the on-disk size (XFS di_size, ext4
 * i_disksize), which may lag i_size, not i_size.
 */
function metaOf(ino: InodeMeta & { diskSize?: number }): InodeMeta {
  return { size: ino.diskSize === undefined ? ino.size : Math.min(ino.diskSize, ino.size), map: ino.map, cow: ino.cow };
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

/** markDirty without a draft: `w` itself when the inode is on the list already. */
export function markDirtyPure(w: World, ino: number): World {
  const d = w.journal.dirtyInodes;
  if (d.includes(ino)) return w;
  return withMembers(w, { journal: withMembers(w.journal, { dirtyInodes: frozen([...d, ino].sort((a, b) => a - b)) }) });
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
 * jbd2_journal_commit_transaction / xlog_cil_push: flush, then commit everything. A jbd2
 * commit first waits for its ordered data (orderedDataPending): callers commit only when
 * that is null.
 */
export function commitJournal(w: World): void {
  flushDevice(w.device);
  w.journal.committed = snapshotMetadata(w.inodes, w.free);
  w.journal.dirtyInodes = [];
  w.journal.ordered = [];
  w.journal.dir = w.dir;
  w.journal.orphans = w.orphans;
  w.journal.namesDirty = false;
}

/**
 * commitJournal without a draft (issue 10d): the new journal and the flushed device; every
 * other member of the world is shared. The committed metadata shares the live extent arrays.
 */
export function commitJournalPure(w: World): World {
  const committed = frozen({ inodes: frozen(w.inodes.map((i) => frozen(metaOf(i)))), free: w.free });
  const journal = frozen({ committed, dirtyInodes: NONE, ordered: NONE_PAIRS, dir: w.dir, orphans: w.orphans, namesDirty: false });
  return withMembers(w, { device: flushDevicePure(w.device), journal });
}

const NONE: number[] = frozen([]);
const NONE_PAIRS: Array<[number, number]> = frozen([]);

/**
 * ext4_jbd2_inode_add_wait → jbd2_journal_inode_ranged_wait: the running transaction will
 * not commit before these blocks' data, which writeback has submitted, has completed
 * (data=ordered; ext4_map_blocks with EXT4_GET_BLOCKS_IO_SUBMIT).
 */
export function jbd2InodeAddWait(w: World, ino: number, blks: number[]): void {
  const have = w.journal.ordered;
  const add = blks.filter((b) => !have.some(([i, x]) => i === ino && x === b)).map((b): [number, number] => [ino, b]);
  if (add.length > 0) w.journal.ordered = [...have, ...add].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
}

/**
 * jbd2_journal_commit_transaction's ordered-data phase (journal_finish_inode_data_buffers →
 * filemap_fdatawait_range_keep_errors): the first ordered block whose writeback bio has not
 * completed, or null when the commit may go on. The data was submitted by the writeback
 * that allocated it (add_wait, not add_write), so waiting is all the commit does.
 */
export function orderedDataPending(w: World): string | null {
  for (const [ino, blk] of w.journal.ordered) {
    const io = w.ioends.find((x) => x.ino === ino && x.blocks.some((b) => b.blk === blk));
    if (io !== undefined) return `file ${ino} block ${blk} (bio#${io.bio})`;
  }
  return null;
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
  const { dir, orphans } = w.journal;
  return { inodes, free, dir, orphans, journal: { committed: snapshotMetadata(inodes, free), dirtyInodes: [], ordered: [], dir, orphans, namesDirty: false } };
}
