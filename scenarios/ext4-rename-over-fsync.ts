import { BS, DEVICES, fsync, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * The safe replace-via-rename: fsync the new file before the rename. ext4_sync_file writes
 * the data back, waits for it (the end-io conversion included) and commits, so by the time
 * the rename is in any transaction the new file is durable; a power loss leaves f wholly
 * old (the rename not committed) or wholly new.
 */
export default scenario({
  name: 'ext4-rename-over-fsync',
  description:
    'ext4: create f.tmp, 4 KiB buffered write, fsync, rename over f (written p0); one power loss. ' +
    'Bound: 1 task (4 syscalls), 4 physical blocks, 1 power loss, background commits. Expect: holds (rename-old-or-new, durability, no-stale-data).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), fsync(0), rename('f.tmp', 'f')]],
  properties: ['rename-old-or-new', 'durability', 'no-stale-data'],
  expect: 'holds',
});
