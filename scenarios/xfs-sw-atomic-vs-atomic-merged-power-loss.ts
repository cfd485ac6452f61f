import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The race of xfs-sw-atomic-vs-atomic-merged-one-request with one power loss: each write is
 * one request, but B can reuse A's staging blocks after A's remap made them the file's
 * data, so a power loss that persists part of B's (non-atomic) request tears A's blocks.
 * Not confirmed on a real kernel (it needs crash states, issue 14).
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-atomic-merged-power-loss',
  description:
    "XFS (reflink) on a loop device at its default max_sectors_kb (1280: each write is one request), no hardware atomics: T1 RWF_ATOMIC 8 KiB direct write A over written p0-p1 races T2's RWF_ATOMIC 8 KiB direct write B to the same range; knob xfsSwAtomicRetry='merged-6.16'. " +
    "Bound: 2 tasks (open, write each), 6 physical blocks, 1 power loss, background commits; contents judged after power loss and once both tasks finished. Measured: violates atomic-untorn (B's request half-persisted over A's remapped staging blocks).",
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  maxPowerLosses: 1,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  expect: { violates: 'atomic-untorn' },
  options: { stopAtFirst: false },
});
