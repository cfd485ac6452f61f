import { BS, DEVICES, mmapStore, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The RFC's first patch ("iomap: Don't fall back to buffered write if the write is
 * atomic"), before it: an mmap store redirties block 0 while kiocb_invalidate_pages writes
 * it back, invalidation fails, __iomap_dio_rw returns -ENOTBLK and ext4 redoes the atomic
 * write through the page cache, which writes it back one folio per request.
 */
export default scenario({
  name: 'ext4-atomic-invalidate-failure-fall-back',
  description:
    "ext4 (bigalloc, cluster 2) RWF_ATOMIC 8 KiB direct write over written p4-p5 while T2 stores twice into the mmapped, cached block 0; knob atomicDioInvalidateFailure='fall-back'. " +
    'Bound: 2 tasks (T1 open, write, read; T2 two mmap stores), 8 physical blocks, 1 power loss, background commits. Expect an atomic-untorn counterexample (the buffered fallback is torn by power loss).',
  fs: { kind: 'ext4', clusterBlocks: 2 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { atomicDioInvalidateFailure: 'fall-back' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
  cached: [[0, 0]],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: { violates: 'atomic-untorn' },
  options: { stopAtFirst: false },
});
