/**
 * ext4_iomap_begin for direct writes (fs/ext4/inode.c, with ext4_iomap_alloc and
 * ext4_map_blocks; mballoc's aligned allocation for the RFC), under the `ext4AtomicAlloc`
 * knob. Linux 6.18; Documentation/filesystems/ext4/atomic_writes.rst; seed 001.
 */
import { inodeOf } from '../../vfs/fd.ts';
import { allocatable, allocBlocks, ext4MbAlignedAlloc, setMapping } from '../allocator.ts';
import { canUseFua, contiguous, contiguousPrefix, runLength, type Alloc, type IomapPlan } from '../iomap/iter.ts';
import { markDirty } from '../journal.ts';
import type { Mapping } from '../types.ts';
import type { DioWrite } from '../iomap/types.ts';
import type { Settings, World } from '../../world.ts';

export const isMapped = (m: Mapping | undefined): m is Extract<Mapping, { p: number }> => m?.kind === 'written' || m?.kind === 'unwritten';

/** ext4_iomap_begin (+ ext4_iomap_alloc / ext4_map_blocks) for the next part of a direct write. */
export function ext4IomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const from = req.blk + st.done;
  const left = req.nblk - st.done;
  const bs = s.fs.blockSize;
  const map = inode.map;
  const fn = 'ext4_iomap_begin';
  const holes: number[] = [];
  for (let b = from; b < from + left; b++) if (!isMapped(map[b])) holes.push(b);

  if (req.atomic) {
    const knob = s.knobs.ext4AtomicAlloc;
    if (holes.length === left) {
      // ext4_mb_new_blocks with aligned allocation (the RFC) / a whole cluster (bigalloc).
      const got = ext4MbAlignedAlloc(allocatable(w), left);
      if (got !== null) {
        const alloc: Alloc[] = got.map((p, i) => ({ blk: from + i, p, into: 'data' }));
        return { kind: 'map', fn: 'ext4_iomap_alloc', seg: { blk: from, nblk: left, p: got[0] as number, type: 'unwritten' }, alloc, atomicBio: true, fua: false };
      }
      if (knob !== 'fall-back-to-unaligned') return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: `no ${left}-block aligned free run` };
      const anywhere = allocBlocks(allocatable(w), left);
      if (anywhere === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
      const n = contiguousPrefix(anywhere);
      const alloc: Alloc[] = anywhere.map((p, i) => ({ blk: from + i, p, into: 'data' }));
      return { kind: 'map', fn: 'ext4_iomap_alloc (unaligned fallback)', seg: { blk: from, nblk: n, p: anywhere[0] as number, type: 'unwritten' }, alloc, atomicBio: n === left, fua: false };
    }
    const allWritten = holes.length === 0 && Array.from({ length: left }, (_, i) => map[from + i]?.kind === 'written').every(Boolean);
    const p0 = contiguous(map, from, left);
    if (knob === 'bigalloc-zero-and-commit') {
      if (p0 !== null && (allWritten || Array.from({ length: left }, (_, i) => map[from + i]?.kind === 'unwritten').every(Boolean))) {
        return { kind: 'map', fn, seg: { blk: from, nblk: left, p: p0, type: allWritten ? 'written' : 'unwritten' }, alloc: [], atomicBio: true, fua: canUseFua(w, req, s.device, allWritten) };
      }
      // Mixed mapping: the cluster's blocks sit at fixed offsets, so a hole takes the
      // block its written neighbours imply; zero everything not written, then commit.
      const anchor = Array.from({ length: left }, (_, i) => from + i).find((b) => isMapped(map[b]));
      const base = anchor === undefined ? null : (map[anchor] as { p: number }).p - (anchor - from);
      const inCluster = (b: number) => {
        const m = map[b];
        return isMapped(m) ? m.p === (base ?? 0) + (b - from) : allocatable(w)[(base ?? 0) + (b - from)] === true;
      };
      if (base === null || allWritten || !Array.from({ length: left }, (_, i) => from + i).every(inCluster)) {
        // iomap_dio_bio_iter: an atomic write needs one mapping covering the whole range.
        return { kind: 'error', fn, err: 'EINVAL', why: 'the range is not one physically contiguous extent' };
      }
      const alloc: Alloc[] = holes.map((b) => ({ blk: b, p: base + (b - from), into: 'data' }));
      const zero: Array<{ blk: number; p: number }> = [];
      for (let b = from; b < from + left; b++) if (map[b]?.kind !== 'written') zero.push({ blk: b, p: base + (b - from) });
      return { kind: 'zero', fn: 'ext4_map_blocks(EXT4_GET_BLOCKS_ZERO)', alloc, zero };
    }
    // The RFC: holes get blocks, and a physically contiguous aligned range goes out as one
    // request whose unwritten blocks are converted at I/O completion.
    const got = holes.length > 0 ? allocBlocks(allocatable(w), holes.length) : [];
    if (got === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
    const alloc: Alloc[] = holes.map((b, i) => ({ blk: b, p: got[i] as number, into: 'data' }));
    const pOf = (b: number) => alloc.find((a) => a.blk === b)?.p ?? (map[b] as { p: number }).p;
    const n = runLength(left, (i) => pOf(from + i) === pOf(from) + i);
    const whole = st.done === 0 && n === left && (pOf(from) * bs) % (left * bs) === 0;
    const kinds = new Set(Array.from({ length: n }, (_, i) => (alloc.some((a) => a.blk === from + i) ? 'unwritten' : map[from + i]?.kind)));
    const type = kinds.size > 1 ? 'mixed' : kinds.has('written') ? 'written' : 'unwritten';
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: pOf(from), type }, alloc, atomicBio: whole, fua: canUseFua(w, req, s.device, type === 'written') };
  }

  const m0 = map[from];
  if (!isMapped(m0)) {
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and allocation needed' };
    const k = runLength(left, (i) => !isMapped(map[from + i]));
    const got = allocBlocks(allocatable(w), k);
    if (got === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
    const n = contiguousPrefix(got);
    const alloc: Alloc[] = got.slice(0, n).map((p, i) => ({ blk: from + i, p, into: 'data' }));
    return { kind: 'map', fn: 'ext4_iomap_alloc', seg: { blk: from, nblk: n, p: got[0] as number, type: 'unwritten' }, alloc, atomicBio: false, fua: false };
  }
  const n = runLength(left, (i) => {
    const m = map[from + i];
    return isMapped(m) && m.kind === m0.kind && m.p === m0.p + i;
  });
  return { kind: 'map', fn, seg: { blk: from, nblk: n, p: m0.p, type: m0.kind }, alloc: [], atomicBio: false, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
}

/** After the zeroing I/O: the range becomes one written extent (ext4_map_blocks ZERO). */
export function ext4ZeroedToWritten(w: World, st: DioWrite): void {
  const inode = w.inodes[st.req.ino];
  if (inode === undefined) throw new Error(`no inode ${st.req.ino}`);
  for (let b = st.req.blk + st.done; b < st.req.blk + st.req.nblk; b++) {
    const m = inode.map[b];
    if (m !== undefined && m.kind === 'unwritten') setMapping(inode, b, { kind: 'written', p: m.p });
  }
  markDirty(w, st.req.ino);
}
