/**
 * Random FUSE conformance programs (fast-check): open a fresh file (two in ten with
 * FOPEN_DIRECT_IO, one in ten with O_DIRECT), then a few writes
 * (page-aligned or not, in 512-byte steps; one in five with RWF_DSYNC), reads, fsync / fdatasync, the reclaim step,
 * residency observations and server commands, and at the end the residency and the
 * server's copy of every page; in six programs of ten then close(2) (fuse_flush) and
 * the server's copy again.
 *
 * Server commands per mode: write-through, `fail 1|2` and `short 0|1|2` (each WRITE a
 * write(2) sends is one request in the kernel and in the spec); writeback-cache, only
 * `fail 16` (every WRITE from then on fails: the kernel gathers contiguous dirty pages
 * into one WRITE and the spec sends one per page, so "the next N WRITEs" would name
 * different pages in each; short replies to writeback WRITEs are likewise left out).
 */
import fc from 'fast-check';
import type { FuseMode, FuseOp, FuseProgram } from './program.ts';

const PS = 4096;
const STEP = 512;

type Body = Exclude<FuseOp, { op: 'open' }>;

function chunkArb(mode: FuseMode, pages: number): fc.Arbitrary<Body[]> {
  const units = (pages * PS) / STEP;
  const range = fc.oneof(
    fc.record({ first: fc.integer({ min: 0, max: pages - 1 }), n: fc.integer({ min: 1, max: pages }) }).map(({ first, n }) => ({ off: first * PS, len: Math.min(n, pages - first) * PS })),
    fc.integer({ min: 0, max: units - 1 }).chain((a) => fc.integer({ min: 1, max: units - a }).map((b) => ({ off: a * STEP, len: b * STEP }))),
  );
  // One write in five with RWF_DSYNC.
  const write = fc.tuple(range, fc.nat({ max: 4 })).map(([r, d]): Body => (d === 0 ? { op: 'pwrite', ...r, id: 0, dsync: true } : { op: 'pwrite', ...r, id: 0 }));
  const read = fc.oneof(
    fc.constant<Body>({ op: 'pread', off: 0, len: pages * PS }),
    fc.integer({ min: 0, max: pages - 1 }).map((p): Body => ({ op: 'pread', off: p * PS, len: PS })),
  );
  const commands: Array<fc.Arbitrary<Body>> =
    mode === 'write-through'
      ? [fc.integer({ min: 1, max: 2 }).map((n): Body => ({ op: 'fail', n })), fc.integer({ min: 0, max: 2 }).map((k): Body => ({ op: 'short', k }))]
      : [fc.constant<Body>({ op: 'fail', n: 16 })];
  const single = fc.oneof(
    { arbitrary: write, weight: 4 },
    { arbitrary: read, weight: 3 },
    { arbitrary: fc.constantFrom<Body>({ op: 'fsync' }, { op: 'fdatasync' }), weight: 2 },
    { arbitrary: fc.constant<Body>({ op: 'reclaim' }), weight: 2 },
    { arbitrary: fc.constant<Body>({ op: 'cachestat', pages }), weight: 1 },
    { arbitrary: fc.oneof(...commands), weight: 2 },
    { arbitrary: fc.constantFrom<Body>({ op: 'delay', ms: 0 }, { op: 'delay', ms: 2 }), weight: 1 },
  );
  // The shapes: a command, then a write (and in writeback-cache mode an fsync) and
  // reads, with or without reclaim, so that a failure's effect on the cache is looked at.
  const after = fc.subarray<Body>([{ op: 'cachestat', pages }, { op: 'pread', off: 0, len: pages * PS }, { op: 'reclaim' }, { op: 'pread', off: 0, len: pages * PS }]);
  const sync = mode === 'writeback-cache' ? fc.constantFrom<Body[]>([{ op: 'fsync' }], [{ op: 'fsync' }, { op: 'fsync' }], []) : fc.constant<Body[]>([]);
  const idiom = fc.tuple(fc.oneof(...commands), write, sync, after).map(([c, w, f, a]): Body[] => [c, w, ...f, ...a]);
  return fc.oneof({ arbitrary: single.map((o) => [o]), weight: 3 }, { arbitrary: idiom, weight: 1 });
}

/** Write ids in program order (1, 2, ...), so a shrunk program still names its writes in order. */
export function numberWrites(ops: FuseOp[]): FuseOp[] {
  let id = 0;
  return ops.map((o) => (o.op === 'pwrite' ? { ...o, id: ++id } : o));
}

export function fuseProgramArb(mode: FuseMode, maxChunks = 6): fc.Arbitrary<FuseProgram> {
  // Two programs in ten on a file the server opens with FOPEN_DIRECT_IO, one with O_DIRECT.
  const opens: FuseOp[] = [{ op: 'open', dio: true }, { op: 'open', dio: true }, { op: 'open', odirect: true }];
  return fc.tuple(fc.integer({ min: 1, max: 3 }), fc.nat({ max: 9 })).chain(([pages, d]) =>
    fc.array(chunkArb(mode, pages), { minLength: 1, maxLength: maxChunks }).map(
      (chunks): FuseProgram => ({
        mode,
        ops: numberWrites([opens[d] ?? { op: 'open' }, ...chunks.flat(), { op: 'cachestat', pages }, { op: 'server', pages }, ...(d <= 5 ? [{ op: 'close' } as const, { op: 'server', pages } as const] : [])]),
      }),
    ),
  );
}
