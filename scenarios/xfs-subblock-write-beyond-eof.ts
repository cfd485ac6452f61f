import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Sub-block data at EOF: file 0 is 4 KiB, and its block 1, beyond EOF, is still mapped to a
 * physical block holding old data (as a power loss that lost an i_size update leaves it).
 * W1 writes 512 bytes at EOF (4096). __iomap_write_begin zeroes the rest of block 1 rather
 * than read it: iomap_block_needs_zeroing is true for a block starting at/after i_size,
 * whatever the mapping. W2 then writes 512 bytes at 7168, and the read of block 1 shows
 * the bytes between the two writes: zero, whether they come from the folio or (after
 * writeback, where iomap_writeback_handle_eof zeroes the folio beyond i_size, and reclaim)
 * from the disk. read-consistency holds only if those bytes read as zero (bytes beyond the
 * initial EOF that no write covers must be zero).
 *
 * Not modelled: xfs_file_write_zero_eof, which zeroes [old EOF, 7168) through the page
 * cache before W2 (iomap_zero_range); here it would find those bytes zero already.
 */
export default scenario({
  name: 'xfs-subblock-write-beyond-eof',
  description:
    'XFS on a loop device, file 0 blocks p0 (written) and p1 (written, beyond EOF: old data), size 4 KiB; T1 writes 512 bytes buffered at 4096 (W1), 512 bytes at 7168 (W2), reads block 1; the flusher and reclaim run at any time. ' +
    'Bound: 1 task (4 syscalls), 3 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds (the read returns {0:W1[0] 512:zero 3072:W2[0] 3584:-}).',
  fs: { kind: 'xfs', physBlocks: 3 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }], size: BS }],
  programs: [[open(0), pwrite('W1', 0, BS, 512), pwrite('W2', 0, BS + 3072, 512), pread(0, BS, BS)]],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
