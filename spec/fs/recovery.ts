/**
 * Life after a power loss: the machine powers on, the file system is mounted and recovers
 * (journal replay, then orphan cleanup), and each task's post-crash program runs on what
 * recovery left. Used only when the scenario has post-crash programs (Settings.afterCrash);
 * otherwise model.ts's crash() builds the recovered world in one go and the run ends.
 *
 * Models Linux 6.18: ext4 — fs/jbd2/recovery.c jbd2_journal_recover (PASS_SCAN,
 * PASS_REVOKE, PASS_REPLAY: committed transactions' blocks written home, uncommitted ones
 * ignored), fs/ext4/orphan.c ext4_orphan_cleanup (each inode on the orphan list with no
 * link is evicted: its blocks freed); XFS — fs/xfs/xfs_log_recover.c xlog_recover
 * (xlog_do_recover replays committed log items), xlog_recover_process_iunlinks (inodes on
 * the AGI unlinked lists are inactivated and freed).
 *
 * What recovery keeps: the metadata of the last commit (extent maps — an unwritten extent
 * stays unwritten and reads as zeroes; delalloc was never on disk and is a hole — sizes,
 * the directory and the orphan list) and the device's media as the power loss left it.
 * Replay is idempotent: it writes the same committed images home each time, so a power
 * loss during recovery leads to the same replay again (in this model the committed
 * metadata is durable as one value, and replay copies it; nothing is half-applied).
 */
import { freeze } from 'immer';
import { mediaAfterPowerLoss } from '../block/device.ts';
import { fileContent, newAddressSpace, type Settings, type Step, type World } from '../world.ts';
import { recoverJournal } from './journal.ts';
import { truncateToZero } from '../vfs/namei.ts';

/**
 * Power loss with post-crash programs: the device keeps what `keep` says, everything in
 * memory is gone (page cache, inodes, the running transaction, every open file and the
 * syscalls in progress), and the journal's committed state waits for replay.
 */
export function powerOn(w: World, s: Settings, keep: Array<[number, number]>): World {
  return freeze(
    {
      ...w,
      device: { media: mediaAfterPowerLoss(w.device, keep), cache: [], inflight: [] },
      inodes: [],
      free: w.journal.committed.free,
      pageCache: [],
      mappings: [],
      ioends: [],
      // ext4's io_ends (and their pending unwritten conversions) are memory, gone with the rest.
      ext4IoEnds: [],
      folioEnds: [],
      // Read bios in flight are lost with the page cache their folios were in.
      readBios: [],
      // The processes are gone with their mappings.
      vmas: [],
      wpc: null,
      tasks: (s.afterCrash ?? []).map(() => ({ pc: 0, fds: [], cur: null, results: [] })),
      journal: { ...w.journal, dirtyInodes: [], namesDirty: false, ordered: [] },
      powerLosses: w.powerLosses + 1,
      dir: [],
      orphans: [],
      flushOnClose: [],
      dead: [],
      boot: 'replay' as const,
      recovered: null,
    },
    true,
  );
}

/** The next recovery step of this boot, or null once the post-crash programs run. */
export function recoveryStep(w: World, s: Settings): Step | null {
  if (w.boot === 'replay') {
    const jbd = s.fs.kind === 'ext4';
    return {
      fn: jbd ? 'ext4_fill_super → ext4_load_journal → jbd2_journal_recover' : 'xfs_mountfs → xfs_log_mount → xlog_recover',
      what: `replay the committed ${jbd ? 'transactions' : 'log items'}: ${w.journal.committed.inodes.length} inode(s), directory {${w.journal.dir.map(([n, i]) => `${n}→${i}`).join(', ')}}${w.journal.orphans.length > 0 ? `, orphans ${w.journal.orphans.join(', ')}` : ''}`,
      apply: (d) => {
        const r = recoverJournal(d);
        Object.assign(d, r);
        d.pageCache = r.inodes.map((i) => i.map.map(() => null));
        d.mappings = r.inodes.map((_, ino) => newAddressSpace(s, ino));
        d.dead = r.inodes.flatMap((_, ino) => (r.dir.some(([, i]) => i === ino) || r.orphans.includes(ino) ? [] : [ino]));
        d.boot = 'orphans';
      },
    };
  }
  if (w.boot === 'orphans') {
    return {
      fn: s.fs.kind === 'ext4' ? 'ext4_orphan_cleanup' : 'xlog_recover_process_iunlinks',
      what: w.orphans.length > 0 ? `free orphan inode(s) ${w.orphans.join(', ')} (unlinked while open before the power loss)` : 'no orphans',
      apply: (d) => {
        orphanCleanup(d);
        d.boot = 'running';
        d.recovered = { clock: d.ghost.clock, files: d.inodes.map((_, ino) => fileContent(d, ino)), sizes: d.inodes.map((i) => i.size), dir: d.dir, truncated: [] };
      },
    };
  }
  return null;
}

/**
 * ext4_orphan_cleanup / xlog_recover_process_iunlinks: every inode on the (replayed) orphan
 * list has no name left; it is evicted (blocks freed) and leaves the list, in a
 * transaction of its own (a power loss before it commits finds the orphans again).
 */
export function orphanCleanup(w: World): void {
  for (const ino of w.orphans) {
    if (w.dir.some(([, i]) => i === ino)) continue;
    truncateToZero(w, ino);
    w.dead = [...w.dead.filter((x) => x !== ino), ino].sort((a, b) => a - b);
  }
  if (w.orphans.length > 0) {
    w.orphans = [];
    w.journal.namesDirty = true;
  }
}
