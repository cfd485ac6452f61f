/**
 * Memory reclaim (mm/vmscan.c shrink_folio_list → __remove_mapping, Linux 6.18): a clean,
 * unlocked folio that is not under writeback may be evicted at any time. Reclaim does not
 * write back through ->writepages. A folio goes whole. An evicted folio's data must be read from the disk
 * again, through whatever the extent map says now — which is what makes a cached iomap's
 * "zero or read" decision matter (seed 002).
 */
import { fusePinned } from '../fs/fuse/dev.ts';
import type { Settings, World } from '../types.ts';
import { unmapFolio } from './rmap.ts';

export function reclaimChoices(w: World, s: Settings): Array<[number, number]> {
  if (s.reclaim !== true || w.crashed) return [];
  const out: Array<[number, number]> = [];
  w.pageCache.forEach((pc, ino) =>
    pc.forEach((f, blk) => {
      // A folio FUSE holds locked or referenced across a request (fs/fuse/file.c) stays.
      // A folio locked for read I/O, or one a reader holds a reference to until its copy, stays.
      if (f === null || f.head !== blk || f.writeback || f.locked === true || fusePinned(w, ino, blk) || readPinned(w, s, ino, blk, f.nr)) return;
      if (!pc.slice(blk, blk + f.nr).some((x) => x?.dirty === true)) out.push([ino, blk]);
    }),
  );
  return out;
}

/**
 * filemap_read holds a reference to the folios it copies until the copy, a fault to the
 * folio it waits for (__remove_mapping's refcount freeze fails).
 */
function readPinned(w: World, s: Settings, ino: number, head: number, nr: number): boolean {
  const bs = s.fs.blockSize;
  return w.tasks.some((t) => t.cur !== null && t.cur.sys === 'buffered-read' && t.cur.ino === ino && t.cur.pos < (head + nr) * bs && t.cur.pos + t.cur.len > head * bs);
}

export function reclaimFolio(w: World, ino: number, blk: number): void {
  const pc = w.pageCache[ino];
  if (pc === undefined || pc[blk] === null || pc[blk] === undefined) throw new Error(`no folio ${ino}:${blk} to reclaim`);
  const nr = pc[blk]?.nr ?? 1;
  for (let b = blk; b < blk + nr; b++) pc[b] = null;
  // try_to_unmap: a mapped clean folio is unmapped first (its PTEs are read-only: writable ones keep it dirty).
  unmapFolio(w, ino, blk, nr);
}
