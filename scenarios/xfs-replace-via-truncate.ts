import { BS, close, DEVICES, openat, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Replace-via-truncate without fsync on XFS: open f O_TRUNC (xfs_setattr_size truncates a
 * file with extents down and sets XFS_ITRUNCATED), write 4 KiB (delalloc), close:
 * xfs_release sees XFS_ITRUNCATED with delalloc blocks (i_delayed_blks) and calls
 * filemap_flush, starting writeback of W (spec/vfs/namei.ts). The truncate's transaction may
 * reach the log first (the recovered file is empty); the on-disk size moves to 4 KiB only
 * when W's ioend completes (xfs_setfilesize), so a power loss leaves f as it was (nothing
 * logged yet), empty, or holding W — never 4 KiB of zeroes, never p0's old data after the
 * truncate was logged. After recovery T1 reads f (recovered-reads).
 */
export default scenario({
  name: 'xfs-replace-via-truncate',
  description:
    'XFS: f one written block (p0); T1 opens f O_TRUNC, writes W (4 KiB), closes; no fsync, no flusher, background log commits; one power loss; after it T1 reads f. ' +
    'Bound: 1 task (3 syscalls, 2 after the crash), 4 physical blocks, 1 power loss. Expect: holds (after the crash: the old file, empty, or W; never stale data; durability promises nothing without fsync).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f', 'O_TRUNC'), pwrite('W', 0, 0, BS), close(0)]],
  afterCrash: [[openat('f'), pread(0, 0, BS)]],
  maxPowerLosses: 1,
  properties: ['durability', 'no-stale-data', 'size-exposes-written', 'recovered-reads'],
  expect: 'holds',
});
