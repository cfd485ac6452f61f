import { BS, DEVICES, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * XFS makes no replace-via-rename promise: xfs_rename (fs/xfs/xfs_inode.c) logs the
 * directory change and starts no writeback of the source. Its only "NULL files" heuristic
 * is in xfs_release: a file truncated down (XFS_ITRUNCATED, set by xfs_setattr_size) with
 * delalloc blocks is flushed (filemap_flush) at close — the truncate-and-rewrite pattern,
 * not rename. So the rename can commit while the new data is still delalloc in memory:
 * after a power loss the name holds no data. rename-neither-reachable is the witness.
 */
export default scenario({
  name: 'xfs-rename-over-no-fsync',
  description:
    'XFS: create f.tmp, 4 KiB buffered write (delalloc), rename over f (written p0), no fsync; one power loss. ' +
    'Bound: 1 task (3 syscalls), 4 physical blocks, 1 power loss, background commits, no flusher. Expect: holds (the witness rename-neither-reachable is reached; durability and no-stale-data hold).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')]],
  properties: ['rename-neither-reachable', 'durability', 'no-stale-data'],
  expect: 'holds',
});
