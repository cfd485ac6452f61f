import { BS, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 004, case 1 with the fix agreed in the thread and merged (Miklos Szeredi: "On
 * write failure the page the uptodate flag should be cleared"): fuse_send_write_pages
 * clears PG_uptodate on every page of a failed WRITE, so the next read asks the server
 * and gets what it holds, before and after reclaim alike.
 */
export default scenario({
  name: 'fuse-wt-write-eio-clear-uptodate',
  description:
    "FUSE write-through, fuseUptodate 'before-write', fuseWriteFailure 'clear-uptodate' (Linux 6.18): file 0 one page at the server, not cached; T1 writes the full page (W), its WRITE may fail with EIO, then reads it, reads it again; reclaim runs at any time. " +
    'Bound: 1 task (4 syscalls), 1 injected WRITE failure, reclaim unbounded, 1 power loss. Expect: holds.',
  fs: 'fuse',
  knobs: { fuseUptodate: 'before-write', fuseWriteFailure: 'clear-uptodate' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS), pread(0, 0, BS)]],
  maxIoErrors: 1,
  reclaim: true,
  expect: 'holds',
});
