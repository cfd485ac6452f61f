import { BS, DEVICES, openat, pread, pwrite, fsync, unlink, scenario } from '../spec/index.ts';

/**
 * Two power losses, the second one during recovery or after it: a file unlinked while open
 * is on the orphan list when the power fails; at mount jbd2_journal_recover replays, then
 * ext4_orphan_cleanup frees the orphan in a transaction of its own. A second power loss
 * before that commits finds the same committed journal and the same orphan list: replay
 * and cleanup run again and reach the same file system (replay is idempotent: it writes
 * the committed images home again). The post-crash program reads the surviving file.
 */
export default scenario({
  name: 'ext4-two-power-losses-during-recovery',
  description:
    'ext4: write + fsync into g, open a, unlink a while open; up to 2 power losses (the second anywhere, recovery included); the post-crash program (after each) writes a new file and reads g. ' +
    'Bound: 1 task (5 syscalls before, 4 after), 4 physical blocks, 2 power losses, background commits. Expect: holds (durability, no-stale-data, recovered-reads, orphans-freed).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'a', blocks: [{ written: 0 }] }, { name: 'g', blocks: ['hole'] }],
  programs: [[openat('g'), pwrite('G', 0, 0, BS), fsync(0), openat('a'), unlink('a')]],
  afterCrash: [[openat('h', 'O_CREAT'), pwrite('H', 0, 0, BS), openat('g'), pread(1, 0, BS)]],
  maxPowerLosses: 2,
  properties: ['durability', 'no-stale-data', 'recovered-reads', 'orphans-freed'],
  expect: 'holds',
});
