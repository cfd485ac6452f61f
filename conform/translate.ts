/**
 * Translation between the conformance program format (conform/program.ts, what the
 * helper runs) and the spec's syscall vocabulary (spec/types.ts), and from the spec's
 * results back to the comparison format (program.ts ExpectedOp, what oracle.ts compares).
 *
 * Pure renaming: no validation rule lives here. A program the spec cannot express (an op
 * or argument it has no word for) is reported as such, with the reason, so the gap is data.
 */
import type { Program as SpecProgram, Syscall, ObservedResult, RwfFlag as SpecRwf, Token, OpenFlag } from '../spec/index.ts';
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
      return 'ftruncate (not in the spec vocabulary)';
    case 'close':
      return 'close (not in the spec vocabulary)';
    case 'mincore':
      return 'mincore (page residency: the page cache part, not yet in the spec)';
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
 * The abstraction from the bytes a kernel read returned to the spec's tokens. The spec
 * tracks data per file-system block: "a sub-block direct write ... its token covers the
 * whole block it touches" (spec/index.ts), so a file block is named after the newest write
 * that touched it, as block k of that write (k = file block - first block of the write),
 * or `zero`.
 *
 * From the kernel we take (a) the writes whose bytes the read shows in this file block
 * (the byte runs), and (b) the writes that, per the kernel's own return values, put bytes
 * in this block *outside the bytes this read returned* (a partial-block read cannot show
 * them). The token is the newest of these; in a single-task program write ids grow in
 * program order. A block with bytes no write explains (`?`), or with a write's block
 * out of place, never matches a spec token.
 */
export function specTokenOf(visible: readonly ByteOwner[], fileBlock: number, writeOffset: ReadonlyMap<number, number>, hidden: readonly number[] = []): Token {
  if (visible.includes('unknown')) return '?';
  const all = [...visible.filter((v): v is number => typeof v === 'number'), ...hidden];
  if (all.length === 0) return 'zero';
  const id = Math.max(...all);
  const off = writeOffset.get(id);
  return off === undefined ? '?' : `${writeId(id)}[${fileBlock - Math.floor(off / BS)}]`;
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

/** The kernel's results with read data renamed to spec tokens, one per file block the bytes read touch. */
export function abstractKernel(p: Program, r: ProgramResult): ProgramResult {
  const offsets = new Map<number, number>();
  // A store through a mapping is a one-block write of block 0 of its id's pattern.
  for (const o of p.ops) if (o.op === 'pwritev2' || o.op === 'store') offsets.set(o.id, o.off);
  const results = r.results.map((x, i): OpResult => {
    const o = p.ops[i];
    if (o === undefined || (o.op !== 'pread' && o.op !== 'load') || x.blocks === undefined || x.errno !== null) return x;
    // Writes that succeeded before this read, with the byte ranges the kernel says they wrote.
    const done: Array<{ id: number; off: number; from: number; to: number }> = [];
    p.ops.slice(0, i).forEach((w, j) => {
      const wr = r.results[j];
      if ((w.op === 'pwritev2' || w.op === 'store') && wr !== undefined && wr.errno === null && wr.ret > 0) done.push({ id: w.id, off: w.off, from: w.off, to: w.off + wr.ret });
    });
    const ret = Math.max(0, x.ret);
    const runs = readRuns(x.blocks, o.off, ret, offsets);
    const first = Math.floor(o.off / BS);
    const count = ret === 0 ? 0 : Math.ceil((o.off + ret) / BS) - first;
    return {
      ...x,
      blocks: Array.from({ length: count }, (_, k) => {
        const b0 = (first + k) * BS;
        const b1 = b0 + BS;
        // The bytes of this block that the read returned.
        const r0 = Math.max(b0, o.off);
        const r1 = Math.min(b1, o.off + ret);
        const visible = runs.filter((run) => run.from < r1 && run.to > r0).map((run) => pieceOwner(run, Math.max(run.from, r0), Math.min(run.to, r1), done));
        const hidden = done.filter((d) => d.from < b1 && d.to > b0 && !(d.from < r1 && d.to > r0)).map((d) => d.id);
        return specTokenOf(visible, first + k, offsets, hidden);
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
  // A mapping's pages are modelled file blocks (a store beyond EOF is SIGBUS, but its block must exist).
  for (const o of p.ops) if (o.op === 'mmap' && o.off >= 0) end = Math.max(end, o.off + o.len);
  return Math.max(1, Math.ceil(end / BS));
}
