import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The race of xfs-sw-atomic-vs-atomic-merged on a loop device at its default
 * max_sectors_kb (1280): each 8 KiB write is one request and lands whole, so sharing the
 * CoW staging blocks cannot mix A's and B's blocks without a power loss. On Linux 6.18
 * 20,000 pairs of such writes showed no tear (proofs-notes/direct-io-atomic.md). With a
 * power loss a half-persisted request of B over A's remapped blocks still tears (see
 * xfs-sw-atomic-vs-atomic-merged-power-loss).
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-atomic-merged-one-request',
  description:
    "XFS (reflink) on a loop device at its default max_sectors_kb (1280: each write is one request), no hardware atomics: T1 RWF_ATOMIC 8 KiB direct write A over written p0-p1 races T2's RWF_ATOMIC 8 KiB direct write B to the same range; knob xfsSwAtomicRetry='merged-6.16'. " +
    'Bound: 2 tasks (open, write each), 6 physical blocks, no power loss, background commits; contents judged once both tasks finished. Measured: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  maxPowerLosses: 0,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  expect: 'holds',
  options: { stopAtFirst: false },
});
