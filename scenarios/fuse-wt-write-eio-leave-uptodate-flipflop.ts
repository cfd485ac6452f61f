import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The flip-flop Vivek Goyal describes for case 1 ("if a user reads the page back it might
 * get cache copy or get old copy from disk (if page cache copy was released)"), checked on
 * monotonic-reads alone: the first read returns W from the uptodate page the failed WRITE
 * left behind, reclaim drops the clean page, the second read returns the server's older
 * data although nothing was written in between.
 */
export default scenario({
  name: 'fuse-wt-write-eio-leave-uptodate-flipflop',
  description:
    "FUSE write-through, fuseWriteFailure 'leave-uptodate': file 0 one page at the server, not cached; T1 writes the full page (W), its WRITE may fail with EIO, then reads it twice; reclaim runs at any time. Only monotonic-reads is checked. " +
    'Bound: 1 task (4 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: monotonic-reads violated (W, then the old data after reclaim).',
  fs: 'fuse',
  knobs: { fuseUptodate: 'before-write', fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  properties: ['monotonic-reads'],
  expect: { violates: 'monotonic-reads' },
});
