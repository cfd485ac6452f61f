import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * A plain (non-atomic) multi-block direct overwrite is not all-or-nothing: a power loss
 * while its blocks sit in the volatile cache or in flight may keep any subset of them.
 * `torn-reachable` is a sometimes-property: the search must reach such a state, which shows
 * that atomic-untorn does not cover non-atomic writes and that the device model tears.
 */
export default scenario({
  name: 'plain-dio-torn-by-power-loss',
  description:
    'XFS, 8 KiB plain O_DIRECT overwrite of written p0-p1 on a loop device (volatile cache, no FUA). ' +
    'Bound: 1 task (open, write), 4 physical blocks, 1 power loss, background commits. Expect: holds, i.e. the torn result is reachable and every invariant holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS)]],
  properties: ['torn-reachable', 'atomic-untorn', 'durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
