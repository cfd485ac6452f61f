import { BS, DEVICES, mmap, open, scenario, store } from '../spec/index.ts';

/**
 * A store through a mapping races a hole punch of its block (XFS), item 3 of issue 13's mmap
 * part: a store never writes to a block whose delalloc reservation was punched. File 0 is
 * one block long and sparse; T1 maps block 0 and stores M (read fault, ->page_mkwrite
 * reserving delalloc, the store). Another process punches block 0 (the minimal punch of
 * Settings.punch: the invalidate_lock exclusive, truncate_pagecache_range, then the extent
 * removed).
 * Linux 6.18 holds: filemap_fault and __xfs_write_fault take the invalidate_lock (MMAPLOCK) shared, so they run wholly before the punch (whose truncate_pagecache_range then unmaps the PTE and drops the folio, and the store faults and reserves again) or wholly after it (the block is a hole again and ->page_mkwrite reserves it anew): every store lands over a reservation.
 */
export default scenario({
  name: 'xfs-store-vs-punch-taken',
  description:
    "faultInvalidateLock 'taken': XFS on a loop device, file 0 one hole, size 4 KiB; T1 opens it, mmaps block 0, stores M; another process punches block 0 at any time. " +
    'Bound: 1 task (3 syscalls), 1 punch, 4 physical blocks, no power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { faultInvalidateLock: 'taken' },
  files: [{ blocks: ['hole'], size: BS }],
  programs: [[open(0), mmap(0, 0, BS), store('M', 0, 0, 0)]],
  punch: [0, 0],
  maxPowerLosses: 0,
  properties: ['mmap-store-backed', 'no-fill-during-punch', 'no-stale-data'],
  expect: 'holds',
});
