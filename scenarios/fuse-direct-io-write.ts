import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A file the server opened with FOPEN_DIRECT_IO (an O_DIRECT open stands for it):
 * fuse_direct_write_iter → fuse_direct_io sends the write straight to the server and
 * returns what it acknowledged, or -EIO; reads go straight to it too (fuse_direct_read_iter).
 * With RWF_DSYNC there is no generic_write_sync on this path: the WRITE carries O_DSYNC
 * (fuse_write_flags) and the server makes what it takes durable.
 */
const alone = scenario({
  name: 'fuse-direct-io-write',
  description:
    'FUSE write-through with the merged knobs: file 0 two pages at the server; T1 opens the file O_DIRECT (FOPEN_DIRECT_IO), writes pages 0-1 (X) with RWF_DSYNC, reads them, writes page 1 (Y), reads both; a WRITE may fail or be acknowledged short; a power loss at any point. ' +
    'Bound: 1 task (5 syscalls), 1 WRITE failure, 1 short reply, reclaim unbounded, 1 power loss. Expect: holds.',
  fs: 'fuse',
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('X', 0, 0, 2 * BS, 'RWF_DSYNC'), pread(0, 0, 2 * BS), pwrite('Y', 0, BS, BS), pread(0, 0, 2 * BS)]],
  maxIoErrors: 1,
  maxShortWrites: 1,
  reclaim: true,
  expect: 'holds',
});

/**
 * The same direct write while another open of the file (buffered: FOPEN_DIRECT_IO is
 * per open) reads: fuse_direct_io drops the range's cached pages before the WRITE
 * (invalidate_inode_pages2_range) and not after it, and a buffered read takes no inode
 * lock, so a READ answered before the WRITE fills the page with the old data, and it
 * stays: uptodate, clean, older than the server. (An O_DIRECT write on a file without
 * FOPEN_DIRECT_IO goes through generic_file_direct_write, which invalidates again after
 * the write; the model does not have that path.) The expectation is the violation.
 */
const race = scenario({
  name: 'fuse-direct-io-write-buffered-read',
  description:
    'FUSE write-through with the merged knobs: file 0 one page at the server; T1 opens the file O_DIRECT (FOPEN_DIRECT_IO) and writes the page (X); T2 opens it buffered and reads the page. ' +
    'Bound: 2 tasks (2 syscalls each), no failures, no power loss. Expect: violates cache-coherence (the stale page after the direct write).',
  fs: 'fuse',
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0, 'O_DIRECT'), pwrite('X', 0, 0, BS)],
    [open(0), pread(0, 0, BS)],
  ],
  maxPowerLosses: 0,
  expect: { violates: 'cache-coherence' },
});

export default [alone, race];
