/**
 * fs/xfs/xfs_iomap.c (Linux 6.18). Direct writes: xfs_direct_write_iomap_begin and
 * xfs_atomic_write_cow_iomap_begin, the mapping a direct write gets, allocating data-fork
 * or CoW-fork blocks; the CoW fork is consulted by plain and hardware-atomic writes only
 * for a CoW inode (xfs_is_cow_inode: the reflink flag), the software atomic path always
 * stages there. Buffered writes: ->iomap_begin / ->iomap_end and ->iomap_valid — delalloc
 * reservation with speculative preallocation beyond EOF, the validity cookie, and the
 * punch of unused delalloc after a short write.
 */
import { inodeOf } from '../../vfs/fd.ts';
import { allocatable, allocBlocks, physOf, setMapping } from '../allocator.ts';
import { folioAt } from '../../mm/filemap.ts';
import type { FsSettings, Inode } from '../types.ts';
import type { WriteReq } from '../../vfs/types.ts';
import { canUseFua, contiguousPrefix, runLength, type Alloc, type IomapPlan } from '../iomap/iter.ts';
import type { BufIomap, DioWrite } from '../iomap/types.ts';
import type { Settings, World } from '../../world.ts';
import { xfsHwAtomicMax } from './xfs_iops.ts';

/** The CoW staging block at file block `b`, or null. */
function stagedAt(inode: Inode, b: number): number | null {
  const c = inode.cow[b];
  return c !== undefined && c.kind === 'staging' ? c.p : null;
}

/** imap_needs_cow: only a CoW inode looks at the CoW fork outside the software atomic path. */
function cowAt(inode: Inode, b: number): number | null {
  return inode.reflink ? stagedAt(inode, b) : null;
}

/** Where file block `b` is staged, already or by `alloc`; -1 if neither. */
function stagedOrAllocated(inode: Inode, alloc: readonly Alloc[], b: number): number {
  return stagedAt(inode, b) ?? alloc.find((a) => a.blk === b)?.p ?? -1;
}

/** ->iomap_begin for the next part of a direct write. */
export function xfsIomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const from = req.blk + st.done;
  const left = req.nblk - st.done;
  const bs = s.fs.blockSize;

  if (req.atomic && st.xfsMode === 'sw') {
    const fn = 'xfs_atomic_write_cow_iomap_begin';
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT on the software path' };
    const need: number[] = [];
    for (let b = from; b < from + left; b++) if (stagedAt(inode, b) === null) need.push(b);
    const got = allocBlocks(allocatable(w), need.length);
    if (got === null) return { kind: 'error', fn, err: 'ENOSPC', why: 'no free blocks for CoW staging' };
    const alloc: Alloc[] = need.map((blk, i) => ({ blk, p: got[i] as number, into: 'cow' }));
    const n = runLength(left, (i) => stagedOrAllocated(inode, alloc, from + i) === stagedOrAllocated(inode, alloc, from) + i);
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: stagedOrAllocated(inode, alloc, from), type: 'cow' }, alloc, atomicBio: false, fua: false };
  }

  const fn = 'xfs_direct_write_iomap_begin';
  if (req.atomic) {
    // Hardware attempt: one mapping, naturally aligned, within bt_awu_max, at most one
    // block to allocate; otherwise the software path (ENOPROTOOPT; EAGAIN as posted).
    const refuse = s.knobs.xfsSwAtomicRetry === 'posted-v4' ? 'EAGAIN' : 'ENOPROTOOPT';
    const bytes = left * bs;
    if (bytes > xfsHwAtomicMax(s)) return { kind: 'error', fn, err: refuse, why: `${bytes} bytes > bt_awu_max ${xfsHwAtomicMax(s)}` };
    const cow0 = cowAt(inode, from);
    if (cow0 !== null) {
      const n = runLength(left, (i) => cowAt(inode, from + i) === cow0 + i);
      if (n < left || (cow0 * bs) % bytes !== 0) return { kind: 'error', fn, err: refuse, why: 'CoW mapping not one aligned extent' };
      return { kind: 'map', fn, seg: { blk: from, nblk: left, p: cow0, type: 'cow' }, alloc: [], atomicBio: true, fua: false };
    }
    const m0 = inode.map[from];
    if (m0 === undefined) throw new Error('write beyond the modelled file');
    if (m0.kind === 'hole' || m0.kind === 'delalloc') {
      if (left > 1) return { kind: 'error', fn, err: refuse, why: 'allocation needed for more than one block' };
      if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and allocation needed' };
      const got = allocBlocks(allocatable(w), 1);
      if (got === null || got[0] === undefined) return { kind: 'error', fn, err: 'ENOSPC', why: 'no free block' };
      return { kind: 'map', fn, seg: { blk: from, nblk: 1, p: got[0], type: 'unwritten' }, alloc: [{ blk: from, p: got[0], into: 'data' }], atomicBio: true, fua: false };
    }
    const p0 = m0.p;
    const n = runLength(left, (i) => {
      const m = inode.map[from + i];
      return m !== undefined && m.kind === m0.kind && m.p === p0 + i && cowAt(inode, from + i) === null;
    });
    if (n < left) return { kind: 'error', fn, err: refuse, why: 'extent does not span the whole range' };
    if ((p0 * bs) % bytes !== 0) return { kind: 'error', fn, err: refuse, why: `physical start p${p0} not aligned to ${bytes} bytes` };
    return { kind: 'map', fn, seg: { blk: from, nblk: left, p: p0, type: m0.kind }, alloc: [], atomicBio: true, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
  }

  // Plain direct write: the CoW fork wins where it has staging blocks (xfs_reflink_allocate_cow).
  const cow0 = cowAt(inode, from);
  if (cow0 !== null) {
    const n = runLength(left, (i) => cowAt(inode, from + i) === cow0 + i);
    if (req.nowait && n < left) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and the mapping does not span the range' };
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: cow0, type: 'cow' }, alloc: [], atomicBio: false, fua: false };
  }
  const m0 = inode.map[from];
  if (m0 === undefined) throw new Error('write beyond the modelled file');
  if (m0.kind === 'hole' || m0.kind === 'delalloc') {
    if (st.overwriteOnly) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_OVERWRITE_ONLY and allocation needed' };
    const holes = runLength(left, (i) => {
      const m = inode.map[from + i];
      return (m?.kind === 'hole' || m?.kind === 'delalloc') && cowAt(inode, from + i) === null;
    });
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and allocation needed' };
    const got = allocBlocks(allocatable(w), holes);
    if (got === null) return { kind: 'error', fn, err: 'ENOSPC', why: 'no free blocks' };
    const n = contiguousPrefix(got);
    const alloc: Alloc[] = got.slice(0, n).map((p, i) => ({ blk: from + i, p, into: 'data' }));
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: got[0] as number, type: 'unwritten' }, alloc, atomicBio: false, fua: false };
  }
  const n = runLength(left, (i) => {
    const m = inode.map[from + i];
    return m !== undefined && m.kind === m0.kind && m.p === m0.p + i && cowAt(inode, from + i) === null;
  });
  // NOWAIT and OVERWRITE_ONLY need one mapping spanning the whole range, so a later
  // -EAGAIN cannot abort a partly issued write.
  if ((req.nowait || st.overwriteOnly) && n < left) return { kind: 'error', fn, err: 'EAGAIN', why: `${req.nowait ? 'IOMAP_NOWAIT' : 'IOMAP_OVERWRITE_ONLY'} and the mapping does not span the range` };
  // An unwritten extent under a sub-block write needs zeroing: not under the shared lock.
  if (st.overwriteOnly && m0.kind === 'unwritten') return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_OVERWRITE_ONLY and a sub-block write into an unwritten extent' };
  return { kind: 'map', fn, seg: { blk: from, nblk: n, p: m0.p, type: m0.kind }, alloc: [], atomicBio: false, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
}

/**
 * m_allocsize_log in bytes: the allocsize= mount option, else 64 KiB (xfs_init_fs_context),
 * never below the block size (xfs_mountfs).
 */
export function xfsAllocsizeBytes(fs: FsSettings): number {
  return Math.max(fs.blockSize, fs.allocsize ?? 64 * 1024);
}

/**
 * xfs_iomap_prealloc_size for a write at file block `blk` that reaches EOF (only called
 * without allocsize=, as the kernel does). Below m_allocsize_blocks of i_size nothing: "likely
 * the only write to the file". After a hole (or with no extent before) the minimum,
 * m_allocsize_blocks. Else twice the preceding extents: the one ending at `blk` (delalloc or
 * not) and the real ones before it that are logically and physically contiguous with it,
 * rounded down to a power of two, at least m_allocsize_blocks. Not modelled: the low-space
 * and quota throttles (shift, the squash by 16 while not below free space) and the
 * XFS_MAX_BMBT_EXTLEN cap; the model's files are far smaller than either matters for, and
 * the result never goes below m_allocsize_blocks anyway.
 */
export function xfsIomapPreallocSize(fs: FsSettings, inode: Inode, blk: number): number {
  const minBlocks = xfsAllocsizeBytes(fs) / fs.blockSize;
  if (inode.size < minBlocks * fs.blockSize) return 0;
  const prev = inode.map[blk - 1];
  if (prev === undefined || prev.kind === 'hole') return minBlocks;
  let plen = 1;
  if (prev.kind === 'delalloc') {
    // The first extent back may be delalloc; an earlier one breaks the walk (isnullstartblock).
    while (inode.map[blk - 1 - plen]?.kind === 'delalloc') plen++;
  } else {
    for (;;) {
      const x = inode.map[blk - 1 - plen];
      const next = inode.map[blk - plen];
      if (x === undefined || x.kind === 'hole' || x.kind === 'delalloc' || next === undefined || next.kind === 'hole' || next.kind === 'delalloc' || x.p + 1 !== next.p) break;
      plen++;
    }
  }
  return Math.max(minBlocks, 2 ** Math.floor(Math.log2(plen * 2)));
}

/**
 * The speculative preallocation xfs_buffered_write_iomap_begin adds beyond the write's last
 * block `end` when the write at `blk` reaches past i_size with no extent at or after `blk`:
 * allocsize= gives m_allocsize_blocks, the default xfs_iomap_prealloc_size. p_end_fsb is the
 * write's last byte rounded down to m_allocsize (XFS_ALLOC_ALIGN) plus that many blocks;
 * xfs_eof_alignment adds nothing (no stripe unit is modelled). Returns the block count past `end`.
 */
export function xfsPreallocBlocks(fs: FsSettings, inode: Inode, req: WriteReq, blk: number): number {
  const end = req.blk + req.nblk;
  const eof = inode.map.slice(blk).every((m) => m.kind === 'hole');
  if (!eof || req.pos + req.count <= inode.size) return 0;
  const n = fs.allocsize !== null ? xfsAllocsizeBytes(fs) / fs.blockSize : xfsIomapPreallocSize(fs, inode, blk);
  if (n === 0) return 0;
  const align = xfsAllocsizeBytes(fs);
  const pEnd = Math.floor(Math.floor((req.pos + req.count - 1) / align) * align / fs.blockSize) + n;
  return Math.max(0, pEnd - end);
}

/**
 * What xfs_buffered_write_iomap_begin returns for file block `blk` of `req`, and the
 * delalloc blocks it reserves first. A hole is reserved as delalloc up to the next extent
 * or the end of the write (IOMAP_F_NEW); a write that reaches past EOF also reserves
 * speculative preallocation over the holes that follow (xfsPreallocBlocks, within the
 * modelled file). An existing extent is returned as it is, up to where its type or
 * contiguity changes or the write ends.
 */
export function xfsBufferedWriteIomapBegin(fs: FsSettings, inode: Inode, req: WriteReq, blk: number): { iomap: Omit<BufIomap, 'seq'>; reserve: number[] } {
  const end = req.blk + req.nblk;
  const m = inode.map[blk];
  if (m === undefined) throw new Error(`block ${blk} beyond the modelled file`);
  if (m.kind === 'hole') {
    let n = 1;
    while (blk + n < end && inode.map[blk + n]?.kind === 'hole') n++;
    const reserve = Array.from({ length: n }, (_, i) => blk + i);
    if (blk + n === end) {
      const pre = xfsPreallocBlocks(fs, inode, req, blk);
      for (let b = end; b < end + pre && b < inode.map.length; b++) reserve.push(b);
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
