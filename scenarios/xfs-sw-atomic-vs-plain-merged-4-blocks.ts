import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Issue 10's four-block two-writer scale target: xfs-sw-atomic-vs-plain-merged with 16 KiB
 * (four-block) writes instead of 8 KiB. Exhausted: 39,001 states, 138,210 transitions (97% of
 * them power losses), about 4.5 s of CPU (bench/README.md, "Scale"). Expectation: holds, as the
 * two-block scenario, for the same reason: A's staged blocks reach the file in one remap
 * transaction, so a reader or a recovery sees all of A or none of it; B is not atomic and may
 * tear, which no property forbids; with loop's 1280 KiB requests each write is one request.
 */
export default scenario({
  name: 'xfs-sw-atomic-vs-plain-merged-4-blocks',
  description:
    "XFS (reflink) on a loop device: T1 RWF_ATOMIC 16 KiB direct write A over written p0-p3 races T2's plain 16 KiB direct write B to the same range; knob xfsSwAtomicRetry='merged-6.16'. " +
    'Bound: 2 tasks (open, write each), 10 physical blocks, 1 power loss, background commits. Measured: holds (39,001 states).',
  fs: { kind: 'xfs', physBlocks: 10 },
  device: DEVICES.loop,
  knobs: { xfsSwAtomicRetry: 'merged-6.16' },
  files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }, { written: 3 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 4 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 4 * BS)]],
  expect: 'holds',
  options: { stopAtFirst: false },
});
