/**
 * XFS speculative preallocation as Linux 6.18 sizes it (fs/xfs/xfs_iomap.c:
 * xfs_buffered_write_iomap_begin, xfs_iomap_prealloc_size). Each case is worked out from the
 * kernel source by hand: the size xfs_iomap_prealloc_size returns, and the blocks past the
 * write's end that p_end_fsb (XFS_ALLOC_ALIGN of the last byte, plus the preallocation) adds.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BS, DEVICES, initWorld, KiB, open, settings } from '../spec/index.ts';
import { xfsBufferedWriteIomapBegin, xfsIomapPreallocSize, xfsPreallocBlocks } from '../spec/fs/xfs/xfs_iomap.ts';
import type { InitialBlock, Inode } from '../spec/fs/types.ts';
import type { WriteReq } from '../spec/vfs/types.ts';

const hole: InitialBlock = 'hole';

/** A world with one XFS file of these blocks and this size; its settings and inode. */
function file(blocks: InitialBlock[], size: number, allocsize?: number) {
  const s = settings({ name: 'prealloc', fs: { kind: 'xfs', physBlocks: 64, ...(allocsize === undefined ? {} : { allocsize }) }, device: DEVICES.loop, files: [{ blocks, size }], programs: [[open(0)]], maxPowerLosses: 0, properties: [] });
  const inode = initWorld(s).inodes[0] as Inode;
  return { fs: s.fs, inode };
}

function write(pos: number, count: number): WriteReq {
  const blk = Math.floor(pos / BS);
  return { id: 'W', fd: 0, ino: 0, pos, count, blk, nblk: Math.ceil((pos + count) / BS) - blk, atomic: false, nowait: false, dsync: false, sync: false, iov: [count], dontcache: false, badPage: null };
}

/** `n` written blocks on physical blocks p0.. (contiguous), or split after `breakAt` blocks. */
function written(n: number, breakAt = n): InitialBlock[] {
  return Array.from({ length: n }, (_, b) => ({ written: b < breakAt ? b : b + 20 }));
}
const holes = (n: number): InitialBlock[] => Array.from({ length: n }, () => hole);

describe('xfs_iomap_prealloc_size: the default dynamic scheme', () => {
  it('nothing while i_size is below m_allocsize_blocks (64 KiB): an 8 KiB write into an empty file reserves only its own blocks', () => {
    const { fs, inode } = file(holes(8), 0);
    assert.equal(xfsIomapPreallocSize(fs, inode, 0), 0);
    assert.deepEqual(xfsBufferedWriteIomapBegin(fs, inode, write(0, 2 * BS), 0).reserve, [0, 1]);
    // One byte short of 64 KiB is still "probably the only write".
    const { fs: fs2, inode: i2 } = file([...written(15), ...holes(8)], 64 * KiB - 1);
    assert.equal(xfsIomapPreallocSize(fs2, i2, 16), 0);
  });
  it('the minimum (16 blocks) after a hole, from 64 KiB of i_size; p_end_fsb from the 64 KiB-aligned last byte', () => {
    const { fs, inode } = file([...written(16), ...holes(16)], 64 * KiB);
    assert.equal(xfsIomapPreallocSize(fs, inode, 17), 16);
    // Last byte in block 17, aligned down to block 16, + 16 = 32: blocks 18-31.
    assert.equal(xfsPreallocBlocks(fs, inode, write(17 * BS, BS), 17), 14);
  });
  it('twice the preceding physically contiguous extents, rounded down to a power of two', () => {
    const run = file([...written(16), ...holes(8)], 64 * KiB);
    assert.equal(xfsIomapPreallocSize(run.fs, run.inode, 16), 32);
    // A physical discontinuity after 8 blocks: only the last 8 count, 16 = the minimum.
    const split = file([...written(16, 8), ...holes(8)], 64 * KiB);
    assert.equal(xfsIomapPreallocSize(split.fs, split.inode, 16), 16);
    // 24 contiguous blocks: 48 rounded down to 32.
    const big = file([...written(24), ...holes(8)], 96 * KiB);
    assert.equal(xfsIomapPreallocSize(big.fs, big.inode, 24), 32);
  });
  it('a delalloc extent right before the write counts on its own; the real extent before it does not (isnullstartblock)', () => {
    const { fs, inode } = file([...written(4), ...holes(20)], 96 * KiB);
    const d: Inode = { ...inode, map: inode.map.map((m, b) => (b >= 4 && b < 22 ? { kind: 'delalloc' } : m)) };
    // 18 delalloc blocks: 36 → 32.
    assert.equal(xfsIomapPreallocSize(fs, d, 22), 32);
  });
});

describe('xfs_buffered_write_iomap_begin: when and how far it preallocates', () => {
  it('allocsize= gives m_allocsize_blocks at any size, aligned: 16 KiB after an 8 KiB write at 0 reserves blocks 2-3', () => {
    const { fs, inode } = file(holes(8), 0, 16 * KiB);
    assert.deepEqual(xfsBufferedWriteIomapBegin(fs, inode, write(0, 2 * BS), 0).reserve, [0, 1, 2, 3]);
    // A write ending in the next 16 KiB unit preallocates to that unit's end plus 16 KiB.
    assert.equal(xfsPreallocBlocks(fs, inode, write(0, 5 * BS), 0), 8 - 5);
  });
  it('allocsize=4k adds nothing past a block-aligned write (p_end_fsb = end_fsb)', () => {
    const { fs, inode } = file(holes(8), 0, 4 * KiB);
    assert.equal(xfsPreallocBlocks(fs, inode, write(0, 2 * BS), 0), 0);
  });
  it('none when the write does not pass i_size, or an extent lies at or after it (eof false)', () => {
    const inside = file(holes(8), 8 * BS, 16 * KiB);
    assert.equal(xfsPreallocBlocks(inside.fs, inside.inode, write(0, 2 * BS), 0), 0);
    const later = file([hole, hole, hole, { written: 0 }], 0, 16 * KiB);
    assert.equal(xfsPreallocBlocks(later.fs, later.inode, write(0, BS), 0), 0);
  });
  it('stays within the modelled file', () => {
    const { fs, inode } = file(holes(3), 0, 64 * KiB);
    assert.deepEqual(xfsBufferedWriteIomapBegin(fs, inode, write(0, BS), 0).reserve, [0, 1, 2]);
  });
});
