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

/**
 * xfs_end_ioend → xfs_setfilesize for a writeback bio that completed without error: when
 * the ioend ends past the on-disk size, di_size moves up to it, clamped to i_size
 * (xfs_new_eof), in a transaction of its own. So the on-disk size never covers a block whose
 * data has not reached the disk. ext4 moves i_disksize when it submits the bio
 * (mpage_map_and_submit_extent) over blocks that stay unwritten until the bio completes;
 * the model moves it at completion for both (see proofs-notes/sizes-truncate-fallocate.md).
 */
export function xfsSetfilesize(w: World, bio: number, blockSize: number): void {
  const io = w.ioends.find((x) => x.bio === bio);
  const inode = io === undefined ? undefined : w.inodes[io.ino];
  if (io === undefined || inode === undefined || io.blocks.length === 0) return;
  const end = (Math.max(...io.blocks.map((b) => b.blk)) + 1) * blockSize;
  const size = Math.min(end, inode.size);
  if (size <= inode.diskSize) return;
  inode.diskSize = size;
  markDirty(w, io.ino);
}
