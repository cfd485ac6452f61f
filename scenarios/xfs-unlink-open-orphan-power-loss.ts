import { BS, DEVICES, fsync, openat, pread, pwrite, unlink, scenario } from '../spec/index.ts';

/**
 * Unlink of an open file: xfs_remove drops the last link and xfs_iunlink puts the inode on
 * the AGI unlinked list in the same transaction; the inode and its blocks live until the
 * last close. A power loss before that close leaves an unlinked inode on the list, and log
 * recovery (xlog_recover_process_iunlinks) frees it. After recovery a post-crash program
 * creates a new file, writes and reads it: the freed blocks may be reused, and the read
 * returns only the new data (no-stale-data, recovered-reads), never the unlinked file's.
 */
export default scenario({
  name: 'xfs-unlink-open-orphan-power-loss',
  description:
    'XFS: open a (written p0), 4 KiB write + fsync into it, unlink a while open; one power loss, recovery (log replay, unlinked-list processing), then a post-crash program creates b, writes, reads. ' +
    'Bound: 1 task (4 syscalls before, 3 after), 2 physical blocks, 1 power loss, background commits. Expect: holds (durability, no-stale-data, recovered-reads, orphans-freed).',
  fs: { kind: 'xfs', physBlocks: 2 },
  device: DEVICES.loop,
  files: [{ name: 'a', blocks: [{ written: 0 }] }],
  programs: [[openat('a'), pwrite('A', 0, 0, BS), fsync(0), unlink('a')]],
  afterCrash: [[openat('b', 'O_CREAT'), pwrite('B', 0, 0, BS), pread(0, 0, BS)]],
  properties: ['durability', 'no-stale-data', 'recovered-reads', 'orphans-freed', 'read-consistency'],
  expect: 'holds',
});
