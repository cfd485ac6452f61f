import { BS, DEVICES, mmap, open, pread, pwrite, scenario, store } from '../spec/index.ts';

/**
 * A store through a shared mapping races a buffered write(2) of the same block (XFS). T1
 * stores M into block 0 through its mapping; T2 writes W over block 0 with pwrite and reads
 * it back. The buffered write copies into the folio under the IOLOCK and the folio lock;
 * the store's ->page_mkwrite takes the MMAPLOCK and the folio lock, and the store itself is
 * a CPU write into the folio, ordered with the copy by whichever comes last. Linux 6.18
 * holds read-consistency: T2's read returns W when it ran after both, or M when the store
 * came after T2's write returned (the store is then still in progress or done later); never
 * the old data once W returned. The final file (and the page cache) hold whichever landed
 * last.
 */
export default scenario({
  name: 'xfs-mmap-store-vs-buffered-write',
  description:
    'XFS on a loop device, file 0 one written block (p1); T1 opens it, mmaps block 0 and stores M; T2 opens it, writes W (4 KiB buffered at 0), reads block 0; the flusher runs at any time. ' +
    'Bound: 2 tasks (3 syscalls each), 4 physical blocks, flusher unbounded, no power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 1 }] }],
  programs: [
    [open(0), mmap(0, 0, BS), store('M', 0, 0, 0)],
    [open(0), pwrite('W', 0, 0, BS), pread(0, 0, BS)],
  ],
  flusher: true,
  maxPowerLosses: 0,
  properties: ['read-consistency', 'no-stale-data', 'mmap-store-backed'],
  expect: 'holds',
});
