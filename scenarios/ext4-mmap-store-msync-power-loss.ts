import { BS, DEVICES, mmap, msync, open, scenario, store } from '../spec/index.ts';

/**
 * A store through a shared mapping, msync(MS_SYNC), and a power loss at any point (ext4).
 * T1 maps blocks 0-1 of file 0 (block 0 written at p1, block 1 a hole), stores M into block
 * 0 and N into block 1, then msyncs the mapping. ext4_page_mkwrite dirties each folio under
 * filemap_invalidate_lock_shared; msync is vfs_fsync_range(datasync) → ext4_sync_file:
 * writeback of both folios (block 1 gets an unwritten block, converted when its bio
 * completes), the jbd2 commit of that metadata, and the cache flush. Linux 6.18 holds:
 * whatever power loss follows msync's return, both stores are on disk; before it, either.
 */
export default scenario({
  name: 'ext4-mmap-store-msync-power-loss',
  description:
    'ext4 on a loop device, file 0 blocks [0] written p1, [1] hole; T1 opens it, mmaps both blocks, stores M into block 0 and N into block 1, msync(MS_SYNC); the flusher runs at any time. ' +
    'Bound: 1 task (5 syscalls), 4 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: holds (both stores durable once msync returned 0).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 1 }, 'hole'] }],
  programs: [[open(0), mmap(0, 0, 2 * BS), store('M', 0, 0, 0), store('N', 0, 0, BS), msync(0)]],
  flusher: true,
  properties: ['durability', 'mmap-store-backed', 'no-stale-data'],
  expect: 'holds',
});
