/**
 * fast-check arbitraries for random single-task conformance programs: which kinds, mixed
 * how (programArb). Data programs (generate-data.ts: writes meant to succeed, and reads and
 * size changes placed over what they wrote, so most syscalls are checked on the data they
 * read back) and edge programs (generate-edge.ts: the validation rules) mix
 * DATA_WEIGHT : EDGE_WEIGHT, names programs (generate-names.ts) join at NAMES_WEIGHT; mmap
 * programs (generate-mmap.ts) run only on their own (`--programs mmap`). The ftruncate and
 * fallocate ops are in generate-size.ts, the values all share (offsets, lengths, iovec
 * segments, flags) in generate-values.ts. At most MAX_OPS syscalls after the opens.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Program } from './program.ts';
import { dataProgramArb } from './generate-data.ts';
import { edgeProgramArb } from './generate-edge.ts';
import { NAMES_WEIGHT, namesProgramArb } from './generate-names.ts';
import { mmapProgramArb } from './generate-mmap.ts';

/** Relative weights of data and edge programs. */
export const DATA_WEIGHT = 3;
export const EDGE_WEIGHT = 1;

export type { GenOptions, Vocabulary } from './generate-values.ts';
import type { GenOptions } from './generate-values.ts';

/** A random program (data or edge, see the top of this file). Write ids are 1, 2, ... */
export function programArb(opts: GenOptions = {}): Arbitrary<Program> {
  const kind = opts.kind ?? 'mixed';
  if (kind === 'data') return dataProgramArb(opts.maxOps, opts.mincore === true);
  if (kind === 'edge') return edgeProgramArb(opts);
  if (kind === 'mmap') return mmapProgramArb(opts.maxOps);
  if (kind === 'names') return namesProgramArb(opts.maxOps);
  return fc.oneof({ weight: DATA_WEIGHT, arbitrary: dataProgramArb(opts.maxOps, opts.mincore === true) }, { weight: EDGE_WEIGHT, arbitrary: edgeProgramArb(opts) }, { weight: NAMES_WEIGHT, arbitrary: namesProgramArb(opts.maxOps) });
}
