import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * What Linux 6.16 merged (ext4/atomic_writes.rst): a mixed mapping is zeroed into one
 * written extent and the journal committed before the data I/O, so the atomic write is a
 * pure overwrite that the device makes all or nothing.
 */
export default scenario({
  name: 'ext4-atomic-mixed-mapping-zero-and-commit',
  description:
    "ext4 RWF_ATOMIC 8 KiB direct write over a mixed mapping (block 0 unwritten p4, block 1 written p5), knob ext4AtomicAlloc='bigalloc-zero-and-commit' (merged in 6.16). " +
    'Bound: 1 task (open, write, read), 8 physical blocks, bigalloc cluster of 2 blocks, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'ext4', clusterBlocks: 2 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { ext4AtomicAlloc: 'bigalloc-zero-and-commit' },
  files: [{ blocks: [{ unwritten: 4 }, { written: 5 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
