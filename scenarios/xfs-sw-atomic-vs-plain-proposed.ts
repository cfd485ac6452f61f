import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The fix floated in the July 2025 linux-xfs thread: keep the merged ENOPROTOOPT trigger
 * but take the IOLOCK exclusive and force the wait on the software path, so no other
 * direct write can share the CoW staging blocks before the remap. Measured: holds.
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-plain-proposed',
  description:
    "XFS (reflink) on a device without hardware atomics: T1 RWF_ATOMIC 8 KiB direct write A over written p0-p1 races T2's plain (non-atomic) 8 KiB direct write B to the same range; knob xfsSwAtomicRetry='proposed-excl'. " +
    'Bound: 2 tasks (open, write each), 6 physical blocks, 1 power loss, background commits; contents judged after power loss and once both tasks finished. Measured: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  knobs: { xfsSwAtomicRetry: 'proposed-excl' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS)]],
  expect: 'holds',
  options: { stopAtFirst: false },
});
