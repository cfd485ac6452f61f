import { BS, fsync, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The same 6.18 writeback-cache failure, with cache-coherence left out to see what a
 * program observes: the first read returns W from the clean page, reclaim drops it, and
 * the next read returns the server's older data although W's write(2) returned success
 * and nothing was written since (monotonic-reads). fsync-reports-errors holds: the first
 * fsync returns EIO.
 */
export default scenario({
  name: 'fuse-wbcache-writeback-eio-flipflop',
  description:
    "FUSE, fuseMode 'writeback-cache' (Linux 6.18): file 0 one page at the server; T1 writes the page (W), fsyncs (its writeback WRITE may fail with EIO), reads, fsyncs, reads; reclaim at any time. Checked: monotonic-reads, fsync-reports-errors, durability, write-order, no-stale-data. " +
    'Bound: 1 task (6 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: monotonic-reads violated.',
  fs: 'fuse',
  knobs: { fuseMode: 'writeback-cache' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), fsync(0), pread(0, 0, BS), fsync(0), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  properties: ['monotonic-reads', 'fsync-reports-errors', 'durability', 'write-order', 'no-stale-data'],
  expect: { violates: 'monotonic-reads' },
});
