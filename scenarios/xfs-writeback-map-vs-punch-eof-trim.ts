import { BS, DEVICES, fallocate, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The race d9252d526ba6 ("xfs: validate writeback mapping using data fork seq counter",
 * Brian Foster, 5.1) closed. T1 overwrites both written blocks through the page cache. The
 * flusher's ->writepages pass writes folio 0 back and caches the extent (file blocks 0-1 →
 * p0-p1, trimmed to EOF) in its writepage context. Between two folios no lock is held: T2
 * punches block 1 (xfs_flush_unmap_range writes folio 1 back and waits, drops it, and
 * xfs_unmap_extent frees p1), then writes block 1 again, a delalloc reservation in a new
 * dirty folio. The pass goes on to folio 1: xfs_imap_valid checks only that block 1 lies
 * inside the cached mapping, and the bio writes W2's data to p1, a block the file no longer
 * owns (free, and the next allocation's). The stale-iomap report is made at that submission.
 */
export default scenario({
  name: 'xfs-writeback-map-vs-punch-eof-trim',
  description:
    "xfsWritebackMapValid 'eof-trim' (before d9252d526ba6, 5.1): XFS on a loop device, file 0 two written blocks (p0, p1), size 8 KiB, order-0 folios (maxFolioBlocks 1); T1 writes 8 KiB buffered at 0 (W1); T2 punches block 1 (PUNCH_HOLE|KEEP_SIZE, 4 KiB at 4 KiB) and writes 4 KiB buffered at 4 KiB (W2); the flusher runs at any time, a pass folio by folio keeping its cached mapping. " +
    'Bound: 2 tasks (2 and 3 syscalls), 4 physical blocks, flusher unbounded, no power loss, no background commits (nothing is judged after a crash). Expect: violates stale-iomap.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  knobs: { xfsWritebackMapValid: 'eof-trim' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }], maxFolioBlocks: 1 }],
  programs: [
    [open(0), pwrite('W1', 0, 0, 2 * BS)],
    [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS), pwrite('W2', 0, BS, BS)],
  ],
  flusher: true,
  maxPowerLosses: 0,
  backgroundCommit: false,
  expect: { violates: 'stale-iomap' },
});
