import { BS, DEVICES, fsync, open, pwrite, scenario } from '../spec/index.ts';

/**
 * fsyncgate (2018): two open files of one inode, a buffered overwrite through the first,
 * and writeback that fails with EIO. Whichever fsync runs first writes the folio back and
 * sees the error; with errseq_t each open file has its own cursor, so the other
 * file's fsync reports the error too (file_check_and_advance_wb_err).
 */
export default scenario({
  name: 'fsync-wb-error-two-files-errseq',
  description:
    "wbErrReporting 'errseq': XFS on a loop device, file 0 one written block p0; T1 opens it, writes 4 KiB buffered, fsyncs, fsyncs again (a retry after EIO returns 0 and promises nothing); T2 opens it and fsyncs; the device may fail one request with EIO. " +
    'Bound: 2 tasks (4 and 2 syscalls), 4 physical blocks, 1 injected I/O error, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { wbErrReporting: 'errseq' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0), pwrite('A', 0, 0, BS), fsync(0), fsync(0)],
    [open(0), fsync(0)],
  ],
  maxIoErrors: 1,
  expect: 'holds',
});
