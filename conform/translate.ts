/**
 * Translation between the conformance program format (conform/program.ts, what the
 * helper runs) and the spec's syscall vocabulary (spec/types.ts), and from the spec's
 * results back to the comparison format (program.ts ExpectedOp, what oracle.ts compares).
 *
 * Pure renaming: no validation rule lives here. A program the spec cannot express (an op
 * or argument it has no word for) is reported as such, with the reason, so the gap is data.
 */
import { runsToken, UNREAD, ZERO } from '../spec/index.ts';
import type { Program as SpecProgram, Syscall, ObservedResult, RwfFlag as SpecRwf, Token, OpenFlag, Run, NameOpenFlag, FallocFlag } from '../spec/index.ts';
import { decodeToken } from './program.ts';
import type { ExpectedOp, Op, OpResult, Program, ProgramResult, RwfFlag } from './program.ts';

export type Translated = { ok: true; program: SpecProgram } | { ok: false; reason: string };

const RWF: Record<RwfFlag, SpecRwf> = {
  ATOMIC: 'RWF_ATOMIC',
  DSYNC: 'RWF_DSYNC',
  SYNC: 'RWF_SYNC',
  NOWAIT: 'RWF_NOWAIT',
  DONTCACHE: 'RWF_DONTCACHE',
};

/** The spec's name for write `n`'s data (its tokens are `W<n>[<block>]`). */
export const writeId = (n: number): string => `W${n}`;

function one(o: Op): Syscall | string {
  switch (o.op) {
    case 'open': {
      const flags: OpenFlag[] = [];
      if (o.direct) flags.push('O_DIRECT');
      if (o.dsync === true) flags.push('O_DSYNC');
      if (o.file !== undefined && o.file !== 'f') return 'open of a second file';
      return { op: 'open', file: 0, access: 'O_RDWR', flags };
    }
    case 'pwritev2':
      if (o.misalign !== 0) return 'pwritev2 from a misaligned user buffer (the spec has no buffer addresses)';
      if (o.rawFlags !== undefined && o.rawFlags !== 0) return `pwritev2 with an unknown RWF bit 0x${o.rawFlags.toString(16)}`;
      return { op: 'pwritev2', fd: o.fd, offset: o.off, iov: [...o.segs], flags: o.flags.map((f) => RWF[f]), id: writeId(o.id) };
    case 'pread':
      if (o.misalign !== 0) return 'pread into a misaligned user buffer (the spec has no buffer addresses)';
      return { op: 'pread', fd: o.fd, offset: o.off, len: o.len };
    case 'fsync':
      return { op: 'fsync', fd: o.fd };
    case 'fdatasync':
      return { op: 'fdatasync', fd: o.fd };
    case 'statx':
      return { op: 'statx', fd: o.fd };
    case 'ftruncate':
      return { op: 'ftruncate', fd: o.fd, length: o.len };
    case 'fallocate':
      return { op: 'fallocate', fd: o.fd, mode: o.mode.map((m): FallocFlag => `FALLOC_FL_${m}`), offset: o.off, len: o.len };
    case 'close':
      return { op: 'close', fd: o.fd };
    case 'openat': {
      const flags: NameOpenFlag[] = [];
      if (o.creat) flags.push('O_CREAT');
      if (o.trunc) flags.push('O_TRUNC');
      if (o.direct) flags.push('O_DIRECT');
      return { op: 'openat', path: o.name, access: 'O_RDWR', flags };
    }
    case 'rename':
      return { op: 'rename', from: o.from, to: o.to };
    case 'unlink':
      return { op: 'unlink', path: o.name };
    case 'mincore':
      return { op: 'mincore', fd: o.fd };
    case 'mmap':
      return { op: 'mmap', fd: o.fd, offset: o.off, len: o.len };
    case 'store':
      return { op: 'mmap-store', file: 0, offset: o.off, id: writeId(o.id), map: o.map };
    case 'load':
      return { op: 'mmap-load', map: o.map, offset: o.off };
    case 'msync':
      return { op: 'msync', map: o.map, flags: o.sync ? 'MS_SYNC' : 'MS_ASYNC' };
    case 'munmap':
      return { op: 'munmap', map: o.map };
  }
}

export function toSpec(p: Program): Translated {
  const out: Syscall[] = [];
  for (const o of p.ops) {
    const s = one(o);
    if (typeof s === 'string') return { ok: false, reason: s };
    out.push(s);
  }
  return { ok: true, program: out };
}

const BS = 4096;

/**
 * The abstraction from the bytes a kernel read returned to the spec's tokens, at byte
 * granularity (spec/token.ts: a block whose bytes differ is a run-length token
 * `{0:W1[0] 512:zero}`, and bytes of the block the read did not return are UNREAD `-`).
 * Each run of bytes is named after the write whose pattern it holds, as block k of that
 * write (k = file block - first block of the write, as the spec's writeToken counts), or
 * `zero`; bytes no write explains are `?`, which never matches a spec token. Both sides
 * are canonical run-length tokens, so a write smaller than a block is compared exactly.
 */
export function specTokenOf(pieces: ReadonlyArray<{ from: number; to: number; who: ByteOwner }>, fileBlock: number, writeOffset: ReadonlyMap<number, number>): Token {
  const name = (who: ByteOwner): Token => {
    if (who === 'zero') return ZERO;
    if (who === 'unknown') return '?';
    const off = writeOffset.get(who);
    return off === undefined ? '?' : `${writeId(who)}[${fileBlock - Math.floor(off / BS)}]`;
  };
  const b0 = fileBlock * BS;
  const runs: Run[] = [];
  let at = 0;
  for (const p of [...pieces].sort((a, z) => a.from - z.from)) {
    const from = p.from - b0;
    if (from > at) runs.push({ from: at, to: from, t: UNREAD });
    runs.push({ from, to: p.to - b0, t: name(p.who) });
    at = p.to - b0;
  }
  if (at < BS) runs.push({ from: at, to: BS, t: UNREAD });
  return runsToken(runs, BS);
}

/** Who put a byte of a read there: a write id, zeros, or nothing this program explains. */
export type ByteOwner = number | 'zero' | 'unknown';

/** A run of read bytes at file offsets [from, to). */
export interface ByteRun {
  from: number;
  to: number;
  who: ByteOwner;
}

/**
 * The helper's tokens (one per 4 KiB of the bytes read, from the read's offset) as byte
 * runs at file offsets. A "W.b" token is block b of write W's data; it is in place only
 * when W started 4 KiB·b before this chunk, otherwise its bytes are unexplained.
 */
export function readRuns(tokens: readonly string[], off: number, ret: number, writeOffset: ReadonlyMap<number, number>): ByteRun[] {
  const runs: ByteRun[] = [];
  tokens.forEach((tok, k) => {
    const pos = off + k * BS;
    const n = Math.min(BS, ret - k * BS);
    if (n <= 0) return;
    const t = decodeToken(tok);
    switch (t.kind) {
      case 'zero':
        runs.push({ from: pos, to: pos + n, who: 'zero' });
        return;
      case 'block':
        runs.push({ from: pos, to: pos + n, who: writeOffset.get(t.write) === pos - t.block * BS ? t.write : 'unknown' });
        return;
      case 'runs': {
        let at = pos;
        for (const r of t.runs) {
          runs.push({ from: at, to: at + r.len, who: r.who });
          at += r.len;
        }
        return;
      }
    }
  });
  return runs;
}

const REC = 16;

/** Byte j of write w's data stream, as conform/helper.c (fill_record) writes it: 16-byte records "W%04uB%04uP%03u;\n". */
export function patternByte(w: number, j: number): string {
  const rec = j - (j % REC);
  const pad = (n: number, k: number): string => String(n).padStart(k, '0');
  return `W${pad(w % 10000, 4)}B${pad(Math.floor(rec / BS) % 10000, 4)}P${pad(Math.floor((rec % BS) / REC) % 1000, 3)};\n`.charAt(j % REC);
}

/**
 * The owner of a piece of a run, cut to one file block. A piece shorter than a record can
 * be the bytes of a newer write whose pattern has the same bytes there (";\n" ends every
 * record): the helper gives the whole run to the write that matches it longest. Such a
 * piece is given to the newest successful write that covers it with the same bytes.
 */
function pieceOwner(run: ByteRun, from: number, to: number, done: ReadonlyArray<{ id: number; off: number; from: number; to: number }>): ByteOwner {
  const x = run.who;
  if (typeof x !== 'number' || to - from >= REC) return x;
  const xw = done.find((d) => d.id === x);
  if (xw === undefined) return x;
  const same = (d: { id: number; off: number; from: number; to: number }): boolean => {
    for (let b = from; b < to; b++) if (patternByte(d.id, b - d.off) !== patternByte(x, b - xw.off)) return false;
    return true;
  };
  const newer = done.filter((d) => d.id > x && d.from <= from && d.to >= to && same(d)).map((d) => d.id);
  return newer.length === 0 ? x : Math.max(...newer);
}

/** The bytes [from, to) a successful ftruncate, PUNCH_HOLE or ZERO_RANGE leaves without any write's data, or null. */
export function cutRange(o: Op): [number, number] | null {
  if (o.op === 'ftruncate') return [o.len, Number.POSITIVE_INFINITY];
  if (o.op === 'fallocate' && (o.mode.includes('PUNCH_HOLE') || o.mode.includes('ZERO_RANGE'))) return [o.off, o.off + o.len];
  return null;
}

/** The kernel's results with read data renamed to spec tokens, one per file block the bytes read touch. */
export function abstractKernel(p: Program, r: ProgramResult): ProgramResult {
  const offsets = new Map<number, number>();
  // A store through a mapping is a one-block write of block 0 of its id's pattern.
  for (const o of p.ops) if (o.op === 'pwritev2' || o.op === 'store') offsets.set(o.id, o.off);
  const results = r.results.map((x, i): OpResult => {
    const o = p.ops[i];
    if (o === undefined || (o.op !== 'pread' && o.op !== 'load') || x.blocks === undefined || x.errno !== null) return x;
    // Writes that succeeded before this read, with the byte ranges the kernel says they wrote.
    let done: Array<{ id: number; off: number; from: number; to: number }> = [];
    p.ops.slice(0, i).forEach((w, j) => {
      const wr = r.results[j];
      if (wr === undefined || wr.errno !== null) return;
      if ((w.op === 'pwritev2' || w.op === 'store') && wr.ret > 0) done.push({ id: w.id, off: w.off, from: w.off, to: w.off + wr.ret });
      // A truncate, hole punch or zero range takes the bytes it cuts off or zeroes out of every earlier write.
      const cut = cutRange(w);
      if (cut !== null) done = done.flatMap((d) => [{ ...d, to: Math.min(d.to, cut[0]) }, { ...d, from: Math.max(d.from, cut[1]) }]).filter((d) => d.from < d.to);
    });
    const ret = Math.max(0, x.ret);
    const runs = readRuns(x.blocks, o.off, ret, offsets);
    const first = Math.floor(o.off / BS);
    const count = ret === 0 ? 0 : Math.ceil((o.off + ret) / BS) - first;
    return {
      ...x,
      blocks: Array.from({ length: count }, (_, k) => {
        const b0 = (first + k) * BS;
        // The bytes of this block that the read returned, run by run.
        const r0 = Math.max(b0, o.off);
        const r1 = Math.min(b0 + BS, o.off + ret);
        // Cut at every write's edge too: a few bytes where a newer write begins or ends can
        // equal the older write's pattern, and the helper then runs them into the older write.
        const cuts = [...new Set(done.flatMap((d) => [d.from, d.to]))];
        const pieces = runs
          .filter((run) => run.from < r1 && run.to > r0)
          .flatMap((run) => {
            const from = Math.max(run.from, r0);
            const to = Math.min(run.to, r1);
            const edges = [from, ...cuts.filter((c) => c > from && c < to).sort((a, z) => a - z), to];
            return edges.slice(1).map((e, j) => ({ from: edges[j] ?? from, to: e, who: pieceOwner(run, edges[j] ?? from, e, done) }));
          });
        return specTokenOf(pieces, first + k, offsets);
      }),
    };
  });
  return { results };
}

/**
 * One spec result → what the kernel must have answered. Read data is compared for every
 * successful read, one token per file block its bytes touch (abstractKernel puts the
 * kernel's bytes in the same terms).
 */
export function expected(op: Op, r: ObservedResult): ExpectedOp {
  const e: ExpectedOp = typeof r.ret === 'number' ? { ret: r.ret, errno: null } : { errno: r.ret };
  if (r.op === 'pread' && typeof r.ret === 'number' && op.op === 'pread') e.blocks = [...r.data];
  if (r.op === 'mincore' && typeof r.ret === 'number') e.pages = r.pages;
  if (r.op === 'mmap-load' && typeof r.ret === 'number' && op.op === 'load') e.blocks = [...r.data];
  if (r.op === 'statx' && typeof r.ret === 'number') {
    const a = r.atomic;
    e.statx =
      a === null
        ? { awuMin: 0, awuMax: 0, awuSegmentsMax: 0, attrWriteAtomic: false }
        : { awuMin: a.atomicWriteUnitMin, awuMax: a.atomicWriteUnitMax, awuSegmentsMax: a.atomicWriteSegmentsMax, attrWriteAtomic: a.attrWriteAtomic };
  }
  return e;
}

/** File blocks a program can touch (every write's range, valid or not; reads stop at EOF). */
export function blocksNeeded(p: Program): number {
  let end = 0;
  for (const o of p.ops) if (o.op === 'pwritev2') end = Math.max(end, o.off + o.segs.reduce((a, b) => a + b, 0));
  // A size change or a fallocate range counts as well (a failing one too: the spec checks before it refuses).
  for (const o of p.ops) if (o.op === 'ftruncate') end = Math.max(end, o.len);
  for (const o of p.ops) if (o.op === 'fallocate') end = Math.max(end, o.off + Math.max(0, o.len));
  // A mapping's pages are modelled file blocks (a store beyond EOF is SIGBUS, but its block must exist).
  for (const o of p.ops) if (o.op === 'mmap' && o.off >= 0) end = Math.max(end, o.off + o.len);
  return Math.max(1, Math.ceil(end / BS));
}
