/**
 * Data programs: writes meant to succeed (direct ones sector aligned, buffered ones at any
 * offset; mostly no flags, sometimes O_DSYNC-like, NOWAIT, DONTCACHE or a valid RWF_ATOMIC)
 * and reads, size changes and fallocates placed over what the program wrote, so most
 * syscalls are checked on the data they read back, not only on their return codes.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, Program, RwfFlag } from './program.ts';
import { KiB, MAX_OPS, segmentsArb } from './generate-values.ts';
import { dataSizeArb, placeSizeOp } from './generate-size.ts';
import type { SizeDataOp } from './generate-size.ts';

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
