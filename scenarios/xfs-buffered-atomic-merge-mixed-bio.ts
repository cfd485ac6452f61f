import { scenario } from '../spec/index.ts';
import { mergeCase } from './_buffered-atomic-merge.ts';

/**
 * Writeback merges the atomic folio (blocks 2-3) into the ioend that B's folio (blocks 0-1)
 * opened: the bio has no REQ_ATOMIC (iomap_alloc_ioend looked at the first folio), so A
 * reaches the device as part of an ordinary 16 KiB write, and a power loss may keep any
 * subset of its blocks: A is torn. (Opened by the atomic folio instead, the REQ_ATOMIC bio
 * would cover more than A; atomic-one-request reports either.)
 */
export default scenario({
  name: 'xfs-buffered-atomic-merge-mixed-bio',
  description:
    "bufferedAtomicMerge 'mixed-bio': XFS, B (8 KiB, plain) then A (RWF_ATOMIC, 8 KiB) in adjacent 2-block folios over p4-p7, buffered; flusher and power loss free. " +
    'Bound: 1 task (3 syscalls), 8 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: violates atomic-untorn.',
  ...mergeCase('mixed-bio'),
  expect: { violates: 'atomic-untorn' },
  options: { stopAtFirst: false },
});
