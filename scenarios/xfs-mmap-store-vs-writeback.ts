import { BS, DEVICES, mmap, msync, open, scenario, store } from '../spec/index.ts';

/**
 * A store through a shared mapping races writeback of its own folio (mm/page-writeback.c
 * folio_clear_dirty_for_io → folio_mkclean). T1 maps block 0 of file 0 (written, p1) and
 * stores M1 then M2 into it, then msyncs. The flusher may write the folio back at any time,
 * between any two of the fault steps (filemap_fault, ->page_mkwrite, the store).
 *
 * Linux 6.18 holds: ->page_mkwrite dirties the folio before the PTE becomes writable, and
 * writeback write-protects every PTE of a folio it cleans (folio_mkclean), so a store that
 * comes after writeback started faults again, runs ->page_mkwrite and re-dirties the folio
 * (iomap_page_mkwrite does not wait for writeback: folio_wait_stable only waits on devices
 * that need stable pages). msync(MS_SYNC) then writes M2 back (waiting for the older
 * writeback first) and a power loss after it keeps M2.
 */
export default scenario({
  name: 'xfs-mmap-store-vs-writeback',
  description:
    'XFS on a loop device, file 0 one written block (p1); T1 opens it, mmaps block 0 MAP_SHARED, stores M1, stores M2, msync(MS_SYNC); the flusher and reclaim run at any time. ' +
    'Bound: 1 task (5 syscalls), 4 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds (the second store re-faults and re-dirties the folio).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 1 }] }],
  programs: [[open(0), mmap(0, 0, BS), store('M1', 0, 0, 0), store('M2', 0, 0, 0), msync(0)]],
  flusher: true,
  reclaim: true,
  properties: ['durability', 'mmap-store-backed', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
