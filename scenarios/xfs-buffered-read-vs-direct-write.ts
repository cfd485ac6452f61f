import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A buffered read racing an O_DIRECT overwrite of the block it reads (XFS: the buffered
 * read holds IOLOCK shared, the aligned direct overwrite takes it shared too, so they
 * overlap). The read may add folio 0 with the old data after the direct write's
 * kiocb_invalidate_pages and before its bio lands; iomap_dio_complete's
 * kiocb_invalidate_post_direct_write then drops it — waiting (folio_lock in
 * invalidate_inode_pages2_range) while the read's I/O holds the folio locked. So T2's own
 * buffered read after its direct write returned sees W1, never the old block cached by
 * T1's read (read-consistency). Breaking the wait (invalidating around a locked folio)
 * leaves the stale folio and read-consistency fails.
 */
export default scenario({
  name: 'xfs-buffered-read-vs-direct-write',
  description:
    'XFS on a loop device, file 0 one written block (size 4 KiB); T1 reads 4 KiB buffered at 0; T2 writes 4 KiB O_DIRECT at 0 (W1), then reads it back buffered. ' +
    'Bound: 2 tasks (2 and 4 syscalls), 4 physical blocks, no power loss. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0), pread(0, 0, BS)],
    [open(0, 'O_DIRECT'), pwrite('W1', 0, 0, BS), open(0), pread(1, 0, BS)],
  ],
  maxPowerLosses: 0,
  expect: 'holds',
});
