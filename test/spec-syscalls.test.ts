import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowedOutcomes,
  BS,
  DEVICES,
  fdatasync,
  fsync,
  open,
  pread,
  pwrite,
  pwritev,
  settings,
  statx,
  type ObservedResult,
  type Outcome,
  type Ret,
  type SettingsInput,
  type Syscall,
} from '../spec/index.ts';

const xfsLoop = (programs: Syscall[][], extra: Partial<SettingsInput> = {}) =>
  settings({ name: 't', fs: 'xfs', device: DEVICES.loop, files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }], programs, ...extra });
const ext4Loop = (programs: Syscall[][], extra: Partial<SettingsInput> = {}) =>
  settings({ name: 't', fs: 'ext4', device: DEVICES.loop, files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }], programs, ...extra });

/** The single outcome of a one-task program (asserting there is exactly one). */
function only(outcomes: Outcome[]): ObservedResult[] {
  assert.equal(outcomes.length, 1, `expected one outcome, got ${JSON.stringify(outcomes)}`);
  return outcomes[0]?.[0] ?? [];
}
const rets = (rs: ObservedResult[]): Ret[] => rs.map((r) => r.ret);
/** What the second syscall of a one-task program returns, across all allowed outcomes. */
const secondRets = (outcomes: Outcome[]): Set<Ret> => new Set(outcomes.map((o) => o[0]?.[1]?.ret ?? -1));

describe('pwritev2 validation (Linux 6.18 order)', () => {
  const cases: Array<[string, Syscall, Ret]> = [
    ['atomic 4 KiB', pwrite('A', 0, 0, BS, 'RWF_ATOMIC'), BS],
    ['atomic 8 KiB naturally aligned', pwrite('A', 0, 2 * BS, 2 * BS, 'RWF_ATOMIC'), 2 * BS],
    ['atomic below unit_min', pwrite('A', 0, 0, 2048, 'RWF_ATOMIC'), 'EINVAL'],
    ['atomic with two segments', pwritev('A', 0, 0, [BS, BS], 'RWF_ATOMIC'), 'EINVAL'],
    ['atomic length not a power of two', pwrite('A', 0, 0, 3 * BS, 'RWF_ATOMIC'), 'EINVAL'],
    ['atomic offset not naturally aligned', pwrite('A', 0, BS, 2 * BS, 'RWF_ATOMIC'), 'EINVAL'],
    ['zero-length atomic write returns 0 before any flag check', pwrite('A', 0, 0, 0, 'RWF_ATOMIC'), 0],
    ['misaligned O_DIRECT offset', pwrite('A', 0, 100, BS), 'EINVAL'],
    ['O_DIRECT segment not a sector multiple', pwritev('A', 0, 0, [100, BS - 100]), 'EINVAL'],
    ['sector-aligned sub-block O_DIRECT', pwrite('A', 0, 512, 512), 512],
    ['RWF_DONTCACHE accepted (FOP_DONTCACHE)', pwrite('A', 0, 0, BS, 'RWF_DONTCACHE'), BS],
    ['RWF_NOWAIT into a hole needs allocation', pwrite('A', 0, 0, BS, 'RWF_NOWAIT'), 'EAGAIN'],
  ];
  for (const [name, call, ret] of cases) {
    it(`XFS O_DIRECT: ${name} → ${String(ret)}`, () => {
      assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), call]])))), [0, ret]);
    });
  }

  it('buffered RWF_ATOMIC: EOPNOTSUPP with a valid length, EINVAL with a bad one', () => {
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, 0, BS, 'RWF_ATOMIC')]])))), [0, 'EOPNOTSUPP']);
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, 0, 3 * BS, 'RWF_ATOMIC')]])))), [0, 'EINVAL']);
  });

  it('ext4 on a loop device: RWF_ATOMIC is EOPNOTSUPP (no FMODE_CAN_ATOMIC_WRITE), even with a bad length', () => {
    assert.deepEqual(rets(only(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS, 'RWF_ATOMIC'), pwrite('B', 0, 0, 3 * BS, 'RWF_ATOMIC')]])))), [0, 'EOPNOTSUPP', 'EOPNOTSUPP']);
  });

  it('ext4 buffered RWF_NOWAIT is EOPNOTSUPP', () => {
    assert.deepEqual(rets(only(allowedOutcomes(ext4Loop([[open(0), pwrite('A', 0, 0, BS, 'RWF_NOWAIT')]])))), [0, 'EOPNOTSUPP']);
  });

  it('writing through a read-only fd or a bad fd is EBADF', () => {
    const ro: Syscall = { op: 'open', file: 0, access: 'O_RDONLY', flags: ['O_DIRECT'] };
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[ro, pwrite('A', 0, 0, BS), pwrite('B', 3, 0, BS)]])))), [0, 'EBADF', 'EBADF']);
  });
});

describe('statx atomic limits', () => {
  it('XFS reflink on a loop device: min 4096, max 1 MiB, one segment', () => {
    const r = only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), statx(0)]])))[1];
    assert.ok(r !== undefined && r.op === 'statx');
    assert.deepEqual(r.atomic, { atomicWriteUnitMin: 4096, atomicWriteUnitMax: 1048576, atomicWriteUnitMaxOpt: 0, atomicWriteSegmentsMax: 1, attrWriteAtomic: true });
  });
  it('ext4 on a loop device: no atomic support', () => {
    const r = only(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), statx(0)]])))[1];
    assert.ok(r !== undefined && r.op === 'statx');
    assert.equal(r.atomic?.atomicWriteUnitMin, 0);
    assert.equal(r.atomic?.attrWriteAtomic, false);
  });
});

describe('reads', () => {
  it('a direct read returns what the direct write wrote; short at EOF; misaligned is EINVAL', () => {
    const rs = only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS), pread(0, 0, 4 * BS), pread(0, 100, BS), fsync(0)]])));
    assert.deepEqual(rets(rs), [0, 2 * BS, 2 * BS, 'EINVAL', 0]);
    const r = rs[2];
    assert.ok(r !== undefined && r.op === 'pread');
    assert.deepEqual(r.data, ['W[0]', 'W[1]']);
  });
  it('reading a hole returns zeroes; reading at EOF returns 0', () => {
    const rs = only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), pread(0, 0, BS)]], { files: [{ blocks: ['hole', 'hole'], size: 2 * BS }] })));
    const r = rs[1];
    assert.ok(r !== undefined && r.op === 'pread');
    assert.deepEqual(r.data, ['zero']);
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), pread(0, 0, BS)]]))))[1], 0);
  });
});

describe('fsync and fdatasync', () => {
  // The spec runs both through one ->fsync: datasync lets the kernel skip the log force when only
  // timestamps changed, and the metadata the spec tracks (size, extent map) is what fdatasync
  // must commit too. So the calls are told apart by their results only.
  for (const [fs, make] of [['xfs', xfsLoop], ['ext4', ext4Loop]] as const) {
    it(`${fs}: each call's result names it`, () => {
      const rs = only(allowedOutcomes(make([[open(0), pwrite('W', 0, 0, BS), fdatasync(0), fsync(0), fdatasync(0)]])));
      assert.deepEqual(
        rs.map((r) => `${r.op}=${String(r.ret)}`),
        ['open=0', `pwritev2=${BS}`, 'fdatasync=0', 'fsync=0', 'fdatasync=0'],
      );
    });
  }
});

describe('IOCB_NOWAIT (cases the conformance run against Linux 6.18 shrank)', () => {
  it('XFS buffered NOWAIT write starting beyond EOF: EAGAIN (zeroing the gap would block)', () => {
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, BS, 512, 'RWF_NOWAIT')]])))), [0, 'EAGAIN']);
  });
  it('XFS buffered NOWAIT write: EAGAIN into a hole, a short count when a hole follows written blocks, full over written blocks (or EAGAIN when timestamps need updating)', () => {
    const files = [{ blocks: [{ written: 0 }, 'hole' as const, 'hole' as const, 'hole' as const], size: 3 * BS }];
    assert.deepEqual(rets(only(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, BS, BS, 'RWF_NOWAIT')]], { files })))), [0, 'EAGAIN']);
    assert.deepEqual(secondRets(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, 0, 2 * BS, 'RWF_NOWAIT')]], { files }))), new Set(['EAGAIN', BS]));
    assert.deepEqual(secondRets(allowedOutcomes(xfsLoop([[open(0), pwrite('A', 0, 0, BS, 'RWF_NOWAIT')]], { files }))), new Set(['EAGAIN', BS]));
  });
  it('XFS NOWAIT overwrite may get EAGAIN from kiocb_modified (timing-dependent); ext4 does not', () => {
    const files = [{ blocks: [{ written: 0 }, { written: 1 }] }];
    assert.deepEqual(secondRets(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS, 'RWF_NOWAIT')]], { files }))), new Set(['EAGAIN', BS]));
    assert.deepEqual(secondRets(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS, 'RWF_NOWAIT')]], { files }))), new Set([BS]));
  });
  it('XFS direct NOWAIT write whose range is not one mapping: EAGAIN, not a short write', () => {
    const rs = only(allowedOutcomes(xfsLoop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS), pwrite('B', 0, 0, 2 * BS, 'RWF_NOWAIT')]], { device: DEVICES.nvmeAtomic16k })));
    assert.deepEqual(rets(rs), [0, BS, 'EAGAIN']);
  });
  it('ext4 unaligned NOWAIT overwrite within EOF succeeds under the shared lock', () => {
    assert.deepEqual(rets(only(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), pwrite('A', 0, 6 * BS, 512), pwrite('B', 0, 6 * BS, 512, 'RWF_NOWAIT')]], { files: [{ blocks: Array(8).fill('hole'), size: 0 }] })))), [0, 512, 512]);
  });
  it('NOWAIT is refused before a misaligned segment is noticed', () => {
    assert.deepEqual(rets(only(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 12, 'RWF_NOWAIT')]])))), [0, 'EAGAIN']);
    assert.deepEqual(rets(only(allowedOutcomes(ext4Loop([[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 12)]])))), [0, 'EINVAL']);
  });
});

