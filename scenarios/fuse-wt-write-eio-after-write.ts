import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, before the patch, for a page that was not cached: the old code keeps the page
 * locked and not uptodate across the WRITE and marks it uptodate only when the WRITE
 * succeeded, so a failed WRITE leaves nothing wrong in the cache (the problem of case 1 is
 * new with the patch: "Moving the SetPageUptodate() before the WRITE makes this happen in
 * all cases"). A concurrent read that brings the page in before the write locks it makes
 * it case 3 (fuse-wt-uptodate-page-write-eio-after-write), so this scenario has one task.
 */
export default scenario({
  name: 'fuse-wt-write-eio-after-write',
  description:
    "FUSE write-through, fuseUptodate 'after-write', fuseWriteFailure 'leave-uptodate' (the code before 4f06dd92b5d0): file 0 one page at the server, not cached; T1 writes the full page (W), its WRITE may fail with EIO, then reads it twice; reclaim runs at any time. " +
    'Bound: 1 task (4 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: holds.',
  fs: 'fuse',
  knobs: { fuseUptodate: 'after-write', fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: 'holds',
});
