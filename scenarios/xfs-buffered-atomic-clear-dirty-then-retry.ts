import { scenario } from '../spec/index.ts';
import { shortCopyCase } from './_buffered-atomic.ts';

/**
 * The fix proposed in the seed 000 thread: clear the folio's dirty bit after
 * iomap_write_begin, set it only when the whole chunk is copied, retry the whole chunk on a
 * short copy. The flusher cannot pick a clean folio, so the half-copied folio never reaches
 * the disk; the retry copies both pages and dirties the folio once.
 */
export default scenario({
  name: 'xfs-buffered-atomic-clear-dirty-then-retry',
  description:
    "bufferedAtomicShortCopy 'clear-dirty-then-retry' (proposed): the same write as xfs-buffered-atomic-short-copy, with up to two faults at the page boundary and reclaim. " +
    'Bound: 1 task (2 syscalls), 6 physical blocks, 2 user faults, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds.',
  ...shortCopyCase('clear-dirty-then-retry', false),
  // Two faults: the first two tries stop short, the third copies both pages.
  userFaults: 2,
  reclaim: true,
  expect: 'holds',
});
