import { scenario } from '../spec/index.ts';
import { shortCopyCase } from './_buffered-atomic.ts';

/**
 * Matthew Wilcox's hole in the RFC as posted (seed 000): copy_folio_from_iter_atomic copies
 * the first page, faults on the second; the folio is uptodate, so iomap_write_end keeps and
 * dirties the first block, unlocks the folio, and the write goes round again for the rest.
 * Nothing stops the flusher in between: it writes the PG_atomic folio back half new, half
 * old: only the dirty first block goes, in a REQ_ATOMIC bio of one block (atomic-one-request); a power loss before the second writeback leaves A torn.
 */
export default scenario({
  name: 'xfs-buffered-atomic-short-copy',
  description:
    "bufferedAtomicShortCopy 'short-copy' (the RFC as posted): XFS, buffered RWF_ATOMIC 8 KiB into a cached 2-block folio, one user-page fault at the page boundary, flusher and power loss free. " +
    'Bound: 1 task (2 syscalls), 6 physical blocks, 1 user fault, flusher unbounded, 1 power loss, background commits. Expect: violates atomic-untorn (the trace writes back the partly copied folio).',
  ...shortCopyCase('short-copy', false),
  expect: { violates: 'atomic-untorn' },
  // Writeback sends only the dirty block (iomap_folio_state), so atomic-one-request breaks one step earlier.
  options: { stopAtFirst: false },
});
