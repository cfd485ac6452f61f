/**
 * The FUSE conformance program vocabulary: what conform/fuse/prog.c runs on the file our
 * FUSE server (conform/fuse/server.c) serves, how a program is written to it, and how its
 * answers and the server's request log are parsed back.
 *
 * A program is single-task, on one fresh file (a new inode at the server), and mixes
 * syscalls (open, pwrite, pread, fsync, fdatasync), the reclaim step, observations
 * (cachestat: each page's residency; server: the server's own copy of the file) and
 * commands to the server (fail the next N WRITEs, acknowledge the next WRITE short, delay
 * replies). Write `id`'s data is named `W<id>[k]` for its k-th page, as the spec names it.
 */
import { ParseError } from '../program.ts';

export const FUSE_MODES = ['write-through', 'writeback-cache'] as const;
export type FuseMode = (typeof FUSE_MODES)[number];

export type FuseOp =
  /**
   * `dio`: the server's open reply sets FOPEN_DIRECT_IO (the spec's O_DIRECT open stands
   * for it); `odirect`: open(2) with O_DIRECT on a file without it.
   */
  | { op: 'open'; dio?: boolean; odirect?: boolean }
  /** `dsync`: RWF_DSYNC (generic_write_sync → fuse_fsync after the write). */
  | { op: 'pwrite'; off: number; len: number; id: number; dsync?: boolean }
  | { op: 'pread'; off: number; len: number }
  | { op: 'fsync' }
  | { op: 'fdatasync' }
  /** write-through: POSIX_FADV_DONTNEED; writeback-cache: drop_caches (see lab.ts). */
  | { op: 'reclaim' }
  | { op: 'cachestat'; pages: number }
  | { op: 'server'; pages: number }
  /** The next `n` WRITEs of the file fail with EIO. */
  | { op: 'fail'; n: number }
  /** The next WRITE is acknowledged up to its `k`-th page boundary (0: 0 bytes). */
  | { op: 'short'; k: number }
  | { op: 'delay'; ms: number }
  /** close(2): fuse_flush (write back, AS_EIO check, FLUSH). Last in a program: later ops have no fd. */
  | { op: 'close' };

export interface FuseProgram {
  mode: FuseMode;
  ops: FuseOp[];
}

/** One request the server logged: opcode, byte range, result (bytes, or -errno). */
export interface LoggedRequest {
  gen: number;
  mark: number;
  opcode: string;
  off: number;
  size: number;
  res: number;
}

export interface FuseOpResult {
  i: number;
  op: string;
  ret: number;
  errno: string | null;
  /** pread, server: one token per page of the bytes. */
  blocks?: string[];
  /** cachestat: one letter per page: '.' absent, 'r' cached clean, 'd' dirty, 'w' writeback. */
  pages?: string;
  /** open: the file's name at the server (`f<gen>`). */
  file?: string;
}

export interface FuseRun {
  results: FuseOpResult[];
  /** The requests the server logged for this program's file, in order. */
  log: LoggedRequest[];
}

export function serializeFuse(p: FuseProgram): string {
  return p.ops
    .map((o): string => {
      switch (o.op) {
        case 'open':
          return `open ${o.dio === true ? 1 : 0}${o.odirect === true ? ' 1' : ''}`;
        case 'pwrite':
          return `pwrite ${o.off} ${o.len} ${o.id}${o.dsync === true ? ' dsync' : ''}`;
        case 'pread':
          return `pread ${o.off} ${o.len}`;
        case 'fsync':
        case 'fdatasync':
        case 'reclaim':
        case 'close':
          return o.op;
        case 'cachestat':
        case 'server':
          return `${o.op} ${o.pages}`;
        case 'fail':
          return `fail ${o.n}`;
        case 'short':
          return `short ${o.k}`;
        case 'delay':
          return `delay ${o.ms}`;
      }
    })
    .map((l) => `${l}\n`)
    .join('');
}

/** A short one-line form for reports and known-gap signatures. */
export function showFuseProgram(p: FuseProgram): string {
  return `[${p.mode}] ${serializeFuse(p).trim().split('\n').join('; ')}`;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

export function parseFuseResult(line: string): FuseOpResult {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    throw new ParseError(`FUSE runner printed a line that is not JSON: ${line}`);
  }
  if (!isObj(x) || typeof x.i !== 'number' || typeof x.op !== 'string' || typeof x.ret !== 'number' || !(x.errno === null || typeof x.errno === 'string')) {
    throw new ParseError(`FUSE runner result lacks i/op/ret/errno: ${line}`);
  }
  const r: FuseOpResult = { i: x.i, op: x.op, ret: x.ret, errno: x.errno };
  if (Array.isArray(x.blocks)) r.blocks = x.blocks.map((b) => String(b));
  if (typeof x.pages === 'string') r.pages = x.pages;
  if (typeof x.file === 'string') r.file = x.file;
  return r;
}

export function parseLogLine(line: string): LoggedRequest {
  const f = line.trim().split(/\s+/);
  const [gen, mark, opcode, off, size, res] = f;
  if (f.length !== 6 || gen === undefined || mark === undefined || opcode === undefined || off === undefined || size === undefined || res === undefined) {
    throw new ParseError(`FUSE server log line has ${f.length} fields, expected 6: ${line}`);
  }
  return { gen: Number(gen), mark: Number(mark), opcode, off: Number(off), size: Number(size), res: Number(res) };
}
