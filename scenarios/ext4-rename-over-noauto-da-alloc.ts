import { BS, DEVICES, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * The same replace-via-rename without fsync, mounted noauto_da_alloc: ext4_rename starts no
 * writeback, so the new file's data waits in the page cache (delayed allocation, no block
 * yet) while the rename commits with the next transaction: after a power loss the name is
 * the new inode with no data block (the 2009 "zero-length files" reports; here a hole that
 * reads as zeroes, since the model keeps one size per inode). The witness
 * rename-neither-reachable is reached without any I/O completing.
 */
export default scenario({
  name: 'ext4-rename-over-noauto-da-alloc',
  description:
    "ext4 noauto_da_alloc: create f.tmp, 4 KiB buffered write, rename over f (written p0), no fsync; one power loss. " +
    'Bound: 1 task (3 syscalls), 4 physical blocks, 1 power loss, background commits, no flusher. Expect: violates rename-old-or-new (the rename commits with the data still delayed).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { ext4AutoDaAlloc: 'noauto_da_alloc' },
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')]],
  properties: ['rename-old-or-new', 'durability', 'no-stale-data'],
  expect: { violates: 'rename-old-or-new' },
});
