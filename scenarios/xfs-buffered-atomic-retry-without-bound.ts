import { scenario } from '../spec/index.ts';
import { shortCopyCase } from './_buffered-atomic.ts';

/**
 * Why the proposal bounds its retries: without the bound, a user page that never becomes
 * readable sends iomap_write_iter round its `goto retry` forever, and each round comes back
 * to the same state (the folio clean, the same first page copied). No state is a deadlock
 * and no data property breaks; the checker's cycle search (`check --progress`, turned on
 * by this expectation) reports the loop as a livelock.
 */
export default scenario({
  name: 'xfs-buffered-atomic-retry-without-bound',
  description:
    "bufferedAtomicShortCopy 'retry-without-bound' with a user page that never becomes readable: the write retries forever. " +
    'Bound: 1 task (2 syscalls), 6 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: progress (a livelock, found by the cycle search).',
  ...shortCopyCase('retry-without-bound', true),
  expect: { violates: 'progress' },
});
