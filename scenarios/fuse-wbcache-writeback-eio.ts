import { BS, fsync, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004 with FUSE_CAP_WRITEBACK_CACHE, as Linux 6.18 does it: write(2) dirties the
 * page; fsync's writeback sends the WRITE; the server fails it; fuse_writepage_end records
 * the error in the mapping (mapping_set_error, errseq) and ends writeback, leaving the
 * page clean and uptodate with data the server never took. fsync reports EIO once; the
 * next fsync returns 0 (test/spec-fuse.test.ts asserts both). The cache now disagrees with
 * the server: cache-coherence is violated as soon as the reply is handled.
 */
export default scenario({
  name: 'fuse-wbcache-writeback-eio',
  description:
    "FUSE, fuseMode 'writeback-cache' (Linux 6.18): file 0 one page at the server; T1 writes the page (W, dirty), fsyncs (its writeback WRITE may fail with EIO), reads, fsyncs again, reads; reclaim runs at any time. " +
    'Bound: 1 task (6 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: cache-coherence violated (what 6.18 does: a failed writeback leaves the page uptodate and clean).',
  fs: 'fuse',
  knobs: { fuseMode: 'writeback-cache' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), fsync(0), pread(0, 0, BS), fsync(0), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: { violates: 'cache-coherence' },
});
