import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 003 and the July 2025 linux-xfs thread: XFS software (CoW) atomic writes racing
 * another RWF_ATOMIC 8 KiB direct write B to the same range. The answer was not known in
 * advance; the checker found a tear with no power loss, and it was reproduced on Linux 6.18
 * on a loop device with queue/max_sectors_kb=4 (proofs-notes/direct-io-atomic.md): each
 * block is its own request, so B's two requests can land on either side of A's remap.
 * xfs-sw-atomic-vs-atomic-merged-one-request is the same race when each write fits one
 * request: it holds without power loss.
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-atomic-merged',
  description:
    "XFS (reflink) on a loop device with max_sectors_kb=4 (one 4 KiB block per request), no hardware atomics: T1 RWF_ATOMIC 8 KiB direct write A over written p0-p1 races T2's RWF_ATOMIC 8 KiB direct write B to the same range; knob xfsSwAtomicRetry='merged-6.16'. " +
    'Bound: 2 tasks (open, write each), 6 physical blocks, no power loss, background commits; contents judged once both tasks finished. Measured: violates atomic-untorn without any power loss (both writes share the CoW staging blocks; reproduced on Linux 6.18).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loopSmall,
  maxPowerLosses: 0,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  expect: { violates: 'atomic-untorn' },
  options: { stopAtFirst: false },
});
