import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, case 2 ("What happens if it is a partial page write to an Uptodate page in
 * cache and that WRITE fails" — Miklos Szeredi: "Same as above: need to clear uptodate
 * flag"). The page was uptodate, so rule D unlocks it at once; the partial copy makes it
 * hold W's data. With 'leave-uptodate' it keeps that data after the failure; with
 * 'clear-uptodate' the next read asks the server.
 */
export default scenario({
  name: 'fuse-wt-partial-uptodate-write-eio-leave-uptodate',
  description:
    "FUSE write-through, fuseWriteFailure 'leave-uptodate': file 0 one page at the server, cached and uptodate; T1 writes 1 KiB at 1 KiB (W), its WRITE may fail with EIO, then reads the page twice; reclaim runs at any time. " +
    'Bound: 1 task (4 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: cache-coherence violated (the page keeps the data of W, uptodate, while the server keeps the old page).',
  fs: 'fuse',
  knobs: { fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  cached: [[0, 0]],
  programs: [[open(0), pwrite('W', 0, BS / 4, BS / 4), pread(0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: { violates: 'cache-coherence' },
});
