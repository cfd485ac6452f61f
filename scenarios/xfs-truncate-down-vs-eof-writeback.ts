import { BS, DEVICES, ftruncate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A truncate down into the middle of block 0 while the flusher writes the file back. T1
 * writes 8 KiB through the page cache, then truncates to 2 KiB. xfs_truncate_page first
 * zeroes folio 0's tail past 2 KiB and dirties it, without waiting for a writeback in flight
 * (iomap_zero_range's unaligned start); then truncate_setsize's truncate_pagecache waits for
 * the writeback of folio 1 (dropped) and of folio 0 (the partial EOF folio) before it drops
 * anything; the zeroing dirtied folio 0, so xfs_setattr_size writes [di_size, 2 KiB) back
 * and waits before the transaction (nothing when an ioend already moved di_size past 2 KiB:
 * folio 0 then stays dirty); xfs_itruncate_extents then frees block 1. An ioend that completes first moves di_size
 * (xfs_setfilesize, clamped to i_size); the truncate's transaction sets it to 2 KiB.
 */
export default scenario({
  name: 'xfs-truncate-down-vs-eof-writeback',
  description:
    'Linux 6.18: XFS on a loop device, file 0 two holes, size 0; T1 writes 8 KiB buffered at 0 (W1), truncates to 2 KiB and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 1 task (4 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (no bio lands in a freed block; the durable size never exposes block 1).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W1', 0, 0, 2 * BS), ftruncate(0, BS / 2), pread(0, 0, 2 * BS)]],
  flusher: true,
  expect: 'holds',
});
