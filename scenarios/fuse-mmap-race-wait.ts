import { BS, mmapStore, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The fix suggested in the thread ("calling fuse_wait_on_page_writeback() after having
 * gotten a locked page in the synchronous writeback path") and what Linux 6.18 does
 * (fuse_send_write_pages calls folio_wait_writeback on every page before sending): the
 * synchronous WRITE waits for the writeback WRITE of M to be answered, so W reaches the
 * server last.
 */
export default scenario({
  name: 'fuse-mmap-race-wait',
  description:
    "FUSE write-through, fuseSyncWait 'wait' (Linux 6.18): file 0 one page, cached; T1 stores M through a shared mapping, then writes the page with write(2) (W); writeback runs at any time. All invariants. " +
    'Bound: 1 task (3 syscalls), flusher unbounded, 1 power loss. Expect: holds.',
  fs: 'fuse',
  knobs: { fuseSyncWait: 'wait' },
  files: [{ blocks: [{ written: 0 }] }],
  cached: [[0, 0]],
  programs: [[open(0), mmapStore('M', 0, 0), pwrite('W', 0, 0, BS)]],
  flusher: true,
  expect: 'holds',
});
