import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Reclaim and the flusher racing a buffered read that fills the cache: T1 writes block 0
 * buffered (W1) and T2 reads blocks 0-1. Reclaim (shrink_folio_list → __remove_mapping)
 * may evict folio 0 once the flusher has cleaned it, before the read looks; the read's
 * readahead then adds folios locked, and reclaim cannot take them while their I/O is in
 * flight (folio_trylock fails) nor between folio_end_read and the copy (the reader holds a
 * reference: the refcount freeze fails). Whatever it evicts is read again from the disk,
 * where writeback put W1 first: the read returns W1 or the old data while W1 is in
 * progress, never zeros for a written block (read-consistency, no-stale-data).
 */
export default scenario({
  name: 'xfs-buffered-read-vs-reclaim',
  description:
    'XFS on a loop device, file 0 two written blocks (size 8 KiB); T1 writes 4 KiB buffered at 0 (W1); T2 reads 8 KiB buffered at 0; the flusher and reclaim run at any time. ' +
    'Bound: 2 tasks (2 syscalls each), 6 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pwrite('W1', 0, 0, BS)],
    [open(0), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
