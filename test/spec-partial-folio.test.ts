/**
 * truncate_inode_partial_folio (spec/mm/truncate.ts): the non-uniform split's pieces, and
 * random programs of large-folio writes, truncates and hole punches in which every folio
 * stays whole (a folio that lost some of its blocks is what the spec left before, and what
 * mincore then read as not resident) and every property holds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import { BS, buildModel, DEVICES, fallocate, fsync, ftruncate, open, pwrite, settings, type FallocFlag, type Syscall, type World } from '../spec/index.ts';
import { buddySplit } from '../spec/mm/truncate.ts';

describe('the non-uniform split (__split_unmapped_folio)', () => {
  it('halves down to the minimum order around the page it splits at', () => {
    assert.deepEqual(buddySplit(0, 64, 10, 1), [[0, 8], [8, 2], [10, 1], [11, 1], [12, 4], [16, 16], [32, 32]]);
    assert.deepEqual(buddySplit(0, 64, 0, 1), [[0, 1], [1, 1], [2, 2], [4, 4], [8, 8], [16, 16], [32, 32]]);
    assert.deepEqual(buddySplit(14, 2, 14, 1), [[14, 1], [15, 1]]);
    // A mapping's minimum order (the buffered-atomic RFC's folio size) bounds it.
    assert.deepEqual(buddySplit(0, 8, 5, 2), [[0, 4], [4, 2], [6, 2]]);
  });
});

/** Why a page cache is not made of whole folios with equal folio flags, or null. */
function folioBroken(w: World): string | null {
  for (const [ino, pc] of w.pageCache.entries()) {
    for (const [blk, f] of pc.entries()) {
      if (f === null) continue;
      if (blk < f.head || blk >= f.head + f.nr || f.head % f.nr !== 0) return `block ${ino}:${blk} outside its folio ${f.head}+${f.nr}`;
      for (let b = f.head; b < f.head + f.nr && b < pc.length; b++) {
        const g = pc[b];
        if (g === null || g === undefined) return `folio ${ino}:${f.head}+${f.nr} lacks block ${b}`;
        if (g.head !== f.head || g.nr !== f.nr || g.writeback !== f.writeback || g.dropbehind !== f.dropbehind || g.noIfs !== f.noIfs) return `folio ${ino}:${f.head}: block ${b} disagrees with block ${blk} on a folio flag`;
      }
    }
  }
  return null;
}

const PUNCH: FallocFlag[] = ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'];
let ids = 0;
const opArb: fc.Arbitrary<Syscall> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ b: fc.nat(2), n: fc.constantFrom(2, 4) }).map(({ b, n }) => pwrite(`W${++ids}`, 0, b * BS, Math.min(n, 4 - b) * BS)) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 8 }).map((h) => ftruncate(0, (h * BS) / 2)) },
  {
    weight: 2,
    arbitrary: fc
      .record({ mode: fc.constantFrom<FallocFlag[]>(PUNCH, ['FALLOC_FL_ZERO_RANGE']), h: fc.integer({ min: 0, max: 6 }), n: fc.integer({ min: 1, max: 3 }) })
      .map(({ mode, h, n }) => fallocate(0, mode, (h * BS) / 2, (n * BS) / 2)),
  },
  { weight: 1, arbitrary: fc.constant(fsync(0)) },
);

describe('random programs cutting large folios', () => {
  it('every folio stays whole, and every property holds (xfs, ext4)', () => {
    fc.assert(
      fc.property(fc.constantFrom('xfs' as const, 'ext4' as const), fc.constantFrom(0, 2), fc.array(opArb, { minLength: 1, maxLength: 2 }), fc.boolean(), (fs, at, rest, flusher) => {
        // A large folio first (4 blocks at 0, or 2 at block 2), then what may cut it.
        const ops = [pwrite('L', 0, at * BS, (4 - at) * BS), ...rest];
        const s = settings({ name: 'partial-folio', fs: { kind: fs, physBlocks: 10 }, device: DEVICES.loop, files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 0 }], programs: [[open(0), ...ops]], flusher, maxPowerLosses: 0 });
        const m = buildModel(s);
        const r = check({ ...m, invariants: { ...m.invariants, 'folio-whole': (w: World) => folioBroken(w) === null } }, { maxStates: 60_000 });
        const v = r.violations[0];
        assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${v.message ?? folioBroken(v.trace[v.trace.length - 1]?.state as World)}\n${v.trace.map((t) => t.label).join('\n')}`);
      }),
      { numRuns: 20, seed: 20261201 },
    );
  });
});
