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
 * The abstraction from a kernel read block to the spec's token. The spec tracks data per
 * file-system block: "a sub-block direct write ... its token covers the whole block it
 * touches" (spec/index.ts), so a block is named after the newest write that touched it, as
 * block k of that write (k = file block - first block of the write), or `zero`.
 *
 * From the kernel we take (a) the writes whose bytes the read shows in this block (the
 * byte runs), and (b) the writes that, per the kernel's own return values, put bytes in
 * this block *outside the bytes this read returned* (a partial-block read cannot show
 * them). The token is the newest of these; in a single-task program write ids grow in
 * program order. A block with bytes no write explains (`?`) never matches a spec token.
 */
export function specTokenOf(kernelToken: string, fileBlock: number, writeOffset: ReadonlyMap<number, number>, hidden: readonly number[] = []): Token {
  const t = decodeToken(kernelToken);
  const name = (id: number, fallback: number): Token => {
    const off = writeOffset.get(id);
    return `${writeId(id)}[${off === undefined ? fallback : fileBlock - Math.floor(off / BS)}]`;
  };
  const newest = (visible: number[]): Token => {
    const all = [...visible, ...hidden];
    return all.length === 0 ? 'zero' : name(Math.max(...all), 0);
  };
  switch (t.kind) {
    case 'zero':
      return newest([]);
    case 'block':
      return hidden.some((h) => h > t.write) ? newest([t.write]) : name(t.write, t.block);
    case 'runs': {
      if (t.runs.some((r) => r.who === 'unknown')) return '?';
      return newest(t.runs.map((r) => r.who).filter((w): w is number => typeof w === 'number'));
    }
  }
}

/** The kernel's results with read blocks renamed to spec tokens (reads starting on a block boundary). */
export function abstractKernel(p: Program, r: ProgramResult): ProgramResult {
  const offsets = new Map<number, number>();
  for (const o of p.ops) if (o.op === 'pwritev2') offsets.set(o.id, o.off);
  const results = r.results.map((x, i): OpResult => {
    const o = p.ops[i];
    if (o === undefined || o.op !== 'pread' || x.blocks === undefined || o.off % BS !== 0) return x;
    // Writes that succeeded before this read, with the byte ranges the kernel says they wrote.
    const done: Array<{ id: number; from: number; to: number }> = [];
    p.ops.slice(0, i).forEach((w, j) => {
      const wr = r.results[j];
      if (w.op === 'pwritev2' && wr !== undefined && wr.errno === null && wr.ret > 0) done.push({ id: w.id, from: w.off, to: w.off + wr.ret });
    });
    const first = o.off / BS;
    const readEnd = o.off + Math.max(0, x.ret);
    return {
      ...x,
      blocks: x.blocks.map((t, k) => {
        const b0 = (first + k) * BS;
        const b1 = b0 + BS;
        const r0 = b0;
        const r1 = Math.min(b1, readEnd);
        // In this block, but not in the bytes this read returned.
        const hidden = done.filter((d) => d.from < b1 && d.to > b0 && !(d.from < r1 && d.to > r0)).map((d) => d.id);
        return specTokenOf(t, first + k, offsets, hidden);
      }),
    };
  });
  return { results };
}

/**
 * One spec result → what the kernel must have answered. Read data is compared only for
 * reads that start on a 4 KiB boundary (the helper's tokens are per 4 KiB of the read).
 */
export function expected(op: Op, r: ObservedResult): ExpectedOp {
  const e: ExpectedOp = typeof r.ret === 'number' ? { ret: r.ret, errno: null } : { errno: r.ret };
  if (r.op === 'pread' && typeof r.ret === 'number' && op.op === 'pread' && op.off % BS === 0) {
    e.blocks = r.data.slice(0, Math.ceil(r.ret / BS));
  }
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
  return Math.max(1, Math.ceil(end / BS));
}
