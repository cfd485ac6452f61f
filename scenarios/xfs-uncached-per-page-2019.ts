import { BS, DEVICES, KiB, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 002: RWF_UNCACHED as posted in December 2019 writes each folio out and drops it
 * inside the write actor. The 8 KiB write into holes at EOF gets one delalloc iomap (blocks
 * 0-1, with speculative preallocation of 2-3). Writing folio 0 back makes
 * xfs_bmapi_convert_delalloc allocate the whole delalloc extent unwritten, so the actor
 * copies folio 1 through an iomap that no longer matches the extent map (Dave Chinner's
 * first objection). The stale map changes no zero-or-read decision of this write, with
 * sub-block data too (proofs-notes/sub-block-data.md): the blocks it has not reached are
 * unwritten now and delalloc in the iomap, both "zero the rest", and they start at EOF; so
 * stale-iomap holds and uncached-iomap-stable reports the use of the stale mapping itself.
 */
export default scenario({
  name: 'xfs-uncached-per-page-2019',
  description:
    'uncached \'per-page-2019\', iomapValid \'none\' (2019 had no cookie): XFS on a loop device mounted allocsize=16k (the first write reserves speculative preallocation of blocks 2-3; the default dynamic scheme preallocates nothing below 64 KiB of i_size, xfs_iomap_prealloc_size), file 0 four holes, size 0; T1 writes 8 KiB RWF_DONTCACHE at 0, then reads it back. Bound: 1 task (3 syscalls), 6 physical blocks, no flusher or reclaim, 1 power loss, background commits. Expect: violates uncached-iomap-stable.',
  fs: { kind: 'xfs', physBlocks: 6, allocsize: 16 * KiB },
  device: DEVICES.loop,
  knobs: { uncached: 'per-page-2019', iomapValid: 'none' },
  files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('U', 0, 0, 2 * BS, 'RWF_DONTCACHE'), pread(0, 0, 2 * BS)]],
  expect: { violates: 'uncached-iomap-stable' },
});
