/**
 * Known gaps: disagreements between the kernel and the spec that are understood and
 * written down in proofs-notes/conformance.md (each with its minimal program and the
 * kernel code), waiting for a spec fix. A gap is recognised by describing exactly the
 * disagreement it documents — the syscall and its flags on what kind of fd, the condition
 * in the program that explains it (from the program and the kernel's own answers), the
 * kernel's answer and the spec's — never a class of answers, and never by re-deciding what
 * Linux should answer. test/conform-gaps.test.ts shows each signature a disagreement it
 * matches and near misses it must reject. The bounded test passes when every disagreement
 * is a known gap, and prints how many of each it saw.
 */
import type { FsKind } from './harness.ts';
import type { Disagreement } from './oracle.ts';
import type { Op, Program, ProgramResult, RwfFlag } from './program.ts';

export interface GapContext {
  fs: FsKind;
  program: Program;
  op: Op;
  /** Whether the op's fd was opened with O_DIRECT. */
  direct: boolean;
  /** What the kernel answered to every op. */
  kernel: ProgramResult;
  disagreement: Disagreement;
}

export interface KnownGap {
  id: string;
  /** One line: what differs, and when. The notes have the minimal program and the kernel code. */
  summary: string;
  matches(c: GapContext): boolean;
}

const BS = 4096;
type Write = Extract<Op, { op: 'pwritev2' }>;

const has = (op: Op, f: RwfFlag): boolean => op.op === 'pwritev2' && op.flags.includes(f);
const lengthOf = (w: Write): number => w.segs.reduce((a, b) => a + b, 0);
/** The count an answer string names ("ret 512" → 512), or null for an errno. */
const countOf = (a: string): number | null => {
  const m = /^ret (\d+)$/.exec(a);
  return m === null ? null : Number(m[1]);
};
const specAllowsOnly = (d: Disagreement, pred: (a: string) => boolean): boolean => d.allowed.length > 0 && d.allowed.every(pred);

function isDirectFd(p: Program, fd: number): boolean {
  const o = p.ops.filter((x) => x.op === 'open')[fd];
  return o !== undefined && o.op === 'open' && o.direct;
}

/** Byte ranges the kernel says earlier writes (ops before i) wrote, with the ops. */
function doneBefore(c: GapContext, i: number): Array<{ j: number; w: Write; from: number; to: number }> {
  const out: Array<{ j: number; w: Write; from: number; to: number }> = [];
  c.program.ops.slice(0, i).forEach((w, j) => {
    const r = c.kernel.results[j];
    if (w.op === 'pwritev2' && r !== undefined && r.errno === null && r.ret > 0) out.push({ j, w, from: w.off, to: w.off + r.ret });
  });
  return out;
}

/** File blocks [first, last] the byte range [from, to) touches (empty when to <= from). */
function blocks(from: number, to: number): number[] {
  if (to <= from) return [];
  const out: number[] = [];
  for (let b = Math.floor(from / BS); b <= Math.floor((to - 1) / BS); b++) out.push(b);
  return out;
}

/** Whether an earlier successful write (per the kernel) put bytes in file block b. */
function touched(c: GapContext, i: number, b: number): boolean {
  return doneBefore(c, i).some((d) => d.from < (b + 1) * BS && d.to > b * BS);
}

/** The file size before op i, per the kernel's answers: writes extend it; ftruncate sets it; fallocate without KEEP_SIZE extends it. */
function sizeBefore(c: GapContext, i: number): number {
  let size = 0;
  c.program.ops.slice(0, i).forEach((o, j) => {
    const r = c.kernel.results[j];
    if (r === undefined || r.errno !== null) return;
    if (o.op === 'pwritev2' && r.ret > 0) size = Math.max(size, o.off + r.ret);
    if (o.op === 'ftruncate') size = o.len;
    if (o.op === 'fallocate' && !o.mode.includes('KEEP_SIZE')) size = Math.max(size, o.off + o.len);
  });
  return size;
}

const i = (c: GapContext): number => c.disagreement.op;

/**
 * Whether write `o` (op i) would have to read file block b first: it covers b only in
 * part, an earlier write put data in b, and b may not be uptodate in the page cache —
 * walking the earlier ops in order: a plain buffered write covering b whole or a buffered
 * read of b makes it uptodate; an O_DIRECT write touching b invalidates it; an
 * RWF_DONTCACHE buffered write touching b may have been dropped after writeback.
 */
function needsRead(c: GapContext, o: Write, b: number): boolean {
  const b0 = b * BS;
  const b1 = b0 + BS;
  if (o.off <= b0 && o.off + lengthOf(o) >= b1) return false;
  if (!touched(c, i(c), b)) return false;
  let uptodate = false;
  c.program.ops.slice(0, i(c)).forEach((x, j) => {
    const r = c.kernel.results[j];
    if (r === undefined || r.errno !== null || r.ret <= 0 || (x.op !== 'pwritev2' && x.op !== 'pread')) return;
    const from = x.off;
    const to = x.off + r.ret;
    if (!(from < b1 && to > b0)) return;
    if (isDirectFd(c.program, x.fd)) {
      if (x.op === 'pwritev2') uptodate = false;
    } else if (x.op === 'pread') uptodate = true;
    else if (x.flags.includes('DONTCACHE')) uptodate = false;
    else if (from <= b0 && to >= b1) uptodate = true;
  });
  return !uptodate;
}


/** "… pages 2r14." → per page, resident or not; null when the answer names no pages. */
export function residencyOf(a: string): boolean[] | null {
  const m = /(?:^|\s)pages ((?:\d+[r.])*)$/.exec(a);
  if (m === null) return null;
  const out: boolean[] = [];
  for (const [, n, c] of (m[1] ?? '').matchAll(/(\d+)([r.])/g)) for (let k = 0; k < Number(n); k++) out.push(c === 'r');
  return out;
}

export const KNOWN_GAPS: KnownGap[] = [
  {
    id: 'G1-xfs-buffered-nowait-delalloc',
    summary:
      'XFS buffered pwritev2(RWF_NOWAIT) starting at or before EOF: the kernel writes it all (xfs_buffered_write_iomap_begin reserves delalloc blocks under IOMAP_NOWAIT); the spec stops with EAGAIN or a short count at a block no earlier write touched, as if a delalloc reservation had to block. Its other answers, if any, stop at a block the write covers in part whose folio an earlier RWF_DONTCACHE or O_DIRECT write may have dropped (__iomap_write_begin would read it, and IOMAP_NOWAIT refuses): a timing the kernel shares, not this gap',
    matches: (c) => {
      const o = c.op;
      if (c.fs !== 'xfs' || c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT')) return false;
      const len = lengthOf(o);
      if (countOf(c.disagreement.kernel) !== len || o.off > sizeBefore(c, i(c))) return false;
      const stopBlock = (a: string): number | null => {
        const stop = a === 'EAGAIN' ? 0 : countOf(a);
        return stop === null || stop >= len ? null : Math.floor((o.off + stop) / BS);
      };
      const delalloc = (a: string): boolean => {
        const b = stopBlock(a);
        return b !== null && !touched(c, i(c), b);
      };
      const dropped = (a: string): boolean => {
        const b = stopBlock(a);
        return b !== null && needsRead(c, o, b);
      };
      return c.disagreement.allowed.some(delalloc) && specAllowsOnly(c.disagreement, (a) => delalloc(a) || dropped(a));
    },
  },
  {
    id: 'G11-xfs-buffered-nowait-read-before-partial-overwrite',
    summary:
      'XFS buffered pwritev2(RWF_NOWAIT) starting at or before EOF that covers only part of a block holding data which may not be in the page cache (never covered whole by a plain buffered write or read, or since dropped: RWF_DONTCACHE, or invalidated by an O_DIRECT write): the kernel stops (EAGAIN, or a short count at a 4 KiB boundary) before the folio holding that block, because __iomap_write_begin would have to read it and IOMAP_NOWAIT refuses (a large folio can start blocks earlier); the spec, whose page cache knows neither large folios nor RWF_DONTCACHE, goes further, or stops earlier at a block no earlier write touched (G1)',
    matches: (c) => {
      const o = c.op;
      if (c.fs !== 'xfs' || c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT')) return false;
      const len = lengthOf(o);
      const k = c.disagreement.kernel;
      const got = k === 'EAGAIN' ? 0 : countOf(k);
      if (got === null || got >= len || (got > 0 && (o.off + got) % BS !== 0) || o.off > sizeBefore(c, i(c))) return false;
      if (!blocks(o.off + got, o.off + len).some((b) => needsRead(c, o, b))) return false;
      return specAllowsOnly(c.disagreement, (a) => {
        const stop = a === 'EAGAIN' ? 0 : countOf(a);
        if (stop === null) return false;
        return stop > got || (stop < got && !touched(c, i(c), Math.floor((o.off + stop) / BS)));
      });
    },
  },
  {
    id: 'G7-ext4-dio-nowait-overwrite-two-writes-eagain',
    summary:
      'ext4 O_DIRECT pwritev2(RWF_NOWAIT) within EOF over blocks that two or more earlier writes put there: the kernel may return EAGAIN (ext4_overwrite_io looks at one extent only, and where the earlier writes were allocated decides whether the range is one extent); the spec lets the whole write through',
    matches: (c) => {
      const o = c.op;
      if (c.fs !== 'ext4' || !c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT') || c.disagreement.kernel !== 'EAGAIN') return false;
      const len = lengthOf(o);
      if (o.off + len > sizeBefore(c, i(c))) return false;
      const bs = blocks(o.off, o.off + len);
      if (!bs.every((b) => touched(c, i(c), b))) return false;
      const writers = new Set(doneBefore(c, i(c)).filter((d) => bs.some((b) => d.from < (b + 1) * BS && d.to > b * BS)).map((d) => d.j));
      if (writers.size < 2) return false;
      return specAllowsOnly(c.disagreement, (a) => countOf(a) === len);
    },
  },
  {
    id: 'U5-ext4-dio-nowait-overwrite-mballoc-goal',
    summary:
      'ext4 O_DIRECT pwritev2(RWF_NOWAIT) within EOF over blocks that two or more earlier writes put there: the kernel writes it all, because mballoc places a file\'s new blocks near a goal derived from their logical offset (ext4_ext_find_goal), so the earlier writes\' blocks ended up one physical extent and ext4_overwrite_io says overwrite; the spec\'s lowest-free allocator scattered them into several extents, so it answers EAGAIN (G7 is the other direction)',
    matches: (c) => {
      const o = c.op;
      if (c.fs !== 'ext4' || !c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT') || has(o, 'ATOMIC')) return false;
      const len = lengthOf(o);
      if (countOf(c.disagreement.kernel) !== len || o.off + len > sizeBefore(c, i(c))) return false;
      const bs = blocks(o.off, o.off + len);
      if (!bs.every((b) => touched(c, i(c), b))) return false;
      const writers = new Set(doneBefore(c, i(c)).filter((d) => bs.some((b) => d.from < (b + 1) * BS && d.to > b * BS)).map((d) => d.j));
      if (writers.size < 2) return false;
      return specAllowsOnly(c.disagreement, (a) => a === 'EAGAIN');
    },
  },
  {
    id: 'U4-xfs-dio-nowait-over-sw-atomic-staging',
    summary:
      'XFS O_DIRECT pwritev2(RWF_NOWAIT), not atomic, within EOF over blocks that an earlier RWF_ATOMIC O_DIRECT write and another earlier write put there: the kernel answers EAGAIN, because the software atomic write\'s CoW staging extent (placed by xfs_aligned_fsb_count / the cowextsize hint) and the other write\'s allocation are not one physical extent, and xfs_direct_write_iomap_begin refuses IOMAP_NOWAIT over a mapping that does not span the range; the spec\'s allocator makes them contiguous and writes it all',
    matches: (c) => {
      const o = c.op;
      if (c.fs !== 'xfs' || !c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT') || has(o, 'ATOMIC') || c.disagreement.kernel !== 'EAGAIN') return false;
      const len = lengthOf(o);
      if (o.off + len > sizeBefore(c, i(c))) return false;
      const bs = blocks(o.off, o.off + len);
      if (!bs.every((b) => touched(c, i(c), b))) return false;
      const over = doneBefore(c, i(c)).filter((d) => bs.some((b) => d.from < (b + 1) * BS && d.to > b * BS));
      const atomic = over.filter((d) => has(d.w, 'ATOMIC') && isDirectFd(c.program, d.w.fd));
      // The atomic write covers only part of the range: another write's blocks make up the rest.
      if (atomic.length === 0 || over.length < 2 || bs.every((b) => atomic.some((d) => d.from < (b + 1) * BS && d.to > b * BS))) return false;
      return specAllowsOnly(c.disagreement, (a) => countOf(a) === len);
    },
  },
  {
    id: 'G9-page-cache-state',
    summary:
      'O_DIRECT pwritev2(RWF_NOWAIT) over blocks a buffered op of the program touched before: whether folios are cached decides EAGAIN in kiocb_invalidate_pages; the kernel caches on a buffered read and drops RWF_DONTCACHE folios after writeback, the spec (no page cache yet) does neither — kernel EAGAIN after a buffered read where the spec goes on, or the kernel goes on (count or EINVAL) after an RWF_DONTCACHE buffered write where the spec says EAGAIN',
    matches: (c) => {
      const o = c.op;
      if (!c.direct || o.op !== 'pwritev2' || !has(o, 'NOWAIT')) return false;
      const range = blocks(o.off, o.off + lengthOf(o));
      const before = c.program.ops.slice(0, i(c));
      const overlaps = (from: number, to: number): boolean => blocks(from, to).some((b) => range.includes(b));
      const bufferedRead = before.some((x, j) => x.op === 'pread' && !isDirectFd(c.program, x.fd) && (c.kernel.results[j]?.ret ?? 0) > 0 && overlaps(x.off, x.off + (c.kernel.results[j]?.ret ?? 0)));
      const dontcacheWrite = before.some((x, j) => x.op === 'pwritev2' && !isDirectFd(c.program, x.fd) && x.flags.includes('DONTCACHE') && (c.kernel.results[j]?.ret ?? 0) > 0 && overlaps(x.off, x.off + (c.kernel.results[j]?.ret ?? 0)));
      const k = c.disagreement.kernel;
      if (k === 'EAGAIN') return bufferedRead && specAllowsOnly(c.disagreement, (a) => countOf(a) === lengthOf(o) || a === 'EINVAL');
      return dontcacheWrite && (countOf(k) === lengthOf(o) || k === 'EINVAL') && specAllowsOnly(c.disagreement, (a) => a === 'EAGAIN');
    },
  },
  {
    id: 'G13-subblock-cut',
    summary:
      'pread of a block that an earlier ftruncate, PUNCH_HOLE or ZERO_RANGE cut in part, and whose written bytes all lay in the cut part: the kernel reads zeroes there; the spec, whose data is per block (proofs-notes/sizes-truncate-fallocate.md), keeps the write\'s token for a block it zeroes only in part',
    matches: (c) => {
      const o = c.op;
      if (o.op !== 'pread') return false;
      const k = readBlocksOf(c.disagreement.kernel);
      if (k === null) return false;
      const cuts = c.program.ops.slice(0, i(c)).flatMap((x, j) => (c.kernel.results[j]?.errno === null ? [cutOf(x)] : [])).filter((x): x is [number, number] => x !== null);
      const first = Math.floor(o.off / BS);
      const partlyCut = (b: number): boolean => cuts.some(([a, z]) => a < (b + 1) * BS && z > b * BS && !(a <= b * BS && z >= (b + 1) * BS));
      return specAllowsOnly(c.disagreement, (a) => {
        const e = readBlocksOf(a);
        if (e === null || e.ret !== k.ret || e.blocks.length !== k.blocks.length) return false;
        const diff = e.blocks.flatMap((t, n) => (t === k.blocks[n] ? [] : [n]));
        return diff.length > 0 && diff.every((n) => k.blocks[n] === 'zero' && /^W\d+\[\d+\]$/.test(e.blocks[n] ?? '') && partlyCut(first + n));
      });
    },
  },
];

/** "ret N blocks [a b c]" → its count and tokens, or null. */
function readBlocksOf(a: string): { ret: number; blocks: string[] } | null {
  const m = /^ret (\d+) blocks \[(.*)\]$/.exec(a);
  return m === null ? null : { ret: Number(m[1]), blocks: (m[2] ?? '').split(' ').filter((x) => x !== '') };
}

/** The bytes a truncate, punch or zero range cuts ([len, ∞) for ftruncate). */
function cutOf(o: Op): [number, number] | null {
  if (o.op === 'ftruncate') return [o.len, Number.POSITIVE_INFINITY];
  if (o.op === 'fallocate' && (o.mode.includes('PUNCH_HOLE') || o.mode.includes('ZERO_RANGE'))) return [o.off, o.off + o.len];
  return null;
}

/** The known gap a disagreement falls under, if any. */
export function knownGap(fs: FsKind, program: Program, d: Disagreement, kernel: ProgramResult): KnownGap | undefined {
  const op = program.ops[d.op];
  if (op === undefined) return undefined;
  const direct = 'fd' in op && isDirectFd(program, op.fd);
  return KNOWN_GAPS.find((g) => g.matches({ fs, program, op, direct, kernel, disagreement: d }));
}
