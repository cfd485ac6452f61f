/** The page cache's state (mm/, include/linux/pagemap.h, include/linux/page-flags.h; Linux 6.18). */
import type { Errseq } from '../lib/errseq.ts';
import type { Token } from '../token.ts';

/**
 * A page-cache folio of one block, with the folio flags the threads reason about. Larger
 * folios (order > 0) and per-block iomap_folio_state are not modelled yet: a folio is
 * one block, so its per-block uptodate and dirty bits are the folio's own. PG_locked is
 * not a field: every section that holds a folio lock (iomap_write_begin to the unlock
 * after iomap_write_end, one folio's writeback, an invalidation) is a single step, so no
 * other actor can ever observe it held.
 */
export interface Folio {
  t: Token;
  /** PG_uptodate: `t` is the file's data (a read or a whole-block copy filled it). */
  uptodate: boolean;
  /** PG_dirty: newer than the disk; writeback must write it. */
  dirty: boolean;
  /** PG_writeback: a writeback bio carrying this folio is in flight. */
  writeback: boolean;
  /** PG_dropbehind: created by an RWF_DONTCACHE write; invalidated when its writeback ends clean. */
  dropbehind: boolean;
}

/**
 * The parts of struct address_space that writeback errors live in: `wb_err` (the errseq_t
 * every open file samples) and the legacy AS_EIO / AS_ENOSPC flag bits, which
 * filemap_check_errors tests and clears.
 */
export interface AddressSpace {
  wbErr: Errseq;
  asEio: boolean;
  asEnospc: boolean;
}
