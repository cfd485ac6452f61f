/**
 * Runs the residency cases of proofs-notes/conformance.md ("Residency fixed") on the real file
 * systems and prints, per program, every syscall's kernel answer (mincore as its run-length
 * string) and the spec's mincore strings (every allowed outcome):
 *   node --import tsx conform/residency-probe.ts [r1,r1b,r2,r3,r3b,r4,r4b,r5,t8i,t8ib,t8ic,t8j,t8jb,t8k,t8l,u9] [xfs,ext4]
 * MAXFOLIO=512 runs the spec with files[0].maxFolioBlocks (ext4's large folios, opt-in).
 * R2 is kernel timing: run it a few times to see both answers.
 */
import { closeLab, openLab, startHelper, type FsKind } from './harness.ts';
import { loadSpecOracle } from './oracle.ts';
import type { Op, Program, RwfFlag } from './program.ts';
const W = (off: number, segs: number[], flags: RwfFlag[] = [], id = 1, fd = 0): Op => ({ op: 'pwritev2', fd, off, segs, flags, id, misalign: 0 });
const R = (off: number, len: number, fd = 0): Op => ({ op: 'pread', fd, off, len, misalign: 0 });
const M = (fd = 0): Op => ({ op: 'mincore', fd });
const T = (len: number): Op => ({ op: 'ftruncate', fd: 0, len });
const FS: Op = { op: 'fsync', fd: 0 };
const P = (off: number, len: number): Op => ({ op: 'fallocate', fd: 0, mode: ['PUNCH_HOLE', 'KEEP_SIZE'], off, len });
const od = (d: boolean): Op => ({ op: 'open', direct: d });
const sets: Record<string, Array<[string, Program]>> = {
  s7: [
    ['xfs truncate up past delalloc prealloc', { ops: [od(false), W(28672, [4609]), T(36865), M()] }],
    ['xfs truncate up aligned old eof', { ops: [od(false), W(8192, [10753]), T(20481), M()] }],
    ['xfs truncate up one block', { ops: [od(false), W(45056, [1]), T(49153), M()] }],
  ],
  s7e: [
    ['ext4 buffered then dio over the folio tail', { ops: [od(false), od(true), W(40960, [8192]), W(45056, [12288], [], 2, 1), M()] }],
    ['ext4 dontcache 32769', { ops: [od(true), od(false), W(32769, [512, 7680], ['DONTCACHE'], 1, 1), W(49152, [8193], [], 2, 1), M()] }],
    ['ext4 dontcache over dio-made', { ops: [od(false), od(true), W(36864, [12288]), W(45568, [512, 11776], ['DONTCACHE'], 2, 1), M()] }],
  ],
  c3000b: [
    ['zero range keep size then fsync', { ops: [od(false), od(true), W(0, [1], ['NOWAIT']), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE', 'KEEP_SIZE'], off: 1, len: 4096 } as Op, FS, M()] }],
    ['zero range then dio read at 1', { ops: [od(true), W(4096, [4096], ['NOWAIT']), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE'], off: 3584, len: 4096 } as Op, R(1, 4096), M()] }],
    ['dontcache 52826 then', { ops: [od(true), od(false), W(52826, [8192, 4096], ['DONTCACHE'], 1, 1), M(1)] }],
    ['dontcache then punch', { ops: [od(false), W(27434, [9431], ['DONTCACHE']), { op: 'fallocate', fd: 0, mode: ['PUNCH_HOLE', 'KEEP_SIZE'], off: 28673, len: 4096 } as Op, M()] }],
  ],
  c3000: [
    ['dontcache at 9', { ops: [od(false), W(9, [8192], ['DONTCACHE']), M()] }],
    ['dontcache at 16385 then read page 3', { ops: [od(false), W(16385, [8192], ['DONTCACHE']), R(12290, 1), M()] }],
    ['zero range over dio-written edge', { ops: [od(true), W(28672, [12288]), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE'], off: 28671, len: 4096 } as Op, M()] }],
    ['punch over dio-written edge', { ops: [od(true), W(28672, [12288]), { op: 'fallocate', fd: 0, mode: ['PUNCH_HOLE', 'KEEP_SIZE'], off: 28671, len: 4096 } as Op, M()] }],
  ],
  r5: [
    ['campaign 339', { ops: [od(false), W(49152, [1, 8191]), W(16384, [16384], [], 2), W(22535, [1], ['DONTCACHE'], 3), R(23556, 9213), M()] }],
    ['large folio before miss, no dontcache', { ops: [od(false), W(49152, [8192]), W(16384, [16384], [], 2), R(32768, 1), M()] }],
    ['order-0 pages before miss', { ops: [od(false), W(49152, [8192]), W(16384, [4096], [], 2), W(20480, [4096], [], 3), W(24576, [4096], [], 4), W(28672, [4096], [], 5), R(32768, 1), M()] }],
    ['large folio from page 0 before miss', { ops: [od(false), W(49152, [8192]), W(0, [16384], [], 2), R(16384, 1), M()] }],
  ],
  r1b: [
    ['R1 buffered over dio eof', { ops: [od(true), od(false), W(4096, [1536]), W(25600, [8192], [], 2, 1), M(), { op: 'fsync', fd: 1 }, M()] }],
    ['R1 eof aligned', { ops: [od(true), W(4096, [4096]), W(25600, [8192], [], 2), M()] }],
    ['R1 not past eof', { ops: [od(true), W(4096, [1536]), W(4096, [8192], [], 2), M()] }],
    ['R1 same block', { ops: [od(true), W(4096, [1536]), W(6000, [1000], [], 2), M()] }],
  ],
  r3b: [
    ['dontcache overwrite of dio-written', { ops: [od(true), od(false), W(0, [16384]), W(4096, [8192], ['DONTCACHE'], 2, 1), M(1), { op: 'fsync', fd: 1 }, M(1)] }],
    ['dontcache overwrite partial of dio-written', { ops: [od(true), od(false), W(0, [16384]), W(5000, [100], ['DONTCACHE'], 2, 1), M(1), { op: 'fsync', fd: 1 }, M(1)] }],
    ['ext4 buffered past eof over dio eof', { ops: [od(true), od(false), W(4096, [1536]), W(25600, [8192], [], 2, 1), M(1), { op: 'fsync', fd: 1 }, M(1), R(4096, 100, 1), M(1)] }],
    ['dontcache unaligned past eof 2 blocks', { ops: [od(false), W(6000, [5000], ['DONTCACHE']), FS, M()] }],
    ['dontcache unaligned past eof same block as eof', { ops: [od(false), W(0, [100]), FS, W(200, [5000], ['DONTCACHE'], 2), FS, M()] }],
    ['dontcache pos aligned old eof unaligned', { ops: [od(false), W(0, [100]), FS, W(8192, [5000], ['DONTCACHE'], 2), FS, M()] }],
  ],
  r4b: [
    ['R4 then read', { ops: [od(true), od(false), W(49152, [8192]), T(57343), M(), R(53248, 100, 1), M()] }],
    ['R4 then buffered write', { ops: [od(true), od(false), W(49152, [8192]), T(57343), M(), W(53248, [100], [], 2, 1), M()] }],
    ['R4 then truncate up read', { ops: [od(true), od(false), W(49152, [8192]), T(57343), T(60000), M(), R(53248, 6000, 1), M()] }],
    ['R4 cached', { ops: [od(false), W(49152, [8192]), FS, T(57343), M()] }],
  ],
  r1: [
    ['R1 dio', { ops: [od(true), W(4096, [1024, 512]), M(), W(25600, [8192], [], 2), M()] }],
    ['R1 buffered', { ops: [od(false), W(4096, [1536]), FS, M(), W(25600, [8192], [], 2), M()] }],
    ['R1 dio past EOF no gap block', { ops: [od(true), W(4096, [1024, 512]), W(8192, [4096], [], 2), M()] }],
    ['R1 dio, eof block hole written? size via truncate', { ops: [od(true), W(0, [4096]), T(1536), M(), W(25600, [8192], [], 2), M()] }],
    ['R1 dio eof block partially written (truncate up)', { ops: [od(true), T(1536), W(25600, [8192], [], 2), M()] }],
  ],
  r2: [
    ['R2 xfs atomic', { ops: [od(true), od(false), W(8192, [8192], ['ATOMIC'], 1, 0), R(1172, 6292, 1), M(1)] }],
    ['R2 plain', { ops: [od(true), od(false), W(8192, [8192], [], 1, 0), R(1172, 6292, 1), M(1)] }],
    ['R2 plain no hole', { ops: [od(true), od(false), W(0, [16384], [], 1, 0), R(1172, 6292, 1), M(1)] }],
    ['R2 plain read 1 @0', { ops: [od(true), od(false), W(8192, [8192], [], 1, 0), R(0, 1, 1), M(1)] }],
    ['R2 plain 64K hole 32K', { ops: [od(true), od(false), W(32768, [32768], [], 1, 0), R(0, 1, 1), M(1)] }],
  ],
  r3: [
    ['R3', { ops: [od(false), W(45057, [1], ['DONTCACHE']), FS, M(), R(40962, 1), M()] }],
    ['R3 first', { ops: [od(false), W(5626, [12286], ['DONTCACHE']), M(), FS, M()] }],
    ['R3 aligned', { ops: [od(false), W(4096, [12286], ['DONTCACHE']), M(), FS, M()] }],
    ['R3 within', { ops: [od(false), W(0, [20480]), FS, W(5626, [8000], ['DONTCACHE']), M(), FS, M()] }],
  ],
  t8i: [
    ['truncate cuts a 2-page folio', { ops: [od(false), W(57344, [4096, 4096]), T(61440), M()] }],
    ['punch page 0 of a 64-page dirty folio', { ops: [od(false), W(0, [4096, 258048]), P(0, 4096), M()] }],
    ['punch page 0 of a 64-page clean folio', { ops: [od(false), W(0, [4096, 258048]), FS, P(0, 4096), M()] }],
    ['punch pages 2-3 of a 64-page dirty folio', { ops: [od(false), W(0, [262144]), P(8192, 8192), M()] }],
    ['punch pages 2-3 of a 64-page clean folio', { ops: [od(false), W(0, [262144]), FS, P(8192, 8192), M()] }],
    ['truncate to 10 pages, 64-page dirty folio', { ops: [od(false), W(0, [262144]), T(40960), M()] }],
    ['truncate to 10 pages, 64-page clean folio', { ops: [od(false), W(0, [262144]), FS, T(40960), M()] }],
    ['truncate inside page 9, 64-page dirty folio', { ops: [od(false), W(0, [262144]), T(37000), M()] }],
    ['truncate inside page 9, 64-page clean folio', { ops: [od(false), W(0, [262144]), FS, T(37000), M()] }],
    ['punch bytes inside page 5, 64-page clean folio', { ops: [od(false), W(0, [262144]), FS, P(20500, 100), M()] }],
  ],
  t8ib: [
    ['truncate down then up, 64-page dirty folio written whole', { ops: [od(false), W(0, [262144]), T(40960), T(262144), M()] }],
    ['truncate down then up, 64-page clean folio', { ops: [od(false), W(0, [262144]), FS, T(40960), T(262144), M()] }],
    ['truncate down then up, dirty folio rewritten in part', { ops: [od(false), W(0, [262144]), FS, W(100, [100], [], 2), T(40960), T(262144), M()] }],
    ['truncate down inside a page then up, dirty folio written whole', { ops: [od(false), W(0, [262144]), T(37000), T(262144), M()] }],
    ['punch of the only dirty pages of a 64-page folio', { ops: [od(false), W(0, [262144]), FS, W(8192, [8192], [], 2), P(8192, 8192), M()] }],
    ['punch of part of the dirty pages of a 64-page folio', { ops: [od(false), W(0, [262144]), FS, W(8192, [12288], [], 2), P(8192, 8192), M()] }],
    ['rewritten whole after writeback, truncate down then up', { ops: [od(false), W(0, [262144]), FS, W(0, [262144], [], 2), T(40960), T(262144), M()] }],
    ['punch a folio kept past EOF, then truncate up', { ops: [od(false), W(0, [262144]), T(40960), FS, P(8192, 4096), T(262144), M()] }],
    ['punch then read, 64-page dirty folio', { ops: [od(false), W(0, [262144]), P(8192, 8192), R(0, 262144), M()] }],
  ],
  t8ic: [
    ['dontcache write into a 2-page folio, truncate into it', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), T(65129), M()] }],
    ['the same, mincore before the truncate', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), M(), T(65129), M()] }],
    ['the same, fsync before the truncate', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), FS, M(), T(65129), M()] }],
  ],
  t8j: [
    ['U8 near miss: no DONTCACHE', { ops: [od(false), W(61033, [1, 8191]), T(65129), M()] }],
    ['U8 near miss: DONTCACHE|DSYNC', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE', 'DSYNC']), T(65129), M()] }],
    ['U8 near miss: truncate to a page boundary', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), T(65536), M()] }],
    ['U8 truncate 60 bytes into page 15', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), T(61500), M()] }],
    ['U8 truncate into page 14, below the write', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), T(60000), M()] }],
    ['U8 near miss: growing truncate', { ops: [od(false), W(61033, [1, 8191], ['DONTCACHE']), T(80000), M()] }],
    ['U8 the campaign program', { ops: [od(false), W(61427, [512, 6656, 1024], ['DONTCACHE']), M(), R(61848, 4517), T(65523), M()] }],
  ],
  t8jb: [
    ['punch whose last byte is in an RWF_DONTCACHE folio under writeback', { ops: [od(false), W(49152, [15487, 897], ['DONTCACHE']), P(45056, 5938), M()] }],
    ['one-byte zero range in an RWF_DONTCACHE folio under writeback', { ops: [od(false), W(57344, [8193], ['DONTCACHE']), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE', 'KEEP_SIZE'], off: 57344, len: 1 } as Op, M()] }],
    ['the punch after an fsync', { ops: [od(false), W(49152, [15487, 897], ['DONTCACHE']), FS, P(45056, 5938), M()] }],
    ['truncate to a page boundary inside an RWF_DONTCACHE folio', { ops: [od(false), W(49152, [16384], ['DONTCACHE']), T(57344), M()] }],
    ['a second DONTCACHE write redirties the folio under writeback, then a truncate into it, then fsync', { ops: [od(false), W(49152, [16384], ['DONTCACHE']), W(49152, [16384], ['DONTCACHE'], 2), T(55000), FS, M()] }],
    ['the same with the truncate after the fsync', { ops: [od(false), W(49152, [16384], ['DONTCACHE']), W(49152, [16384], ['DONTCACHE'], 2), FS, T(55000), M()] }],
  ],
  t8k: [
    ['growing truncate over a dirty large folio kept whole by a truncate to a block boundary', { ops: [od(false), W(0, [16384]), FS, W(0, [10], [], 2), T(8192), T(16384), M(), R(0, 16384)] }],
    ['the same, the truncate down into a block', { ops: [od(false), W(0, [16384]), FS, W(0, [10], [], 2), T(6000), T(16384), M(), R(0, 16384)] }],
    ['the same, growing past the folio (no folio over the range: no flush)', { ops: [od(false), W(0, [16384]), FS, W(0, [10], [], 2), T(16384), T(20480), M(), R(0, 20480)] }],
    ['punch over a folio under writeback and a dirty one, i_disksize behind', { ops: [od(false), W(0, [4096], ['DONTCACHE']), W(4096, [4096], [], 2), P(0, 8192), M(), R(0, 8192)] }],
    ['zero range keep size over the same', { ops: [od(false), W(0, [4096], ['DONTCACHE']), W(4096, [4096], [], 2), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE', 'KEEP_SIZE'], off: 0, len: 8192 } as Op, M(), R(0, 8192)] }],
    ['unaligned extending zero range over the same', { ops: [od(false), W(0, [4096], ['DONTCACHE']), W(4096, [4096], [], 2), { op: 'fallocate', fd: 0, mode: ['ZERO_RANGE'], off: 2048, len: 8192 } as Op, M(), R(0, 12288)] }],
  ],
  t8l: [
    ['write past EOF over a dirty large folio kept whole by a truncate to a block boundary', { ops: [od(false), W(0, [16384]), FS, W(0, [10], [], 2), T(8192), W(16384, [4096], [], 3), M(), R(0, 20480)] }],
    ['the same, an O_DIRECT write', { ops: [od(false), od(true), W(0, [16384]), FS, W(0, [10], [], 2), T(8192), W(16384, [4096], [], 3, 1), M(), R(0, 20480)] }],
    ['the same, no folio over [16384, 20480) (no flush)', { ops: [od(false), W(0, [16384]), FS, W(0, [10], [], 2), T(16384), W(20480, [4096], [], 3), M(), R(0, 24576)] }],
  ],
  u9: [
    ['U9: O_DIRECT write into a clean block of a dirty large folio', { ops: [od(false), od(true), W(0, [16384]), FS, W(0, [10], [], 2), W(8192, [4096], [], 3, 1), M(), R(0, 16384)] }],
    ['U9 near miss: into the dirty block itself', { ops: [od(false), od(true), W(0, [16384]), FS, W(0, [10], [], 2), W(0, [4096], [], 3, 1), M(), R(0, 16384)] }],
  ],
  r4: [
    ['R4', { ops: [od(true), W(49152, [8192]), M(), T(57343), M()] }],
    ['R4 same', { ops: [od(true), W(4096, [4608]), M(), T(8704), M()] }],
    ['R4 buffered', { ops: [od(false), W(49152, [8192]), FS, M(), T(57343), M()] }],
  ],
};
const which = (process.argv[2] ?? 'r1').split(',');
const fss = (process.argv[3] ?? 'xfs,ext4').split(',') as FsKind[];
const got = openLab(fss);
if (!got.ok) throw new Error(got.skip);
const o = loadSpecOracle(4000, process.env.MAXFOLIO ? { maxFolioBlocks: Number(process.env.MAXFOLIO) } : {});
if (!o.ok) throw new Error('oracle');
try {
  for (const fs of fss) {
    const h = startHelper(got.lab, fs);
    for (const k of which) for (const [what, p] of sets[k] ?? []) {
      const r = await h.run(p);
      const a = o.oracle.allowed(fs, p);
      const spec = 'unmodelled' in a ? a.unmodelled : [...new Set(a.map((x) => p.ops.map((op, i) => op.op === 'mincore' ? JSON.stringify(x[i]) : '').filter((s) => s).join(' ')))].join(' | ');
      console.log(`${fs}: ${what}: kernel ${r.results.map((x) => x.op === 'mincore' ? x.pages : x.errno ?? x.ret).join(' ')}\n    spec ${spec}`);
    }
  }
} finally { closeLab(got.lab); }
