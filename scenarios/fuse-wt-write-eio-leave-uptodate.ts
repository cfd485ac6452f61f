import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, case 1 (Vivek Goyal: "If we are writing a full page and we already marked it
 * as Uptodate (And not dirty), then we have page cache in page where we wrote data but
 * could not send it"). With the patch's SetPageUptodate before the WRITE and nothing done
 * on failure, the page keeps W's data, uptodate and clean, while the server kept the old
 * contents: the first read returns W from the cache, and after reclaim the second read
 * returns the old data from the server. The checker reports it as soon as the failed
 * reply is handled (cache-coherence); monotonic-reads follows after reclaim (see the
 * scenario fuse-wt-write-eio-leave-uptodate-flipflop).
 */
export default scenario({
  name: 'fuse-wt-write-eio-leave-uptodate',
  description:
    "FUSE write-through, fuseUptodate 'before-write', fuseWriteFailure 'leave-uptodate' (the patch as posted): file 0 one page at the server, not cached; T1 writes the full page (W), its WRITE may fail with EIO, then reads it, reads it again; reclaim runs at any time. " +
    'Bound: 1 task (4 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: cache-coherence violated (the page keeps data the server never took).',
  fs: 'fuse',
  knobs: { fuseUptodate: 'before-write', fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: { violates: 'cache-coherence' },
});
