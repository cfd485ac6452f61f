import { BS, DEVICES, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * Where ext4 keeps the replace-via-rename promise: auto_da_alloc with dioread_lock (the
 * default before 5.6). ext4_rename → ext4_alloc_da_blocks starts writeback of f.tmp before
 * the rename joins the running transaction; that writeback allocates written extents on
 * the transaction's ordered-data list (ext4_map_blocks → ext4_jbd2_inode_add_wait), and
 * the jbd2 commit that carries the rename waits for their writeback first. So a power loss
 * leaves f wholly old (rename not committed) or wholly new (data on disk before the commit's
 * cache flush). Paired with ext4-rename-over-noauto-da-alloc-dioread-lock (the knob off).
 */
export default scenario({
  name: 'ext4-rename-over-auto-da-alloc-dioread-lock',
  description:
    "ext4 (auto_da_alloc, dioread_lock): create f.tmp, 4 KiB buffered write, rename over f (written p0), no fsync; one power loss. " +
    'Bound: 1 task (3 syscalls), 4 physical blocks, 1 power loss, background commits, no flusher. Expect: holds (rename-old-or-new, durability, no-stale-data).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { ext4AutoDaAlloc: 'auto_da_alloc', ext4DataMode: 'ordered-dioread-lock' },
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')]],
  properties: ['rename-old-or-new', 'durability', 'no-stale-data'],
  expect: 'holds',
});
