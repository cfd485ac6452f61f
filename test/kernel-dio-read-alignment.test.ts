/**
 * The O_DIRECT read alignment rule, as Linux 6.18 applies it.
 *
 * xfs_file_dio_read and ext4_dio_read_iter check nothing themselves; iomap_dio_rw reaches
 * iomap_dio_bio_iter (fs/iomap/direct-io.c) for every mapped (written) extent, which
 * refuses `(pos | length) & (bdev_logical_block_size(iomap->bdev) - 1)` with -EINVAL.
 * The unit is the device's logical block size (what statx reports as
 * stx_dio_read_offset_align: 512 on a loop device), not the file system block size
 * (4 KiB): a 512-byte read at offset 512 of a written block succeeds. (Holes and
 * unwritten extents go through iomap_dio_hole_iter, which has no alignment check: known
 * gap G6, the lead's correction 2.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedOutcomes, DEVICES, open, pread, settings, type InitialBlock, type ObservedResult } from '../spec/index.ts';

const BS = 4096;

function readResults(fs: 'xfs' | 'ext4', sectorSize: number, blocks: InitialBlock[], offset: number, len: number): ObservedResult[] {
  const s = settings({
    name: 'dio-read-align',
    fs: { kind: fs, physBlocks: 8, sectorSize },
    device: DEVICES.loop,
    files: [{ blocks }],
    programs: [[open(0, 'O_DIRECT'), pread(0, offset, len)]],
    maxPowerLosses: 0,
    backgroundCommit: false,
    properties: [],
  });
  return allowedOutcomes(s).map((o) => o[0]?.[1] ?? { op: 'open', ret: 'EBADF' });
}

const written: InitialBlock[] = [{ written: 0 }, { written: 1 }];

describe('O_DIRECT pread alignment over written blocks: the logical block size decides', () => {
  for (const fs of ['xfs', 'ext4'] as const) {
    const ok: Array<[number, number, string[]]> = [
      // A block read in part: the bytes not returned are '-' (sub-block tokens, spec/token.ts).
      [512, 512, ['{0:- 512:f0.init[0] 1024:-}']],
      [512, 1024, ['{0:- 512:f0.init[0] 1536:-}']],
      [BS - 512, 1024, ['{0:- 3584:f0.init[0]}', '{0:f0.init[1] 512:-}']],
      [BS + 1536, 512, ['{0:- 1536:f0.init[1] 2048:-}']],
      [0, 2 * BS, ['f0.init[0]', 'f0.init[1]']],
    ];
    for (const [off, len, data] of ok) {
      it(`${fs}, 512-byte sectors: pread(${len} @ ${off}) is sector aligned and returns ${len} bytes`, () => {
        const rs = readResults(fs, 512, written, off, len);
        assert.deepEqual(rs, [{ op: 'pread', ret: len, data }]);
      });
    }
    const bad: Array<[number, number]> = [
      [1, 512],
      [0, 100],
      [256, 512],
      [BS + 511, 1],
    ];
    for (const [off, len] of bad) {
      it(`${fs}, 512-byte sectors: pread(${len} @ ${off}) is not sector aligned: EINVAL`, () => {
        assert.deepEqual(readResults(fs, 512, written, off, len).map((r) => r.ret), ['EINVAL']);
      });
    }
    it(`${fs}, 4096-byte logical blocks (a 4Kn device): pread(512 @ 512) is EINVAL, pread(4096 @ 4096) succeeds`, () => {
      assert.deepEqual(readResults(fs, 4096, written, 512, 512).map((r) => r.ret), ['EINVAL']);
      assert.deepEqual(readResults(fs, 4096, written, BS, BS).map((r) => r.ret), [BS]);
    });
  }
  it(
    'unaligned O_DIRECT pread over a hole returns the zeros (iomap_dio_hole_iter has no alignment check)',
    () => {
      const rs = readResults('xfs', 512, ['hole', 'hole'], 0, 1);
      assert.deepEqual(rs.map((r) => r.ret), [1]);
    },
  );
});
