/**
 * Stores through a shared writable mapping (mm/memory.c do_wp_page → ->page_mkwrite:
 * xfs_write_fault / ext4_page_mkwrite → iomap_page_mkwrite), under invalidate_lock shared.
 * Models Linux 6.18.
 */
import { beginWrite, finishSyscall, ghostWrite, task } from '../ghost.ts';
import { canLock } from '../kernel/locking/rwsem.ts';
import { writeToken } from '../token.ts';
import { inodeOf } from '../vfs/fd.ts';
import type { Syscall } from '../vfs/types.ts';
import type { Settings, Step, World } from '../world.ts';
import { dirtyFolio, folioAt } from './filemap.ts';

/**
 * mincore(2) over an mmap of the whole file (mm/mincore.c mincore_page → filemap_get_entry):
 * a page is resident when a folio caches it — locked under read I/O, dirty or under
 * writeback alike. Reported as the conformance helper prints it: runs of resident ("r")
 * and absent (".") pages over the file's size, "2r14.".
 */
export function mincoreEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mincore' }>): Step {
  const of = task(w, ti).fds[c.fd] ?? null;
  const ino = of?.ino ?? -1;
  const size = of === null ? 0 : inodeOf(w, ino).size;
  const pages = Math.ceil(size / s.fs.blockSize);
  const resident = Array.from({ length: pages }, (_, b) => folioAt(w, ino, b) !== null);
  let out = '';
  for (let k = 0; k < pages; ) {
    let run = 1;
    while (k + run < pages && resident[k + run] === resident[k]) run++;
    out += `${run}${resident[k] === true ? 'r' : '.'}`;
    k += run;
  }
  return {
    fn: 'mmap → mincore → mincore_page',
    what: of === null ? '-EBADF' : `resident pages of file ${ino}: ${out || 'none'}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, of === null ? { op: 'mincore', ret: 'EBADF', pages: '' } : { op: 'mincore', ret: 0, pages: out });
    },
  };
}

/** A store through a shared writable mapping: the write fault (->page_mkwrite) dirties the folio. */
export function mmapStoreEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap-store' }>): Step | null {
  const blk = Math.floor(c.offset / s.fs.blockSize);
  // The write fault runs under invalidate_lock shared, start to end, within this step.
  if (!canLock(inodeOf(w, c.file).invalidateLock, 'shared')) return null;
  // The fault locks the folio (filemap_fault / iomap_page_mkwrite): it waits for a read's I/O.
  if (folioAt(w, c.file, blk)?.locked === true) return null;
  return {
    fn: `${s.fs.kind === 'xfs' ? 'xfs_write_fault' : 'ext4_page_mkwrite'} → iomap_page_mkwrite`,
    what: `${c.id}: store into the mapped folio of file ${c.file} block ${blk} under invalidate_lock shared, folio dirty`,
    apply: (d) => {
      if (blk >= (d.inodes[c.file]?.map.length ?? 0)) throw new Error('mmap store beyond the modelled file');
      beginWrite(d, ti, c.id, c.file, blk, 1, false);
      dirtyFolio(d, c.file, blk, writeToken(c.id, 0));
      const g = ghostWrite(d, c.id);
      finishSyscall(d, ti, { op: 'mmap-store', id: c.id, ret: 0 });
      g.end = d.ghost.clock;
      g.ret = s.fs.blockSize;
    },
  };
}
