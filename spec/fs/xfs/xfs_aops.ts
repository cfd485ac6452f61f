/**
 * XFS writeback's side of the mapping (fs/xfs/xfs_aops.c xfs_map_blocks, and
 * libxfs/xfs_bmap.c xfs_bmapi_convert_delalloc, Linux 6.18).
 */
import { allocatable, allocBlocks, setMapping } from '../allocator.ts';
import { markDirty } from '../journal.ts';
import type { World } from '../../types.ts';

/**
 * xfs_bmapi_convert_delalloc: writeback of one folio over a delalloc extent allocates the
 * whole delalloc extent that backs it — from its start, beyond the folio, including any
 * speculative preallocation — as unwritten extents (XFS_BMAPI_PREALLOC, "xfs: force writes
 * to delalloc regions to unwritten", 5.8) in one transaction. Every block's mapping changes,
 * so if_seq moves and every iomap cached over the extent is stale. Returns the physical
 * block now backing `blk`, or null when free space ran out.
 */
export function xfsBmapiConvertDelalloc(w: World, ino: number, blk: number): number | null {
  const inode = w.inodes[ino];
  if (inode === undefined || inode.map[blk]?.kind !== 'delalloc') throw new Error(`no delalloc at ${ino}:${blk}`);
  let start = blk;
  while (start > 0 && inode.map[start - 1]?.kind === 'delalloc') start--;
  let end = blk + 1;
  while (inode.map[end]?.kind === 'delalloc') end++;
  const got = allocBlocks(allocatable(w), end - start);
  if (got === null) return null;
  got.forEach((p, i) => {
    w.free[p] = false;
    setMapping(inode, start + i, { kind: 'unwritten', p });
  });
  markDirty(w, ino);
  return got[blk - start] ?? null;
}
