/**
 * XFS's buffered-write ->iomap_begin / ->iomap_end and its ->iomap_valid
 * (fs/xfs/xfs_iomap.c, Linux 6.18): delalloc reservation with speculative preallocation
 * beyond EOF, the validity cookie, and the punch of unused delalloc after a short write.
 */
import { physOf, setMapping } from '../allocator.ts';
import { folioAt } from '../../mm/filemap.ts';
import type { BufIomap, Inode, World, WriteReq } from '../../types.ts';

/**
 * What xfs_buffered_write_iomap_begin returns for file block `blk` of `req`, and the
 * delalloc blocks it reserves first. A hole is reserved as delalloc up to the next extent
 * or the end of the write (IOMAP_F_NEW); a write that reaches EOF also reserves
 * speculative preallocation over the holes that follow (xfs_iomap_prealloc_size; here as
 * many blocks again as the write reserved, within the modelled file). An existing extent is
 * returned as it is, up to where its type or contiguity changes or the write ends.
 */
export function xfsBufferedWriteIomapBegin(inode: Inode, req: WriteReq, blk: number): { iomap: Omit<BufIomap, 'seq'>; reserve: number[] } {
  const end = req.blk + req.nblk;
  const m = inode.map[blk];
  if (m === undefined) throw new Error(`block ${blk} beyond the modelled file`);
  if (m.kind === 'hole') {
    let n = 1;
    while (blk + n < end && inode.map[blk + n]?.kind === 'hole') n++;
    const reserve = Array.from({ length: n }, (_, i) => blk + i);
    const atEof = req.pos + req.count >= inode.size;
    if (atEof && blk + n === end) {
      for (let b = end; b < end + n && inode.map[b]?.kind === 'hole'; b++) reserve.push(b);
    }
    return { iomap: { blk, nblk: n, type: 'delalloc', p: null, isNew: true }, reserve };
  }
  const p0 = m.kind === 'delalloc' ? null : m.p;
  const same = (i: number): boolean => {
    const x = inode.map[blk + i];
    if (x === undefined || x.kind !== m.kind) return false;
    return p0 === null || physOf(x) === p0 + i;
  };
  let n = 1;
  while (blk + n < end && same(n)) n++;
  return { iomap: { blk, nblk: n, type: m.kind, p: p0, isNew: false }, reserve: [] };
}

/** xfs_bmapi_reserve_delalloc for the blocks ->iomap_begin chose (in-core only, not logged). */
export function xfsReserveDelalloc(inode: Inode, blks: number[]): void {
  for (const b of blks) setMapping(inode, b, { kind: 'delalloc' });
}

/**
 * xfs_iomap_valid: the cookie is the data fork's if_seq when the mapping was made; any
 * extent change since (delalloc conversion by writeback, unwritten conversion at I/O
 * completion, a punch) makes the cached iomap stale.
 */
export function xfsIomapValid(inode: Inode, iomap: BufIomap): boolean {
  return iomap.seq === inode.seq;
}

/**
 * xfs_buffered_write_iomap_end → iomap_write_delalloc_release (6.2 onwards): after a short
 * write, punch the delalloc this call reserved but did not use, except under dirty page
 * cache (a racing mmap store may own it). Looks up the current extents, so it only punches
 * blocks that are still delalloc. Returns the punched blocks.
 */
export function xfsBufferedWriteIomapEnd(w: World, ino: number, iomap: BufIomap, writtenTo: number): number[] {
  const inode = w.inodes[ino];
  if (inode === undefined || !iomap.isNew) return [];
  const punched: number[] = [];
  for (let b = Math.max(writtenTo, iomap.blk); b < iomap.blk + iomap.nblk; b++) {
    if (inode.map[b]?.kind !== 'delalloc' || folioAt(w, ino, b)?.dirty === true) continue;
    setMapping(inode, b, { kind: 'hole' });
    punched.push(b);
  }
  return punched;
}
