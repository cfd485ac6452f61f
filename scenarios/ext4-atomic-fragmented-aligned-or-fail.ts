import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 001 as the RFC posted it: ext4 atomic DIO needs a power-of-two aligned physical run;
 * when free space has none the write fails before any I/O.
 */
export default scenario({
  name: 'ext4-atomic-fragmented-aligned-or-fail',
  description:
    "ext4 RWF_ATOMIC 8 KiB direct write into a hole when free space is {p1, p3} (no aligned 2-block run), knob ext4AtomicAlloc='aligned-or-fail'. " +
    'Bound: 1 task (open, write, read), 4 physical blocks, 1 power loss, background commits. Expect: holds; the write fails with ENOSPC (ext4_mb_new_blocks finds no aligned run), as the RFC implies.',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { ext4AtomicAlloc: 'aligned-or-fail' },
  files: [{ blocks: ['hole', 'hole'] }, { blocks: [{ written: 0 }, { written: 2 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
