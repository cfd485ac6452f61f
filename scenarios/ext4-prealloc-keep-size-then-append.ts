import { BS, DEVICES, fallocate, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Preallocation and appends. T1 preallocates 12 KiB with KEEP_SIZE (unwritten extents past
 * EOF, the size stays 0), then mode 0 over the first 4 KiB (size 4 KiB, the extent stays
 * unwritten), then appends 8 KiB through the page cache (W1 into the preallocated blocks).
 * Writeback writes into the unwritten extents and converts them at completion, together
 * with di_size (ext4_end_io_rsv_work; i_disksize, modelled at completion); the flusher runs at any time.
 * After a power loss the recovered size covers W1's blocks only once they are written, and
 * the preallocated blocks past it read as zeroes when a size does cover them.
 */
export default scenario({
  name: 'ext4-prealloc-keep-size-then-append',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 three holes, size 0; T1 fallocate KEEP_SIZE 12 KiB at 0, fallocate mode 0 4 KiB at 0, then writes 8 KiB buffered at 0 (W1); the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 1 task (4 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds.',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), fallocate(0, ['FALLOC_FL_KEEP_SIZE'], 0, 3 * BS), fallocate(0, [], 0, BS), pwrite('W1', 0, 0, 2 * BS)]],
  flusher: true,
  expect: 'holds',
});
