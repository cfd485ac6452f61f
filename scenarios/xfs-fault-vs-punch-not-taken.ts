import { BS, DEVICES, load, mmap, open, scenario } from '../spec/index.ts';

/**
 * A read fault races a hole punch of the same block (the race 730633f0b7f9 "mm: Protect
 * operations adding pages to page cache with invalidate_lock" draws). File 0 block 0 is
 * written (p1); T1 maps it and loads it, the first access faulting it in. Another process
 * punches block 0: IOLOCK and MMAPLOCK (the invalidate_lock) exclusive, truncate_pagecache_range,
 * then the extent removed and p1 freed (the minimal punch of Settings.punch; issue 13's
 * fallocate is issue-13a's).
 * Before the fault path took the lock (knob 'not-taken': XFS before its MMAPLOCK ("xfs: introduce mmap/truncate lock", 4.1), ext4 before ea3d7209ca01, and filemap_fault itself before 730633f0b7f9), the fault reads the folio in between truncate_pagecache_range and the freeing of the block: the page cache then holds a block the file no longer has. Expect a no-fill-during-punch counterexample.
 */
export default scenario({
  name: 'xfs-fault-vs-punch-not-taken',
  description:
    "faultInvalidateLock 'not-taken': XFS on a loop device, file 0 one written block (p1); T1 opens it, mmaps block 0, loads it; another process punches block 0 at any time. " +
    'Bound: 1 task (3 syscalls), 1 punch, 4 physical blocks, no power loss, background commits. Expect: a no-fill-during-punch counterexample.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { faultInvalidateLock: 'not-taken' },
  files: [{ blocks: [{ written: 1 }] }],
  programs: [[open(0), mmap(0, 0, BS), load(0, 0)]],
  punch: [0, 0],
  maxPowerLosses: 0,
  properties: ['no-fill-during-punch', 'no-stale-data'],
  expect: { violates: 'no-fill-during-punch' },
});
