import { BS, DEVICES, KiB, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Sub-block data: a 1 KiB buffered write into the middle of a written block that is not in
 * the page cache. iomap_write_iter gets the folio (not uptodate); __iomap_write_begin finds
 * the write covers the block only in part, and iomap_block_needs_zeroing is false (the
 * iomap is IOMAP_MAPPED, not IOMAP_F_NEW, and the block starts before EOF), so it reads the
 * block in (iomap_read_folio_range) before the copy: the folio holds the old bytes around
 * the new ones. The read after the write, and the file after a power loss (writeback is
 * the flusher's), hold only f0's data and W's: read-consistency and no-stale-data hold.
 */
export default scenario({
  name: 'xfs-subblock-write-rmw',
  description:
    'XFS on a loop device, file 0 one written block (p0), size 4 KiB, nothing cached; T1 writes 1 KiB buffered at 1 KiB (W), then reads the block; the flusher and reclaim run at any time. ' +
    'Bound: 1 task (3 syscalls), 3 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds (the read returns {0:f0.init[0] 1024:W[0] 2048:f0.init[0]}).',
  fs: { kind: 'xfs', physBlocks: 3 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, KiB, KiB), pread(0, 0, BS)]],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
