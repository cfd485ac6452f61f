import { scenario } from '../spec/index.ts';
import { mergeCase } from './_buffered-atomic-merge.ts';

/**
 * As posted: iomap_add_to_ioend never puts an atomic folio in an ioend with another folio,
 * so A goes out as its own 8 KiB REQ_ATOMIC bio (within the device's 16 KiB unit, aligned
 * at p6) and a power loss keeps all of it or none.
 */
export default scenario({
  name: 'xfs-buffered-atomic-merge-own-bio',
  description:
    "bufferedAtomicMerge 'own-bio' (as posted): the same writes and bound as xfs-buffered-atomic-merge-mixed-bio. " +
    'Bound: 1 task (3 syscalls), 8 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: holds.',
  ...mergeCase('own-bio'),
  expect: 'holds',
});
