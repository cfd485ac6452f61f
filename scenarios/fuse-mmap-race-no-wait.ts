import { BS, mmapStore, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, "What if page is redirtied through a write mapping" (Miklos Szeredi: "Data
 * dirtied through an mmap will be written back using a temporary page. So a WRITE request
 * with such a page can be in flight while a write(2) triggers a synchronous WRITE request
 * for the same data. The two WRITEs are not ordered in any way"). T1 stores M through the
 * mapping; writeback sends M; T1's write(2) of W to the same page sends its own WRITE
 * without waiting; the server answers W first, then M, and keeps M although W completed
 * last.
 */
export default scenario({
  name: 'fuse-mmap-race-no-wait',
  description:
    "FUSE write-through, fuseSyncWait 'no-wait' (the thread's code): file 0 one page, cached; T1 stores M through a shared mapping, then writes the page with write(2) (W); writeback runs at any time. cache-coherence is not checked (it breaks on the same interleaving, one step earlier). " +
    'Bound: 1 task (3 syscalls), flusher unbounded, 1 power loss. Expect: write-order violated (the server keeps M).',
  fs: 'fuse',
  knobs: { fuseSyncWait: 'no-wait' },
  files: [{ blocks: [{ written: 0 }] }],
  cached: [[0, 0]],
  programs: [[open(0), mmapStore('M', 0, 0), pwrite('W', 0, 0, BS)]],
  flusher: true,
  properties: ['write-order', 'monotonic-reads', 'read-consistency', 'durability', 'fsync-reports-errors', 'no-stale-data'],
  expect: { violates: 'write-order' },
});
