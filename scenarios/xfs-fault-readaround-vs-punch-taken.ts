import { BS, DEVICES, fallocate, load, mmap, open, scenario } from '../spec/index.ts';

/**
 * A read fault's read-around races a hole punch of the neighbouring block (mm/filemap.c
 * filemap_fault → do_sync_mmap_readahead → page_cache_ra_order, Linux 6.18). File 0 has two
 * written blocks (p1, p2); T1 maps block 0 only and loads it: the fault finds no folio, and the
 * read-around (ra->start = index - ra_pages / 2, clipped at EOF) adds folios 0 and 1 locked and
 * submits their read I/O, which completes as a step of its own; then the fault retries and maps
 * block 0. T2 punches block 1 (fallocate PUNCH_HOLE|KEEP_SIZE): IOLOCK and MMAPLOCK (the
 * invalidate_lock) exclusive, truncate_pagecache_range, then the extent removed and p2 freed.
 * Linux 6.18 holds: page_cache_ra_order adds the read-around's folios under filemap_invalidate_lock_shared, and filemap_fault holds the lock again while it waits for the I/O, so the read-around runs wholly before the punch (and the punch's truncate_pagecache_range waits for the locked folio 1, then drops it) or wholly after it (and reads block 1 as a hole).
 */
export default scenario({
  name: 'xfs-fault-readaround-vs-punch-taken',
  description:
    "faultInvalidateLock 'taken': XFS on a loop device, file 0 two written blocks (p1, p2); T1 opens it, mmaps block 0 only, loads it (the fault reads blocks 0 and 1 around it); T2 opens it and punches block 1 (fallocate PUNCH_HOLE|KEEP_SIZE, 4 KiB, 4 KiB). " +
    'Bound: 2 tasks (3 and 2 syscalls), 4 physical blocks, no power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { faultInvalidateLock: 'taken' },
  files: [{ blocks: [{ written: 1 }, { written: 2 }] }],
  programs: [[open(0), mmap(0, 0, BS), load(0, 0)], [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS)]],
  maxPowerLosses: 0,
  properties: ['no-fill-during-punch', 'no-stale-data'],
  expect: 'holds',
});
