/**
 * Unit tests of the conformance plumbing that need no loop device: the helper's output
 * parsing, the program text format, the outcome comparison, the campaign's option
 * parsing, and the helper's data tokens (run on a plain temporary directory).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ParseError, decodeToken, parseLine, parseOutput, serialize, withFreshTimes } from '../conform/program.ts';
import type { Program } from '../conform/program.ts';
import { compare, loadSpecOracle } from '../conform/oracle.ts';
import { UsageError, parseArgs, DEFAULTS } from '../conform/campaign-options.ts';
import { emptySummary, formatTable } from '../conform/campaign-report.ts';
import { HelperProcess, buildHelper } from '../conform/harness.ts';
import { programArb } from '../conform/generate.ts';
import { MAX_OPS } from '../conform/generate-values.ts';


/** Runs `fn` with a helper process in a fresh temporary directory, and always cleans up; skips when the helper cannot be built. */
async function withHelper(t: TestContext, fn: (h: HelperProcess) => Promise<void>): Promise<void> {
  const built = buildHelper();
  if (!built.ok) {
    t.skip(built.reason);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'writepath-helper-'));
  const h = new HelperProcess(built.path, dir);
  try {
    await fn(h);
  } finally {
    await h.end();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('parseLine: plain result, errno, end marker', () => {
  assert.deepEqual(parseLine('{"i":0,"op":"open","ret":0,"errno":null}'), { i: 0, op: 'open', ret: 0, errno: null });
  assert.deepEqual(parseLine('{"i":3,"op":"pwritev2","ret":-1,"errno":"EOPNOTSUPP"}'), { i: 3, op: 'pwritev2', ret: -1, errno: 'EOPNOTSUPP' });
  assert.deepEqual(parseLine('{"end":7}'), { end: 7 });
});

test('parseLine: pread blocks, mincore pages, statx fields', () => {
  const r = parseLine('{"i":1,"op":"pread","ret":8192,"errno":null,"blocks":["2.0","0"]}');
  assert.ok(!('end' in r));
  assert.deepEqual(r.blocks, ['2.0', '0']);
  const m = parseLine('{"i":2,"op":"mincore","ret":0,"errno":null,"pages":"2r14."}');
  assert.ok(!('end' in m));
  assert.equal(m.pages, '2r14.');
  const s = parseLine(
    '{"i":1,"op":"statx","ret":0,"errno":null,"mask":210943,"blksize":4096,"size":0,"blocks":0,"dio":true,"dio_mem_align":512,"dio_offset_align":512,"dio_read_offset_align":512,"atomic":true,"attr_write_atomic":true,"awu_min":4096,"awu_max":1048576,"awu_segments_max":1,"awu_max_opt":0}',
  );
  assert.ok(!('end' in s));
  assert.equal(s.statx?.awuMin, 4096);
  assert.equal(s.statx?.awuMax, 1048576);
  assert.equal(s.statx?.awuSegmentsMax, 1);
  assert.equal(s.statx?.attrWriteAtomic, true);
  assert.equal(s.statx?.dioOffsetAlign, 512);
});

test('parseLine rejects malformed output and helper refusals', () => {
  assert.throws(() => parseLine('not json'), ParseError);
  assert.throws(() => parseLine('[1,2]'), ParseError);
  assert.throws(() => parseLine('{"i":0,"op":"open","ret":"x","errno":null}'), ParseError);
  assert.throws(() => parseLine('{"i":0,"op":"pread","ret":1,"errno":null,"blocks":[1]}'), ParseError);
  assert.throws(() => parseLine('{"i":0,"op":"frob","bad":"unknown op"}'), /refused/);
});

test('parseOutput: order, end marker, nothing after it', () => {
  const ok = parseOutput('{"i":0,"op":"open","ret":0,"errno":null}\n{"i":1,"op":"fsync","ret":0,"errno":null}\n{"end":0}\n');
  assert.equal(ok.results.length, 2);
  assert.throws(() => parseOutput('{"i":0,"op":"open","ret":0,"errno":null}\n'), /no end marker/);
  assert.throws(() => parseOutput('{"i":1,"op":"open","ret":0,"errno":null}\n{"end":0}\n'), /out of order/);
  assert.throws(() => parseOutput('{"end":0}\n{"i":0,"op":"open","ret":0,"errno":null}\n'), /after the end/);
});

test('decodeToken', () => {
  assert.deepEqual(decodeToken('0'), { kind: 'zero' });
  assert.deepEqual(decodeToken('12.3'), { kind: 'block', write: 12, block: 3 });
  assert.deepEqual(decodeToken('~7:512,0:3000,?:584'), {
    kind: 'runs',
    runs: [
      { who: 7, len: 512 },
      { who: 'zero', len: 3000 },
      { who: 'unknown', len: 584 },
    ],
  });
  assert.throws(() => decodeToken('#deadbeef'), ParseError);
});

test('serialize: one line per op then end', () => {
  const p: Program = {
    ops: [
      { op: 'open', direct: true },
      { op: 'pwritev2', fd: 0, off: 4096, segs: [4096, 4096], flags: ['ATOMIC', 'DSYNC'], id: 1, misalign: 0 },
      { op: 'pwritev2', fd: 0, off: 0, segs: [512], flags: [], id: 2, misalign: 1, rawFlags: 0x400 },
      { op: 'pread', fd: 0, off: 0, len: 8192, misalign: 0 },
      { op: 'ftruncate', fd: 0, len: 100 },
      { op: 'statx', fd: 0 },
    ],
  };
  assert.equal(
    serialize(p),
    'open direct=1 dsync=0\npwritev2 fd=0 off=4096 segs=4096,4096 flags=ATOMIC|DSYNC id=1 misalign=0\npwritev2 fd=0 off=0 segs=512 flags=0x400 id=2 misalign=1\npread fd=0 off=0 len=8192 misalign=0\nftruncate fd=0 len=100\nstatx fd=0\nend\n',
  );
});

test('withFreshTimes marks RWF_NOWAIT writes only, and serialize passes fresh=1 to the helper', () => {
  const p: Program = { ops: [{ op: 'open', direct: true }, { op: 'pwritev2', fd: 0, off: 0, segs: [512], flags: ['NOWAIT'], id: 1, misalign: 0 }, { op: 'pwritev2', fd: 0, off: 0, segs: [512], flags: [], id: 2, misalign: 0 }] };
  assert.equal(serialize(withFreshTimes(p)), 'open direct=1 dsync=0\npwritev2 fd=0 off=0 segs=512 flags=NOWAIT id=1 misalign=0 fresh=1\npwritev2 fd=0 off=0 segs=512 flags=0 id=2 misalign=0\nend\n');
});

test('compare: agreement, first disagreeing op, unconstrained fields', () => {
  const p: Program = { ops: [{ op: 'open', direct: true }, { op: 'pwritev2', fd: 0, off: 0, segs: [4096], flags: ['ATOMIC'], id: 1, misalign: 0 }] };
  const k = { results: [{ i: 0, op: 'open', ret: 0, errno: null }, { i: 1, op: 'pwritev2', ret: -1, errno: 'EOPNOTSUPP' }] };
  assert.equal(compare(p, k, [[{}, { errno: 'EOPNOTSUPP' }]]).agreed, true);
  assert.equal(compare(p, k, [[{}, { ret: 4096, errno: null }], [{}, { errno: 'EOPNOTSUPP' }]]).agreed, true);
  const v = compare(p, k, [[{}, { ret: 4096, errno: null }]]);
  assert.equal(v.agreed, false);
  assert.equal(v.disagreement?.op, 1);
  assert.equal(v.disagreement?.kernel, 'EOPNOTSUPP');
  assert.deepEqual(v.disagreement?.allowed, ['ret 4096']);
  assert.equal(compare(p, k, []).agreed, false);
});

test('campaign options: defaults, values, unknown options are usage errors', () => {
  assert.equal(parseArgs([]).runs, DEFAULTS.runs);
  assert.equal(parseArgs(['--runs', '50']).runs, 50);
  assert.equal(parseArgs(['--runs=7']).runs, 7);
  assert.deepEqual(parseArgs(['--fs', 'ext4']).fs, ['ext4']);
  assert.throws(() => parseArgs(['--frobnicate']), UsageError);
  assert.throws(() => parseArgs(['--runs', 'many']), UsageError);
  assert.throws(() => parseArgs(['--fs', 'btrfs']), UsageError);
  assert.equal(parseArgs(['--programs', 'edge']).kind, 'edge');
  // mincore is in the default mix since issue 8i; --no-mincore leaves it out.
  assert.equal(parseArgs([]).mincore, true);
  assert.equal(parseArgs(['--no-mincore']).mincore, false);
  assert.equal(parseArgs(['--mincore']).mincore, true);
  assert.throws(() => parseArgs(['--programs', 'most']), UsageError);
  assert.throws(() => parseArgs(['--disagreements', 'a/b']), UsageError);
  const row = { ...emptySummary('xfs', true), programs: 3, withWrite: 2, syscalls: 9, dataChecked: 4, writtenDataChecked: 3, agreements: 2, disagreements: 1, ms: 1000, specMs: 500, timing: new Map([['A1', 1]]), knownGaps: new Map([['G1', 1]]) };
  row.unmodelled.set('too big', 0);
  assert.match(formatTable([row]), /\| xfs +\| 3 +\| 2 +\| 9 +\| 4 +\| 3 +\| 2 +\| 1 +\| 1 +\| 1 +\| 0 +\| 1\.0 s +\| 0\.5 s +\|/);
  assert.match(formatTable([emptySummary('ext4', false)]), /\| ext4 +\| 0 +\| 0 +\| 0 +\| n\/a +\| n\/a +\| n\/a /);
});

test('generated programs: at most MAX_OPS ops after the opens, write ids 1..n, segments sum to a positive length', () => {
  fc.assert(
    fc.property(programArb(), (p) => {
      const opens = p.ops.filter((o) => o.op === 'open').length;
      assert.ok(opens === 1 || opens === 2);
      assert.ok(p.ops.length - opens <= MAX_OPS);
      let id = 0;
      for (const o of p.ops) {
        if (o.op === 'pwritev2') {
          assert.equal(o.id, ++id);
          assert.ok(o.segs.length >= 1 && o.segs.length <= 4);
          assert.ok(o.segs.every((s) => s > 0));
        }
        // Names programs (generate.ts namesProgramArb) also pick among their opens by name.
        if ('fd' in o) assert.ok(o.fd < opens + p.ops.filter((x) => x.op === 'openat').length);
      }
    }),
    { numRuns: 500 },
  );
});

test('helper tokens: a read maps each block back to the write that put it there (tmpfs/any directory, buffered)', async (t) => {
  await withHelper(t, async (h) => {
    const r = await h.run({
      ops: [
        { op: 'open', direct: false },
        { op: 'pwritev2', fd: 0, off: 0, segs: [8192, 4096], flags: [], id: 7, misalign: 0 },
        { op: 'pwritev2', fd: 0, off: 4096 + 512, segs: [512], flags: [], id: 8, misalign: 3 },
        { op: 'pwritev2', fd: 0, off: 1000, segs: [100], flags: [], id: 9, misalign: 0 },
        { op: 'pwritev2', fd: 0, off: 1003, segs: [3], flags: [], id: 10, misalign: 0 },
        { op: 'ftruncate', fd: 0, len: 20480 },
        { op: 'pread', fd: 0, off: 0, len: 20480, misalign: 0 },
        { op: 'pread', fd: 0, off: 0, len: 100, misalign: 0 },
        { op: 'pwritev2', fd: 5, off: 0, segs: [1], flags: [], id: 9, misalign: 0 },
        { op: 'statx', fd: 0 },
      ],
  });
  assert.equal(r.results.length, 10);
  assert.equal(r.results[1]?.ret, 12288);
  assert.equal(r.results[2]?.ret, 512);
  // Byte runs: write 10 (3 bytes) inside write 9 (100 bytes) inside write 7's block 0.
  assert.deepEqual(r.results[6]?.blocks, ['~7:1000,9:3,10:3,9:94,7:2996', '~7:512,8:512,7:3072', '7.2', '0', '0']);
  assert.deepEqual(r.results[7]?.blocks, ['7.0']);
  assert.equal(r.results[8]?.errno, 'EBADF');
  assert.equal(r.results[9]?.statx?.size, 20480);
  // A second program runs on a fresh file.
  const r2 = await h.run({ ops: [{ op: 'open', direct: false }, { op: 'pread', fd: 0, off: 0, len: 4096, misalign: 0 }] });
  assert.equal(r2.results[1]?.ret, 0);
  });
});

test('helper: a refused op fails only its own program; the next program still gets its own answers', async (t) => {
  await withHelper(t, async (h) => {
    const bad = h.run({ ops: [{ op: 'open', direct: false }, { op: 'pwritev2', fd: 0, off: 0, segs: [64 * 1024 * 1024], flags: [], id: 1, misalign: 0 }, { op: 'fsync', fd: 0 }] });
    const good = h.run({ ops: [{ op: 'open', direct: false }, { op: 'fdatasync', fd: 0 }] });
    await assert.rejects(bad, /refused op 1/);
    const g = await good;
    assert.deepEqual(g.results.map((r) => r.op), ['open', 'fdatasync']);
  });
});

test('abstraction: kernel read bytes become spec tokens per file block, byte run by byte run (bytes not read are -), any read offset', async () => {
  const { abstractKernel } = await import('../conform/translate.ts');
  const ok = (i: number, ret: number, blocks?: string[]) => ({ i, op: blocks === undefined ? 'pwritev2' : 'pread', ret, errno: null, ...(blocks === undefined ? {} : { blocks }) });
  const W = (id: number, off: number, len: number) => ({ op: 'pwritev2' as const, fd: 0, off, segs: [len], flags: [], id, misalign: 0 });
  const R = (off: number, len: number) => ({ op: 'pread' as const, fd: 0, off, len, misalign: 0 });
  const run = (ops: Program['ops'], results: ReturnType<typeof ok>[]) => abstractKernel({ ops: [{ op: 'open', direct: false }, ...ops] }, { results: [{ i: 0, op: 'open', ret: 0, errno: null }, ...results] }).results.at(-1)?.blocks;
  // Aligned reads: whole blocks in place, zeros; a sub-block write inside a block is a run of its own.
  assert.deepEqual(run([W(1, 0, 8192), R(0, 12288)], [ok(1, 8192), ok(2, 12288, ['1.0', '1.1', '0'])]), ['W1[0]', 'W1[1]', 'zero']);
  assert.deepEqual(run([W(1, 0, 8192), W(2, 4608, 512), R(4096, 4096)], [ok(1, 8192), ok(2, 512), ok(3, 4096, ['~1:512,2:512,1:3072'])]), ['{0:W1[1] 512:W2[0] 1024:W1[1]}']);
  // A block out of place (block 1 of write 1 read at block 0) or unexplained bytes never match.
  assert.deepEqual(run([W(1, 0, 8192), R(0, 4096)], [ok(1, 8192), ok(2, 4096, ['1.1'])]), ['?']);
  assert.deepEqual(run([W(1, 0, 8192), R(0, 4096)], [ok(1, 8192), ok(2, 4096, ['~1:512,?:3584'])]), ['{0:W1[0] 512:?}']);
  // Bytes outside the read are not judged: a write there is not in the token.
  assert.deepEqual(run([W(1, 2048, 512), R(0, 512)], [ok(1, 512), ok(2, 512, ['0'])]), ['{0:zero 512:-}']);
  // Unaligned reads: the helper's 4 KiB chunks start at the read offset; tokens are per file block touched.
  assert.deepEqual(run([W(1, 0, 8192), R(512, 4096)], [ok(1, 8192), ok(2, 4096, ['~1:4096'])]), ['{0:- 512:W1[0]}', '{0:W1[1] 512:-}']);
  assert.deepEqual(run([W(1, 512, 4096), R(512, 4096)], [ok(1, 4096), ok(2, 4096, ['1.0'])]), ['{0:- 512:W1[0]}', '{0:W1[1] 512:-}']);
  assert.deepEqual(run([W(1, 4096, 4096), R(3584, 1024)], [ok(1, 4096), ok(2, 1024, ['~0:512,1:512'])]), ['{0:- 3584:zero}', '{0:W1[0] 512:-}']);
  // A 2-byte piece the helper gave to an older write (its run goes on into that write's
  // bytes) is ";\n" of the newer write that covers it: the newer write names those bytes.
  assert.deepEqual(
    run([W(1, 32256, 8192), W(2, 16384, 16384), R(32766, 5118)], [ok(1, 8192), ok(2, 16384), ok(3, 5118, ['~1:4096', '~1:1022'])]),
    ['{0:- 4094:W2[3]}', 'W1[1]', '{0:W1[2] 1020:-}'],
  );
  // A 9-byte write over a written block: its bytes 5-8 ("B000") equal the older write's
  // there, so the helper runs them into the older write; cut at the newer write's edge, they are the newer write's.
  assert.deepEqual(run([W(2, 0, 4096), W(3, 0, 9), R(0, 4096)], [ok(1, 4096), ok(2, 9), ok(3, 4096, ['~3:5,2:4091'])]), ['{0:W3[0] 9:W2[0]}']);
  // ... but not when the newer write's bytes differ there (a stale piece stays the older write's).
  assert.deepEqual(run([W(1, 32256, 8192), W(2, 16384, 16384), R(32760, 8)], [ok(1, 8192), ok(2, 16384), ok(3, 8, ['~1:8'])]), ['{0:- 4088:W1[0]}']);
  // A short read at EOF: only the blocks its bytes touch, only the bytes it returned.
  assert.deepEqual(run([W(1, 0, 1000), R(512, 4096)], [ok(1, 1000), ok(2, 488, ['~1:488'])]), ['{0:- 512:W1[0] 1000:-}']);
  assert.deepEqual(run([W(1, 0, 1000), R(4096, 4096)], [ok(1, 1000), ok(2, 0, [])]), []);
});

test('data programs: a write first, direct writes sector aligned (RWF_ATOMIC ones naturally aligned powers of two), reads after a write', async () => {
  const { dataProgramArb } = await import('../conform/generate-data.ts');
  fc.assert(
    fc.property(dataProgramArb(), (p) => {
      const opens = p.ops.filter((o) => o.op === 'open');
      const body = p.ops.slice(opens.length);
      assert.equal(body[0]?.op, 'pwritev2');
      for (const o of body) {
        if (o.op !== 'pwritev2') continue;
        const direct = opens[o.fd]?.op === 'open' && (opens[o.fd] as { direct: boolean }).direct;
        const len = o.segs.reduce((a, b) => a + b, 0);
        if (o.flags.includes('ATOMIC')) {
          assert.ok(direct && o.segs.length === 1 && [4096, 8192, 16384].includes(len) && o.off % len === 0, JSON.stringify(o));
        } else if (direct) {
          assert.ok(o.off % 512 === 0 && o.segs.every((s) => s % 512 === 0), JSON.stringify(o));
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('helper: open and pwritev2 report the coarse clock around the call; fresh=1 runs', async (t) => {
  await withHelper(t, async (h) => {
    const r = await h.run(withFreshTimes({ ops: [{ op: 'open', direct: false }, { op: 'pwritev2', fd: 0, off: 0, segs: [512], flags: ['NOWAIT'], id: 1, misalign: 0 }, { op: 'pwritev2', fd: 0, off: 0, segs: [512], flags: [], id: 2, misalign: 0 }] }));
    for (const x of r.results) {
      const c = x.clock;
      assert.ok(c !== undefined && c[0] > 1.6e15 && c[0] <= c[1], `${x.op}: ${JSON.stringify(c)}`);
    }
    assert.equal(r.results[2]?.ret, 512);
  });
});

test('repeat: options, and which programs answered differently', async () => {
  const { parseRepeatArgs, differing, UsageError: RepeatUsage } = await import('../conform/repeat.ts');
  const o = parseRepeatArgs(['--runs', '50', '--fs', 'ext4', '--programs', 'edge', '--no-fresh-times']);
  assert.deepEqual([o.runs, o.fs, o.kind, o.freshTimes, o.labs, o.passes], [50, 'ext4', 'edge', false, 2, 2]);
  assert.throws(() => parseRepeatArgs(['--fs', 'btrfs']), RepeatUsage);
  assert.throws(() => parseRepeatArgs(['--runs', '0']), RepeatUsage);
  assert.deepEqual(differing([[['0', '512'], ['0', 'EAGAIN']], [['0', '512'], ['0', '4096']], [['0', '512'], ['0', 'EAGAIN']]]), [1]);
  assert.deepEqual(differing([[['0']], [['0']]]), []);
});

test('oracle: files by name (openat without O_CREAT, O_CREAT, rename over, read through an fd of the replaced file, unlink twice)', () => {
  const loaded = loadSpecOracle();
  assert.ok(loaded.ok);
  const p: Program = {
    ops: [
      { op: 'open', direct: false },
      { op: 'pwritev2', fd: 0, off: 0, segs: [4096], flags: [], id: 1, misalign: 0 },
      { op: 'openat', name: 'g', creat: false, trunc: false, direct: false },
      { op: 'openat', name: 'g', creat: true, trunc: false, direct: false },
      { op: 'pwritev2', fd: 1, off: 0, segs: [4096], flags: [], id: 2, misalign: 0 },
      { op: 'rename', from: 'g', to: 'f' },
      { op: 'pread', fd: 0, off: 0, len: 4096, misalign: 0 },
      { op: 'openat', name: 'f', creat: false, trunc: true, direct: false },
      { op: 'pread', fd: 2, off: 0, len: 4096, misalign: 0 },
      { op: 'unlink', name: 'f' },
      { op: 'unlink', name: 'f' },
      { op: 'close', fd: 0 },
      { op: 'close', fd: 0 },
    ],
  };
  for (const fs of ['xfs', 'ext4'] as const) {
    const a = loaded.oracle.allowed(fs, p);
    assert.ok(Array.isArray(a), JSON.stringify(a));
    // What Linux 6.18 answered for this program (helper run on ext4 and XFS).
    const want = [0, 4096, 'ENOENT', 1, 4096, 0, 4096, 2, 0, 0, 'ENOENT', 0, 'EBADF'];
    assert.deepEqual(a.map((o) => o.map((e) => e.errno ?? e.ret)), [want]);
    assert.deepEqual(a[0]?.[6]?.blocks, ['W1[0]'], 'the old inode is still read through its fd');
    assert.deepEqual(a[0]?.[8]?.blocks, [], 'O_TRUNC emptied the renamed file');
  }
});
