import { BS, DEVICES, fsync, open, pwrite, scenario } from '../spec/index.ts';

/**
 * data=ordered without dioread_nolock, two files: the flusher allocates T1's delayed block of
 * file 0 written and puts file 0 on the running transaction's ordered list; T2 writes file 1
 * and fsyncs it. ext4_sync_file's commit (jbd2_complete_transaction) commits the whole
 * running transaction, file 0's extent with it, so it first waits for file 0's data
 * (journal_finish_inode_data_buffers), not only for file 1's own writeback. Without that
 * wait a power loss after T2's fsync would show stale data in file 0.
 */
export default scenario({
  name: 'ext4-buffered-fsync-waits-ordered',
  description:
    'ext4, data=ordered, dioread_lock (knob ext4DataMode=ordered-dioread-lock): T1 buffered 4 KiB write into file 0 (a hole); T2 buffered 4 KiB write into file 1 (a hole), then fsync of file 1; the flusher and one power loss free to run, no background commits. ' +
    'Bound: 2 tasks (T1 open, write; T2 open, write, fsync), 2 files of 1 block, 3 physical blocks holding stale data, 1 power loss. Expect: holds (fsync\'s commit waits for the ordered data of file 0).',
  fs: { kind: 'ext4', physBlocks: 3 },
  device: DEVICES.loop,
  knobs: { ext4DataMode: 'ordered-dioread-lock' },
  files: [
    { blocks: ['hole'], size: 0 },
    { blocks: ['hole'], size: 0 },
  ],
  programs: [
    [open(0), pwrite('A', 0, 0, BS)],
    [open(1), pwrite('B', 0, 0, BS), fsync(0)],
  ],
  flusher: true,
  backgroundCommit: false,
  properties: ['durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
