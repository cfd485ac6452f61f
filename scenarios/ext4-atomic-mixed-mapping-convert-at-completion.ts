import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 001, the reason 6.16 zeroes mixed mappings: an atomic write over [unwritten p4,
 * written p5] goes out as one REQ_ATOMIC request, but block 0 only becomes readable when
 * ext4_dio_write_end_io converts it. A commit of the data (flush) before that conversion
 * and a power loss leave block 1 new and block 0 reading as zeroes.
 */
export default scenario({
  name: 'ext4-atomic-mixed-mapping-convert-at-completion',
  description:
    "ext4 RWF_ATOMIC 8 KiB direct write over a mixed mapping (block 0 unwritten p4, block 1 written p5), knob ext4AtomicAlloc='aligned-or-fail' (the RFC: unwritten blocks converted at I/O completion). " +
    'Bound: 1 task (open, write, read), 8 physical blocks, bigalloc cluster of 2 blocks, 1 power loss, background commits. Expect an atomic-untorn counterexample through power loss.',
  fs: { kind: 'ext4', clusterBlocks: 2 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { ext4AtomicAlloc: 'aligned-or-fail' },
  files: [{ blocks: [{ unwritten: 4 }, { written: 5 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: { violates: 'atomic-untorn' },
});
