import { scenario } from '../spec/index.ts';
import { delallocPowerLossCase } from './_ext4-buffered.ts';

/**
 * data=ordered, dioread_lock, and the data write fails: ext4_writepages allocated the extent
 * written and put the inode on the ordered list; the commit waits for the data, sees the
 * error ("JBD2: Detected IO errors while flushing file data", fs/jbd2/commit.c), and commits
 * anyway — the default data_err=ignore does not abort the journal. The file now maps a
 * block whose data never arrived: a direct read, or the file after a power loss, returns
 * the block's old contents. ext4_end_io_end's comment states the rule dioread_nolock keeps
 * ("Do not convert the unwritten extents if data writeback fails, or stale data may be
 * exposed"), which this mode has no unwritten extent to keep.
 */
export default scenario({
  name: 'ext4-buffered-eio-dioread-lock',
  description:
    'ext4, data=ordered, dioread_lock (knob ext4DataMode=ordered-dioread-lock), data_err=ignore: buffered 8 KiB write W into two holes, then a buffered read; flusher, background commits, one injected I/O error and one power loss free to run. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 I/O error, 1 power loss. Expect: a no-stale-data counterexample (the failed block is mapped written).',
  ...delallocPowerLossCase('ordered-dioread-lock'),
  maxIoErrors: 1,
  expect: { violates: 'no-stale-data' },
});
