import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * The bug e856f93e0fb2 ("ext4: do not convert the unwritten extents if data writeback
 * fails", Baokun Li, January 2025) fixed: under dioread_nolock the flusher allocates the
 * delayed block unwritten and submits W's data; the bio fails (the block's writes return
 * -EIO but its reads work), and ext4_end_io_end converts the extent to written anyway. The
 * file now maps a block holding someone else's old data: a direct read, or the file after
 * the commit and a power loss, returns stale[p0]. With the fix (ext4EndIoFailure
 * 'keep-unwritten', Linux 6.18; scenario ext4-buffered-eio-dioread-nolock) it holds.
 */
export default scenario({
  name: 'ext4-buffered-eio-convert',
  description:
    'ext4, data=ordered, dioread_nolock, knob ext4EndIoFailure=convert (before e856f93e0fb2): buffered 8 KiB write W into two holes, then a buffered read; flusher, background commits, one injected I/O error and one power loss free to run. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 I/O error, 1 power loss. Expect: a no-stale-data counterexample (the failed block converted to written).',
  ...delallocPowerLossCase('ordered-dioread-nolock'),
  knobs: { ext4DataMode: 'ordered-dioread-nolock', ext4EndIoFailure: 'convert' },
  maxIoErrors: 1,
  expect: { violates: 'no-stale-data' },
});
