/**
 * The errno of an RWF_NOWAIT write on XFS's software atomic path, as Linux 6.18 answers.
 *
 * xfs_file_dio_write_atomic (fs/xfs/xfs_file.c) sends a write longer than bt_awu_max (0 on
 * a device without hardware atomic writes, such as a loop device) straight to
 * xfs_atomic_write_cow_iomap_ops; xfs_atomic_write_cow_iomap_begin (fs/xfs/xfs_iomap.c)
 * starts with `if (flags & IOMAP_NOWAIT) return -EAGAIN;`, and iomap_dio_rw hands that
 * back. Nothing on the way turns it into another errno, and the RWF_ATOMIC validation that
 * could give EINVAL (size, alignment, segments) passes for these writes. So every outcome
 * the spec allows is EAGAIN, over written blocks and over holes alike; without
 * RWF_NOWAIT the same writes succeed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allowedOutcomes, BS, DEVICES, open, pwrite, settings, type InitialBlock, type Ret, type RwfFlag } from '../spec/index.ts';

function writeRets(blocks: InitialBlock[], offset: number, len: number, flags: RwfFlag[]): Set<Ret | 'missing'> {
  const s = settings({
    name: 'xfs-sw-atomic-nowait',
    fs: { kind: 'xfs', physBlocks: 16 },
    device: DEVICES.loop,
    files: [{ blocks }],
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, offset, len, ...flags)]],
    maxPowerLosses: 0,
    backgroundCommit: false,
    properties: [],
  });
  return new Set(allowedOutcomes(s).map((o) => o[0]?.[1]?.ret ?? 'missing'));
}

const written: InitialBlock[] = [{ written: 0 }, { written: 1 }, { written: 2 }, { written: 3 }];
const holes: InitialBlock[] = ['hole', 'hole', 'hole', 'hole'];

describe('XFS software atomic path with RWF_NOWAIT (loop device: no hardware atomics)', () => {
  const cases: Array<[string, InitialBlock[], number, number]> = [
    ['4 KiB over a written block', written, 0, BS],
    ['8 KiB over written blocks', written, 0, 2 * BS],
    ['16 KiB over written blocks', written, 0, 4 * BS],
    ['8 KiB over holes', holes, 2 * BS, 2 * BS],
  ];
  for (const [name, blocks, off, len] of cases) {
    it(`${name}: RWF_ATOMIC|RWF_NOWAIT gets EAGAIN and nothing else`, () => {
      assert.deepEqual(writeRets(blocks, off, len, ['RWF_ATOMIC', 'RWF_NOWAIT']), new Set(['EAGAIN']));
    });
    it(`${name}: RWF_ATOMIC alone succeeds (the refusal is NOWAIT's, not the atomic validation's)`, () => {
      assert.deepEqual(writeRets(blocks, off, len, ['RWF_ATOMIC']), new Set([len]));
    });
  }
  it('an RWF_ATOMIC|RWF_NOWAIT write that fails validation still gets EINVAL (checked before the I/O path)', () => {
    // generic_atomic_write_valid: 8 KiB at 4 KiB is not naturally aligned.
    assert.deepEqual(writeRets(written, BS, 2 * BS, ['RWF_ATOMIC', 'RWF_NOWAIT']), new Set(['EINVAL']));
  });
});
