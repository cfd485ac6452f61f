import { BS, DEVICES, mmapStore, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 003 as merged in 6.16: only ->iomap_begin's -ENOPROTOOPT selects the software path;
 * a failed page-cache invalidation returns -EAGAIN to user space.
 */
export default scenario({
  name: 'xfs-atomic-eagain-ambiguity-merged',
  description:
    "XFS (reflink) RWF_ATOMIC 8 KiB direct write over written, aligned p4-p5 on a device with 16 KiB hardware atomics, while T2 stores twice into the mmapped, cached block 0; knob xfsSwAtomicRetry='merged-6.16'. " +
    'Bound: 2 tasks (T1 open, write, read; T2 two mmap stores), 8 physical blocks, 1 power loss, background commits. Expect: holds (the invalidation failure reaches user space as EAGAIN).',
  fs: 'xfs',
  device: DEVICES.nvmeAtomic16k,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
  cached: [[0, 0]],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  properties: ['sw-fallback-needed', 'atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
