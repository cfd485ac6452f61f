import { BS, DEVICES, fsync, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * An injected I/O error: a failed request returns EIO to the writer, promises nothing, and
 * neither it nor the fsync that follows may make a power loss show stale data or lose data
 * that an earlier sync promised.
 */
export default scenario({
  name: 'xfs-dsync-write-eio',
  description:
    'XFS on a loop device: RWF_DSYNC 8 KiB O_DIRECT overwrite of written p0-p1, a read, then fsync; the device may fail one request with EIO. ' +
    'Bound: 1 task (open, write, read, fsync), 4 physical blocks, 1 injected I/O error, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS, 'RWF_DSYNC'), pread(0, 0, 2 * BS), fsync(0)]],
  maxIoErrors: 1,
  expect: 'holds',
});
