import { BS, DEVICES, fsync, openat, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Life after a power loss: a task writes two blocks, fsyncs the first write only, and the
 * power fails anywhere; jbd2_journal_recover replays the committed transactions (an
 * unwritten extent whose conversion did not commit stays unwritten and reads as zeroes),
 * then the post-crash program reads the file back. The read returns what recovery left
 * (recovered-reads), the fsynced block holds W1 (durability), and nothing stale.
 */
export default scenario({
  name: 'ext4-write-power-loss-post-crash-read',
  description:
    'ext4: file f with two holes; write W1 block 0, fsync, write W2 block 1; one power loss; recovery; post-crash program opens f and reads both blocks. ' +
    'Bound: 1 task (4 syscalls before, 2 after), 4 physical blocks, 1 power loss, background commits, flusher on. Expect: holds (durability, no-stale-data, recovered-reads).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'f', blocks: ['hole', 'hole'] }],
  programs: [[openat('f'), pwrite('W1', 0, 0, BS), fsync(0), pwrite('W2', 0, BS, BS)]],
  afterCrash: [[openat('f'), pread(0, 0, 2 * BS)]],
  flusher: true,
  properties: ['durability', 'no-stale-data', 'recovered-reads', 'read-consistency'],
  expect: 'holds',
});
