import { BS, close, DEVICES, openat, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Replace-via-truncate without fsync (issue 13 item 6): open f O_TRUNC, write 4 KiB, close,
 * power loss. ext4 with auto_da_alloc (the default): ext4_truncate on a file truncated to 0
 * sets EXT4_STATE_DA_ALLOC_CLOSE; ext4_release_file sees it and calls ext4_alloc_da_blocks
 * → filemap_flush, which starts writeback of the new data at close (spec/vfs/namei.ts).
 * That is all the kernel does: the truncate's handle may commit before the allocation
 * (then the recovered file is empty). Writeback allocates the block unwritten (dioread_nolock,
 * the default) and mpage_map_and_submit_extent moves i_disksize to 4 KiB in the same handle;
 * the extent becomes written only when the I/O has completed (ext4_end_io_rsv_work). So a
 * power loss leaves f as it was (nothing committed yet), empty, 4 KiB of zeroes (the
 * allocation committed, its conversion not), or W — never p0's old data after the truncate
 * committed, never a block that was never written. No flusher: without the close-time flush the new data
 * could not reach the disk here at all (ext4-replace-via-truncate-noauto-da-alloc).
 * After recovery T1 opens f and reads it (recovered-reads).
 */
export default scenario({
  name: 'ext4-replace-via-truncate-auto-da-alloc',
  description:
    'ext4 auto_da_alloc: f one written block (p0); T1 opens f O_TRUNC, writes W (4 KiB), closes; no fsync, no flusher, background commits; one power loss; after it T1 reads f. ' +
    'Bound: 1 task (3 syscalls, 2 after the crash), 4 physical blocks, 1 power loss. Expect: holds (after the crash: the old file, empty, 4 KiB of zeroes or W; never stale data; durability promises nothing without fsync).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { ext4AutoDaAlloc: 'auto_da_alloc' },
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f', 'O_TRUNC'), pwrite('W', 0, 0, BS), close(0)]],
  afterCrash: [[openat('f'), pread(0, 0, BS)]],
  maxPowerLosses: 1,
  properties: ['durability', 'no-stale-data', 'size-exposes-written', 'recovered-reads'],
  expect: 'holds',
});
