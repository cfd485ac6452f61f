/**
 * The part of the page cache that direct I/O meets: folios (one per block) that an mmap
 * store or a buffered write dirtied, written back and invalidated by kiocb_invalidate_pages.
 * Part 2 replaces the synchronous writeback here with the flusher, delalloc and ioends.
 *
 * Models Linux 6.18 (mm/filemap.c, mm/truncate.c).
 */
import { allocatable, allocBlocks, setMapping } from '../fs/allocator.ts';
import { submitBio } from '../block/device.ts';
import { markDirty } from '../fs/journal.ts';
import type { Token, World } from '../types.ts';

export function folioAt(w: World, ino: number, blk: number) {
  return w.pageCache[ino]?.[blk] ?? null;
}

export function anyCached(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b) !== null) return true;
  return false;
}

export function anyDirty(w: World, ino: number, blk: number, n: number): boolean {
  for (let b = blk; b < blk + n; b++) if (folioAt(w, ino, b)?.dirty === true) return true;
  return false;
}

/** Store into a folio and dirty it (a buffered copy or an mmap store). */
export function dirtyFolio(w: World, ino: number, blk: number, t: Token): void {
  const pc = w.pageCache[ino];
  if (pc === undefined) throw new Error(`no inode ${ino}`);
  pc[blk] = { t, dirty: true };
}

/**
 * filemap_write_and_wait_range, write half: one request per dirty folio; a folio over a
 * hole gets a block allocated as unwritten, converted when its request completes.
 * Returns the request ids, or null when allocation failed (ENOSPC at writeback).
 */
export function filemapFdatawriteRange(w: World, ino: number, blk: number, n: number, owner: number): number[] | null {
  const bios: number[] = [];
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    if (f === null || !f.dirty) continue;
    f.dirty = false;
    const m = inode.map[b];
    let p: number;
    let convert: Array<[number, number]> = [];
    if (m !== undefined && m.kind === 'written') p = m.p;
    else if (m !== undefined && m.kind === 'unwritten') {
      p = m.p;
      convert = [[ino, b]];
    } else {
      const got = allocBlocks(allocatable(w), 1);
      if (got === null || got[0] === undefined) return null;
      p = got[0];
      w.free[p] = false;
      setMapping(inode, b, { kind: 'unwritten', p });
      markDirty(w, ino);
      convert = [[ino, b]];
    }
    bios.push(...submitBio(w.device, { op: 'write', owner, blocks: [{ p, t: f.t }], atomic: false, fua: false, preflush: false, convert }));
  }
  return bios;
}

/** invalidate_inode_pages2_range: drop the folios, failing (EBUSY) if one is dirty. */
export function invalidateInodePages2Range(w: World, ino: number, blk: number, n: number): boolean {
  if (anyDirty(w, ino, blk, n)) return false;
  const pc = w.pageCache[ino];
  if (pc !== undefined) for (let b = blk; b < blk + n && b < pc.length; b++) pc[b] = null;
  return true;
}
