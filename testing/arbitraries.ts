/**
 * fast-check arbitraries for the spec's vocabulary: syscalls on a small file, programs and
 * sets of programs, and schedules (lists of choices for followChoices / runSchedule).
 * Everything generated is valid for `scenario()` with `files` blocks of the given size.
 */
import fc from 'fast-check';
import { BS, OPEN_FLAGS, RWF_FLAGS, fdatasync, fsync, open, pread, pwrite, statx, type OpenFlag, type Program, type RwfFlag, type Syscall } from '../spec/index.ts';

export interface ProgramShape {
  /** Files in the scenario (open picks among them). Default 1. */
  files?: number;
  /** Blocks per file: offsets and lengths stay inside, block aligned. Default 4. */
  blocks?: number;
  /** Syscalls after the first open. Default 4. */
  maxLength?: number;
  /** RWF_* flags the writes may carry. Default: all. */
  rwfFlags?: readonly RwfFlag[];
  /** Open flags. Default: O_DIRECT always, the others at random. */
  openFlags?: readonly OpenFlag[];
  /** Syscalls to generate. Default: all but mmap-store. */
  ops?: ReadonlyArray<'pwritev2' | 'pread' | 'fsync' | 'fdatasync' | 'statx'>;
}

const ALL_OPS = ['pwritev2', 'pread', 'fsync', 'fdatasync', 'statx'] as const;

/** A range of whole blocks inside a file of `blocks` blocks: [offset, length] in bytes. */
function rangeArb(blocks: number): fc.Arbitrary<[number, number]> {
  return fc.integer({ min: 0, max: blocks - 1 }).chain((b) => fc.integer({ min: 1, max: blocks - b }).map((n): [number, number] => [b * BS, n * BS]));
}

/** One syscall on fd 0 (the program's first open). Write ids are set by programArb. */
export function syscallArb(shape: ProgramShape = {}): fc.Arbitrary<Syscall> {
  const blocks = shape.blocks ?? 4;
  const flags = shape.rwfFlags ?? RWF_FLAGS;
  const ops = shape.ops ?? ALL_OPS;
  const byOp: Record<(typeof ALL_OPS)[number], fc.Arbitrary<Syscall>> = {
    pwritev2: fc.tuple(rangeArb(blocks), fc.subarray([...flags])).map(([[off, len], f]) => pwrite('W', 0, off, len, ...f)),
    pread: rangeArb(blocks).map(([off, len]) => pread(0, off, len)),
    fsync: fc.constant(fsync(0)),
    fdatasync: fc.constant(fdatasync(0)),
    statx: fc.constant(statx(0)),
  };
  return fc.oneof(...ops.map((op) => byOp[op]));
}

/** Gives every write of a program a distinct id: `${prefix}${k}` for its k-th syscall. */
export function nameWrites(program: Program, prefix: string): Program {
  return program.map((c, k) => (c.op === 'pwritev2' || c.op === 'mmap-store' ? { ...c, id: `${prefix}${k}` } : c));
}

/** A program: open a file (O_DIRECT and any other open flags), then up to maxLength syscalls on it. */
export function programArb(shape: ProgramShape = {}, prefix = 'W'): fc.Arbitrary<Program> {
  const extra = (shape.openFlags ?? OPEN_FLAGS).filter((f) => f !== 'O_DIRECT');
  return fc
    .tuple(fc.nat((shape.files ?? 1) - 1), fc.subarray([...extra]), fc.array(syscallArb(shape), { maxLength: shape.maxLength ?? 4 }))
    .map(([file, flags, calls]) => nameWrites([open(file, 'O_DIRECT', ...flags), ...calls], prefix));
}

/** One program per task; task t's writes are named T<t+1>.<k>. */
export function programsArb(tasks: number, shape: ProgramShape = {}): fc.Arbitrary<Program[]> {
  return fc.tuple(...Array.from({ length: tasks }, (_, t) => programArb(shape, `T${t + 1}.`)));
}

/** A schedule as a list of choices (see followChoices): shrinks towards fewer and earlier choices. */
export function scheduleArb(maxLength = 40): fc.Arbitrary<number[]> {
  return fc.array(fc.nat({ max: 63 }), { maxLength });
}
