/**
 * The conformance program vocabulary: what the native helper (conform/helper.c) can run,
 * how a program is written to it, and how its JSON answers are parsed back.
 *
 * A program is a single-task sequence of syscalls on one fresh file (and, with `file`,
 * a few named siblings). Every write has an id; the helper fills each 4 KiB block of the
 * write's data with a pattern naming (id, block), and reads come back as per-block
 * tokens: "0" (zeros), "W.b" (block b of write W, in place), or byte runs "~W:n,0:n,?:n".
 */

export const RWF_FLAGS = ['ATOMIC', 'DSYNC', 'SYNC', 'NOWAIT', 'DONTCACHE'] as const;
export type RwfFlag = (typeof RWF_FLAGS)[number];

export type Op =
  | { op: 'open'; direct: boolean; dsync?: boolean; file?: string }
  | {
      op: 'pwritev2';
      fd: number;
      off: number;
      /** Length of each iovec segment, in order (1..16 segments). */
      segs: number[];
      flags: RwfFlag[];
      /** Write id: names the data (tokens "id.block"). */
      id: number;
      /** Bytes added to each segment's 4 KiB-aligned buffer address (0 = aligned). */
      misalign: number;
      /** Raw RWF_* bits OR-ed in besides `flags` (for unknown-flag validation). */
      rawFlags?: number;
      /** The helper sets the file's timestamps to now (futimens) just before the call. */
      freshTimes?: boolean;
    }
  | { op: 'pread'; fd: number; off: number; len: number; misalign: number }
  | { op: 'fsync'; fd: number }
  | { op: 'fdatasync'; fd: number }
  | { op: 'ftruncate'; fd: number; len: number }
  /** fallocate(2); `mode` lists FALLOC_FL_* names without the prefix ([] is mode 0). */
  | { op: 'fallocate'; fd: number; mode: FallocName[]; off: number; len: number }
  | { op: 'close'; fd: number }
  | { op: 'statx'; fd: number }
  | { op: 'mincore'; fd: number }
  // Files by name (helper.c openat / rename / unlink): `open` always creates; openat only with creat.
  | { op: 'openat'; name: string; creat: boolean; trunc: boolean; direct: boolean }
  | { op: 'rename'; from: string; to: string }
  | { op: 'unlink'; name: string }
  // Through a shared mapping (helper.c's mapping ops): `map` is the ordinal of the program's
  // successful mmaps, `off` a FILE offset, one 4 KiB page per store or load; a store's data
  // is block 0 of write `id`'s pattern (ids shared with pwritev2).
  | { op: 'mmap'; fd: number; off: number; len: number }
  | { op: 'store'; map: number; off: number; id: number }
  | { op: 'load'; map: number; off: number }
  | { op: 'msync'; map: number; sync: boolean }
  | { op: 'munmap'; map: number };

export type FallocName = 'KEEP_SIZE' | 'PUNCH_HOLE' | 'ZERO_RANGE';

export interface Program {
  ops: Op[];
}

export interface StatxInfo {
  mask: number;
  blksize: number;
  size: number;
  blocks: number;
  dio: boolean;
  dioMemAlign: number;
  dioOffsetAlign: number;
  dioReadOffsetAlign: number;
  atomic: boolean;
  attrWriteAtomic: boolean;
  awuMin: number;
  awuMax: number;
  awuSegmentsMax: number;
  awuMaxOpt: number;
}

export interface OpResult {
  i: number;
  op: string;
  ret: number;
  errno: string | null;
  /** pread: one token per 4 KiB of the bytes read. */
  blocks?: string[];
  /** statx: the fields asked for. */
  statx?: StatxInfo;
  /** mincore: run-length residency, e.g. "2r14." */
  pages?: string;
  /** open, pwritev2: CLOCK_REALTIME_COARSE (µs) just before and just after the call. */
  clock?: [number, number];
}

export interface ProgramResult {
  results: OpResult[];
}

/**
 * What the spec says one syscall may return. A field left undefined is not constrained
 * (the spec does not model it yet, e.g. the bytes of a buffered read before the page
 * cache part lands).
 */
export interface ExpectedOp {
  ret?: number;
  errno?: string | null;
  /** pread: one token per 4 KiB read ("0", "W.b", or anything else the spec names). */
  blocks?: string[];
  /** mincore: the run-length residency the helper prints ("2r14."). */
  pages?: string;
  /** statx: fields the spec models. */
  statx?: Partial<Record<'awuMin' | 'awuMax' | 'awuSegmentsMax' | 'attrWriteAtomic' | 'dioOffsetAlign' | 'dioMemAlign', number | boolean>>;
  /** Set where this answer is reachable only through timing allowances (oracle.ts TIMING_ALLOWANCES): their ids. */
  allowance?: string[];
}

/** One allowed outcome of the whole program: one entry per op (same length as program.ops). */
export type AllowedOutcome = ExpectedOp[];

/** One line per op, then "end". Ops whose fd slot does not exist are still sent: the helper passes -1 (EBADF). */
export function serialize(p: Program): string {
  const lines = p.ops.map((o): string => {
    switch (o.op) {
      case 'open':
        return `open direct=${o.direct ? 1 : 0} dsync=${o.dsync === true ? 1 : 0}${o.file === undefined ? '' : ` file=${o.file}`}`;
      case 'pwritev2': {
        const parts: string[] = [...o.flags];
        if (o.rawFlags !== undefined && o.rawFlags !== 0) parts.push(`0x${o.rawFlags.toString(16)}`);
        const flags = parts.length === 0 ? '0' : parts.join('|');
        return `pwritev2 fd=${o.fd} off=${o.off} segs=${o.segs.join(',')} flags=${flags} id=${o.id} misalign=${o.misalign}${o.freshTimes === true ? ' fresh=1' : ''}`;
      }
      case 'pread':
        return `pread fd=${o.fd} off=${o.off} len=${o.len} misalign=${o.misalign}`;
      case 'ftruncate':
        return `ftruncate fd=${o.fd} len=${o.len}`;
      case 'fallocate':
        return `fallocate fd=${o.fd} mode=${o.mode.length > 0 ? o.mode.join('|') : '0'} off=${o.off} len=${o.len}`;
      case 'fsync':
      case 'fdatasync':
      case 'close':
      case 'statx':
      case 'mincore':
        return `${o.op} fd=${o.fd}`;
      case 'openat':
        return `openat name=${o.name} creat=${o.creat ? 1 : 0} trunc=${o.trunc ? 1 : 0} direct=${o.direct ? 1 : 0}`;
      case 'rename':
        return `rename from=${o.from} to=${o.to}`;
      case 'unlink':
        return `unlink name=${o.name}`;
      case 'mmap':
        return `mmap fd=${o.fd} off=${o.off} len=${o.len}`;
      case 'store':
        return `store map=${o.map} off=${o.off} id=${o.id}`;
      case 'load':
        return `load map=${o.map} off=${o.off}`;
      case 'msync':
        return `msync map=${o.map} sync=${o.sync ? 1 : 0}`;
      case 'munmap':
        return `munmap map=${o.map}`;
    }
  });
  return lines.join('\n') + '\nend\n';
}

/**
 * The program with every RWF_NOWAIT write asking the helper to set the timestamps to now
 * first: whether an XFS NOWAIT write finds them out of date then no longer depends on how
 * long the ops before it took (only on a clock tick between futimens and the write).
 */
export function withFreshTimes(p: Program): Program {
  return { ops: p.ops.map((o): Op => (o.op === 'pwritev2' && o.flags.includes('NOWAIT') ? { ...o, freshTimes: true } : o)) };
}

/** A readable one-line-per-op rendering (used in shrunk counterexamples and notes). */
export function show(p: Program): string {
  return serialize(p).replace(/\nend\n$/, '');
}

export class ParseError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function num(o: Record<string, unknown>, k: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ParseError(`field ${k} is not a number: ${JSON.stringify(v)}`);
  return v;
}

function bool(o: Record<string, unknown>, k: string): boolean {
  const v = o[k];
  if (typeof v !== 'boolean') throw new ParseError(`field ${k} is not a boolean: ${JSON.stringify(v)}`);
  return v;
}

/** Parses one helper output line. Returns {end: n} for the end marker. */
export function parseLine(line: string): OpResult | { end: number } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ParseError(`helper printed a line that is not JSON: ${line}`);
  }
  if (!isRecord(v)) throw new ParseError(`helper printed a non-object: ${line}`);
  if ('end' in v) return { end: num(v, 'end') };
  if (typeof v['bad'] === 'string') throw new ParseError(`helper refused op ${String(v['i'])} (${String(v['op'])}): ${v['bad']}`);
  const op = v['op'];
  if (typeof op !== 'string') throw new ParseError(`missing op in ${line}`);
  const errno = v['errno'];
  if (errno !== null && typeof errno !== 'string') throw new ParseError(`bad errno in ${line}`);
  const r: OpResult = { i: num(v, 'i'), op, ret: num(v, 'ret'), errno };
  if (op === 'pread' || op === 'load') {
    const b = v['blocks'];
    if (!Array.isArray(b) || !b.every((x): x is string => typeof x === 'string')) throw new ParseError(`bad blocks in ${line}`);
    r.blocks = b;
  }
  if ((op === 'open' || op === 'pwritev2') && 'c0' in v) r.clock = [num(v, 'c0'), num(v, 'c1')];
  if (op === 'mincore') {
    const p = v['pages'];
    if (p !== undefined) {
      if (typeof p !== 'string') throw new ParseError(`bad pages in ${line}`);
      r.pages = p;
    }
  }
  if (op === 'statx' && errno === null) {
    r.statx = {
      mask: num(v, 'mask'),
      blksize: num(v, 'blksize'),
      size: num(v, 'size'),
      blocks: num(v, 'blocks'),
      dio: bool(v, 'dio'),
      dioMemAlign: num(v, 'dio_mem_align'),
      dioOffsetAlign: num(v, 'dio_offset_align'),
      dioReadOffsetAlign: num(v, 'dio_read_offset_align'),
      atomic: bool(v, 'atomic'),
      attrWriteAtomic: bool(v, 'attr_write_atomic'),
      awuMin: num(v, 'awu_min'),
      awuMax: num(v, 'awu_max'),
      awuSegmentsMax: num(v, 'awu_segments_max'),
      awuMaxOpt: num(v, 'awu_max_opt'),
    };
  }
  return r;
}

/** Parses a whole program's output (the lines up to and including the end marker). */
export function parseOutput(text: string): ProgramResult {
  const results: OpResult[] = [];
  let ended = false;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (ended) throw new ParseError(`output after the end marker: ${line}`);
    const r = parseLine(line);
    if ('end' in r) ended = true;
    else {
      if (r.i !== results.length) throw new ParseError(`op index ${r.i} out of order (expected ${results.length})`);
      results.push(r);
    }
  }
  if (!ended) throw new ParseError('helper output has no end marker');
  return { results };
}

/** A byte run of a read block: the write that put those bytes there, zeros, or unexplained bytes. */
export interface Run {
  who: number | 'zero' | 'unknown';
  len: number;
}

/** Decodes a pread block token: zeros, an in-place block of a write, or byte runs. */
export type BlockToken = { kind: 'zero' } | { kind: 'block'; write: number; block: number } | { kind: 'runs'; runs: Run[] };

export function decodeToken(t: string): BlockToken {
  if (t === '0') return { kind: 'zero' };
  const m = /^(\d+)\.(\d+)$/.exec(t);
  if (m !== null && m[1] !== undefined && m[2] !== undefined) return { kind: 'block', write: Number(m[1]), block: Number(m[2]) };
  if (!t.startsWith('~')) throw new ParseError(`bad block token ${JSON.stringify(t)}`);
  const runs = t
    .slice(1)
    .split(',')
    .map((r): Run => {
      const [who, len] = r.split(':');
      if (who === undefined || len === undefined || !/^\d+$/.test(len)) throw new ParseError(`bad run ${JSON.stringify(r)} in block token ${JSON.stringify(t)}`);
      return { who: who === '0' ? 'zero' : who === '?' ? 'unknown' : Number(who), len: Number(len) };
    });
  return { kind: 'runs', runs };
}
