import { BS, DEVICES, mmapStore, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * The RFC's first patch, merged: an atomic direct write whose invalidation fails returns
 * -EAGAIN instead of falling back to buffered I/O.
 */
export default scenario({
  name: 'ext4-atomic-invalidate-failure-never',
  description:
    "ext4 (bigalloc, cluster 2) RWF_ATOMIC 8 KiB direct write over written p4-p5 while T2 stores twice into the mmapped, cached block 0; knob atomicDioInvalidateFailure='never' (merged). " +
    'Bound: 2 tasks (T1 open, write, read; T2 two mmap stores), 8 physical blocks, 1 power loss, background commits. Expect: holds (the write may return EAGAIN).',
  fs: { kind: 'ext4', clusterBlocks: 2 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { atomicDioInvalidateFailure: 'never' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
  cached: [[0, 0]],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
