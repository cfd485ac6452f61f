import { BS, DEVICES, fallocate, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The race of xfs-writeback-map-vs-punch-eof-trim on Linux 6.18. The flusher's pass writes
 * folio 0 back and caches the extent with the data fork's if_seq (data_seq); T2's punch of
 * block 1 and its new write (a delalloc reservation) change the data fork between the two
 * folios. When the pass reaches folio 1, xfs_imap_valid sees data_seq ≠ if_seq and
 * xfs_map_blocks looks the extent up again: the delalloc block is converted and W2's data
 * goes to a block the file owns. flusherPerFolio makes the search try the pass folio by
 * folio (the merged default runs a pass in one step).
 */
export default scenario({
  name: 'xfs-writeback-map-vs-punch-seq',
  description:
    "Linux 6.18 (xfsWritebackMapValid 'seq', d9252d526ba6): XFS on a loop device, file 0 two written blocks (p0, p1), size 8 KiB, order-0 folios (maxFolioBlocks 1); T1 writes 8 KiB buffered at 0 (W1); T2 punches block 1 (PUNCH_HOLE|KEEP_SIZE, 4 KiB at 4 KiB) and writes 4 KiB buffered at 4 KiB (W2); the flusher runs at any time, a pass folio by folio keeping its cached mapping (flusherPerFolio). " +
    'Bound: 2 tasks (2 and 3 syscalls), 4 physical blocks, flusher unbounded, no power loss, no background commits (nothing is judged after a crash). Expect: holds (every invariant, stale-iomap included).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { xfsWritebackMapValid: 'seq' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }], maxFolioBlocks: 1 }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS), pwrite('W2', 0, BS, BS)],
  ],
  flusher: true,
  flusherPerFolio: true,
  maxPowerLosses: 0,
  backgroundCommit: false,
  expect: 'holds',
});
