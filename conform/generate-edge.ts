/**
 * Edge programs: the validation rules. One file, offsets up to a few MiB, writes up to
 * 2 MiB, offsets and lengths mixing 4 KiB-aligned, 512-aligned, powers of two (inside and
 * outside the atomic unit limits 4 KiB..1 MiB seen on XFS) and arbitrary values; one or
 * several iovec segments, all RWF flag mixes, aligned or misaligned buffers; reads, syncs,
 * statx, ftruncate and fallocate among them.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, Program } from './program.ts';
import { flagsArb, KiB, type RawOp, lengthArb, MAX_OPS, MiB, misalignArb, offsetArb, segmentsArb, specLengthArb, specOffsetArb } from './generate-values.ts';
import { sizeOpArbs } from './generate-size.ts';
import type { GenOptions, Vocabulary } from './generate-values.ts';

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
