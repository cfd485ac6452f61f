/** at.N without its invariant, as a module export the worker threads can load by path. */
import { at } from './beem/at.ts';
import type { CompactModel } from '../checker/compact.ts';

export function atFull(n: number): CompactModel {
  const { invariants: _i, ...m } = at(n);
  return m;
}
