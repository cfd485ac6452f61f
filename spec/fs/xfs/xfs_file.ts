/**
 * The XFS personality: atomic-write limits, IOLOCK choice, ->iomap_begin for direct writes
 * (hardware atomic, software CoW atomic, plain), ->end_io, and the atomic retry of
 * xfs_file_dio_write_atomic in the three variants of the `xfsSwAtomicRetry` knob.
 * Kernel references are fs/xfs/xfs_file.c, xfs_iomap.c, xfs_reflink.c (v6.17) and seed 003.
 */
import { inodeOf } from '../../vfs/fd.ts';
import { allocatable, allocBlocks, freeBlock, setCow, setMapping } from '../allocator.ts';
import { canUseFua, contiguousPrefix, runLength, type Alloc, type IomapPlan } from '../iomap/iter.ts';
import { markDirty } from '../journal.ts';
import type { DioWrite, Settings, Step, World, WriteReq } from '../../types.ts';

/** Whether the device can do a one-block hardware atomic write (xfs_inode_can_hw_atomic_write). */
function hwCapable(s: Settings): boolean {
  const d = s.device;
  return d.atomicUnitMax >= s.fs.blockSize && d.atomicUnitMin <= s.fs.blockSize && d.atomicUnitMin > 0;
}

/** bt_awu_max: the largest hardware atomic write. */
export function xfsHwAtomicMax(s: Settings): number {
  return hwCapable(s) ? s.device.atomicUnitMax : 0;
}

/** xfs_get_atomic_write_min/max/max_opt (xfs_iops.c, v6.17). */
export function xfsAtomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  const bs = s.fs.blockSize;
  const min = hwCapable(s) || s.fs.reflink ? bs : 0;
  const max = s.fs.reflink ? s.fs.swAtomicMax : hwCapable(s) ? bs : 0;
  const maxOpt = max > bs ? Math.min(max, xfsHwAtomicMax(s)) : 0;
  return { min, max, maxOpt };
}

type XfsStart = Pick<DioWrite, 'lock' | 'forceWait' | 'xfsMode' | 'swCause' | 'nowaitRefusal'>;

/**
 * The IOLOCK mode, forced wait and atomic mode a direct write starts with
 * (xfs_file_dio_write_aligned / _unaligned / _atomic and xfs_file_write_checks).
 */
export function xfsDioWriteStart(w: World, s: Settings, req: WriteReq): XfsStart {
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const bs = s.fs.blockSize;
  const beyondEof = req.pos > inode.size ? 'write starts beyond EOF (zeroing the gap would block)' : null;
  if (!req.atomic) {
    const unaligned = req.pos % bs !== 0 || req.count % bs !== 0;
    if (!unaligned) return { lock: 'shared', forceWait: false, xfsMode: 'hw', swCause: null, nowaitRefusal: beyondEof };
    // xfs_file_dio_write_unaligned: an extending write goes exclusive at once; otherwise a
    // shared IOMAP_DIO_OVERWRITE_ONLY attempt that gets -EAGAIN unless the range is written,
    // then the exclusive retry with FORCE_WAIT (modelled directly).
    let overwrite = req.pos + req.count < inode.size;
    for (let b = req.blk; b < req.blk + req.nblk; b++) if (inode.map[b]?.kind !== 'written') overwrite = false;
    if (overwrite) return { lock: 'shared', forceWait: false, xfsMode: 'hw', swCause: null, nowaitRefusal: null };
    const why = req.pos + req.count >= inode.size ? 'unaligned write touching EOF needs IOLOCK excl' : 'unaligned write is not a pure overwrite';
    return { lock: 'excl', forceWait: true, xfsMode: 'hw', swCause: null, nowaitRefusal: why };
  }
  const tooBig = req.count > xfsHwAtomicMax(s);
  if (s.knobs.xfsSwAtomicRetry === 'posted-v4' || !tooBig) return { lock: 'shared', forceWait: false, xfsMode: 'hw', swCause: null, nowaitRefusal: beyondEof };
  return { ...xfsSwMode(s, 'too big for hw'), nowaitRefusal: beyondEof };
}

function xfsSwMode(s: Settings, cause: DioWrite['swCause']): Pick<DioWrite, 'lock' | 'forceWait' | 'xfsMode' | 'swCause'> {
  const excl = s.knobs.xfsSwAtomicRetry !== 'merged-6.16';
  return { lock: excl ? 'excl' : 'shared', forceWait: excl, xfsMode: 'sw', swCause: cause };
}

/**
 * After iomap_dio_rw returned in xfs_file_dio_write_atomic: the software retry, or null.
 * posted-v4 retries on any -EAGAIN (seed 003); the later variants only on -ENOPROTOOPT.
 */
export function xfsAtomicRetry(s: Settings, st: DioWrite, failure: DioWrite['failure']): Pick<DioWrite, 'lock' | 'forceWait' | 'xfsMode' | 'swCause'> | null {
  if (!st.req.atomic || st.xfsMode === 'sw') return null;
  if (s.knobs.xfsSwAtomicRetry === 'posted-v4') {
    if (st.ret !== 'EAGAIN' || st.req.nowait) return null;
    return xfsSwMode(s, failure === 'invalidate' ? 'EAGAIN from invalidation' : 'iomap_begin refused hw');
  }
  return st.ret === 'ENOPROTOOPT' ? xfsSwMode(s, 'iomap_begin refused hw') : null;
}

/** ->iomap_begin for the next part of a direct write. */
export function xfsIomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const from = req.blk + st.done;
  const left = req.nblk - st.done;
  const bs = s.fs.blockSize;
  const cowAt = (b: number) => {
    const c = inode.cow[b];
    return c !== undefined && c.kind === 'staging' ? c.p : null;
  };

  if (req.atomic && st.xfsMode === 'sw') {
    const fn = 'xfs_atomic_write_cow_iomap_begin';
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT on the software path' };
    const need: number[] = [];
    for (let b = from; b < from + left; b++) if (cowAt(b) === null) need.push(b);
    const got = allocBlocks(allocatable(w), need.length);
    if (got === null) return { kind: 'error', fn, err: 'ENOSPC', why: 'no free blocks for CoW staging' };
    const alloc: Alloc[] = need.map((blk, i) => ({ blk, p: got[i] as number, into: 'cow' }));
    const staged = (b: number) => cowAt(b) ?? alloc.find((a) => a.blk === b)?.p ?? -1;
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
  // NOWAIT needs one mapping spanning the whole range, so a later -EAGAIN cannot abort a
  // partly issued write.
  if (req.nowait && n < left) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and the mapping does not span the range' };
  return { kind: 'map', fn, seg: { blk: from, nblk: n, p: m0.p, type: m0.kind }, alloc: [], atomicBio: false, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
}

/**
 * xfs_dio_write_end_io: remap CoW staging blocks into the data fork (one transaction for an
 * atomic write, xfs_reflink_end_atomic_cow; per extent otherwise, xfs_reflink_end_cow),
 * convert unwritten extents, update the size. Returns the kernel function names run.
 */
export function xfsDioWriteEndIo(w: World, st: DioWrite): string {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const done: string[] = [];
  if (st.segs.some((g) => g.type === 'cow')) {
    for (let b = req.blk; b < req.blk + st.done; b++) {
      const c = inode.cow[b];
      if (c === undefined || c.kind !== 'staging') continue;
      const old = inode.map[b];
      if (old !== undefined && (old.kind === 'written' || old.kind === 'unwritten')) freeBlock(w.free, old.p);
      setMapping(inode, b, { kind: 'written', p: c.p });
      setCow(inode, b, { kind: 'none' });
      markDirty(w);
    }
    done.push(req.atomic ? 'xfs_reflink_end_atomic_cow' : 'xfs_reflink_end_cow');
  }
  for (const g of st.segs) {
    if (g.type !== 'unwritten') continue;
    for (let i = 0; i < g.nblk; i++) {
      const m = inode.map[g.blk + i];
      if (m !== undefined && m.kind === 'unwritten' && m.p === g.p + i) {
        setMapping(inode, g.blk + i, { kind: 'written', p: m.p });
        markDirty(w);
      }
    }
    if (!done.includes('xfs_iomap_write_unwritten')) done.push('xfs_iomap_write_unwritten');
  }
  const end = req.pos + req.count;
  if (end > inode.size) {
    inode.size = end;
    markDirty(w);
    done.push('xfs_setfilesize');
  }
  return done.length > 0 ? done.join(' + ') : 'nothing to do';
}

/**
 * xfs_file_write_checks → kiocb_modified: with IOCB_NOWAIT, a write whose timestamps need
 * updating gets -EAGAIN. Whether they do depends on the clock (the conformance run saw the
 * same program succeed and fail), so a NOWAIT write on XFS may take either branch.
 */
export function xfsNowaitTimestampRefusal(s: Settings, req: WriteReq, refuse: (d: World) => void): Step[] {
  if (s.fs.kind !== 'xfs' || !req.nowait) return [];
  return [{ fn: 'xfs_file_write_checks', what: 'kiocb_modified: timestamps need updating and IOCB_NOWAIT: -EAGAIN', apply: refuse }];
}
