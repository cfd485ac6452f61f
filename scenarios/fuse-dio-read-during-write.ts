import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, "What about races with direct_IO read": a page a write-through WRITE is
 * sending is neither dirty nor under writeback, so fuse_direct_io does not wait for it and
 * its READ goes straight to the server, which may answer it before the WRITE and return
 * the old data. The thread accepts it ("Synchronous write vs. direct IO read shouldn't be
 * a problem as long as the server provides a coherent view of the file to both"): the
 * read overlaps the write(2), so either data is a correct answer (read-consistency).
 */
export default scenario({
  name: 'fuse-dio-read-during-write',
  description:
    'FUSE write-through with the merged knobs: file 0 one page at the server; T1 writes the page (W); T2 opens the file O_DIRECT and reads the page, twice. ' +
    'Bound: 2 tasks (2 and 3 syscalls), no failures, 1 power loss. Expect: holds (old data while the WRITE is in flight is allowed, never after it returned).',
  fs: 'fuse',
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0), pwrite('W', 0, 0, BS)],
    [open(0, 'O_DIRECT'), pread(0, 0, BS), pread(0, 0, BS)],
  ],
  expect: 'holds',
});
