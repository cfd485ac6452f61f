import { BS, DEVICES, fsync, open, pwrite, scenario } from '../spec/index.ts';

/**
 * ext4_sync_file after a delalloc write: file_write_and_wait_range runs ext4_writepages
 * (WB_SYNC_ALL: the extent allocated unwritten, the bios submitted) and waits for the folios'
 * writeback, which on ext4 ends only after the conversion work made the extent written;
 * then ext4_fsync_journal commits the inode's transaction (jbd2_complete_transaction, the
 * commit flushing the cache first). So when fsync returns 0 the written extent, i_disksize
 * and the data are all durable. The flusher may start the writeback first; fsync then waits
 * for it like any other.
 */
export default scenario({
  name: 'ext4-buffered-fsync-power-loss',
  description:
    'ext4, data=ordered, dioread_nolock: buffered 8 KiB write W into two holes of an empty file, then fsync; the flusher, background commits and one power loss free to run at any time. ' +
    'Bound: 1 task (open, write, fsync), 4 physical blocks holding stale data, 1 power loss. Expect: holds (durability after fsync returned 0, no-stale-data).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W', 0, 0, 2 * BS), fsync(0)]],
  flusher: true,
  properties: ['durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
