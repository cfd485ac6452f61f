import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * ext4's delayed allocation end to end, as Linux 6.18 mounts it by default (data=ordered,
 * dioread_nolock): the write reserves the holes (ext4_da_get_block_prep: BH_Delay, no block
 * yet); the flusher allocates them in ext4_writepages as unwritten
 * (EXT4_GET_BLOCKS_IO_CREATE_EXT) in a journal handle, and only the conversion work after
 * the bio completed (ext4_end_io_rsv_work) makes them written. A commit can therefore only
 * make durable a written extent whose data is on the media (a commit flushes the cache
 * first): a power loss shows W's data, zeroes or holes, never the free blocks' old contents.
 */
export default scenario({
  name: 'ext4-buffered-flusher-power-loss',
  description:
    'ext4, data=ordered, dioread_nolock (knob ext4DataMode=ordered-dioread-nolock): buffered 8 KiB write W into two holes of an empty file, then a buffered read; the flusher, background commits and one power loss are free to run at any time. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 power loss. Expect: holds (no-stale-data, read-consistency; durability promises nothing without fsync).',
  ...delallocPowerLossCase('ordered-dioread-nolock'),
  expect: 'holds',
});
