import { BS, DEVICES, KiB, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The stale-iomap race fixed in Linux 6.2 by the iomap validity cookie (seed 002; Dave
 * Chinner, "xfs, iomap: fix data corruption due to stale cached iomaps", 2022). W1 fills
 * block 0 through the page cache (a delalloc reservation, with speculative preallocation
 * of block 1). W2 then overwrites half of block 0: its ->iomap_begin returns the delalloc
 * mapping. Before W2 locks the folio, the flusher writes folio 0 back (the whole delalloc
 * extent becomes unwritten, then written at completion) and reclaim evicts the clean folio.
 * Without the cookie check, __iomap_write_begin trusts the delalloc mapping and zeroes the
 * half of block 0 that W2 does not cover, where W1's data is on disk.
 */
export default scenario({
  name: 'xfs-stale-iomap-validity-none',
  description:
    "iomapValid 'none': XFS on a loop device mounted allocsize=16k (the first write reserves speculative preallocation of block 1; the default dynamic scheme preallocates nothing below 64 KiB of i_size, xfs_iomap_prealloc_size), file 0 two holes, size 0; T1 writes 4 KiB buffered at 0 (W1), then 2 KiB buffered at 0 (W2); the flusher and reclaim run at any time. " +
    'Bound: 1 task (3 syscalls), 4 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: violates stale-iomap.',
  fs: { kind: 'xfs', physBlocks: 4, allocsize: 16 * KiB },
  device: DEVICES.loop,
  knobs: { iomapValid: 'none' },
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W1', 0, 0, BS), pwrite('W2', 0, 0, BS / 2)]],
  flusher: true,
  reclaim: true,
  expect: { violates: 'stale-iomap' },
});
