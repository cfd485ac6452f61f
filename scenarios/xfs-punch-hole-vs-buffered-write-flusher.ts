import { BS, DEVICES, fallocate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A hole punch racing a buffered overwrite and background writeback. T1 overwrites both
 * blocks through the page cache (i_rwsem held while it copies); T2 punches block 0. The
 * flusher may write folio 0 back at any time, before, during or after the punch.
 * __xfs_file_fallocate holds XFS_IOLOCK_EXCL and XFS_MMAPLOCK_EXCL, so the punch runs wholly
 * before or after T1's copy; xfs_flush_unmap_range writes the range back and waits
 * (writeback the flusher started is waited for too) before truncate_pagecache_range drops
 * the folio and xfs_unmap_extent frees p0, so no bio is in flight to a freed block and no
 * dirty folio survives over the hole. T2's read then sees block 0 as zeroes (or W1's data
 * when T1 ran after the punch).
 */
export default scenario({
  name: 'xfs-punch-hole-vs-buffered-write-flusher',
  description:
    'Linux 6.18: XFS on a loop device, file 0 two written blocks; T1 writes 8 KiB buffered at 0 (W1); T2 punches 4 KiB at 0 (PUNCH_HOLE|KEEP_SIZE) and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (every invariant, size-exposes-written included).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], 0, BS), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  expect: 'holds',
});
