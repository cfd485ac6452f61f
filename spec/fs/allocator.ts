/**
 * Free-space map, block allocators and the per-inode extent map (data fork + CoW fork).
 *
 * Allocation is deterministic (lowest address first): the interesting nondeterminism is in
 * interleavings and power loss, not in which free block an allocator prefers.
 *
 * Models Linux 6.18 (fs/ext4/mballoc.c, fs/xfs/libxfs/xfs_bmap.c).
 */
import type { CowMapping, Inode, Mapping, World } from '../types.ts';

/**
 * Blocks an allocator may hand out: free in memory and in the committed metadata. A block
 * freed by a transaction that has not committed is busy (xfs_extent_busy; ext4's
 * mb_free_metadata): reusing it before the commit would let new data overwrite blocks that
 * a power loss gives back to their old owner.
 */
export function allocatable(w: World): boolean[] {
  return w.free.map((f, p) => f && w.journal.committed.free[p] === true);
}

/** First run of n free blocks whose start is a multiple of `align`, or null. */
function findRun(free: boolean[], n: number, align: number): number | null {
  for (let p = 0; p + n <= free.length; p += align) {
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = free[p + i] === true;
    if (ok) return p;
  }
  return null;
}

function take(free: boolean[], ps: number[]): number[] {
  for (const p of ps) {
    if (free[p] !== true) throw new Error(`allocator: p${p} is not free`);
    free[p] = false;
  }
  return ps;
}

/**
 * ext4_mb_new_blocks with the RFC's aligned allocation (EXT4_MB_ALIGNED): a power-of-two
 * run aligned to its own length, or null when free space has none (the RFC fails then).
 */
export function ext4MbAlignedAlloc(free: boolean[], n: number): number[] | null {
  const p = findRun(free, n, n);
  return p === null ? null : take(free, Array.from({ length: n }, (_, i) => p + i));
}

/** Ordinary allocation (ext4 mballoc / xfs_bmapi_write): contiguous if possible, else the lowest free blocks. */
export function allocBlocks(free: boolean[], n: number): number[] | null {
  const run = findRun(free, n, 1);
  if (run !== null) return take(free, Array.from({ length: n }, (_, i) => run + i));
  const ps: number[] = [];
  for (let p = 0; p < free.length && ps.length < n; p++) if (free[p] === true) ps.push(p);
  return ps.length === n ? take(free, ps) : null;
}

export function freeBlock(free: boolean[], p: number): void {
  if (free[p] === true) throw new Error(`allocator: double free of p${p}`);
  free[p] = true;
}

/** Change one data-fork mapping; every extent-map change bumps if_seq. */
export function setMapping(ino: Inode, blk: number, m: Mapping): void {
  ino.map[blk] = m;
  ino.seq++;
}

export function setCow(ino: Inode, blk: number, c: CowMapping): void {
  ino.cow[blk] = c;
  ino.seq++;
}

/** Physical block of a mapping, or null for holes and delalloc. */
export function physOf(m: Mapping | undefined): number | null {
  return m !== undefined && (m.kind === 'written' || m.kind === 'unwritten') ? m.p : null;
}

/** Extents as a kernel developer would print them: `[0-1] written p4-p5, [2] hole`. */
export function describeExtents(map: Mapping[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < map.length) {
    const m = map[i] as Mapping;
    let j = i + 1;
    const p0 = physOf(m);
    while (j < map.length) {
      const n = map[j] as Mapping;
      const pn = physOf(n);
      if (n.kind !== m.kind || (p0 !== null && pn !== p0 + (j - i))) break;
      j++;
    }
    const range = j - i === 1 ? `[${i}]` : `[${i}-${j - 1}]`;
    parts.push(p0 === null ? `${range} ${m.kind}` : `${range} ${m.kind} p${p0}${j - i > 1 ? `-p${p0 + j - i - 1}` : ''}`);
    i = j;
  }
  return parts.join(', ');
}

/**
 * Remove the mappings of file blocks [from, to) (xfs_bunmapi / ext4_ext_remove_space): real
 * blocks and CoW staging blocks go back to the free map, delalloc reservations are dropped.
 * Returns whether anything changed (the caller logs the inode).
 */
export function unmapRange(w: World, ino: Inode, from: number, to: number): boolean {
  let changed = false;
  for (let b = Math.max(0, from); b < Math.min(to, ino.map.length); b++) {
    const m = ino.map[b] as Mapping;
    if (m.kind === 'written' || m.kind === 'unwritten') freeBlock(w.free, m.p);
    if (m.kind !== 'hole') {
      setMapping(ino, b, { kind: 'hole' });
      changed = true;
    }
    const c = ino.cow[b];
    if (c !== undefined && c.kind === 'staging') {
      freeBlock(w.free, c.p);
      setCow(ino, b, { kind: 'none' });
      changed = true;
    }
  }
  return changed;
}

/**
 * Unwritten extents over file blocks [from, to) (xfs_alloc_file_space with XFS_BMAPI_PREALLOC,
 * ext4_alloc_file_blocks with EXT4_GET_BLOCKS_CREATE_UNWRIT_EXT): a hole or delalloc block
 * gets a block allocated unwritten; with `convertWritten` (ext4's ZERO_RANGE,
 * EXT4_GET_BLOCKS_CONVERT_UNWRITTEN) a written block becomes unwritten in place. Returns the
 * blocks changed, or null when free space ran out (the blocks allocated before stay).
 */
export function allocUnwrittenRange(w: World, ino: Inode, from: number, to: number, convertWritten: boolean): number[] | null {
  const changed: number[] = [];
  for (let b = Math.max(0, from); b < Math.min(to, ino.map.length); b++) {
    const m = ino.map[b] as Mapping;
    if (m.kind === 'written' && convertWritten) {
      setMapping(ino, b, { kind: 'unwritten', p: m.p });
      changed.push(b);
      continue;
    }
    if (m.kind !== 'hole' && m.kind !== 'delalloc') continue;
    const got = allocBlocks(allocatable(w), 1)?.[0];
    if (got === undefined) return null;
    w.free[got] = false;
    setMapping(ino, b, { kind: 'unwritten', p: got });
    changed.push(b);
  }
  return changed;
}
