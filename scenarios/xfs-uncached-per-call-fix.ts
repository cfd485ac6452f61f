import { BS, DEVICES, KiB, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 002: Dave Chinner's counter-proposal: write back and wait once per call after
 * ->iomap_end, then invalidate the range. No writeback runs inside the actor, so the iomap
 * stays valid even without the 6.2 cookie.
 */
export default scenario({
  name: 'xfs-uncached-per-call-fix',
  description:
    'uncached \'per-call-fix\', iomapValid \'none\': XFS on a loop device mounted allocsize=16k (the first write reserves speculative preallocation of blocks 2-3; the default dynamic scheme preallocates nothing below 64 KiB of i_size, xfs_iomap_prealloc_size), file 0 four holes, size 0; T1 writes 8 KiB RWF_DONTCACHE at 0, then reads it back. Bound: 1 task (3 syscalls), 6 physical blocks, no flusher or reclaim, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 6, allocsize: 16 * KiB },
  device: DEVICES.loop,
  knobs: { uncached: 'per-call-fix', iomapValid: 'none' },
  files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('U', 0, 0, 2 * BS, 'RWF_DONTCACHE'), pread(0, 0, 2 * BS)]],
  expect: 'holds',
});
