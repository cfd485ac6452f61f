/**
 * What ->iomap_begin hands back to iomap_dio_rw, and helpers the file-system personalities
 * share. A plan is computed purely from the state (so a step can be labelled before it is
 * taken) and then applied.
 *
 * Models Linux 6.18 (fs/iomap/iter.c, direct-io.c).
 */
import { setCow, setMapping } from '../allocator.ts';
import { inodeMetaDirty, markDirty, markDirtyPure } from '../journal.ts';
import { copied, frozen, keepIfSame, withAt, withMembers } from '../../cow.ts';
import type { DeviceSettings, Errno, IomapSeg, Mapping, WriteReq, World } from '../../types.ts';

export interface Alloc {
  blk: number;
  p: number;
  into: 'data' | 'cow';
}

export type IomapPlan =
  | { kind: 'map'; fn: string; seg: IomapSeg; alloc: Alloc[]; atomicBio: boolean; fua: boolean }
  /** ext4 (6.16): zero these blocks and make the range one written extent before the I/O. */
  | { kind: 'zero'; fn: string; alloc: Alloc[]; zero: Array<{ blk: number; p: number }> }
  | { kind: 'error'; fn: string; err: Errno | 'ENOPROTOOPT'; why: string };

export function applyAllocs(w: World, ino: number, alloc: Alloc[]): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  for (const a of alloc) {
    if (w.free[a.p] !== true) throw new Error(`allocation of busy p${a.p}`);
    w.free[a.p] = false;
    if (a.into === 'data') setMapping(inode, a.blk, { kind: 'unwritten', p: a.p });
    else setCow(inode, a.blk, { kind: 'staging', p: a.p, real: true });
  }
  if (alloc.length > 0) markDirty(w, ino);
}

/** applyAllocs without a draft (issue 10k): `w` itself when nothing is allocated. */
export function applyAllocsPure(w: World, ino: number, alloc: Alloc[]): World {
  if (alloc.length === 0) return w;
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  const free = copied(w.free);
  const map = copied(inode.map);
  const cow = copied(inode.cow);
  for (const a of alloc) {
    if (free[a.p] !== true) throw new Error(`allocation of busy p${a.p}`);
    free[a.p] = false;
    if (a.into === 'data') map[a.blk] = frozen({ kind: 'unwritten', p: a.p });
    else cow[a.blk] = frozen({ kind: 'staging', p: a.p, real: true });
  }
  // setMapping / setCow: one sequence number per change.
  const changed = withMembers(inode, { map: keepIfSame(inode.map, map), cow: keepIfSame(inode.cow, cow), seq: inode.seq + alloc.length });
  return markDirtyPure(withMembers(w, { free: frozen(free), inodes: withAt(w.inodes, ino, changed) }), ino);
}

/** Whether blocks [from, from+n) of `map` are one physically contiguous run. */
export function contiguous(map: Mapping[], from: number, n: number): number | null {
  const m0 = map[from];
  if (m0 === undefined || (m0.kind !== 'written' && m0.kind !== 'unwritten')) return null;
  for (let i = 1; i < n; i++) {
    const m = map[from + i];
    if (m === undefined || (m.kind !== 'written' && m.kind !== 'unwritten') || m.p !== m0.p + i) return null;
  }
  return m0.p;
}

/** Length of the run at `from` (within `left`) that keeps `same` true for consecutive blocks. */
export function runLength(left: number, same: (i: number) => boolean): number {
  let n = 1;
  while (n < left && same(n)) n++;
  return n;
}

/**
 * Whether a REQ_FUA write can replace the post-write sync (iomap_dio_can_use_fua): a
 * pure overwrite, no IOMAP_F_DIRTY (the inode has no uncommitted metadata; modelled as a
 * clean inode in the journal), and a device without a volatile cache or with FUA.
 */
export function canUseFua(w: World, req: WriteReq, ds: DeviceSettings, pureOverwrite: boolean): boolean {
  return req.dsync && !req.sync && pureOverwrite && !inodeMetaDirty(w, req.ino) && (!ds.writeCache || ds.fua);
}

/** Length of the contiguous prefix of a list of physical blocks. */
export function contiguousPrefix(ps: number[]): number {
  let n = 1;
  while (n < ps.length && ps[n] === (ps[0] ?? 0) + n) n++;
  return n;
}
