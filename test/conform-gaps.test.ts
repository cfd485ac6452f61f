/**
 * Each known gap's signature (conform/known-gaps.ts) matches the disagreement it documents
 * and rejects near misses: the same disagreement with one thing changed (the file system,
 * the fd kind, a flag, the errno, the condition in the program that explains it). And the
 * timing allowance's condition (conform/oracle.ts) holds only when the clock could have
 * ticked since the last timestamp update.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { knownGap, KNOWN_GAPS } from '../conform/known-gaps.ts';
import type { FsKind } from '../conform/harness.ts';
import type { Disagreement } from '../conform/oracle.ts';
import { TIMING_ALLOWANCES, timestampsMayNeedUpdate } from '../conform/oracle.ts';
import type { Op, OpResult, Program, RwfFlag } from '../conform/program.ts';

const open = (direct: boolean): Op => ({ op: 'open', direct });
const W = (off: number, segs: number[], flags: RwfFlag[] = [], id = 0, fd = 0): Op => ({ op: 'pwritev2', fd, off, segs, flags, id, misalign: 0 });
const R = (off: number, len: number, fd = 0): Op => ({ op: 'pread', fd, off, len, misalign: 0 });
const ok = (ret: number, clock?: [number, number]): Omit<OpResult, 'i' | 'op'> => ({ ret, errno: null, ...(clock === undefined ? {} : { clock }) });
const err = (errno: string, clock?: [number, number]): Omit<OpResult, 'i' | 'op'> => ({ ret: -1, errno, ...(clock === undefined ? {} : { clock }) });

interface Case {
  fs: FsKind;
  ops: Op[];
  results: Array<Omit<OpResult, 'i' | 'op'>>;
  kernel: string;
  allowed: string[];
}

/** The gap id the signature gives a disagreement at the last op, or 'none'. */
function gapOf(c: Case): string {
  const program: Program = { ops: c.ops };
  const results: OpResult[] = c.results.map((r, i) => ({ i, op: c.ops[i]?.op ?? '?', ...r }));
  const d: Disagreement = { op: c.ops.length - 1, kernel: c.kernel, allowed: c.allowed };
  return knownGap(c.fs, program, d, { results })?.id ?? 'none';
}

const with1 = (c: Case, change: Partial<Case>): Case => ({ ...c, ...change });

describe('known gap signatures match exactly what they document', () => {
  const g1: Case = {
    fs: 'xfs',
    ops: [open(false), W(0, [4096], [], 1), W(0, [8192], ['NOWAIT'], 2)],
    results: [ok(0), ok(4096), ok(8192)],
    kernel: 'ret 8192',
    allowed: ['ret 4096'],
  };
  it('G1: XFS buffered NOWAIT at or before EOF, kernel all of it, spec stops at an untouched block', () => {
    assert.equal(gapOf(g1), 'G1-xfs-buffered-nowait-delalloc');
    assert.equal(gapOf(with1(g1, { ops: [open(false), W(0, [512], ['NOWAIT'], 1)], results: [ok(0), ok(512)], kernel: 'ret 512', allowed: ['EAGAIN'] })), 'G1-xfs-buffered-nowait-delalloc');
  });
  // Campaign seed 20261203, --programs edge (stop 21): an RWF_DONTCACHE write into blocks 0-1,
  // then a NOWAIT write from inside block 0. The spec: EAGAIN (block 0's folio dropped after its
  // writeback, so it must be read) or a stop at untouched block 2 (G1); the kernel, its folio
  // still cached, wrote it all.
  const dropped: Case = {
    fs: 'xfs',
    ops: [open(false), W(3072, [1024, 3072], ['DONTCACHE'], 1), W(3584, [65536], ['DSYNC', 'NOWAIT', 'DONTCACHE'], 2)],
    results: [ok(0), ok(4096), ok(65536)],
    kernel: 'ret 65536',
    allowed: ['EAGAIN', 'ret 4608'],
  };
  it('G1 with a dropped folio as the spec\'s other answer: EAGAIN where the write must read a block an RWF_DONTCACHE write touched', () => {
    assert.equal(gapOf(dropped), 'G1-xfs-buffered-nowait-delalloc');
  });
  it('G1 rejects the dropped-folio answer alone, and an EAGAIN at a block nothing could have dropped', () => {
    // Only the dropped folio: nothing of G1 in the spec's answers.
    assert.equal(gapOf(with1(dropped, { allowed: ['EAGAIN'] })), 'none');
    // The first write a plain one covering blocks 0-1 whole: block 0 stays cached, so an EAGAIN there is no drop's.
    assert.equal(gapOf(with1(dropped, { ops: [open(false), W(0, [8192], [], 1), W(3584, [65536], ['DSYNC', 'NOWAIT', 'DONTCACHE'], 2)], results: [ok(0), ok(8192), ok(65536)] })), 'none');
  });
  it('G1 rejects: ext4, O_DIRECT, no NOWAIT, a short kernel count, EAGAIN from the kernel, a write past EOF, the spec stopping at a written block', () => {
    assert.equal(gapOf(with1(g1, { fs: 'ext4' })), 'none');
    assert.equal(gapOf(with1(g1, { ops: [open(true), W(0, [4096], [], 1), W(0, [8192], ['NOWAIT'], 2)] })), 'none');
    assert.equal(gapOf(with1(g1, { ops: [open(false), W(0, [4096], [], 1), W(0, [8192], [], 2)] })), 'none');
    assert.equal(gapOf(with1(g1, { results: [ok(0), ok(4096), ok(6144)], kernel: 'ret 6144' })), 'none');
    assert.equal(gapOf(with1(g1, { results: [ok(0), ok(4096), err('EAGAIN')], kernel: 'EAGAIN' })), 'none');
    assert.equal(gapOf(with1(g1, { ops: [open(false), W(0, [4096], [], 1), W(8192, [8192], ['NOWAIT'], 2)], allowed: ['EAGAIN'] })), 'none');
    // The spec stops at block 1, which write 1 (8 KiB) wrote: not a delalloc reservation.
    assert.equal(gapOf(with1(g1, { ops: [open(false), W(0, [8192], [], 1), W(0, [8192], ['NOWAIT'], 2)], results: [ok(0), ok(8192), ok(8192)] })), 'none');
  });

  const g11: Case = {
    fs: 'xfs',
    ops: [open(false), W(46573, [4598], [], 1), W(61440, [4096], [], 2), W(40960, [10688], ['NOWAIT'], 3)],
    results: [ok(0), ok(4598), ok(4096), ok(4096)],
    kernel: 'ret 4096',
    allowed: ['EAGAIN'],
  };
  it('G11: XFS buffered NOWAIT stops before a block it covers in part whose data may not be cached (written in part, by O_DIRECT, or with RWF_DONTCACHE)', () => {
    assert.equal(gapOf(g11), 'G11-xfs-buffered-nowait-read-before-partial-overwrite');
    // RWF_DONTCACHE folios may be dropped after writeback: EAGAIN at the first block, the spec writes it all.
    const dontcache: Case = { fs: 'xfs', ops: [open(false), W(8192, [10585, 1703], ['DSYNC', 'DONTCACHE'], 1), W(10752, [8192], ['NOWAIT'], 2)], results: [ok(0), ok(12288), err('EAGAIN')], kernel: 'EAGAIN', allowed: ['ret 8192'] };
    assert.equal(gapOf(dontcache), 'G11-xfs-buffered-nowait-read-before-partial-overwrite');
    // Written by O_DIRECT (not cached): 1024 bytes of the hole block 0, then block 1 needs a read; the spec stops at the hole (G1).
    const direct: Case = { fs: 'xfs', ops: [open(false), open(true), W(4096, [16384], [], 1, 1), W(3072, [4096], ['NOWAIT'], 2, 0)], results: [ok(0), ok(1), ok(16384), ok(1024)], kernel: 'ret 1024', allowed: ['EAGAIN'] };
    assert.equal(gapOf(direct), 'G11-xfs-buffered-nowait-read-before-partial-overwrite');
    // The same block read by a buffered read first is cached: no read needed.
    const read: Case = { ...direct, ops: [open(false), open(true), W(4096, [16384], [], 1, 1), R(4096, 4096, 0), W(3072, [4096], ['NOWAIT'], 2, 0)], results: [ok(0), ok(1), ok(16384), ok(4096), ok(1024)] };
    assert.equal(gapOf(read), 'none');
    // Covered whole by a plain buffered write before: cached and uptodate.
    const whole: Case = { ...dontcache, ops: [open(false), W(8192, [12288], [], 1), W(10752, [8192], ['NOWAIT'], 2)] };
    assert.equal(gapOf(whole), 'none');
  });
  it('G11 rejects: the full count, a stop off the 4 KiB grid, no partly written block after the stop, the block covered whole now, O_DIRECT, ext4', () => {
    assert.equal(gapOf(with1(g11, { results: [ok(0), ok(4598), ok(4096), ok(10688)], kernel: 'ret 10688' })), 'G1-xfs-buffered-nowait-delalloc');
    assert.equal(gapOf(with1(g11, { results: [ok(0), ok(4598), ok(4096), ok(4000)], kernel: 'ret 4000' })), 'none');
    assert.equal(gapOf(with1(g11, { ops: [open(false), W(45056, [8192], [], 1), W(61440, [4096], [], 2), W(40960, [10688], ['NOWAIT'], 3)], results: [ok(0), ok(8192), ok(4096), ok(4096)] })), 'none');
    assert.equal(gapOf(with1(g11, { ops: [open(false), W(46573, [4598], [], 1), W(61440, [4096], [], 2), W(40960, [12288], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(g11, { ops: [open(true), W(46573, [4598], [], 1), W(61440, [4096], [], 2), W(40960, [10688], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(g11, { fs: 'ext4' })), 'none');
  });

  const g7: Case = {
    fs: 'ext4',
    ops: [open(true), W(0, [4096], [], 1), W(4096, [4096], [], 2), W(0, [8192], ['NOWAIT'], 3)],
    results: [ok(0), ok(4096), ok(4096), err('EAGAIN')],
    kernel: 'EAGAIN',
    allowed: ['ret 8192'],
  };
  it('G7: ext4 O_DIRECT NOWAIT within EOF over blocks two earlier writes made: kernel EAGAIN, spec all of it', () => {
    assert.equal(gapOf(g7), 'G7-ext4-dio-nowait-overwrite-two-writes-eagain');
  });
  it('G7 rejects: XFS, one earlier write, a write past EOF, a hole in the range, a spec EAGAIN', () => {
    assert.equal(gapOf(with1(g7, { fs: 'xfs' })), 'none');
    assert.equal(gapOf(with1(g7, { ops: [open(true), W(0, [8192], [], 1), W(4096, [4096], [], 2), W(0, [4096], ['NOWAIT'], 3)], allowed: ['ret 4096'] })), 'none');
    assert.equal(gapOf(with1(g7, { ops: [open(true), W(0, [4096], [], 1), W(4096, [4096], [], 2), W(4096, [8192], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(g7, { ops: [open(true), W(0, [4096], [], 1), W(8192, [4096], [], 2), W(0, [12288], ['NOWAIT'], 3)], allowed: ['ret 12288'] })), 'none');
    assert.equal(gapOf(with1(g7, { allowed: ['EAGAIN'] })), 'none');
  });

  // U5 as the campaign found it: blocks 1-3 come from three writes; mballoc made them one extent.
  const u5: Case = {
    fs: 'ext4',
    ops: [open(true), W(0, [4096], ['ATOMIC'], 1), W(53248, [16384], [], 2), W(12288, [4096, 8192], [], 3), W(4096, [8192], ['DSYNC'], 4), W(4096, [12288], ['NOWAIT'], 5)],
    results: [ok(0), ok(4096), ok(16384), ok(12288), ok(8192), ok(12288)],
    kernel: 'ret 12288',
    allowed: ['EAGAIN'],
  };
  it('U5: ext4 O_DIRECT NOWAIT within EOF over blocks several earlier writes made: kernel all of it, spec EAGAIN', () => {
    assert.equal(gapOf(u5), 'U5-ext4-dio-nowait-overwrite-mballoc-goal');
  });
  it('U5 rejects: XFS, a hole in the range, one earlier writer, an atomic NOWAIT write, a kernel EAGAIN or short count, a spec that also allows the count', () => {
    assert.equal(gapOf(with1(u5, { fs: 'xfs' })), 'none');
    // Blocks 6-7 of [4096, 32768) are holes: the kernel allocating would not be an overwrite.
    assert.equal(gapOf(with1(u5, { ops: [...u5.ops.slice(0, 5), W(4096, [28672], ['NOWAIT'], 5)], results: [...u5.results.slice(0, 5), ok(28672)], kernel: 'ret 28672' })), 'none');
    assert.equal(gapOf(with1(u5, { ops: [open(true), W(0, [16384], [], 1), W(4096, [12288], ['NOWAIT'], 2)], results: [ok(0), ok(16384), ok(12288)] })), 'none');
    assert.equal(gapOf(with1(u5, { ops: [...u5.ops.slice(0, 5), W(4096, [12288], ['NOWAIT', 'ATOMIC'], 5)] })), 'none');
    assert.equal(gapOf(with1(u5, { kernel: 'EAGAIN', results: [...u5.results.slice(0, 5), err('EAGAIN')] })), 'none');
    assert.equal(gapOf(with1(u5, { kernel: 'ret 4096', results: [...u5.results.slice(0, 5), ok(4096)] })), 'none');
    assert.equal(gapOf(with1(u5, { allowed: ['EAGAIN', 'ret 12288'] })), 'none');
  });

  // U4 as the campaign found it: the software atomic write's staging and W2's block 16 are two extents.
  const u4: Case = {
    fs: 'xfs',
    ops: [open(true), W(49152, [16384], ['ATOMIC', 'DSYNC'], 1), W(61440, [8192], [], 2), W(61440, [8192], ['NOWAIT'], 3)],
    results: [ok(0), ok(16384), ok(8192), err('EAGAIN')],
    kernel: 'EAGAIN',
    allowed: ['ret 8192'],
  };
  it('U4: XFS O_DIRECT NOWAIT over an atomic write\'s blocks and another write\'s: kernel EAGAIN, spec all of it', () => {
    assert.equal(gapOf(u4), 'U4-xfs-dio-nowait-over-sw-atomic-staging');
  });
  it('U4 rejects: ext4, no atomic write before, the range inside the atomic write, a buffered NOWAIT write, a range past EOF, a spec EAGAIN', () => {
    // On ext4 the same disagreement is G7's.
    assert.equal(gapOf(with1(u4, { fs: 'ext4' })), 'G7-ext4-dio-nowait-overwrite-two-writes-eagain');
    assert.equal(gapOf(with1(u4, { ops: [open(true), W(49152, [16384], ['DSYNC'], 1), W(61440, [8192], [], 2), W(61440, [8192], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(u4, { ops: [open(true), W(49152, [16384], ['ATOMIC', 'DSYNC'], 1), W(61440, [8192], [], 2), W(49152, [8192], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(u4, { ops: [open(false), W(49152, [16384], ['ATOMIC', 'DSYNC'], 1), W(61440, [8192], [], 2), W(61440, [8192], ['NOWAIT'], 3)] })), 'none');
    assert.equal(gapOf(with1(u4, { ops: [open(true), W(49152, [16384], ['ATOMIC', 'DSYNC'], 1), W(61440, [8192], [], 2), W(61440, [12288], ['NOWAIT'], 3)], allowed: ['ret 12288'] })), 'none');
    assert.equal(gapOf(with1(u4, { allowed: ['EAGAIN'] })), 'none');
  });

  const g9read: Case = {
    fs: 'ext4',
    ops: [open(false), open(true), W(0, [8704], [], 1, 1), R(0, 4096, 0), W(0, [512], ['NOWAIT'], 2, 1)],
    results: [ok(0), ok(1), ok(8704), ok(4096), err('EAGAIN')],
    kernel: 'EAGAIN',
    allowed: ['ret 512'],
  };
  const g9dontcache: Case = {
    fs: 'xfs',
    ops: [open(false), open(true), W(0, [32768], ['DONTCACHE'], 1, 0), W(0, [32768], ['NOWAIT'], 2, 1)],
    results: [ok(0), ok(1), ok(32768), ok(32768)],
    kernel: 'ret 32768',
    allowed: ['EAGAIN'],
  };
  it('G9: O_DIRECT NOWAIT after a buffered read (kernel EAGAIN) or an RWF_DONTCACHE buffered write (kernel goes on) over the same blocks', () => {
    assert.equal(gapOf(g9read), 'G9-page-cache-state');
    assert.equal(gapOf(g9dontcache), 'G9-page-cache-state');
    assert.equal(gapOf(with1(g9dontcache, { results: [ok(0), ok(1), ok(32768), err('EINVAL')], kernel: 'EINVAL' })), 'G9-page-cache-state');
  });
  it('G9 rejects: no NOWAIT, a read elsewhere, a direct read, a plain buffered write, a kernel EAGAIN without a buffered read', () => {
    assert.equal(gapOf(with1(g9read, { ops: [open(false), open(true), W(0, [8704], [], 1, 1), R(0, 4096, 0), W(0, [512], [], 2, 1)] })), 'none');
    assert.equal(gapOf(with1(g9read, { ops: [open(false), open(true), W(0, [8704], [], 1, 1), R(4096, 4096, 0), W(0, [512], ['NOWAIT'], 2, 1)] })), 'none');
    assert.equal(gapOf(with1(g9read, { ops: [open(false), open(true), W(0, [8704], [], 1, 1), R(0, 4096, 1), W(0, [512], ['NOWAIT'], 2, 1)] })), 'none');
    assert.equal(gapOf(with1(g9dontcache, { ops: [open(false), open(true), W(0, [32768], [], 1, 0), W(0, [32768], ['NOWAIT'], 2, 1)] })), 'none');
    assert.equal(gapOf(with1(g9dontcache, { results: [ok(0), ok(1), ok(32768), err('EAGAIN')], kernel: 'EAGAIN', allowed: ['ret 32768'] })), 'none');
  });

  const Z = (off: number, len: number, fd = 0): Op => ({ op: 'fallocate', fd, mode: ['ZERO_RANGE'], off, len });
  const g13: Case = {
    fs: 'xfs',
    ops: [open(true), W(8704, [512, 7680], [], 1), Z(4608, 12288), R(8704, 8192)],
    results: [ok(0), ok(8192), ok(0), ok(8192)],
    kernel: 'ret 8192 blocks [zero zero zero]',
    allowed: ['ret 8192 blocks [zero zero W1[2]]'],
  };
  it('G13: a read of a block cut in part by an earlier ftruncate, punch or zero range: kernel zeroes, spec the write\'s token', () => {
    assert.equal(gapOf(g13), 'G13-subblock-cut');
    assert.equal(gapOf(with1(g13, { fs: 'ext4' })), 'G13-subblock-cut');
    assert.equal(gapOf(with1(g13, { ops: [open(false), W(0, [2048], [], 1), { op: 'ftruncate', fd: 0, len: 1024 }, { op: 'ftruncate', fd: 0, len: 4096 }, R(0, 4096)], results: [ok(0), ok(2048), ok(0), ok(0), ok(4096)], kernel: 'ret 4096 blocks [W1[0]]', allowed: ['ret 4096 blocks [W1[0]]'] })), 'none');
  });
  it('G13 rejects: the block cut whole, the cut failed, the kernel not reading zeroes, another op', () => {
    assert.equal(gapOf(with1(g13, { ops: [open(true), W(8704, [512, 7680], [], 1), Z(4096, 16384), R(8704, 8192)] })), 'none');
    assert.equal(gapOf(with1(g13, { results: [ok(0), ok(8192), err('EOPNOTSUPP'), ok(8192)] })), 'none');
    assert.equal(gapOf(with1(g13, { kernel: 'ret 8192 blocks [zero W1[1] zero]' })), 'none');
    assert.equal(gapOf(with1(g13, { allowed: ['ret 4096 blocks [zero]'] })), 'none');
  });

  it('every known gap has a test above', () => {
    const src = KNOWN_GAPS.map((g) => g.id);
    assert.deepEqual(src, [
      'G1-xfs-buffered-nowait-delalloc',
      'G11-xfs-buffered-nowait-read-before-partial-overwrite',
      'G7-ext4-dio-nowait-overwrite-two-writes-eagain',
      'U5-ext4-dio-nowait-overwrite-mballoc-goal',
      'U4-xfs-dio-nowait-over-sw-atomic-staging',
      'G9-page-cache-state',
      'G13-subblock-cut',
    ]);
  });
});

describe('the XFS NOWAIT timing allowance applies only when the timestamps could need updating', () => {
  const a1 = TIMING_ALLOWANCES.find((a) => a.id === 'A1-xfs-nowait-timestamps');
  assert.ok(a1 !== undefined);
  const ops = [open(true), W(0, [4096], [], 1), W(0, [4096], ['NOWAIT'], 2)];
  const run = (results: Array<Omit<OpResult, 'i' | 'op'>>) => ({ results: results.map((r, i) => ({ i, op: ops[i]?.op ?? '?', ...r })) });
  it('same coarse clock from the last write to the NOWAIT write: no', () => {
    const k = run([ok(0, [100, 100]), ok(4096, [100, 100]), err('EAGAIN', [100, 100])]);
    assert.equal(timestampsMayNeedUpdate({ ops }, k, 2), false);
    assert.equal(a1.applies({ ops }, k, 2), false);
  });
  it('the clock ticked since the last successful write: yes', () => {
    const k = run([ok(0, [100, 100]), ok(4096, [100, 100]), err('EAGAIN', [104, 104])]);
    assert.equal(a1.applies({ ops }, k, 2), true);
  });
  it('only the last successful write counts: a tick before it does not', () => {
    const k = run([ok(0, [96, 96]), ok(4096, [100, 100]), err('EAGAIN', [100, 100])]);
    assert.equal(a1.applies({ ops }, k, 2), false);
  });
  it('a statx in between (ctime queried: a fine-grained clock next time): yes', () => {
    const withStatx: Op[] = [open(true), W(0, [4096], [], 1), { op: 'statx', fd: 0 }, W(0, [4096], ['NOWAIT'], 2)];
    const k = { results: [ok(0, [100, 100]), ok(4096, [100, 100]), ok(0), err('EAGAIN', [100, 100])].map((r, i) => ({ i, op: withStatx[i]?.op ?? '?', ...r })) };
    assert.equal(a1.applies({ ops: withStatx }, k, 3), true);
  });
  it('with fresh timestamps (futimens just before the write) only a tick during the call counts', () => {
    const fresh: Op[] = [open(true), W(0, [4096], [], 1), { ...(W(0, [4096], ['NOWAIT'], 2) as Extract<Op, { op: 'pwritev2' }>), freshTimes: true }];
    const k = (c: [number, number]) => ({ results: [ok(0, [96, 96]), ok(4096, [96, 96]), err('EAGAIN', c)].map((r, i) => ({ i, op: fresh[i]?.op ?? '?', ...r })) });
    assert.equal(a1.applies({ ops: fresh }, k([100, 100]), 2), false);
    assert.equal(a1.applies({ ops: fresh }, k([100, 104]), 2), true);
  });
  it('not for an answer other than EAGAIN, nor for a write without RWF_NOWAIT', () => {
    assert.equal(a1.applies({ ops }, run([ok(0, [100, 100]), ok(4096, [100, 100]), err('EINVAL', [104, 104])]), 2), false);
    const plain = [open(true), W(0, [4096], [], 1), W(0, [4096], [], 2)];
    assert.equal(a1.applies({ ops: plain }, { results: [ok(0, [100, 100]), ok(4096, [100, 100]), err('EAGAIN', [104, 104])].map((r, i) => ({ i, op: plain[i]?.op ?? '?', ...r })) }, 2), false);
  });
});

describe('judgeRun: a timed EAGAIN is accepted only where the clock allows it; allowance programs run three times', async () => {
  const { judgeRun, TIMED_RUNS } = await import('../conform/campaign-judge.ts');
  const A1 = 'A1-xfs-nowait-timestamps';
  const p: Program = { ops: [open(true), W(0, [4096], [], 1), W(0, [4096], ['NOWAIT'], 2)] };
  const oracle = {
    name: 'stub',
    answer: () => ({
      strict: [[{}, { ret: 4096, errno: null }, { ret: 4096, errno: null }]],
      all: [
        [{}, { ret: 4096, errno: null }, { ret: 4096, errno: null }],
        [{}, { ret: 4096, errno: null }, { errno: 'EAGAIN', allowance: [A1] }],
      ],
      allowances: [A1],
    }),
    allowed: () => [],
    abstract: (_: Program, k: { results: OpResult[] }) => k,
  };
  const result = (third: Omit<OpResult, 'i' | 'op'>) => ({ results: [ok(0, [100, 100]), ok(4096, [100, 100]), third].map((r, i) => ({ i, op: p.ops[i]?.op ?? '?', ...r })) });
  const runner = (answers: Array<ReturnType<typeof result>>) => {
    let n = 0;
    return { run: async () => answers[n++ % answers.length] ?? result(ok(4096)), count: () => n };
  };

  it('EAGAIN every time, the clock never ticked: a disagreement, after TIMED_RUNS runs', async () => {
    const r = runner([result(err('EAGAIN', [100, 100]))]);
    const j = await judgeRun(r.run, oracle, 'xfs', p, result(err('EAGAIN', [100, 100])));
    assert.equal(j.judgement.kind, 'disagree');
    assert.equal(r.count(), TIMED_RUNS - 1);
  });
  it('EAGAIN every time, the clock ticked during the write: an agreement counted as timing', async () => {
    const j = await judgeRun(runner([result(err('EAGAIN', [100, 104]))]).run, oracle, 'xfs', p, result(err('EAGAIN', [100, 104])));
    assert.equal(j.judgement.kind, 'agree');
    assert.deepEqual(j.judgement.kind === 'agree' ? j.judgement.timing : null, [A1]);
  });
  it('EAGAIN once, the full count on a rerun: the rerun is judged (fewest EAGAINs), a plain agreement', async () => {
    const j = await judgeRun(runner([result(ok(4096, [100, 100]))]).run, oracle, 'xfs', p, result(err('EAGAIN', [100, 100])));
    assert.equal(j.judgement.kind, 'agree');
    assert.equal(j.kernel.results[2]?.ret, 4096);
  });
});

describe('the oracle finds the timing allowance in the spec (by its step label)', async () => {
  const { loadSpecOracle } = await import('../conform/oracle.ts');
  const loaded = loadSpecOracle();
  assert.ok(loaded.ok);
  const p: Program = { ops: [open(true), W(0, [4096], [], 1), W(0, [4096], ['NOWAIT'], 2)] };
  it('an XFS RWF_NOWAIT overwrite: A1 enabled, EAGAIN only outside the strict outcomes, tagged', () => {
    const a = loaded.oracle.answer('xfs', p);
    assert.ok(!('unmodelled' in a));
    assert.deepEqual(a.allowances, ['A1-xfs-nowait-timestamps'], 'the spec step label changed? update TIMING_ALLOWANCES in conform/oracle.ts');
    assert.deepEqual(a.strict.map((o) => o[2]?.errno), [null]);
    assert.ok(a.all.some((o) => o[2]?.errno === 'EAGAIN' && o[2]?.allowance?.[0] === 'A1-xfs-nowait-timestamps'));
  });
  it('ext4 (no such refusal) and a write without RWF_NOWAIT: no allowance', () => {
    const e = loaded.oracle.answer('ext4', p);
    assert.ok(!('unmodelled' in e) && e.allowances.length === 0);
    const plain = loaded.oracle.answer('xfs', { ops: [open(true), W(0, [4096], [], 1)] });
    assert.ok(!('unmodelled' in plain) && plain.allowances.length === 0);
  });
});
