import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * data=ordered without dioread_nolock, ext4's default before 5.6 ("ext4: make dioread_nolock
 * the default", 244adf6426ee): ext4_writepages allocates the delayed extent written, and
 * ext4_map_blocks puts the inode on the running transaction's ordered list (EXT4_MAP_NEW
 * and not EXT4_MAP_UNWRITTEN → ext4_jbd2_inode_add_wait). The commit waits for that data
 * before it writes the extent, so stale blocks stay unreachable: it holds, at the cost of
 * commits that wait on data writeback (the latency that motivated the switch).
 */
export default scenario({
  name: 'ext4-buffered-dioread-lock-ordered',
  description:
    'ext4, data=ordered, dioread_lock (knob ext4DataMode=ordered-dioread-lock): buffered 8 KiB write W into two holes, then a buffered read; flusher, background commits and one power loss free to run. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 power loss. Expect: holds (the commit waits for the ordered data).',
  ...delallocPowerLossCase('ordered-dioread-lock'),
  expect: 'holds',
});
