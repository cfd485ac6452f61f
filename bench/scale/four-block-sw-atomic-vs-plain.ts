import { BS, DEVICES, open, pwrite, scenario } from '../../spec/index.ts';

/**
 * The second scale target: xfs-sw-atomic-vs-plain-merged with 16 KiB (four-block)
 * writes instead of 8 KiB. Not under scenarios/ because it is not exhausted within 60 s
 * (bench/README.md, "Scale"). Expectation if it were exhausted: holds, as the two-block
 * scenario does and for the same reason (the software atomic write's blocks are remapped in
 * one transaction; the plain write may tear, which no property forbids).
 */
export default scenario({
  name: 'scale-four-block-sw-atomic-vs-plain',
  description:
    "XFS (reflink) on a loop device: T1 RWF_ATOMIC 16 KiB direct write A over written p0-p3 races T2's plain 16 KiB direct write B to the same range; knob xfsSwAtomicRetry='merged-6.16'. " +
    'Bound: 2 tasks (open, write each), 10 physical blocks, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 10 },
  device: DEVICES.loop,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }, { written: 3 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 4 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 4 * BS)]],
  expect: 'holds',
  options: { stopAtFirst: false },
});
