import { BS, DEVICES, openat, pwrite, rename, scenario } from '../spec/index.ts';

/**
 * The counterexample of the pair: dioread_lock without auto_da_alloc. Ordered data protects
 * only blocks already allocated when the transaction commits; with no writeback started by
 * the rename, f.tmp's data is still delayed (no block), so the commit makes the rename
 * durable with a new inode that has no data: after a power loss f holds no data (a hole
 * here; zero-length on a real ext4, whose i_disksize waits for writeback).
 */
export default scenario({
  name: 'ext4-rename-over-noauto-da-alloc-dioread-lock',
  description:
    "ext4 (noauto_da_alloc, dioread_lock): create f.tmp, 4 KiB buffered write, rename over f (written p0), no fsync; one power loss. " +
    'Bound: 1 task (3 syscalls), 4 physical blocks, 1 power loss, background commits, no flusher. Expect: violates rename-old-or-new.',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { ext4AutoDaAlloc: 'noauto_da_alloc', ext4DataMode: 'ordered-dioread-lock' },
  files: [{ name: 'f', blocks: [{ written: 0 }] }],
  programs: [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')]],
  properties: ['rename-old-or-new', 'durability', 'no-stale-data'],
  expect: { violates: 'rename-old-or-new' },
});
