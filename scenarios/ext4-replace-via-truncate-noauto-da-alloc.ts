import { BS, close, DEVICES, openat, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Replace-via-truncate without fsync, mounted noauto_da_alloc: ext4_truncate sets
 * EXT4_STATE_DA_ALLOC_CLOSE only when i_size is 0 and the mount lacks NO_AUTO_DA_ALLOC, so
 * here it does not, and ext4_release_file starts no writeback: W stays delayed in the page cache, and
 * with no flusher and no fsync it never reaches the disk. The truncate's handle commits with
 * the next transaction: every power loss leaves f as it was (nothing committed yet) or empty (the 2009 "zero-length files"
 * reports), never p0's old data. Nothing is promised without fsync, so the invariants hold;
 * the test in test/spec-names.test.ts shows W is never recovered here, while with
 * auto_da_alloc and on XFS it can be.
 */
export default scenario({
  name: 'ext4-replace-via-truncate-noauto-da-alloc',
  description:
    'ext4 noauto_da_alloc: f one written block (p0); T1 opens f O_TRUNC, writes W (4 KiB), closes; no fsync, no flusher, background commits; one power loss; after it T1 reads f. ' +
    'Bound: 1 task (3 syscalls, 2 after the crash), 4 physical blocks, 1 power loss. Expect: holds (after the crash: the old file or empty, W never written; never stale data).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { ext4AutoDaAlloc: 'noauto_da_alloc' },
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f', 'O_TRUNC'), pwrite('W', 0, 0, BS), close(0)]],
  afterCrash: [[openat('f'), pread(0, 0, BS)]],
  maxPowerLosses: 1,
  properties: ['durability', 'no-stale-data', 'size-exposes-written', 'recovered-reads'],
  expect: 'holds',
});
