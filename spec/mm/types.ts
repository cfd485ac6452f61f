/** The page cache's state (mm/, Linux 6.18). */
import type { Token } from '../token.ts';

/** A page-cache folio (one block). Part 2 grows this into the full page cache. */
export interface Folio {
  t: Token;
  dirty: boolean;
}
