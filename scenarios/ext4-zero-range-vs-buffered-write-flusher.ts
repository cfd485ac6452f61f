import { BS, DEVICES, fallocate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The ext4 side of ZERO_RANGE: ext4_zero_range under inode_lock and the invalidate_lock
 * drops the range's folios (waiting for writeback in flight, no write-back first) and turns
 * the written block 0 into an unwritten extent in place (EXT4_GET_BLOCKS_CONVERT_UNWRITTEN),
 * in one handle. Reads and the recovered file show zeroes there until a later write.
 */
export default scenario({
  name: 'ext4-zero-range-vs-buffered-write-flusher',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 two written blocks; T1 writes 8 KiB buffered at 0 (W1); T2 zeroes 4 KiB at 0 (ZERO_RANGE) and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds.',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_ZERO_RANGE'], 0, BS), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  expect: 'holds',
});
