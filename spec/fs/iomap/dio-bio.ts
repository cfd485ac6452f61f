/**
 * iomap_dio_bio_iter (fs/iomap/direct-io.c, Linux 6.18): how one mapping of a direct write
 * becomes requests. The (pos | length) alignment to the logical block size is checked per
 * mapping; a user segment that is not aligned shows only when its bio is split
 * (bio_split_io_at: bv_len & dma_alignment → -EINVAL), so requests cut before it have
 * already gone to the device: the error wins, their data lands, allocations stay.
 */
import type { IomapSeg } from './types.ts';
import type { WriteReq } from '../../vfs/types.ts';

/** The byte range of the write that one mapping covers. */
export function segBytes(req: WriteReq, seg: IomapSeg, bs: number): { start: number; end: number } {
  return { start: Math.max(req.pos, seg.blk * bs), end: Math.min(req.pos + req.count, (seg.blk + seg.nblk) * bs) };
}

/** `iomap_dio_bio_iter`'s first check: the mapping's pos and length are logical-block aligned. */
export function mappingAligned(req: WriteReq, seg: IomapSeg, bs: number, sectorSize: number): boolean {
  const { start, end } = segBytes(req, seg, bs);
  return ((start | (end - start)) & (sectorSize - 1)) === 0;
}

/**
 * The file offset where the first user-segment piece of this mapping begins whose length, or
 * whose address in its segment's buffer, is not aligned to the logical block size (each
 * segment is its own aligned buffer, as the conformance helper allocates them), or null
 * when every piece is aligned. bio_split_io_at refuses the bio at that piece's bvec.
 */
export function firstMisalignedPiece(req: WriteReq, seg: IomapSeg, bs: number, sectorSize: number): number | null {
  const { start, end } = segBytes(req, seg, bs);
  let at = req.pos;
  for (const len of req.iov) {
    const lo = Math.max(at, start);
    const hi = Math.min(at + len, end);
    if (hi > lo && (((hi - lo) | (lo - at)) & (sectorSize - 1)) !== 0) return lo;
    at += len;
  }
  return null;
}

/**
 * How many blocks of the mapping reach the device before a misaligned piece at file offset
 * `bad`: bio_split_io_at cuts the bio into requests of `maxBlocks` blocks while it walks the
 * bvecs, so the requests cut off before it reaches the bad bvec go out, and the rest fails.
 * (The conformance campaign confirmed it: with the misaligned piece in a bio's first request,
 * nothing of that mapping lands.)
 */
export function blocksBeforeBadRequest(seg: IomapSeg, bad: number, bs: number, maxBlocks: number): number {
  return Math.max(0, Math.floor((Math.floor(bad / bs) - seg.blk) / maxBlocks) * maxBlocks);
}
