/**
 * xfs_direct_write_iomap_begin and xfs_atomic_write_cow_iomap_begin (fs/xfs/xfs_iomap.c,
 * Linux 6.18): the mapping a direct write gets, allocating data-fork or CoW-fork blocks.
 * The CoW fork is consulted by plain and hardware-atomic writes only for a CoW inode
 * (xfs_is_cow_inode: the reflink flag); the software atomic path always stages there.
 */
import { inodeOf } from '../../vfs/fd.ts';
import { allocatable, allocBlocks } from '../allocator.ts';
import { canUseFua, contiguousPrefix, runLength, type Alloc, type IomapPlan } from '../iomap/iter.ts';
import type { DioWrite } from '../iomap/types.ts';
import type { Settings, World } from '../../world.ts';
import { xfsHwAtomicMax } from './xfs_iops.ts';

/** ->iomap_begin for the next part of a direct write. */
export function xfsIomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const from = req.blk + st.done;
  const left = req.nblk - st.done;
  const bs = s.fs.blockSize;
  const stagedAt = (b: number) => {
    const c = inode.cow[b];
    return c !== undefined && c.kind === 'staging' ? c.p : null;
  };
  // imap_needs_cow: only a CoW inode looks at the CoW fork outside the software atomic path.
  const cowAt = (b: number) => (inode.reflink ? stagedAt(b) : null);

  if (req.atomic && st.xfsMode === 'sw') {
    const fn = 'xfs_atomic_write_cow_iomap_begin';
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT on the software path' };
    const need: number[] = [];
    for (let b = from; b < from + left; b++) if (stagedAt(b) === null) need.push(b);
    const got = allocBlocks(allocatable(w), need.length);
    if (got === null) return { kind: 'error', fn, err: 'ENOSPC', why: 'no free blocks for CoW staging' };
    const alloc: Alloc[] = need.map((blk, i) => ({ blk, p: got[i] as number, into: 'cow' }));
    const staged = (b: number) => stagedAt(b) ?? alloc.find((a) => a.blk === b)?.p ?? -1;
    const n = runLength(left, (i) => staged(from + i) === staged(from) + i);
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: staged(from), type: 'cow' }, alloc, atomicBio: false, fua: false };
  }

  const fn = 'xfs_direct_write_iomap_begin';
  if (req.atomic) {
    // Hardware attempt: one mapping, naturally aligned, within bt_awu_max, at most one
    // block to allocate; otherwise the software path (ENOPROTOOPT; EAGAIN as posted).
    const refuse = s.knobs.xfsSwAtomicRetry === 'posted-v4' ? 'EAGAIN' : 'ENOPROTOOPT';
    const bytes = left * bs;
    if (bytes > xfsHwAtomicMax(s)) return { kind: 'error', fn, err: refuse, why: `${bytes} bytes > bt_awu_max ${xfsHwAtomicMax(s)}` };
    const cow0 = cowAt(from);
    if (cow0 !== null) {
      const n = runLength(left, (i) => cowAt(from + i) === cow0 + i);
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
      return m !== undefined && m.kind === m0.kind && m.p === p0 + i && cowAt(from + i) === null;
    });
    if (n < left) return { kind: 'error', fn, err: refuse, why: 'extent does not span the whole range' };
    if ((p0 * bs) % bytes !== 0) return { kind: 'error', fn, err: refuse, why: `physical start p${p0} not aligned to ${bytes} bytes` };
    return { kind: 'map', fn, seg: { blk: from, nblk: left, p: p0, type: m0.kind }, alloc: [], atomicBio: true, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
  }

  // Plain direct write: the CoW fork wins where it has staging blocks (xfs_reflink_allocate_cow).
  const cow0 = cowAt(from);
  if (cow0 !== null) {
    const n = runLength(left, (i) => cowAt(from + i) === cow0 + i);
    if (req.nowait && n < left) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and the mapping does not span the range' };
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: cow0, type: 'cow' }, alloc: [], atomicBio: false, fua: false };
  }
  const m0 = inode.map[from];
  if (m0 === undefined) throw new Error('write beyond the modelled file');
  if (m0.kind === 'hole' || m0.kind === 'delalloc') {
    if (st.overwriteOnly) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_OVERWRITE_ONLY and allocation needed' };
    const holes = runLength(left, (i) => {
      const m = inode.map[from + i];
      return (m?.kind === 'hole' || m?.kind === 'delalloc') && cowAt(from + i) === null;
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
    return m !== undefined && m.kind === m0.kind && m.p === m0.p + i && cowAt(from + i) === null;
  });
  // NOWAIT and OVERWRITE_ONLY need one mapping spanning the whole range, so a later
  // -EAGAIN cannot abort a partly issued write.
  if ((req.nowait || st.overwriteOnly) && n < left) return { kind: 'error', fn, err: 'EAGAIN', why: `${req.nowait ? 'IOMAP_NOWAIT' : 'IOMAP_OVERWRITE_ONLY'} and the mapping does not span the range` };
  // An unwritten extent under a sub-block write needs zeroing: not under the shared lock.
  if (st.overwriteOnly && m0.kind === 'unwritten') return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_OVERWRITE_ONLY and a sub-block write into an unwritten extent' };
  return { kind: 'map', fn, seg: { blk: from, nblk: n, p: m0.p, type: m0.kind }, alloc: [], atomicBio: false, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
}
