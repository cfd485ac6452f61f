/**
 * The reverse map from a folio to the PTEs that map it (mm/rmap.c, Linux 6.18): folio_mkclean
 * write-protects them when writeback cleans the folio, and unmapping (try_to_unmap for reclaim,
 * unmap_mapping_folio for invalidation and truncation) removes them when the folio leaves the
 * page cache. Each task is its own mm; a Vma holds one PTE per block (a page is a block here).
 */
import type { Pte, Vma } from './types.ts';
import type { World } from '../world.ts';
import { keepIfSame, withMembers } from '../cow.ts';

/** The vma of task `ti` with ordinal `id` (null when it was never made or is unmapped). */
export function vmaOf(w: World, ti: number, id: number): Vma | null {
  return w.vmas.find((v) => v.task === ti && v.id === id) ?? null;
}

/**
 * The PTE of file block `blk` in `v`. A PTE over a block whose folio has left the page cache
 * is not present, whoever removed the folio: the removers here unmap it (below), and this
 * guards one that does not.
 */
export function pteOf(w: World, v: Vma, blk: number): Pte {
  const pte = v.pte[blk - v.blk] ?? 'none';
  return pte !== 'none' && (w.pageCache[v.ino]?.[blk] ?? null) === null ? 'none' : pte;
}

export function setPte(v: Vma, blk: number, pte: Pte): void {
  if (blk < v.blk || blk >= v.blk + v.nblk) throw new Error(`block ${blk} outside the mapping of blocks ${v.blk}-${v.blk + v.nblk - 1}`);
  v.pte[blk - v.blk] = pte;
}

function forEachPte(w: World, ino: number, head: number, nr: number, f: (v: Vma, blk: number) => void): void {
  for (const v of w.vmas) {
    if (v.ino !== ino) continue;
    for (let b = Math.max(head, v.blk); b < Math.min(head + nr, v.blk + v.nblk); b++) f(v, b);
  }
}

/**
 * folio_mkclean (called by folio_clear_dirty_for_io): every writable PTE of the folio becomes
 * read-only (and clean), so that the next store faults, runs ->page_mkwrite and dirties the
 * folio again. Without it a store after writeback started would land in a clean folio and
 * never be written back.
 */
export function folioMkclean(w: World, ino: number, head: number, nr: number): void {
  forEachPte(w, ino, head, nr, (v, b) => {
    if (v.pte[b - v.blk] === 'rw') v.pte[b - v.blk] = 'ro';
  });
}

/** unmap_mapping_folio / try_to_unmap: the folio's PTEs go (it is leaving the page cache). */
export function unmapFolio(w: World, ino: number, head: number, nr: number): void {
  forEachPte(w, ino, head, nr, (v, b) => {
    v.pte[b - v.blk] = 'none';
  });
}

/** unmapFolio without a draft: new vmas only for those that mapped the folio; `w` itself when none did. */
export function unmapFolioPure(w: World, ino: number, head: number, nr: number): World {
  const vmas = w.vmas.map((v) => {
    if (v.ino !== ino) return v;
    const pte = v.pte.slice();
    for (let b = Math.max(head, v.blk); b < Math.min(head + nr, v.blk + v.nblk); b++) pte[b - v.blk] = 'none';
    const kept = keepIfSame(v.pte, pte);
    return kept === v.pte ? v : withMembers(v, { pte: kept });
  });
  const kept = keepIfSame(w.vmas, vmas);
  return kept === w.vmas ? w : withMembers(w, { vmas: kept });
}
