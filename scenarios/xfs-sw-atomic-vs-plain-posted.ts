import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 003 and the July 2025 linux-xfs thread: XFS software (CoW) atomic writes racing
 * a plain (non-atomic) 8 KiB direct write B to the same range. The answer was not known in advance;
 * the expectation below is what the checker found (see proofs-notes/direct-io-atomic.md).
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-plain-posted',
  description:
    "XFS (reflink) on a device without hardware atomics: T1 RWF_ATOMIC 8 KiB direct write A over written p0-p1 races T2's plain (non-atomic) 8 KiB direct write B to the same range; knob xfsSwAtomicRetry='posted-v4'. " +
    'Bound: 2 tasks (open, write each), 6 physical blocks, 1 power loss, background commits; contents judged after power loss and once both tasks finished. Measured: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  knobs: { xfsSwAtomicRetry: 'posted-v4' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS)]],
  expect: 'holds',
  options: { stopAtFirst: false },
});
