import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A short WRITE reply (seed 004: what a short reply does to the pages, from which page
 * on). T1 writes two full pages in one WRITE; the server may acknowledge 0 or 4096 of the
 * 8192 bytes. fuse_perform_write returns the acknowledged bytes (or -EIO for none);
 * fuse_send_write_pages keeps the pages the reply covers whole and, with
 * 'clear-uptodate', clears PG_uptodate from the first page it does not cover on.
 */
export default scenario({
  name: 'fuse-wt-short-write-leave-uptodate',
  description:
    "FUSE write-through, fuseWriteFailure 'leave-uptodate': file 0 two pages at the server, not cached; T1 writes both pages (W, one WRITE), the server may cut its reply short once, then T1 reads both pages twice; reclaim runs at any time. " +
    'Bound: 1 task (4 syscalls), 1 short reply, reclaim unbounded, 1 power loss. Expect: cache-coherence violated (the page keeps the data of W, uptodate, while the server keeps the old page).',
  fs: 'fuse',
  knobs: { fuseWriteFailure: 'leave-uptodate' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0), pwrite('W', 0, 0, 2 * BS), pread(0, 0, 2 * BS), pread(0, 0, 2 * BS)]],
  maxShortWrites: 1,
  reclaim: true,
  expect: { violates: 'cache-coherence' },
});
