import { BS, DEVICES, KiB, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Sub-block data on ext4: the same 1 KiB buffered write into the middle of a written block
 * that is not cached. generic_perform_write → ext4_write_begin → ext4_block_write_begin:
 * the buffer head is mapped (written), not new, not delayed, not unwritten, and the write
 * covers it only in part (block_start < from), so it is read in (ext4_read_bh_lock) before
 * the copy. The read after the write, and the file after a power loss, hold only f0's data
 * and W's: read-consistency and no-stale-data hold.
 */
export default scenario({
  name: 'ext4-subblock-write-rmw',
  description:
    'ext4 on a loop device, file 0 one written block (p0), size 4 KiB, nothing cached; T1 writes 1 KiB buffered at 1 KiB (W), then reads the block; the flusher and reclaim run at any time. ' +
    'Bound: 1 task (3 syscalls), 3 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds (the read returns {0:f0.init[0] 1024:W[0] 2048:f0.init[0]}).',
  fs: { kind: 'ext4', physBlocks: 3 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, KiB, KiB), pread(0, 0, BS)]],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
