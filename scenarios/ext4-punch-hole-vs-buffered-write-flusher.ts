import { BS, DEVICES, fallocate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The ext4 side of the punch race. ext4_fallocate takes inode_lock, waits for direct I/O,
 * then filemap_invalidate_lock; ext4_punch_hole does not write the range back first: it
 * drops the range's folios (truncate_pagecache_range waits for writeback the flusher has in
 * flight, and discards dirty data that is about to be punched anyway), then removes the
 * extents in a handle. No bio can land in a freed block, and the read sees zeroes for
 * block 0 unless T1's write came after the punch.
 */
export default scenario({
  name: 'ext4-punch-hole-vs-buffered-write-flusher',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 two written blocks; T1 writes 8 KiB buffered at 0 (W1); T2 punches 4 KiB at 0 (PUNCH_HOLE|KEEP_SIZE) and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (every invariant, size-exposes-written included).',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], 0, BS), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  expect: 'holds',
});
