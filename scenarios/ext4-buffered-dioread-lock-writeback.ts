import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * data=writeback with dioread_lock: ext4_writepages allocates the delayed extent written and
 * nothing orders the commit after the data. A background commit can make the extent durable
 * while the data bio is still in flight; a power loss then gives the file the block's old
 * contents (stale[p0]) — the stale-data exposure ext4's documentation warns of for
 * data=writeback, and what unwritten allocation at writeback (dioread_nolock, the default
 * since 5.6) removes even under data=writeback (ext4_should_dioread_nolock does not look at
 * the data mode).
 */
export default scenario({
  name: 'ext4-buffered-dioread-lock-writeback',
  description:
    'ext4, data=writeback, dioread_lock (knob ext4DataMode=writeback-dioread-lock): buffered 8 KiB write W into two holes, then a buffered read; flusher, background commits and one power loss free to run. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 power loss. Expect: a no-stale-data counterexample (flusher allocates p0 written, jbd2 commits, power fails before the bio lands).',
  ...delallocPowerLossCase('writeback-dioread-lock'),
  expect: { violates: 'no-stale-data' },
});
