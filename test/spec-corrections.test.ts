/**
 * The spec's direct-I/O half as Linux 6.18 does it (issue 7): one test per correction, each
 * asserting the kernel's behaviour so that the spec as it was before fails it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../checker/index.ts';
import {
  allowedOutcomes,
  BS,
  buildModel,
  DEVICES,
  fsync,
  mmapStore,
  open,
  pread,
  pwrite,
  pwritev,
  settings,
  type Outcome,
  type Ret,
  type SettingsInput,
  type Syscall,
} from '../spec/index.ts';

const base = (fs: 'xfs' | 'ext4', programs: Syscall[][], extra: Partial<SettingsInput> = {}) =>
  settings({ name: 't', fs, device: DEVICES.loop, files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }, { written: 3 }] }], programs, ...extra });

/** What syscall `k` of task `t` returns across every allowed outcome. */
const retsAt = (outcomes: Outcome[], k: number, t = 0): Set<Ret> => new Set(outcomes.map((o) => o[t]?.[k]?.ret ?? -1));
/** The data a read (syscall k of task t) returned, across every allowed outcome. */
const readsAt = (outcomes: Outcome[], k: number, t = 0): Set<string> =>
  new Set(outcomes.map((o) => {
    const r = o[t]?.[k];
    return r !== undefined && r.op === 'pread' ? r.data.join(',') : '-';
  }));

/** Every label of every transition the checker explores (coverage). */
function labels(s: ReturnType<typeof settings>): string[] {
  const r = check(buildModel({ ...s, maxPowerLosses: 0 }), {});
  assert.notEqual(r.status, 'error', JSON.stringify(r.violations[0]?.message));
  return Object.keys(r.coverage ?? {});
}

describe('issue 7 corrections (Linux 6.18)', () => {
  it('1. a bio larger than max_sectors is cut into requests that land whole: two racing plain writes mix per request, never inside one', () => {
    const mixed = (device: typeof DEVICES.loop) => {
      const s = base('xfs', [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS), pread(0, 0, 2 * BS)]], {
        device,
        files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
      });
      return [...readsAt(allowedOutcomes(s), 2, 1)].some((d) => /A\[0\],B\[1\]|B\[0\],A\[1\]/.test(d));
    };
    assert.equal(mixed(DEVICES.loop), false, 'an 8 KiB request lands whole at the loop default');
    assert.equal(mixed(DEVICES.loopSmall), true, 'with 4 KiB requests the halves interleave');
  });

  it('2. a misaligned user segment fails only its request and later ones: the error wins, earlier requests landed', () => {
    const s = base('xfs', [[open(0, 'O_DIRECT'), pwritev('W', 0, 0, [BS, 1000, 3096]), pread(0, 0, 2 * BS)]], { device: DEVICES.loopSmall });
    const out = allowedOutcomes(s);
    assert.deepEqual(retsAt(out, 1), new Set(['EINVAL']));
    assert.deepEqual(readsAt(out, 2), new Set(['W[0],f0.init[1]']));
  });

  it('2. ext4: a misaligned length fails at the last mapping, after the first mapping was written', () => {
    // Blocks 0 and 2 are not contiguous, so the write needs two mappings.
    const s = settings({
      name: 't',
      fs: 'ext4',
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }, { written: 2 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS + 100), pread(0, 0, 2 * BS)]],
    });
    const out = allowedOutcomes(s);
    assert.deepEqual(retsAt(out, 1), new Set(['EINVAL']));
    assert.deepEqual(readsAt(out, 2), new Set(['W[0],f0.init[1]']));
  });

  it('3. a direct write whose post-write invalidation meets a dirty folio reports EIO at the next fsync (dio_warn_stale_pagecache)', () => {
    const s = settings({
      name: 't',
      fs: 'xfs',
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }] }],
      cached: [[0, 0]],
      programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS), fsync(0), fsync(0)], [mmapStore('M', 0, 0)]],
    });
    const out = allowedOutcomes(s);
    const fsyncs = new Set(out.map((o) => `${String(o[0]?.[2]?.ret)}/${String(o[0]?.[3]?.ret)}`));
    assert.ok(fsyncs.has('EIO/0'), `the error is reported once: ${[...fsyncs].join(' ')}`);
    assert.ok(!fsyncs.has('EIO/EIO'), 'and only once per open file');
  });

  it('4. ext4 keeps the shared lock for an aligned NOWAIT overwrite of preallocated (unwritten) blocks: it succeeds', () => {
    const s = settings({
      name: 't',
      fs: 'ext4',
      device: DEVICES.loop,
      files: [{ blocks: [{ unwritten: 0 }, { unwritten: 1 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS, 'RWF_NOWAIT')]],
    });
    assert.deepEqual(retsAt(allowedOutcomes(s), 1), new Set([2 * BS]));
  });

  it('4. ext4 refuses the shared lock for a sub-block write into unwritten blocks (NOWAIT: EAGAIN)', () => {
    const s = settings({
      name: 't',
      fs: 'ext4',
      device: DEVICES.loop,
      files: [{ blocks: [{ unwritten: 0 }, { unwritten: 1 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 512, 1024, 'RWF_NOWAIT')]],
    });
    assert.deepEqual(retsAt(allowedOutcomes(s), 1), new Set(['EAGAIN']));
  });

  it('5. XFS: a plain direct write to a file never reflinked writes the data fork even while a software atomic write stages blocks', () => {
    const s = settings({
      name: 't',
      fs: { kind: 'xfs', physBlocks: 6 },
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('P', 0, 0, 2 * BS)]],
    });
    const ls = labels(s);
    assert.ok(!ls.some((l) => /xfs_direct_write_iomap_begin: map \[0-1\] cow/.test(l)), 'never maps the CoW fork for P');
    const reflinked = settings({ ...s, files: [{ blocks: [{ written: 0 }, { written: 1 }], reflink: true }] });
    assert.ok(labels(reflinked).some((l) => /xfs_direct_write_iomap_begin: map \[0-1\] cow/.test(l)), 'a reflink inode does');
  });

  it('6. XFS: a sub-block write into an unwritten extent within EOF is refused by the shared overwrite-only attempt and retried exclusively', () => {
    const s = settings({
      name: 't',
      fs: 'xfs',
      device: DEVICES.loop,
      files: [{ blocks: [{ unwritten: 0 }, { written: 1 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 512, 1024)]],
    });
    const ls = labels(s);
    assert.ok(ls.some((l) => l.includes('IOMAP_OVERWRITE_ONLY and a sub-block write into an unwritten extent: -EAGAIN')));
    assert.ok(ls.some((l) => l.includes('retry exclusively')));
    assert.deepEqual(retsAt(allowedOutcomes(s), 1), new Set([1024]));
  });

  it('6. XFS: the same write with RWF_NOWAIT gets EAGAIN, and a sub-block write to a reflink inode falls back to buffered I/O', () => {
    const files = [{ blocks: [{ unwritten: 0 }, { written: 1 }] as SettingsInput['files'][number]['blocks'] }];
    const nowait = settings({ name: 't', fs: 'xfs', device: DEVICES.loop, files, programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 512, 1024, 'RWF_NOWAIT')]] });
    assert.deepEqual(retsAt(allowedOutcomes(nowait), 1), new Set(['EAGAIN']));
    const reflink = settings({ name: 't', fs: 'xfs', device: DEVICES.loop, files: [{ ...files[0]!, reflink: true }], programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 4096 + 512, 1024)]] });
    assert.ok(labels(reflink).some((l) => l.includes('-ENOTBLK: fall back to a buffered write')));
  });

  it('7. the lock mode is decided under the lock: ext4 starts shared for a hole within i_size and upgrades after its checks', () => {
    const s = settings({ name: 't', fs: 'ext4', device: DEVICES.loop, files: [{ blocks: ['hole', 'hole'], size: 2 * BS }], programs: [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS)]] });
    const ls = labels(s);
    assert.ok(ls.some((l) => l.includes('ext4_dio_write_iter: take inode_lock_shared')));
    assert.ok(ls.some((l) => l.includes('drop inode_lock_shared, retake it exclusive and check again')));
    assert.ok(ls.some((l) => l.includes('ext4_dio_write_iter: take inode_lock')));
  });

  it('8. pwritev2 and pread reject a negative offset before looking up the fd', () => {
    const s = base('xfs', [[pwrite('W', 7, -4096, BS), pread(7, -4096, BS)]]);
    const out = allowedOutcomes(s);
    assert.deepEqual(retsAt(out, 0), new Set(['EINVAL']));
    assert.deepEqual(retsAt(out, 1), new Set(['EINVAL']));
  });

  it('8. fsync forces the log only for an inode with uncommitted metadata', () => {
    const run = (fd: number) =>
      labels(
        settings({
          name: 't',
          fs: 'xfs',
          device: DEVICES.loop,
          files: [{ blocks: ['hole'], size: 0 }, { blocks: [{ written: 1 }] }],
          backgroundCommit: false,
          programs: [[open(0, 'O_DIRECT'), open(1, 'O_DIRECT'), pwrite('A', 0, 0, BS), fsync(fd)]],
        }),
      ).filter((l) => l.startsWith('T1 xfs_file_fsync'));
    const other = run(1);
    assert.ok(other.some((l) => l.includes('blkdev_issue_flush')), 'file 1 has nothing to commit: a cache flush');
    assert.ok(!other.some((l) => l.includes('xfs_log_force_seq')), "file 0's uncommitted extension is not file 1's to force");
    assert.ok(run(0).some((l) => l.includes('xfs_log_force_seq')), 'file 0 was extended: a log force');
  });

  it('G6: an O_DIRECT read checks alignment only on written extents: a 1-byte read of a hole returns the zero, of written data EINVAL', () => {
    const s = settings({
      name: 't',
      fs: 'ext4',
      device: DEVICES.loop,
      files: [{ blocks: ['hole', { written: 1 }, { unwritten: 2 }], size: 3 * BS }],
      programs: [[open(0, 'O_DIRECT'), pread(0, 0, 1), pread(0, BS, 1), pread(0, 2 * BS + 512, 100), pread(0, BS - 512, 1024), pread(0, 512, BS), pread(0, 1, 2 * BS - 1)]],
    });
    const out = allowedOutcomes(s);
    assert.deepEqual(retsAt(out, 1), new Set([1]), 'hole');
    assert.deepEqual(retsAt(out, 2), new Set(['EINVAL']), 'written');
    assert.deepEqual(retsAt(out, 3), new Set([100]), 'unwritten');
    assert.deepEqual(retsAt(out, 4), new Set([1024]), 'sector-aligned across a hole and a written block');
    assert.deepEqual(retsAt(out, 5), new Set([BS]), 'sector-aligned');
    // Found by the conformance campaign: the hole before the written block is zero-filled, which
    // moves the user buffer off alignment, and the written block's bio is refused.
    assert.deepEqual(retsAt(out, 6), new Set(['EINVAL']), 'a misaligned start before a written block');
  });
});
