import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, case 3 (before the patch: "Current code marks a page Uptodate upon WRITE
 * completion if it was full page WRITE. What if page was uptodate to begin with and write
 * fails"): the old code keeps every page locked across the WRITE and sets PG_uptodate only
 * on success, but a page that was already uptodate keeps W's data and its flag when the
 * WRITE fails. "Yes" — the problem predates the patch.
 */
export default scenario({
  name: 'fuse-wt-uptodate-page-write-eio-after-write',
  description:
    "FUSE write-through, fuseUptodate 'after-write', fuseWriteFailure 'leave-uptodate' (the code before 4f06dd92b5d0): file 0 one page at the server, cached and uptodate; T1 writes the full page (W), its WRITE may fail with EIO, then reads it; reclaim runs at any time. " +
    'Bound: 1 task (3 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: cache-coherence violated.',
  fs: 'fuse',
  knobs: { fuseUptodate: 'after-write', fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  cached: [[0, 0]],
  programs: [[open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: { violates: 'cache-coherence' },
});
