import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * The same failed data write under Linux 6.18's defaults (data=ordered, dioread_nolock):
 * the extent was allocated unwritten, ext4_end_bio marks the io_end EXT4_IO_END_FAILED and
 * records the error in the mapping, and ext4_end_io_end skips the conversion. The block
 * stays unwritten — zeroes to a reader, before and after a power loss — and the error
 * waits for the next fsync.
 */
export default scenario({
  name: 'ext4-buffered-eio-dioread-nolock',
  description:
    'ext4, data=ordered, dioread_nolock (the default): buffered 8 KiB write W into two holes, then a buffered read; flusher, background commits, one injected I/O error and one power loss free to run. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 I/O error, 1 power loss. Expect: holds (no-stale-data, read-consistency).',
  ...delallocPowerLossCase('ordered-dioread-nolock'),
  maxIoErrors: 1,
  expect: 'holds',
});
