import { BS, DEVICES, ftruncate, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The writepage context's cached mapping against a truncate (the race of
 * xfs-writeback-map-vs-punch-*, with xfs_setattr_size in place of the punch). T1 overwrites
 * the three written blocks, truncates the file to 0 (truncate_setsize drops the folios,
 * xfs_itruncate_extents frees p0-p2) and writes block 1 again (a delalloc reservation). The
 * flusher's pass may have written folio 0 and cached "file blocks 0-2 → p0-p2" before the
 * truncate; when it goes on to folio 1, xfs_imap_valid sees data_seq ≠ if_seq and xfs_map_blocks converts the new delalloc block.
 */
export default scenario({
  name: 'xfs-writeback-map-vs-truncate-seq',
  description:
    "Linux 6.18 (xfsWritebackMapValid 'seq', d9252d526ba6): XFS on a loop device, file 0 three written blocks (p0-p2), size 12 KiB, order-0 folios (maxFolioBlocks 1); T1 writes 12 KiB buffered at 0 (A), truncates to 0 and writes 4 KiB buffered at 4 KiB (B); the flusher runs at any time, a pass folio by folio keeping its cached mapping (flusherPerFolio). " +
    'Bound: 1 task (4 syscalls), 6 physical blocks, flusher unbounded, no power loss, no background commits (nothing is judged after a crash). Expect: holds (every invariant, stale-iomap included).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  knobs: { xfsWritebackMapValid: 'seq' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }], maxFolioBlocks: 1 }],
  programs: [[open(0), pwrite('A', 0, 0, 3 * BS), ftruncate(0, 0), pwrite('B', 0, BS, BS)]],
  flusher: true,
  flusherPerFolio: true,
  maxPowerLosses: 0,
  backgroundCommit: false,
  expect: 'holds',
});
