import { BS, DEVICES, ftruncate, open, scenario } from '../spec/index.ts';

/**
 * The same extending truncate before commit 5885ebda878b ("xfs: ensure truncate forces
 * zeroed blocks to disk", Dave Chinner, Linux 4.0; its history is summed up in Brian Foster's
 * "xfs: fix broken truncate pre-size update flushing", linux-xfs, November 2022): block 1 is
 * zeroed in the page cache only, and the transaction that logs di_size = 8 KiB goes to the
 * journal without waiting for it. A commit, then a power loss before writeback, leaves an
 * 8 KiB file whose block 1 reads the old data that lay past EOF.
 */
export default scenario({
  name: 'xfs-truncate-up-zero-flush-unflushed',
  description:
    "truncateZeroFlush 'unflushed' (before 5885ebda878b, Linux 4.0): XFS on a loop device, file 0 two written blocks, size 4 KiB (block 1 past EOF holds old data); T1 ftruncate to 8 KiB; background commits and one power loss at any time. " +
    'Bound: 1 task (2 syscalls), 4 physical blocks, 1 power loss, background commits. Expect: violates size-exposes-written (the background commit logs di_size 8 KiB while the zeroes of block 1 are only in the page cache; a power loss then exposes the old data of block 1).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { truncateZeroFlush: 'unflushed' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }], size: BS }],
  programs: [[open(0), ftruncate(0, 2 * BS)]],
  expect: { violates: 'size-exposes-written' },
});
