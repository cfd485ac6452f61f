/**
 * A truncate or hole punch that cuts a large folio (mm/truncate.c truncate_inode_partial_folio,
 * proofs-notes/conformance.md "A truncate or punch cutting a large folio"). The residency strings are
 * the ones Linux 6.18.44 printed on this machine for the same programs
 * (`node --import tsx conform/residency-probe.ts t8i,t8ib`); the first two are the minimal programs
 * the 1,000-program --mincore run (seed 20261201) shrank its four disagreements to.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FsKind } from '../conform/harness.ts';
import { loadSpecOracle } from '../conform/oracle.ts';
import type { Op, Program, RwfFlag } from '../conform/program.ts';

const loaded = loadSpecOracle(4000);
assert.ok(loaded.ok);
const oracle = loaded.oracle;

const od = (direct: boolean): Op => ({ op: 'open', direct });
const W = (off: number, segs: number[], id = 1, flags: RwfFlag[] = []): Op => ({ op: 'pwritev2', fd: 0, off, segs, flags, id, misalign: 0 });
const R = (off: number, len: number): Op => ({ op: 'pread', fd: 0, off, len, misalign: 0 });
const T = (len: number): Op => ({ op: 'ftruncate', fd: 0, len });
const P = (off: number, len: number): Op => ({ op: 'fallocate', fd: 0, mode: ['PUNCH_HOLE', 'KEEP_SIZE'], off, len });
const M: Op = { op: 'mincore', fd: 0 };
const FS: Op = { op: 'fsync', fd: 0 };
const W64 = W(0, [262144]);

/** Every allowed outcome of the program's mincore calls, and of its preads' blocks, one string per outcome. */
function answers(fs: FsKind, ops: Op[], what: 'pages' | 'blocks' = 'pages'): string[] {
  const p: Program = { ops: [od(false), ...ops] };
  const a = oracle.allowed(fs, p);
  if ('unmodelled' in a) throw new Error(a.unmodelled);
  const at = p.ops.flatMap((o, i) => (o.op === (what === 'pages' ? 'mincore' : 'pread') ? [i] : []));
  return [...new Set(a.map((o) => at.map((i) => (what === 'pages' ? o[i]?.pages : o[i]?.blocks?.join(','))).join(' ')))].sort();
}

const both = (ops: Op[], kernel: string) => {
  assert.deepEqual(answers('xfs', ops), [kernel], 'xfs');
  assert.deepEqual(answers('ext4', ops), [kernel], 'ext4');
};

describe('truncate_inode_partial_folio: the pages of a cut large folio outside the range stay cached', () => {
  it('the minimal program: a truncate into a 2-page folio keeps its first page (kernel 14.1r on both)', () => {
    both([W(57344, [4096, 4096]), T(61440), M], '14.1r');
  });

  it('a truncate into a 64-page folio keeps the pages below the new EOF, written back or not (kernel 10r)', () => {
    for (const pre of [[], [FS]]) {
      both([W64, ...pre, T(40960), M], '10r');
      both([W64, ...pre, T(37000), M], '10r');
    }
  });

  it('a punch of a clean folio splits it: only the punched pages go (kernel 1.63r, 2r2.60r)', () => {
    both([W(0, [4096, 258048]), FS, P(0, 4096), M], '1.63r');
    both([W64, FS, P(8192, 8192), M], '2r2.60r');
    // A punch inside one page zeroes it in place and drops nothing.
    both([W64, FS, P(20500, 100), M], '64r');
  });

  it('XFS flushes the range before it punches (xfs_flush_unmap_range), so a dirty folio splits too (kernel 1.63r, 2r2.60r)', () => {
    assert.deepEqual(answers('xfs', [W(0, [4096, 258048]), P(0, 4096), M]), ['1.63r']);
    assert.deepEqual(answers('xfs', [W64, P(8192, 8192), M]), ['2r2.60r']);
  });

  it('ext4 punches a dirty folio without writeback: its dirty buffers outside the range keep try_to_free_buffers from releasing it, so it stays whole (kernel 64r)', () => {
    assert.deepEqual(answers('ext4', [W(0, [4096, 258048]), P(0, 4096), M]), ['64r']);
    assert.deepEqual(answers('ext4', [W64, P(8192, 8192), M]), ['64r']);
  });

  it('ext4: block_invalidate_folio cleans the buffers in the range first, so a folio dirty only there splits (kernel 2r2.60r; dirty past it too: 64r)', () => {
    assert.deepEqual(answers('ext4', [W64, FS, W(8192, [8192], 2), P(8192, 8192), M]), ['2r2.60r']);
    assert.deepEqual(answers('ext4', [W64, FS, W(8192, [12288], 2), P(8192, 8192), M]), ['64r']);
  });

  it('the folio kept whole reads zeroes in the punched range and the data elsewhere', () => {
    for (const fs of ['xfs', 'ext4'] as const) {
      const got = answers(fs, [W64, P(8192, 8192), R(0, 6 * 4096)], 'blocks');
      assert.equal(got.length, 1, fs);
      assert.deepEqual(got[0]?.split(','), ['W1[0]', 'W1[1]', 'zero', 'zero', 'W1[4]', 'W1[5]'], fs);
    }
  });
});

describe('a split needs the folio private data released (filemap_release_folio): what a truncate down then up shows', () => {
  it('XFS: a folio one write covered whole has no iomap_folio_state, so even dirty it splits and the pages past the new EOF go (kernel 10r54.)', () => {
    assert.deepEqual(answers('xfs', [W64, T(40960), T(262144), M]), ['10r54.']);
  });
  it('XFS: written in part after its writeback, or zeroed in part by xfs_truncate_page, it has one and stays whole (kernel 64r)', () => {
    assert.deepEqual(answers('xfs', [W64, FS, W(100, [100], 2), T(40960), T(262144), M]), ['64r']);
    assert.deepEqual(answers('xfs', [W64, T(37000), T(262144), M]), ['64r']);
  });
  it('ext4: a dirty folio stays whole, a clean one splits (kernel 64r, 10r54.)', () => {
    assert.deepEqual(answers('ext4', [W64, T(40960), T(262144), M]), ['64r']);
    assert.deepEqual(answers('ext4', [W64, FS, T(40960), T(262144), M]), ['10r54.']);
  });
  it('XFS: writeback attaches one, and a later write over the whole folio keeps it (kernel 64r)', () => {
    assert.deepEqual(answers('xfs', [W64, FS, W(0, [262144], 2), T(40960), T(262144), M]), ['64r']);
  });
  it('a split drops the new folios past EOF at once (__folio_split): a punch into a folio kept past EOF (kernel xfs 2r1.7r54., ext4 2r1.13r48.)', () => {
    assert.deepEqual(answers('xfs', [W64, T(40960), FS, P(8192, 4096), T(262144), M]), ['2r1.7r54.']);
    assert.deepEqual(answers('ext4', [W64, T(40960), FS, P(8192, 4096), T(262144), M]), ['2r1.13r48.']);
  });
  it('both, a clean folio (kernel 10r54.)', () => {
    assert.deepEqual(answers('xfs', [W64, FS, T(40960), T(262144), M]), ['10r54.']);
  });
});

// Known gap U8 until issue 8j (proofs-notes/conformance.md): the kernel strings are from
// `node --import tsx conform/residency-probe.ts t8ic,t8j`, three runs each on Linux 6.18.44.
describe('XFS truncate into an RWF_DONTCACHE folio under writeback (xfs_truncate_page zeroes it before truncate_setsize waits)', () => {
  // Pages 14-15 one folio, page 16 another; the DONTCACHE write kicks their writeback and returns.
  const DW = W(61033, [1, 8191], 1, ['DONTCACHE']);
  it('the zeroing clears PG_dropbehind on a folio still under writeback, so it stays (kernel 14.2r); after the writeback ended, a new one-page folio (15.1r)', () => {
    assert.deepEqual(answers('xfs', [DW, T(65129), M]), ['14.2r', '15.1r']);
    assert.deepEqual(answers('xfs', [DW, T(61500), M]), ['14.2r', '15.1r']);
  });
  it('the campaign program: each of the three orders seen on the kernel (14.3r 14.2r, 14.3r 15.1r, 17. 15.1r), and the first mincore between the two folios\' drops (16.1r, U10)', () => {
    // 400 kernel runs (stop 21): 279, 93 and 28 of the three; 16.1r is U10's window, as rare on XFS.
    const ops = [W(61427, [512, 6656, 1024], 1, ['DONTCACHE']), M, R(61848, 4517), T(65523), M];
    assert.deepEqual(answers('xfs', ops), ['14.3r 14.2r', '14.3r 15.1r', '16.1r 15.1r', '17. 15.1r']);
  });
  it('near misses: an fsync or O_DSYNC first (15.1r), no DONTCACHE (14.2r), a page-aligned truncate (16.), one below the write (14.1r), a growing one (16.1r3.)', () => {
    assert.deepEqual(answers('xfs', [DW, FS, M, T(65129), M]), ['17. 15.1r']);
    assert.deepEqual(answers('xfs', [W(61033, [1, 8191], 1, ['DONTCACHE', 'DSYNC']), T(65129), M]), ['15.1r']);
    assert.deepEqual(answers('xfs', [W(61033, [1, 8191]), T(65129), M]), ['14.2r']);
    assert.deepEqual(answers('xfs', [DW, T(65536), M]), ['16.']);
    assert.deepEqual(answers('xfs', [DW, T(60000), M]), ['14.1r']);
    assert.deepEqual(answers('xfs', [DW, T(80000), M]), ['16.1r3.']);
  });
  it('ext4 zeroes after truncate_pagecache (ext4_truncate): unchanged (kernel 14.2r, 14.1r)', () => {
    assert.deepEqual(answers('ext4', [DW, T(65129), M]), ['14.2r']);
    assert.deepEqual(answers('ext4', [DW, T(60000), M]), ['14.1r']);
  });
});

// truncate_inode_pages_range looks its partial folios up (__filemap_get_folio(FGP_LOCK), no
// FGP_DONTCACHE) before it waits for their writeback: the lookup clears PG_dropbehind. Kernel
// strings from `conform/residency-probe.ts t8jb`, four runs each; each race showed both answers.
describe('a truncate, punch or zero range waiting for an RWF_DONTCACHE folio under writeback keeps it (the lookup clears PG_dropbehind)', () => {
  it('truncate to a page boundary inside the folio: its pages below stay (kernel 12.2r), or the writeback ended first (14.)', () => {
    for (const fs of ['xfs', 'ext4'] as const) assert.deepEqual(answers(fs, [W(49152, [16384], 1, ['DONTCACHE']), T(57344), M]), ['12.2r', '14.'], fs);
  });
  it('ext4: a punch whose last byte is in the folio (kernel 12.4r or 16.); after an fsync it is gone (16.)', () => {
    const DW = W(49152, [15487, 897], 1, ['DONTCACHE']);
    assert.deepEqual(answers('ext4', [DW, P(45056, 5938), M]), ['12.4r', '16.']);
    assert.deepEqual(answers('ext4', [DW, FS, P(45056, 5938), M]), ['16.']);
  });
  it('ext4: a one-byte zero range in the folio (kernel 14.2r1. or 17.), or mincore between the two folios\' drops (16.1r, U10)', () => {
    // 400 kernel runs (stop 21): 353 and 47; 16.1r (folio 14-15 dropped, 16 not yet) is U10's window.
    assert.deepEqual(answers('ext4', [W(57344, [8193], 1, ['DONTCACHE']), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE', 'KEEP_SIZE'], off: 57344, len: 1 }, M]), ['14.2r1.', '16.1r', '17.']);
  });
  it('a truncate that need not wait clears it too: a second DONTCACHE write redirtied the folio during its writeback, the truncate into it comes before the fsync (kernel xfs 12.2r or 13.1r, ext4 12.2r)', () => {
    const twice = [W(49152, [16384], 1, ['DONTCACHE']), W(49152, [16384], 2, ['DONTCACHE'])];
    assert.deepEqual(answers('xfs', [...twice, T(55000), FS, M]), ['12.2r', '13.1r']);
    assert.deepEqual(answers('xfs', [...twice, FS, T(55000), M]), ['13.1r']);
    assert.deepEqual(answers('ext4', [...twice, T(55000), FS, M]), ['12.2r']);
  });
  it('XFS flushes first (xfs_flush_unmap_range), so its punch finds the folio gone or clean (kernel 12.1r3.)', () => {
    assert.deepEqual(answers('xfs', [W(49152, [15487, 897], 1, ['DONTCACHE']), P(45056, 5938), M]), ['12.1r3.']);
  });
});

describe('the former known gap U7: ext4 O_DIRECT RWF_NOWAIT over an RWF_DONTCACHE write the kernel still caches', () => {
  // The two programs issue 8f's ext4 campaign found (kernel EAGAIN in kiocb_invalidate_pages:
  // a folio of the DONTCACHE write is still cached), with the buffered file opened first here.
  const Wfd = (fd: number, off: number, segs: number[], id: number, flags: RwfFlag[]): Op => ({ op: 'pwritev2', fd, off, segs, flags, id, misalign: 0 });
  const nowaitResults = (ops: Op[]): string[] => {
    const p: Program = { ops: [od(false), od(true), ...ops] };
    const a = oracle.allowed('ext4', p);
    if ('unmodelled' in a) throw new Error(a.unmodelled);
    const last = p.ops.length - 1;
    return [...new Set(a.map((o) => (o[last]?.errno ?? `ret ${o[last]?.ret}`)))].sort();
  };
  it('a DONTCACHE|DSYNC write from inside page 8, then a NOWAIT direct write into page 8: the spec answers EAGAIN as the kernel does', () => {
    assert.deepEqual(nowaitResults([Wfd(0, 33280, [32768], 1, ['DSYNC', 'DONTCACHE']), Wfd(1, 32768, [512], 2, ['DSYNC', 'SYNC', 'NOWAIT', 'DONTCACHE'])]), ['EAGAIN']);
  });
  it('a 64-page DONTCACHE write, a ZERO_RANGE waiting for its writeback (the lookup keeps the folio), a NOWAIT direct write: EAGAIN allowed', () => {
    const zr: Op = { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE'], off: 32768, len: 8192 };
    assert.ok(nowaitResults([Wfd(0, 20480, [262144], 1, ['DONTCACHE']), zr, Wfd(1, 45056, [4096, 4096], 3, ['DSYNC', 'SYNC', 'NOWAIT', 'DONTCACHE'])]).includes('EAGAIN'));
  });
});

describe('U9: an O_DIRECT write into a clean block of a dirty large folio (PG_dirty is the folio\'s)', () => {
  // Linux 6.18.44 on this machine (`node --import tsx conform/residency-probe.ts u9`): mincore 4.
  // on both file systems, and the read returns the O_DIRECT write's data in block 2:
  // kiocb_invalidate_pages wrote the whole folio back and dropped it.
  const program = (at: number): Op[] => [od(true), W(0, [16384]), FS, W(0, [10], 2), { op: 'pwritev2', fd: 1, off: at, segs: [4096], flags: [], id: 3, misalign: 0 }, M, R(0, 16384)];

  it('the folio is written back and dropped whether the write lands in its dirty block or a clean one (kernel 4.)', () => {
    both(program(8192), '4.');
    both(program(0), '4.');
  });

  it('the read after it returns the O_DIRECT data, not the stale cached block', () => {
    for (const fs of ['xfs', 'ext4'] as const) {
      assert.deepEqual(answers(fs, program(8192), 'blocks'), ['{0:W2[0] 10:W1[0]},W1[1],W3[0],W1[3]'], fs);
    }
  });
});

// U10 (proofs-notes/conformance.md): a completed writeback bio ends its folios one after the
// other (iomap_finish_ioend_buffered, ext4_finish_bio), dropping each RWF_DONTCACHE folio as
// it goes (folio_end_dropbehind), so mincore can see the first folio gone and the next still
// cached. The program is the one test/conform.test.ts's bounded run shrank to; its kernel
// answers on Linux 6.18.44 (200 runs each): ext4 4.3r 90, 5.2r 52, 7. 56, 6.1r 2; xfs 4.3r 61,
// 5.2r 50, 7. 89, and in 1,000 more xfs runs 6.1r once.
describe('U10: a completed bio ends its folios one at a time, each RWF_DONTCACHE folio dropped as its writeback ends', () => {
  const ops = [W(16384, [7614, 4674], 1, ['DONTCACHE']), R(24449, 7553), M, R(16772, 6532)];
  it('folios 4-5 gone while 6 is still cached (kernel 6.1r on ext4), or a read between the two drops brought page 5 back (5.1r1.)', () => {
    for (const fs of ['xfs', 'ext4'] as const) assert.deepEqual(answers(fs, ops), ['4.3r', '5.1r1.', '5.2r', '6.1r', '7.'], fs);
  });
  it('without RWF_DONTCACHE nothing is dropped (4.3r)', () => {
    for (const fs of ['xfs', 'ext4'] as const) assert.deepEqual(answers(fs, [W(16384, [7614, 4674]), R(24449, 7553), M]), ['4.3r'], fs);
  });
});

describe('U12: a buffered read returns with its readahead window\'s read I/O still in flight', () => {
  // Linux 6.18.44 (stop 21 on XFS, 20 runs each; stop 22 on both, 20 runs each, a throw-away
  // probe): the one-page read's synchronous readahead adds pages 0-2 of the 8,704-byte file; the
  // holes 0-1 end their read at submission, page 2's read bio is still in flight when
  // filemap_read returns (it waits only for the folio it copies).
  const DW = W(8192, [512], 1, ['SYNC', 'DONTCACHE']);
  const NW = W(8192, [4096], 2, ['NOWAIT', 'DONTCACHE']);
  const results = (fs: FsKind, ops: Op[]): string[] => {
    const p: Program = { ops: [od(false), ...ops] };
    const a = oracle.allowed(fs, p);
    if ('unmodelled' in a) throw new Error(a.unmodelled);
    return [...new Set(a.map((o) => o.slice(1).map((r) => `${r.errno ?? r.ret}${r.pages === undefined ? '' : ` ${r.pages}`}${r.allowance === undefined ? '' : ' (allowance)'}`).join(' · ')))].sort();
  };

  it('mincore after the read: page 2 not uptodate yet (kernel 2r1.: XFS 18 and 20 of 20 runs, ext4 10 of 20) or its bio done (3r)', () => {
    for (const fs of ['xfs', 'ext4'] as const) assert.deepEqual(answers(fs, [DW, R(0, 4096), M]), ['2r1.', '3r'], fs);
  });

  it('XFS: the NOWAIT write into page 2 after the read finds its folio locked (FGP_NOWAIT): EAGAIN, as the kernel answered in 19, 20 and 15 of 20 runs', () => {
    assert.deepEqual(results('xfs', [DW, R(0, 4096), NW]), ['512 · 4096 · 4096', '512 · 4096 · EAGAIN']);
    // After a mincore that saw page 2 under read I/O (the kernel: EAGAIN in all 20), with no timing allowance.
    assert.ok(results('xfs', [DW, R(0, 4096), M, NW]).includes('512 · 4096 · 0 2r1. · EAGAIN'));
  });
});
