import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * A model finding, not a posted patch: a plain direct write P into the unwritten block 1
 * completes, and its unwritten-to-written conversion sits in the running transaction. The
 * next RWF_ATOMIC write A over blocks 0-1 sees one written extent in memory and goes out as
 * a pure REQ_ATOMIC overwrite. If the power fails before the conversion commits, log
 * recovery gives block 1 back as unwritten: A's data is visible in block 0, zeroes in block
 * 1. Unconfirmed on a real kernel; proofs-notes/direct-io-atomic.md says how to test it.
 */
export default scenario({
  name: 'ext4-atomic-over-uncommitted-conversion',
  description:
    "ext4 (bigalloc, cluster 2, merged policy): plain 4 KiB O_DIRECT write P into unwritten block 1, then RWF_ATOMIC 8 KiB write A over written p0 + unwritten p1, no fsync, on a device with 16 KiB hardware atomics. " +
    'Bound: 1 task (open, two writes), 6 physical blocks, 1 power loss, background commits. Measured: violates atomic-untorn.',
  fs: { kind: 'ext4', physBlocks: 6, clusterBlocks: 2 },
  device: DEVICES.nvmeAtomic16k,
  files: [{ blocks: [{ written: 0 }, { unwritten: 1 }] }],
  programs: [[open(0, 'O_DIRECT'), pwrite('P', 0, BS, BS), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: { violates: 'atomic-untorn' },
});
