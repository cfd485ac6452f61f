import { BS, DEVICES, KiB, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Linux 6.18 RWF_DONTCACHE: the folios the write creates are marked dropbehind, writeback is
 * kicked after the write (IOLOCK dropped) and each folio is invalidated when its writeback
 * completes clean. The actor never writes back, and the flusher and reclaim may run too:
 * the cookie (merged 6.2) covers them.
 */
export default scenario({
  name: 'xfs-dontcache-6.18',
  description:
    'uncached \'dontcache-6.18\', iomapValid \'checked\' (defaults): XFS on a loop device mounted allocsize=16k (the first write reserves speculative preallocation of blocks 2-3; the default dynamic scheme preallocates nothing below 64 KiB of i_size, xfs_iomap_prealloc_size), file 0 four holes, size 0; T1 writes 8 KiB RWF_DONTCACHE at 0, then reads it back; the flusher and reclaim run at any time. Bound: 1 task (3 syscalls), 6 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 6, allocsize: 16 * KiB },
  device: DEVICES.loop,
  knobs: {},
  files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('U', 0, 0, 2 * BS, 'RWF_DONTCACHE'), pread(0, 0, 2 * BS)]],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
