import { BS, DEVICES, fallocate, mmap, open, scenario, store } from '../spec/index.ts';

/**
 * A store through a mapping races a hole punch of its block (XFS), item 3 of issue 13's mmap
 * part: a store never writes to a block whose delalloc reservation was punched. File 0 is
 * one block long and sparse; T1 maps block 0 and stores M (read fault, ->page_mkwrite
 * reserving delalloc, the store). T2 punches block 0 with fallocate(PUNCH_HOLE|KEEP_SIZE) (spec/vfs/truncate.ts:
 * the invalidate_lock exclusive, writeback of the range, truncate_pagecache_range with the
 * PTEs unmapped, then the extent removed in a step of its own).
 * Linux 6.18 holds: filemap_fault and __xfs_write_fault take the invalidate_lock (MMAPLOCK) shared, so they run wholly before the punch (whose truncate_pagecache_range then unmaps the PTE and drops the folio, and the store faults and reserves again) or wholly after it (the block is a hole again and ->page_mkwrite reserves it anew): every store lands over a reservation.
 */
export default scenario({
  name: 'xfs-store-vs-punch-taken',
  description:
    "faultInvalidateLock 'taken': XFS on a loop device, file 0 one hole, size 4 KiB; T1 opens it, mmaps block 0, stores M; T2 opens it and punches block 0 (fallocate PUNCH_HOLE|KEEP_SIZE, 0, 4 KiB). " +
    'Bound: 2 tasks (3 and 2 syscalls), 4 physical blocks, no power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { faultInvalidateLock: 'taken' },
  files: [{ blocks: ['hole'], size: BS }],
  programs: [[open(0), mmap(0, 0, BS), store('M', 0, 0, 0)], [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], 0, BS)]],
  maxPowerLosses: 0,
  properties: ['mmap-store-backed', 'no-fill-during-punch', 'no-stale-data'],
  expect: 'holds',
});
