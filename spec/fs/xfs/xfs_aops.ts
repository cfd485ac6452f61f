/**
 * XFS writeback's side of the mapping (fs/xfs/xfs_aops.c xfs_map_blocks, and
 * libxfs/xfs_bmap.c xfs_bmapi_convert_delalloc, Linux 6.18).
 */
import { allocatable, allocBlocks, setMapping } from '../allocator.ts';
import { markDirty } from '../journal.ts';
import type { Inode } from '../types.ts';
import type { XfsWritebackMapValid } from '../../knobs.ts';
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

/**
 * The XFS writepage context of a ->writepages pass that runs folio by folio
 * (Settings.flusherPerFolio): struct xfs_writepage_ctx, its wpc->iomap (the extent mapping
 * cached across folios) and data_seq, and writeback_iter's position in the file.
 */
export interface XfsWritepageCtx {
  ino: number;
  /** writeback_iter goes on from the first folio at or after this file block. */
  next: number;
  /** wpc->iomap: file blocks [blk, blk + nblk) map to physical blocks from p, written or unwritten. */
  iomap: { blk: number; nblk: number; p: number; unwritten: boolean };
  /** XFS_WPC(wpc)->data_seq: the data fork's if_seq when the mapping was made. */
  dataSeq: number;
}

/**
 * xfs_imap_valid: may the pass reuse its cached mapping for file block `blk`? The offset must
 * lie inside it; since d9252d526ba6 the data fork must also not have changed since the mapping
 * was made (data_seq == if_seq). Before, only the offset was checked ('eof-trim'), and a punch,
 * truncate or post-EOF trim between two folios went unnoticed.
 */
export function xfsImapValid(wpc: XfsWritepageCtx, inode: Inode, blk: number, variant: XfsWritebackMapValid): boolean {
  if (blk < wpc.iomap.blk || blk >= wpc.iomap.blk + wpc.iomap.nblk) return false;
  return variant === 'eof-trim' || wpc.dataSeq === inode.seq;
}

/**
 * The mapping xfs_map_blocks caches after mapping file block `blk` (already written or
 * unwritten: a delalloc extent was converted first): from `blk` to the end of the extent
 * (blocks contiguous in the file and on disk, of one kind), and under 'eof-trim'
 * xfs_trim_extent_eof cuts it at EOF (`eofBlk`, the first block wholly beyond i_size).
 */
export function xfsCachedIomap(inode: Inode, blk: number, variant: XfsWritebackMapValid, eofBlk: number): XfsWritepageCtx['iomap'] | null {
  const m = inode.map[blk];
  if (m === undefined || (m.kind !== 'written' && m.kind !== 'unwritten')) return null;
  let n = 1;
  for (let x = inode.map[blk + n]; x !== undefined && x.kind === m.kind && x.p === m.p + n; x = inode.map[blk + n]) n++;
  const end = variant === 'eof-trim' ? Math.min(blk + n, Math.max(eofBlk, blk + 1)) : blk + n;
  return { blk, nblk: end - blk, p: m.p, unwritten: m.kind === 'unwritten' };
}

/**
 * The stale-iomap report for writeback sending file block `blk` of `ino` to physical block
 * `p` through the cached mapping, or null when `p` still backs that offset (an unwritten
 * block converted since is the same block: no harm).
 */
export function wpcStaleUse(w: World, wpc: XfsWritepageCtx, blk: number, p: number): string | null {
  const inode = w.inodes[wpc.ino];
  const now = inode?.map[blk];
  if (now !== undefined && (now.kind === 'written' || now.kind === 'unwritten') && now.p === p) return null;
  const owner = w.inodes.flatMap((i, ino) => i.map.flatMap((m, b) => ((m.kind === 'written' || m.kind === 'unwritten') && m.p === p ? [`file ${ino} block ${b}`] : [])));
  const where = w.free[p] === true ? 'free (its extent was unmapped)' : owner.length > 0 ? `now ${owner.join(', ')}` : 'no longer this file\'s';
  const io = wpc.iomap;
  return (
    `xfs_map_blocks reused the writepage context's cached mapping (wpc->iomap: file blocks ${io.blk}-${io.blk + io.nblk - 1} → p${io.p}-p${io.p + io.nblk - 1}, ${io.unwritten ? 'unwritten' : 'written'}, made when if_seq was ${wpc.dataSeq}) for folio ${wpc.ino}:${blk}: xfs_imap_valid checked only the offset, ` +
    `but the data fork has changed (if_seq ${inode?.seq ?? '?'}; file block ${blk} is now ${now?.kind ?? 'gone'}${now !== undefined && 'p' in now ? ` p${now.p}` : ''}), so the writeback bio writes the folio's data to p${p}, which is ${where}`
  );
}
