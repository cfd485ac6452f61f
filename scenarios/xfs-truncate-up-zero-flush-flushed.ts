import { BS, DEVICES, ftruncate, open, scenario } from '../spec/index.ts';

/**
 * An extending truncate over a block that still holds old data past EOF (what XFS's
 * speculative preallocation left before 5.8 made it unwritten, or the EOF block's tail).
 * xfs_setattr_size zeroes from the old EOF in the page cache (xfs_zero_range dirties a folio
 * of zeroes over the written block 1), and because it did, writes it back and waits
 * (filemap_write_and_wait_range from i_disk_size) before the transaction that logs the new
 * di_size. Whichever commit a power loss follows, the recovered file is either 4 KiB long,
 * or 8 KiB long with block 1 zeroed on disk.
 */
export default scenario({
  name: 'xfs-truncate-up-zero-flush-flushed',
  description:
    "truncateZeroFlush 'flushed' (Linux 6.18, 5885ebda878b): XFS on a loop device, file 0 two written blocks, size 4 KiB (block 1 past EOF holds old data); T1 ftruncate to 8 KiB; background commits and one power loss at any time. " +
    'Bound: 1 task (2 syscalls), 4 physical blocks, 1 power loss, background commits. Expect: holds (size-exposes-written: the zeroes reach the disk before di_size covers block 1).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { truncateZeroFlush: 'flushed' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }], size: BS }],
  programs: [[open(0), ftruncate(0, 2 * BS)]],
  expect: 'holds',
});
