import { BS, DEVICES, fallocate, load, mmap, open, scenario } from '../spec/index.ts';

/**
 * A read fault races a hole punch of the same block (the race 730633f0b7f9 "mm: Protect
 * operations adding pages to page cache with invalidate_lock" draws). File 0 block 0 is
 * written (p1); T1 maps it and loads it, the first access faulting it in. T2 punches
 * block 0 with fallocate(PUNCH_HOLE|KEEP_SIZE) (ext4_punch_hole): inode_lock and the invalidate_lock exclusive,
 * truncate_pagecache_range, then ext4_ext_remove_space frees p1 (T2's fallocate, spec/vfs/truncate.ts, whose truncate
 * and freeing are two steps).
 * Linux 6.18 holds: filemap_fault takes filemap_invalidate_lock_shared before it creates the folio, so it waits until the punch has freed the block and reads a hole.
 */
export default scenario({
  name: 'ext4-fault-vs-punch-taken',
  description:
    "faultInvalidateLock 'taken': ext4 on a loop device, file 0 one written block (p1); T1 opens it, mmaps block 0, loads it; T2 opens it and punches block 0 (fallocate PUNCH_HOLE|KEEP_SIZE, 0, 4 KiB). " +
    'Bound: 2 tasks (3 and 2 syscalls), 4 physical blocks, no power loss, background commits. Expect: holds.',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { faultInvalidateLock: 'taken' },
  files: [{ blocks: [{ written: 1 }] }],
  programs: [[open(0), mmap(0, 0, BS), load(0, 0)], [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], 0, BS)]],
  maxPowerLosses: 0,
  properties: ['no-fill-during-punch', 'no-stale-data'],
  expect: 'holds',
});
