/**
 * ftruncate and fallocate in conformance programs (issue 13): free-standing ones for the
 * edge programs, and ones placed against an earlier write for the data programs.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { FallocName, Op } from './program.ts';
import { KiB, type RawOp } from './generate-values.ts';
import type { Vocabulary } from './generate-values.ts';

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
export function sizeOpArbs(v: Vocabulary): Array<Arbitrary<RawOp>> {
  const out: Array<Arbitrary<RawOp>> = [fc.tuple(sizeOffArb, sizeLenArb, fallocModeArb).map(([off, len, mode]): RawOp => (fd) => ({ op: 'fallocate', fd, mode, off, len }))];
  if (v === 'spec') out.push(sizeOffArb.map((len): RawOp => (fd) => ({ op: 'ftruncate', fd, len })));
  return out;
}

/** A data program's size op: placed against an earlier write (anchor), as reads are. */
export type SizeDataOp = { kind: 'size'; anchor: number; shift: number; len: number; mode: FallocName[]; truncate: boolean };

export const dataSizeArb = fc
  .record({
    anchor: fc.nat(),
    shift: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(0, 4096, -4096) }, { weight: 1, arbitrary: fc.integer({ min: -16, max: 16 }).map((x) => x * 512) }, { weight: 1, arbitrary: fc.integer({ min: -4096, max: 4096 }) }),
    len: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 3 }).map((b) => b * 4 * KiB) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 * KiB }) }),
    mode: fc.constantFrom<FallocName[]>([], ['KEEP_SIZE'], ['PUNCH_HOLE', 'KEEP_SIZE'], ['ZERO_RANGE'], ['ZERO_RANGE', 'KEEP_SIZE']),
    truncate: fc.boolean(),
  })
  .map((r): SizeDataOp => ({ kind: 'size', ...r }));

/** The op a SizeDataOp becomes once the program's writes so far are known. */
export function placeSizeOp(d: SizeDataOp, fd: number, writes: ReadonlyArray<{ off: number; len: number }>): Op {
  const at = writes[d.anchor % Math.max(1, writes.length)] ?? { off: 0, len: 4096 };
  if (d.truncate) return { op: 'ftruncate', fd, len: Math.max(0, at.off + at.len + d.shift) };
  return { op: 'fallocate', fd, mode: d.mode, off: Math.max(0, at.off + d.shift), len: d.len };
}
