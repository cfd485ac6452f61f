/**
 * mmap programs: stores through a shared mapping, loads, msync, munmap, with writes, reads
 * and syncs through the file (issue 13, item 4).
 */
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Op, Program } from './program.ts';
import { KiB, MAX_OPS } from './generate-values.ts';

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
