/**
 * Names programs (files by name: openat with O_CREAT / O_TRUNC, close and reopen, rename,
 * unlink), issue 13 items 6-7.
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, Program } from './program.ts';
import { KiB, MAX_OPS } from './generate-values.ts';

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
