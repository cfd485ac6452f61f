import { BS, DEVICES, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * The replace-via-rename pattern without fsync (write a new file, rename it over the old
 * one) on ext4 with auto_da_alloc, the default. ext4_rename (fs/ext4/namei.c) calls
 * ext4_alloc_da_blocks on the source because the target exists: filemap_flush starts its
 * writeback, which allocates the blocks (mpage_map_one_extent) before the rename joins the
 * running transaction. With dioread_nolock, the default since 5.6, those blocks are
 * allocated unwritten (EXT4_GET_BLOCKS_IO_CREATE_EXT) and so are not put on the
 * transaction's ordered-data list (ext4_map_blocks adds only !EXT4_MAP_UNWRITTEN blocks);
 * the conversion to written runs at I/O completion in a reserved handle that the commit
 * does not wait for. So a commit between the rename and the conversion makes the rename
 * durable while the new file's blocks are still unwritten: after a power loss the name
 * holds zeroes of the new size. The documented promise (ext4.rst: the data blocks are
 * forced to disk before the rename is committed) holds for data=ordered without
 * dioread_nolock: ext4-rename-over-auto-da-alloc-dioread-lock (knob ext4DataMode 'ordered-dioread-lock').
 * Reproduced on Linux 6.18.44 by conform/crash/rename-over.sh (zeroes in about half of the
 * crashes right after the rename's commit; never with dioread_lock).
 */
export default scenario({
  name: 'ext4-rename-over-auto-da-alloc',
  description:
    "ext4 (auto_da_alloc, dioread_nolock): create f.tmp, 4 KiB buffered write, rename over f (written p0), no fsync; one power loss. " +
    'Bound: 1 task (3 syscalls), 4 physical blocks, 1 power loss, background commits, no flusher. Expect: violates rename-old-or-new (the rename commits before the end-io conversion: f reads as zeroes).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')]],
  properties: ['rename-old-or-new', 'durability', 'no-stale-data', 'atomic-untorn'],
  expect: { violates: 'rename-old-or-new' },
});
