import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 001: ext4 atomic DIO when free space has no aligned run, with the allocator falling
 * back to unaligned blocks. The write goes out as two requests to p1 and p3, and
 * ext4_convert_unwritten_extents converts the two extents in two journal handles; a
 * commit between them and a power loss leave one block new and one zero.
 */
export default scenario({
  name: 'ext4-atomic-fragmented-fall-back-to-unaligned',
  description:
    "ext4 RWF_ATOMIC 8 KiB direct write into a hole when free space is {p1, p3} (no aligned 2-block run), knob ext4AtomicAlloc='fall-back-to-unaligned'. " +
    'Bound: 1 task (open, write, read), 4 physical blocks, 1 power loss, background commits. Expect an atomic-untorn counterexample through power loss (all properties are searched to the end, so atomic-one-request is reported too).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { ext4AtomicAlloc: 'fall-back-to-unaligned' },
  files: [{ blocks: ['hole', 'hole'] }, { blocks: [{ written: 0 }, { written: 2 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: { violates: 'atomic-untorn' },
  options: { stopAtFirst: false },
});
