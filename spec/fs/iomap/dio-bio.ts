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
 * The file offset where the first misaligned part of this mapping's user data begins, or
 * null when all of it is aligned to the logical block size. Each segment is its own aligned
 * buffer (as the conformance helper allocates them). bio_iov_iter_get_pages aligns a bio's
 * size down to the logical block size, so the aligned part of a piece whose length is not
 * aligned still goes out, and the bio after it fails in bio_split_io_at; a piece that
 * starts at a misaligned address in its buffer fails at once.
 */
export function firstMisalignedPiece(req: WriteReq, seg: IomapSeg, bs: number, sectorSize: number): number | null {
  const { start, end } = segBytes(req, seg, bs);
  const sm = sectorSize - 1;
  let at = req.pos;
  for (const len of req.iov) {
    const lo = Math.max(at, start);
    const hi = Math.min(at + len, end);
    if (hi > lo && ((lo - at) & sm) !== 0) return lo;
    if (hi > lo && ((hi - lo) & sm) !== 0) return lo + ((hi - lo) & ~sm);
    at += len;
  }
  return null;
}

/**
 * How many blocks of the mapping reach the device before the misaligned part at file offset
 * `bad`: every whole block before it (observed on Linux 6.18 as conformance gap G8: the
 * aligned head of a write whose second segment was misaligned landed, and the write
 * returned EINVAL).
 */
export function blocksBeforeBad(seg: IomapSeg, bad: number, bs: number): number {
  return Math.max(0, Math.floor(bad / bs) - seg.blk);
}
