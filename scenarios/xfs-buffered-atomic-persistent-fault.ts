import { scenario } from '../spec/index.ts';
import { shortCopyCase } from './_buffered-atomic.ts';

/**
 * The proposal's bound on retries: the second page of the user buffer can never be read,
 * so every try stops after the first page. After the third try the write returns -EFAULT
 * (test/spec-buffered-atomic.test.ts checks the return in every final state); the folio
 * was never dirtied, so nothing of A reaches the disk and no property breaks.
 */
export default scenario({
  name: 'xfs-buffered-atomic-persistent-fault',
  description:
    "bufferedAtomicShortCopy 'clear-dirty-then-retry' with a user page that never becomes readable: the write ends with -EFAULT after three tries. " +
    'Bound: 1 task (2 syscalls), 6 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: holds.',
  ...shortCopyCase('clear-dirty-then-retry', true),
  expect: 'holds',
});
