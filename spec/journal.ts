/**
 * The metadata journal (jbd2 / the XFS log), abstracted to "in memory" vs "committed".
 *
 * Extent-map, CoW-fork, free-space and size changes mark the journal dirty; a commit makes
 * the whole in-memory metadata durable at once. A commit starts with a cache flush, as
 * jbd2's commit block and XFS's first iclog write carry REQ_PREFLUSH, so data completed
 * before the commit is durable with it. Log I/O itself is not modelled as requests.
 */
import { flushDevice } from './device.ts';
import type { Inode, InodeMeta, Metadata, World } from './types.ts';

function metaOf(ino: Inode): InodeMeta {
  return { size: ino.size, map: ino.map.map((m) => ({ ...m })), cow: ino.cow.map((c) => ({ ...c })) };
}

export function snapshotMetadata(inodes: Inode[], free: boolean[]): Metadata {
  return { inodes: inodes.map(metaOf), free: [...free] };
}

export function markDirty(w: World): void {
  w.journal.dirty = true;
}

/** jbd2_journal_commit_transaction / xlog_cil_push: flush, then commit everything. */
export function commitJournal(w: World): void {
  flushDevice(w.device);
  w.journal.committed = snapshotMetadata(w.inodes, w.free);
  w.journal.dirty = false;
}

/**
 * Log recovery after a power loss: the last committed metadata. CoW staging extents are
 * orphans (recorded in the refcount btree) and recovery frees them.
 */
export function recoverJournal(w: World): void {
  const c = w.journal.committed;
  const free = [...c.free];
  w.inodes = c.inodes.map((m, i) => {
    for (const cw of m.cow) if (cw.kind === 'staging') free[cw.p] = true;
    return {
      size: m.size,
      map: m.map.map((x) => ({ ...x })),
      cow: m.cow.map(() => ({ kind: 'none' as const })),
      seq: (w.inodes[i]?.seq ?? 0) + 1,
      iolock: { excl: null, shared: [] },
      dioCount: 0,
    };
  });
  w.free = free;
  w.journal = { committed: snapshotMetadata(w.inodes, w.free), dirty: false };
}
