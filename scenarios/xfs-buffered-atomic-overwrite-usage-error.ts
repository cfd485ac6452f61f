import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The usage error the RFC's commit message names: an RWF_ATOMIC buffered write A, then a
 * plain buffered write B over the second half of A's folio before writeback has sent A.
 * B clears PG_atomic, so A's data goes out as ordinary writeback. This is not a model bug
 * and not a kernel bug in the RFC's terms: the property that fires is the usage-error one,
 * reported at B's copy. Its consequences follow and are reported too: the flusher sends the
 * folio (A[0], B[0]) as an ordinary bio (atomic-one-request) and a power loss may keep only
 * A[0] (atomic-untorn): what the usage error costs, not a separate bug.
 */
export default scenario({
  name: 'xfs-buffered-atomic-overwrite-usage-error',
  description:
    "bufferedAtomic 'rfc-2024': XFS, file 0 two written blocks in one 2-block folio; T1 writes A (RWF_ATOMIC, 8 KiB at 0) then B (4 KiB at 4 KiB, no flags), buffered; flusher and power loss free. " +
    'Bound: 1 task (3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: violates atomic-overwritten-before-writeback.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { bufferedAtomic: 'rfc-2024' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }], folioBlocks: 2 }],
  programs: [[open(0), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pwrite('B', 0, BS, BS)]],
  flusher: true,
  properties: ['atomic-overwritten-before-writeback', 'atomic-untorn', 'atomic-one-request', 'no-stale-data'],
  expect: { violates: 'atomic-overwritten-before-writeback' },
  options: { stopAtFirst: false },
});
