import { BS, DEVICES, load, mmap, msync, open, scenario, store } from '../spec/index.ts';

/**
 * ->page_mkwrite over a hole (XFS). File 0 is one block long but sparse. T1's store faults:
 * filemap_fault reads the hole in as zeroes and maps it read-only; __xfs_write_fault takes
 * the MMAPLOCK shared and iomap_page_mkwrite → iomap_iter(IOMAP_WRITE|IOMAP_FAULT) →
 * xfs_buffered_write_iomap_begin reserves a delalloc extent for the block before the folio
 * is dirtied and the PTE made writable. Writeback (the flusher or msync) later allocates
 * it: xfs_map_blocks → xfs_bmapi_convert_delalloc, unwritten until the bio completes.
 * Linux 6.18 holds: the store lands in a dirty folio over a reservation
 * (mmap-store-backed), the load returns M, and M is durable once msync returned.
 */
export default scenario({
  name: 'xfs-mmap-mkwrite-hole-delalloc',
  description:
    'XFS on a loop device, file 0 one hole, size 4 KiB; T1 opens it, mmaps block 0, stores M, loads block 0, msync(MS_SYNC); the flusher and reclaim run at any time. ' +
    'Bound: 1 task (5 syscalls), 4 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole'], size: BS }],
  programs: [[open(0), mmap(0, 0, BS), store('M', 0, 0, 0), load(0, 0), msync(0)]],
  flusher: true,
  reclaim: true,
  properties: ['durability', 'mmap-store-backed', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
