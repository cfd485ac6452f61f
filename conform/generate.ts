/**
 * fast-check arbitraries for random single-task conformance programs.
 *
 * Two kinds of program, mixed DATA_WEIGHT : EDGE_WEIGHT:
 * - data programs: writes meant to succeed (direct ones sector aligned, buffered ones at
 *   any offset; mostly no flags, sometimes O_DSYNC-like, NOWAIT, DONTCACHE or a valid
 *   RWF_ATOMIC) and reads placed over what the program wrote (near an earlier write's
 *   offset: aligned and not, direct and buffered), so most syscalls are checked on the
 *   data they read back, not only on their return codes;
 * - edge programs: the validation rules. One file, offsets up to a few MiB, writes up to
 *   2 MiB, offsets and lengths mixing 4 KiB-aligned, 512-aligned, powers of two (inside
 *   and outside the atomic unit limits 4 KiB..1 MiB seen on XFS) and arbitrary values;
 *   one or several iovec segments, all RWF flag mixes, aligned or misaligned buffers.
 * At most MAX_OPS syscalls after the opens.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { RWF_FLAGS } from './program.ts';
import type { FallocName, Op, Program, RwfFlag } from './program.ts';

export const MAX_OPS = 6;
const KiB = 1024;
const MiB = 1024 * KiB;

/** Powers of two from 2^lo to 2^hi. */
const pow2 = (lo: number, hi: number): Arbitrary<number> => fc.integer({ min: lo, max: hi }).map((e) => 2 ** e);

/** File offsets: block-aligned small, naturally aligned big, sector-aligned, arbitrary. */
export const offsetArb: Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 64 }).map((b) => b * 4 * KiB) },
  { weight: 2, arbitrary: fc.tuple(pow2(12, 21), fc.integer({ min: 0, max: 3 })).map(([a, k]) => a * k) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 512 }).map((s) => s * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 256 * KiB }) },
);

/** Write/read lengths: powers of two 512 B..2 MiB, block multiples, sector multiples, arbitrary. */
export const lengthArb: Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: pow2(9, 21) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 48 }).map((b) => b * 4 * KiB) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 64 }).map((s) => s * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 * KiB }) },
);

/** Splits a length into 1..4 segments (at 4 KiB, 512-byte or arbitrary cut points). */
export function segmentsArb(total: number): Arbitrary<number[]> {
  const one: Arbitrary<number[]> = fc.constant<number[]>([total]);
  if (total < 2) return one;
  const cut = (unit: number): Arbitrary<number[]> | undefined => {
    const units = Math.floor(total / unit);
    if (units < 2 || total % unit !== 0) return undefined;
    return fc
      .uniqueArray(fc.integer({ min: 1, max: units - 1 }), { minLength: 1, maxLength: Math.min(3, units - 1) })
      .map((cuts) => {
        const pts = [0, ...[...cuts].sort((a, b) => a - b), units];
        const segs: number[] = [];
        for (let i = 1; i < pts.length; i++) segs.push(((pts[i] ?? 0) - (pts[i - 1] ?? 0)) * unit);
        return segs;
      });
  };
  const options: Array<{ weight: number; arbitrary: Arbitrary<number[]> }> = [{ weight: 6, arbitrary: one }];
  const c4k = cut(4 * KiB);
  if (c4k !== undefined) options.push({ weight: 2, arbitrary: c4k });
  const c512 = cut(512);
  if (c512 !== undefined) options.push({ weight: 1, arbitrary: c512 });
  options.push({ weight: 1, arbitrary: fc.integer({ min: 1, max: total - 1 }).map((a): number[] => [a, total - a]) });
  return fc.oneof(...options);
}

/**
 * The 'spec' vocabulary's sizes: the spec explores every order in which a request's blocks
 * reach the device, so its cost grows exponentially with the blocks a successful direct
 * write moves (measured: 4 blocks ~40 ms, 16 blocks > 4,000 states). Offsets stay within
 * 64 KiB (plus rare naturally aligned large ones), and lengths are mostly small; large
 * powers of two stay in (they exercise the atomic unit limits, refused before any I/O).
 */
export const specOffsetArb: Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 16 }).map((b) => b * 4 * KiB) },
  { weight: 1, arbitrary: fc.tuple(pow2(12, 17), fc.integer({ min: 0, max: 2 })).map(([a, k]) => a * k) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 128 }).map((s) => s * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 * KiB }) },
);

export const specLengthArb: Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: pow2(9, 14) },
  { weight: 2, arbitrary: pow2(15, 21) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => b * 4 * KiB) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 32 }).map((s) => s * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 * KiB }) },
);

/** RWF flag sets; RWF_ATOMIC in about half of them. */
export const flagsArb: Arbitrary<RwfFlag[]> = fc
  .tuple(fc.boolean(), fc.subarray(RWF_FLAGS.filter((f) => f !== 'ATOMIC')))
  .map(([atomic, rest]) => (atomic ? ['ATOMIC' as const, ...rest] : rest));

const misalignArb: Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(1, 8, 256, 512, 2048) },
);

type RawOp = (fd: number) => Op;

function writeArb(v: Vocabulary): Arbitrary<RawOp> {
  const mis = v === 'spec' ? fc.constant(0) : misalignArb;
  const raw = v === 'spec' ? fc.constant(0) : fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(0x200, 0x400, 0x8000) });
  const offs = v === 'spec' ? specOffsetArb : offsetArb;
  const lens = v === 'spec' ? specLengthArb : lengthArb;
  return fc.tuple(offs, lens, flagsArb, mis, raw).chain(([off, len, flags, misalign, rawBits]) =>
    segmentsArb(len).map(
      (segs): RawOp =>
        (fd) => {
          const o: Op = { op: 'pwritev2', fd, off, segs, flags, id: 0, misalign };
          if (rawBits !== 0) o.rawFlags = rawBits;
          return o;
        },
    ),
  );
}

function readArb(v: Vocabulary): Arbitrary<RawOp> {
  return fc
    .tuple(
      v === 'spec'
        ? fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 16 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: specOffsetArb })
        : fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 64 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: offsetArb }),
      v === 'spec'
        ? fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 16 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: specLengthArb })
        : fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: lengthArb.filter((l) => l <= 2 * MiB) }),
      v === 'spec' ? fc.constant(0) : misalignArb,
    )
    .map(([off, len, misalign]): RawOp => (fd) => ({ op: 'pread', fd, off, len, misalign }));
}

function otherArb(v: Vocabulary): Arbitrary<RawOp> {
  const ops: Array<Arbitrary<RawOp>> = [
    fc.constant((fd: number): Op => ({ op: 'fsync', fd })),
    fc.constant((fd: number): Op => ({ op: 'fdatasync', fd })),
    fc.constant((fd: number): Op => ({ op: 'statx', fd })),
  ];
  if (v === 'full') ops.push(offsetArb.map((len): RawOp => (fd) => ({ op: 'ftruncate', fd, len })));
  ops.push(...sizeOpArbs(v));
  return fc.oneof(...ops);
}

function opArb(v: Vocabulary): Arbitrary<RawOp> {
  return fc.oneof({ weight: 6, arbitrary: writeArb(v) }, { weight: 2, arbitrary: readArb(v) }, { weight: 2, arbitrary: otherArb(v) });
}

// ---------------------------------------------------------------------------------------
// ftruncate and fallocate (issue 13)

/** fallocate mode sets: the valid ones mostly, and any subset (EOPNOTSUPP: PUNCH_HOLE without KEEP_SIZE, two modes). */
export const fallocModeArb: Arbitrary<FallocName[]> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<FallocName[]>([], ['KEEP_SIZE'], ['PUNCH_HOLE', 'KEEP_SIZE'], ['ZERO_RANGE'], ['ZERO_RANGE', 'KEEP_SIZE']) },
  { weight: 1, arbitrary: fc.subarray<FallocName>(['KEEP_SIZE', 'PUNCH_HOLE', 'ZERO_RANGE']) },
);

/** Small offsets and lengths for a size change or a fallocate range: whole blocks mostly, sectors and bytes too. */
const sizeOffArb: Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 16 }).map((b) => b * 4 * KiB) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 128 }).map((x) => x * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 64 * KiB }) },
  { weight: 1, arbitrary: fc.constant(-4096) },
);
const sizeLenArb: Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => b * 4 * KiB) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }).map((x) => x * 512) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 * KiB }) },
  { weight: 1, arbitrary: fc.constant(0) },
);

/** ftruncate (spec vocabulary: small sizes) and fallocate for the edge programs. */
function sizeOpArbs(v: Vocabulary): Array<Arbitrary<RawOp>> {
  const out: Array<Arbitrary<RawOp>> = [fc.tuple(sizeOffArb, sizeLenArb, fallocModeArb).map(([off, len, mode]): RawOp => (fd) => ({ op: 'fallocate', fd, mode, off, len }))];
  if (v === 'spec') out.push(sizeOffArb.map((len): RawOp => (fd) => ({ op: 'ftruncate', fd, len })));
  return out;
}

/** A data program's size op: placed against an earlier write (anchor), as reads are. */
type SizeDataOp = { kind: 'size'; anchor: number; shift: number; len: number; mode: FallocName[]; truncate: boolean };

const dataSizeArb = fc
  .record({
    anchor: fc.nat(),
    shift: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 4096, -4096) }, { weight: 1, arbitrary: fc.integer({ min: -16, max: 16 }).map((x) => x * 512) }, { weight: 1, arbitrary: fc.integer({ min: -4096, max: 4096 }) }),
    len: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 * KiB }) }),
    mode: fc.constantFrom<FallocName[]>([], ['KEEP_SIZE'], ['PUNCH_HOLE', 'KEEP_SIZE'], ['ZERO_RANGE'], ['ZERO_RANGE', 'KEEP_SIZE']),
    truncate: fc.boolean(),
  })
  .map((r): SizeDataOp => ({ kind: 'size', ...r }));

/** The op a SizeDataOp becomes once the program's writes so far are known. */
function placeSizeOp(d: SizeDataOp, fd: number, writes: ReadonlyArray<{ off: number; len: number }>): Op {
  const at = writes[d.anchor % Math.max(1, writes.length)] ?? { off: 0, len: 4096 };
  if (d.truncate) return { op: 'ftruncate', fd, len: Math.max(0, at.off + at.len + d.shift) };
  return { op: 'fallocate', fd, mode: d.mode, off: Math.max(0, at.off + d.shift), len: d.len };
}

// ---------------------------------------------------------------------------------------
// Data programs

/** Relative weights of data and edge programs. */
export const DATA_WEIGHT = 3;
export const EDGE_WEIGHT = 1;

/** A data op before assembly: fds and read offsets are fixed once the program's earlier writes are known. */
type DataOp =
  | { kind: 'write'; direct: Op & { op: 'pwritev2' }; buffered: Op & { op: 'pwritev2' } }
  | { kind: 'read'; anchor: number; shift: number; alignedLen: number; anyLen: number; unaligned: boolean }
  | { kind: 'sync'; op: 'fsync' | 'fdatasync' }
  | { kind: 'mincore' }
  | SizeDataOp;

/** Flags of a write meant to succeed (RWF_ATOMIC is added only where its geometry is valid). */
const dataFlagsArb: Arbitrary<RwfFlag[]> = fc.oneof(
  { weight: 8, arbitrary: fc.constant<RwfFlag[]>([]) },
  { weight: 2, arbitrary: fc.constantFrom<RwfFlag[]>(['DSYNC'], ['SYNC']) },
  { weight: 1, arbitrary: fc.constant<RwfFlag[]>(['NOWAIT']) },
  { weight: 1, arbitrary: fc.constant<RwfFlag[]>(['DONTCACHE']) },
);

/** Segment lengths that keep a direct write valid: whole, or cut at 4 KiB or 512-byte points. */
function alignedSegmentsArb(total: number): Arbitrary<number[]> {
  const cut = (unit: number): Arbitrary<number[]> | undefined => {
    const units = Math.floor(total / unit);
    if (units < 2 || total % unit !== 0) return undefined;
    return fc.integer({ min: 1, max: units - 1 }).map((c): number[] => [c * unit, total - c * unit]);
  };
  const opts: Array<{ weight: number; arbitrary: Arbitrary<number[]> }> = [{ weight: 6, arbitrary: fc.constant<number[]>([total]) }];
  const c4 = cut(4 * KiB);
  if (c4 !== undefined) opts.push({ weight: 1, arbitrary: c4 });
  const c5 = cut(512);
  if (c5 !== undefined) opts.push({ weight: 1, arbitrary: c5 });
  return fc.oneof(...opts);
}

const dataWriteArb: Arbitrary<DataOp> = fc
  .record({
    // Direct: block-aligned or sector-aligned offsets within 16 blocks, whole blocks or sectors.
    dOff: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 15 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 120 }).map((x) => x * 512) }),
    dLen: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }).map((x) => x * 512) }),
    // Buffered: any offset within 64 KiB, any length up to 4 blocks.
    bOff: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 60 * KiB }) }),
    bLen: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 * KiB }) }),
    flags: dataFlagsArb,
    atomic: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 12, max: 14 }) }),
  })
  .chain(({ dOff, dLen, bOff, bLen, flags, atomic }) => {
    // A valid RWF_ATOMIC write: one segment, a power of two from 4 to 16 KiB, naturally aligned.
    const aLen = 2 ** atomic;
    const direct = atomic === 0 ? alignedSegmentsArb(dLen).map((segs) => ({ off: dOff, segs, flags })) : fc.constant<{ off: number; segs: number[]; flags: RwfFlag[] }>({ off: Math.floor(dOff / aLen) * aLen, segs: [aLen], flags: ['ATOMIC', ...flags.filter((f) => f !== 'NOWAIT')] });
    return fc.tuple(direct, segmentsArb(bLen)).map(
      ([d, bSegs]): DataOp => ({
        kind: 'write',
        direct: { op: 'pwritev2', fd: 0, off: d.off, segs: d.segs, flags: d.flags, id: 0, misalign: 0 },
        buffered: { op: 'pwritev2', fd: 0, off: bOff, segs: bSegs, flags: flags.filter((f) => f !== 'NOWAIT' || bOff % (4 * KiB) === 0), id: 0, misalign: 0 },
      }),
    );
  });

const dataReadArb: Arbitrary<DataOp> = fc.record({
  anchor: fc.nat(),
  // From an earlier write's offset: the same place, a sector or a block before or after, or further.
  shift: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constantFrom(-4096, -512, 512, 4096) }, { weight: 1, arbitrary: fc.integer({ min: -16, max: 16 }).map((x) => x * 512) }),
  alignedLen: fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 1, max: 4 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 16 }).map((x) => x * 512) }),
  anyLen: fc.integer({ min: 1, max: 12 * KiB }),
  // A direct read off the sector grid (EINVAL over data, zeros over a hole: G6).
  unaligned: fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
}).map((r): DataOp => ({ kind: 'read', ...r }));

const dataSyncArb: Arbitrary<DataOp> = fc.constantFrom<DataOp>({ kind: 'sync', op: 'fsync' }, { kind: 'sync', op: 'fdatasync' });

/**
 * A data program: one open (direct or buffered) or both, then writes, reads over them and
 * syncs; the first body op is always a write, and a read comes after at least one write.
 */
export function dataProgramArb(maxOps: number = MAX_OPS, mincore = false): Arbitrary<Program> {
  const body = mincore
    ? fc.oneof({ weight: 4, arbitrary: dataWriteArb }, { weight: 4, arbitrary: dataReadArb }, { weight: 1, arbitrary: dataSyncArb }, { weight: 1, arbitrary: dataSizeArb }, { weight: 2, arbitrary: fc.constant<DataOp>({ kind: 'mincore' }) })
    : fc.oneof({ weight: 4, arbitrary: dataWriteArb }, { weight: 4, arbitrary: dataReadArb }, { weight: 1, arbitrary: dataSyncArb }, { weight: 1, arbitrary: dataSizeArb });
  const opens = fc.oneof({ weight: 3, arbitrary: fc.boolean().map((d) => [d]) }, { weight: 1, arbitrary: fc.boolean().map((d) => [d, !d]) });
  return fc
    .tuple(opens, dataWriteArb, fc.array(fc.tuple(body, fc.nat()), { minLength: 0, maxLength: Math.max(0, maxOps - 1) }), fc.nat())
    .map(([directs, w0, rest, fd0]) => {
      const ops: Op[] = directs.map((direct): Op => ({ op: 'open', direct }));
      const writes: Array<{ off: number; len: number }> = [];
      let id = 0;
      const place = (d: DataOp, pick: number): void => {
        const fd = pick % directs.length;
        const direct = directs[fd] === true;
        if (d.kind === 'write') {
          const w = { ...(direct ? d.direct : d.buffered), fd, id: ++id };
          writes.push({ off: w.off, len: w.segs.reduce((a, b) => a + b, 0) });
          ops.push(w);
          return;
        }
        if (d.kind === 'sync') {
          ops.push({ op: d.op, fd });
          return;
        }
        if (d.kind === 'mincore') {
          ops.push({ op: 'mincore', fd });
          return;
        }
        if (d.kind === 'size') {
          ops.push(placeSizeOp(d, fd, writes));
          return;
        }
        const at = writes[d.anchor % Math.max(1, writes.length)] ?? { off: 0, len: 4096 };
        if (direct) {
          const off = Math.max(0, at.off + d.shift);
          ops.push({ op: 'pread', fd, off: d.unaligned ? off + 1 : off, len: d.alignedLen, misalign: 0 });
        } else {
          ops.push({ op: 'pread', fd, off: Math.max(0, at.off + d.shift + (d.anyLen % 512)), len: d.anyLen, misalign: 0 });
        }
      };
      place(w0, fd0);
      for (const [d, pick] of rest) place(d, pick);
      return { ops };
    });
}

// ---------------------------------------------------------------------------------------

/**
 * 'full': everything the helper can issue. 'spec': only what the spec's syscall vocabulary
 * can express (no misaligned user buffers, no unknown RWF bits; ftruncate at small sizes only; mincore only when asked).
 */
export type Vocabulary = 'full' | 'spec';

export interface GenOptions {
  /** Ops after the open(s), at most. Default MAX_OPS. */
  maxOps?: number;
  /** Which programs: data, edge and names programs mixed (the default), or only one kind ('mmap': mmapProgramArb, never mixed in). */
  kind?: 'mixed' | 'data' | 'edge' | 'names' | 'mmap';
  /** Include mincore (page residency; the spec models it since issue 8). Default false. */
  mincore?: boolean;
  /** Default 'full'. */
  vocabulary?: Vocabulary;
}

/** A random program (data or edge, see the top of this file). Write ids are 1, 2, ... */
export function programArb(opts: GenOptions = {}): Arbitrary<Program> {
  const kind = opts.kind ?? 'mixed';
  if (kind === 'data') return dataProgramArb(opts.maxOps, opts.mincore === true);
  if (kind === 'edge') return edgeProgramArb(opts);
  if (kind === 'mmap') return mmapProgramArb(opts.maxOps);
  if (kind === 'names') return namesProgramArb(opts.maxOps);
  return fc.oneof({ weight: DATA_WEIGHT, arbitrary: dataProgramArb(opts.maxOps, opts.mincore === true) }, { weight: EDGE_WEIGHT, arbitrary: edgeProgramArb(opts) }, { weight: NAMES_WEIGHT, arbitrary: namesProgramArb(opts.maxOps) });
}

// ---------------------------------------------------------------------------------------
// Names programs (files by name: openat with O_CREAT / O_TRUNC, close and reopen, rename,
// unlink), issue 13 items 6-7.

export const NAMES_WEIGHT = 1;
const NAMES = ['f', 'g', 'h'] as const;

/** A names op before its fd is known (fds are picked among the opens so far, closed ones included: EBADF). */
type NamesOp = (fds: number) => Op;

const nameArb = fc.constantFrom(...NAMES);
const namesOpArb: Arbitrary<NamesOp> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 2 }), fc.nat()).map(([b, n, pick]): NamesOp => (fds) => ({ op: 'pwritev2', fd: pick % fds, off: b * 4 * KiB, segs: [n * 4 * KiB], flags: [], id: 0, misalign: 0 })) },
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.nat()).map(([b, n, pick]): NamesOp => (fds) => ({ op: 'pread', fd: pick % fds, off: b * 4 * KiB, len: n * 4 * KiB, misalign: 0 })) },
  { weight: 2, arbitrary: fc.tuple(nameArb, fc.boolean(), fc.boolean(), fc.boolean()).map(([name, creat, trunc, direct]): NamesOp => () => ({ op: 'openat', name, creat, trunc, direct })) },
  { weight: 1, arbitrary: fc.nat().map((pick): NamesOp => (fds) => ({ op: 'close', fd: pick % fds })) },
  { weight: 1, arbitrary: fc.tuple(nameArb, nameArb).map(([from, to]): NamesOp => () => ({ op: 'rename', from, to })) },
  { weight: 1, arbitrary: nameArb.map((name): NamesOp => () => ({ op: 'unlink', name })) },
  { weight: 1, arbitrary: fc.nat().map((pick): NamesOp => (fds) => ({ op: 'fsync', fd: pick % fds })) },
);

/**
 * A names program: open f (created, buffered), a whole-block write to it, then up to maxOps
 * ops mixing whole-block writes and reads (4 KiB aligned: the read abstraction then needs
 * no bytes of other files' writes), opens by name with O_CREAT / O_TRUNC / O_DIRECT,
 * close, rename and unlink among three names.
 */
export function namesProgramArb(maxOps: number = MAX_OPS): Arbitrary<Program> {
  return fc.array(namesOpArb, { minLength: 0, maxLength: Math.max(0, maxOps - 1) }).map((raw) => {
    const ops: Op[] = [{ op: 'open', direct: false }, { op: 'pwritev2', fd: 0, off: 0, segs: [4 * KiB], flags: [], id: 1, misalign: 0 }];
    let fds = 1;
    let id = 1;
    for (const mk of raw) {
      const o = mk(fds);
      if (o.op === 'pwritev2') o.id = ++id;
      // Slots count every open by name; a failed one (ENOENT) gets none, but the model and
      // the kernel agree on that, and a write to a missing slot is EBADF on both sides.
      if (o.op === 'openat') fds++;
      ops.push(o);
    }
    return { ops };
  });
}

/** An edge program: one or two opens (O_DIRECT or not), then up to maxOps syscalls from the validation-edge vocabulary. */
export function edgeProgramArb(opts: GenOptions = {}): Arbitrary<Program> {
  const maxOps = opts.maxOps ?? MAX_OPS;
  const v = opts.vocabulary ?? 'full';
  const body: Arbitrary<RawOp> = opts.mincore === true ? fc.oneof({ weight: 9, arbitrary: opArb(v) }, { weight: 1, arbitrary: fc.constant((fd: number): Op => ({ op: 'mincore', fd })) }) : opArb(v);
  const opens = fc.oneof(
    { weight: 4, arbitrary: fc.boolean().map((d) => [d]) },
    { weight: 1, arbitrary: fc.boolean().map((d) => [d, !d]) },
  );
  return fc
    .tuple(opens, fc.array(fc.tuple(body, fc.nat()), { minLength: 1, maxLength: maxOps }))
    .map(([directs, raw]) => {
      const ops: Op[] = directs.map((direct): Op => ({ op: 'open', direct }));
      let id = 0;
      for (const [mk, pick] of raw) {
        const o = mk(pick % directs.length);
        if (o.op === 'pwritev2') o.id = ++id;
        ops.push(o);
      }
      return { ops };
    });
}

// ---------------------------------------------------------------------------------------
// Stores through a shared mapping (issue 13, item 4)

const PAGE = 4 * KiB;

/** One body op of an mmap program; `fd` picks the open, `map` the mapping (ids are set later). */
type MmapRaw = (fd: number, map: number) => Op;
const mmapBodyArb: Arbitrary<MmapRaw> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, PAGE, 2 * PAGE).map((off): MmapRaw => (_fd, map) => ({ op: 'store', map, off, id: 0 })) },
  { weight: 3, arbitrary: fc.constantFrom(0, PAGE, 2 * PAGE).map((off): MmapRaw => (_fd, map) => ({ op: 'load', map, off })) },
  { weight: 2, arbitrary: fc.boolean().map((sync): MmapRaw => (_fd, map) => ({ op: 'msync', map, sync })) },
  { weight: 2, arbitrary: fc.constantFrom(0, PAGE).map((off): MmapRaw => (fd) => ({ op: 'pwritev2', fd, off, segs: [PAGE], flags: [], id: 0, misalign: 0 })) },
  { weight: 2, arbitrary: fc.constant((fd: number): Op => ({ op: 'pread', fd, off: 0, len: 3 * PAGE, misalign: 0 })) },
  { weight: 1, arbitrary: fc.constantFrom<'fsync' | 'fdatasync'>('fsync', 'fdatasync').map((op): MmapRaw => (fd) => ({ op, fd })) },
  { weight: 1, arbitrary: fc.constant((_fd: number, map: number): Op => ({ op: 'munmap', map })) },
  { weight: 1, arbitrary: fc.record({ off: fc.constantFrom(0, PAGE, 1), len: fc.constantFrom(0, PAGE, 2 * PAGE) }).map(({ off, len }): MmapRaw => (fd) => ({ op: 'mmap', fd, off, len })) },
);

/**
 * An mmap program: one buffered open (sometimes a direct one too), a write that gives the
 * file one or two blocks, an mmap of up to three pages (the third beyond EOF: SIGBUS), then
 * stores, loads, msyncs, writes, reads, syncs, munmaps and further mmaps through either fd.
 * Stores and writes share the id counter (1, 2, ...).
 */
export function mmapProgramArb(maxOps: number = MAX_OPS): Arbitrary<Program> {
  return fc
    .record({
      direct: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      size: fc.constantFrom(PAGE, 2 * PAGE),
      mapLen: fc.constantFrom(PAGE, 2 * PAGE, 3 * PAGE),
      body: fc.array(fc.tuple(mmapBodyArb, fc.nat(), fc.nat()), { minLength: 1, maxLength: Math.max(1, maxOps) }),
    })
    .map(({ direct, size, mapLen, body }) => {
      const ops: Op[] = [{ op: 'open', direct: false }, ...(direct ? [{ op: 'open', direct: true } as Op] : [])];
      let id = 1;
      ops.push({ op: 'pwritev2', fd: 0, off: 0, segs: [size], flags: [], id, misalign: 0 }, { op: 'mmap', fd: 0, off: 0, len: mapLen });
      let maps = 1;
      for (const [mk, f, m] of body) {
        const o = mk(f % (direct ? 2 : 1), m % maps);
        if (o.op === 'store' || o.op === 'pwritev2') o.id = ++id;
        if (o.op === 'mmap') maps++;
        ops.push(o);
      }
      return { ops };
    });
}
