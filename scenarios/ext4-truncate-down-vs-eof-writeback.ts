import { BS, DEVICES, ftruncate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The ext4 side: ext4_setattr waits for direct I/O, takes the invalidate_lock, sets
 * i_disksize and i_size to 2 KiB in one handle (the orphan entry), then truncate_pagecache
 * waits for writeback in flight on folios 0 and 1 before dropping folio 1; ext4_truncate
 * zeroes the tail of block 0 (ext4_block_truncate_page dirties it) and frees block 1.
 */
export default scenario({
  name: 'ext4-truncate-down-vs-eof-writeback',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 two holes, size 0; T1 writes 8 KiB buffered at 0 (W1), truncates to 2 KiB and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 1 task (4 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (no bio lands in a freed block; the durable size never exposes block 1).',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W1', 0, 0, 2 * BS), ftruncate(0, BS / 2), pread(0, 0, 2 * BS)]],
  flusher: true,
  expect: 'holds',
});
