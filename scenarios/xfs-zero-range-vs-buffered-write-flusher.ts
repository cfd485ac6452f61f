import { BS, DEVICES, fallocate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * ZERO_RANGE racing a buffered overwrite and background writeback. xfs_falloc_zero_range is
 * xfs_free_file_space (write back and wait, drop the page cache, unmap block 0) followed by
 * xfs_alloc_file_space (a new unwritten extent for block 0), all under XFS_IOLOCK_EXCL and
 * XFS_MMAPLOCK_EXCL. Block 0 reads as zeroes after it until a later write; a power loss
 * between the transactions leaves a hole or an unwritten extent, zeroes either way.
 */
export default scenario({
  name: 'xfs-zero-range-vs-buffered-write-flusher',
  description:
    'Linux 6.18: XFS on a loop device, file 0 two written blocks; T1 writes 8 KiB buffered at 0 (W1); T2 zeroes 4 KiB at 0 (ZERO_RANGE) and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_ZERO_RANGE'], 0, BS), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  expect: 'holds',
});
