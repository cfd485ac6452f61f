import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The window the thread admits with the fix (Miklos Szeredi: "There still remains a window
 * where a concurrent read or load would get the wrong data, but I don't think anybody
 * cares (same happens with buffered write)"). The page is marked uptodate and unlocked
 * before the WRITE is sent (rule D), so T2's read may copy W from the cache while the
 * WRITE is in flight; the WRITE fails, fuse_send_write_pages clears PG_uptodate, and T2's
 * next read fetches the server's old data. The residual risk is documented here, not
 * hidden: the expectation is the violation.
 */
export default scenario({
  name: 'fuse-wt-write-eio-concurrent-read',
  description:
    "FUSE write-through with the merged knobs (fuseUptodate 'before-write', fuseWriteFailure 'clear-uptodate'): file 0 one page at the server, not cached; T1 writes the full page (W), its WRITE may fail with EIO; T2 reads the page twice meanwhile. " +
    "Bound: 2 tasks (2 and 3 syscalls), 1 injected WRITE failure, 1 power loss. Expect: monotonic-reads violated (the thread's residual window: W while the WRITE is in flight, the old data after it failed).",
  fs: 'fuse',
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0), pwrite('W', 0, 0, BS)],
    [open(0), pread(0, 0, BS), pread(0, 0, BS)],
  ],
  maxIoErrors: 1,
  expect: { violates: 'monotonic-reads' },
});
