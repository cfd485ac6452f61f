import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Appending buffered writes and a power loss: the durable size against the data. Each
 * write moves i_size at copy time (iomap_write_end → i_size_write); the on-disk size moves
 * only when a writeback ioend completes (xfs_end_ioend: xfs_iomap_write_unwritten converts
 * the delalloc-turned-unwritten blocks, xfs_setfilesize logs di_size clamped to i_size).
 * A background commit may log the inode at any point; whatever a power loss keeps, the
 * recovered size covers only blocks whose data reached the disk (or that read as zeroes).
 */
export default scenario({
  name: 'xfs-append-power-loss-size',
  description:
    'Linux 6.18: XFS on a loop device, file 0 three holes, size 0; T1 appends 4 KiB (W1) then 4 KiB (W2) buffered; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 1 task (3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (size-exposes-written, no-stale-data).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W1', 0, 0, BS), pwrite('W2', 0, BS, BS)]],
  flusher: true,
  expect: 'holds',
});
