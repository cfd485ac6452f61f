import { scenario } from '../spec/index.ts';
import { shortCopyCase } from './_buffered-atomic.ts';

/**
 * What the proposal does not say: after three short tries and -EFAULT, the first page of A
 * is still in the folio — clean, uptodate, never written back, but what a buffered read
 * returns until reclaim drops it. The disk is never torn (xfs-buffered-atomic-persistent-fault
 * holds), the page cache is: a read after the failed write sees A[0] next to the old block 1.
 * A fix would have to drop or re-read the folio on giving up; the thread does not discuss it.
 */
export default scenario({
  name: 'xfs-buffered-atomic-persistent-fault-read',
  description:
    "bufferedAtomicShortCopy 'clear-dirty-then-retry', user page 1 never readable, then a buffered read of the range: the -EFAULT write leaves its first page in the clean folio and the read sees A torn. " +
    'Bound: 1 task (3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: violates atomic-untorn (in the read, never on disk).',
  ...shortCopyCase('clear-dirty-then-retry', true, true),
  expect: { violates: 'atomic-untorn' },
});
