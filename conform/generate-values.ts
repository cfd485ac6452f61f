/**
 * The values the conformance programs are made of: file offsets and lengths (edge and
 * spec vocabularies), iovec segment layouts, RWF flag mixes, user-buffer misalignments.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { RWF_FLAGS } from './program.ts';
import type { Op, RwfFlag } from './program.ts';

export const MAX_OPS = 6;
export const KiB = 1024;
export const MiB = 1024 * KiB;

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

export const misalignArb: Arbitrary<number> = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(1, 8, 256, 512, 2048) },
);

/** An edge op before its fd is known. */
export type RawOp = (fd: number) => Op;

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
