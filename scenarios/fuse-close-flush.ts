import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * close(2) on FUSE in writeback-cache mode (fuse_flush): write_inode_now writes the dirty
 * pages back and waits, then filemap_check_errors: a failed writeback WRITE makes close
 * return -EIO and send no FLUSH; otherwise FLUSH, and close returns 0 with the server
 * holding the data. T2 reads meanwhile. write-order: once everything is answered, the
 * server holds the last completed write (a failed one is not judged).
 */
export default scenario({
  name: 'fuse-close-flush',
  description:
    "FUSE, fuseMode 'writeback-cache': file 0 one page at the server; T1 writes the page (W) and closes the file; T2 reads the page; a writeback WRITE may fail; the flusher at any time. " +
    'Bound: 2 tasks (3 and 2 syscalls), 1 WRITE failure, flusher unbounded, no power loss. Expect: holds (write-order, read-consistency, fsync-reports-errors).',
  fs: 'fuse',
  knobs: { fuseMode: 'writeback-cache' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0), pwrite('W', 0, 0, BS), { op: 'close', fd: 0 }],
    [open(0), pread(0, 0, BS)],
  ],
  maxIoErrors: 1,
  maxPowerLosses: 0,
  flusher: true,
  properties: ['write-order', 'read-consistency', 'fsync-reports-errors'],
  expect: 'holds',
});
