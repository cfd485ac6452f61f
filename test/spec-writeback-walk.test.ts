/**
 * A completed writeback bio's walk over its folios (spec/mm/filemap.ts endWritebackWalk,
 * fs/iomap/ioend.c iomap_finish_ioend_buffered, fs/ext4/page-io.c ext4_finish_bio): one
 * folio_end_writeback after the other, a step of its own after each RWF_DONTCACHE folio it
 * drops (U10, proofs-notes/conformance.md), and a folio another bio or walk still holds ends
 * only when the last lets it go.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEVICES, initWorld, settings, type World } from '../spec/index.ts';
import { endWritebackWalk, endWritebackWalkStep } from '../spec/mm/filemap.ts';
import type { Folio } from '../spec/mm/types.ts';

/** File 0 with folios {0,1} and {2,3} under writeback, dropbehind or not, as a mutable world. */
function world(dropbehind: boolean): World {
  const s = settings({ name: 'walk', fs: { kind: 'xfs', physBlocks: 8 }, device: DEVICES.loop, files: [{ blocks: ['hole', 'hole', 'hole', 'hole'], size: 16384 }], programs: [[]] });
  const w = structuredClone(initWorld(s)) as World;
  const folio = (head: number): Folio => ({ t: 'X' as Folio['t'], uptodate: true, dirty: false, head, nr: 2, atomic: false, writeback: true, dropbehind });
  w.pageCache[0] = [folio(0), folio(0), folio(2), folio(2)];
  return w;
}
const resident = (w: World) => (w.pageCache[0] ?? []).map((f) => (f === null ? '.' : f.writeback ? 'w' : 'r')).join('');

describe('endWritebackWalk: a completed bio ends its folios one after the other', () => {
  it('in task context it stops after each RWF_DONTCACHE folio it drops; the rest is a step of its own', () => {
    const w = world(true);
    endWritebackWalk(w, { ino: 0, heads: [0, 1, 2, 3], inTask: true, by: 'iomap' });
    assert.equal(resident(w), '..ww', 'folio 0-1 dropped, folio 2-3 still under writeback');
    assert.deepEqual(w.folioEnds, [{ ino: 0, heads: [2, 3], inTask: true, by: 'iomap' }]);
    endWritebackWalkStep(w, 0);
    assert.equal(resident(w), '....');
    assert.deepEqual(w.folioEnds, []);
  });

  it('a walk that drops nothing ends every folio in one step (from interrupt context, or no RWF_DONTCACHE)', () => {
    for (const [drop, inTask] of [[true, false], [false, true]] as const) {
      const w = world(drop);
      endWritebackWalk(w, { ino: 0, heads: [0, 1, 2, 3], inTask, by: 'ext4' });
      assert.equal(resident(w), 'rrrr');
      assert.deepEqual(w.folioEnds, []);
    }
  });

  it('a folio a bio in flight still carries stays under writeback until that bio ends it', () => {
    const w = world(true);
    w.ioends = [{ bio: 7, ino: 0, blocks: [{ blk: 3, t: 'X' as Folio['t'] }] }];
    endWritebackWalk(w, { ino: 0, heads: [0, 1, 2], inTask: true, by: 'iomap' });
    assert.equal(resident(w), '..ww');
    endWritebackWalkStep(w, 0);
    assert.equal(resident(w), '..ww', 'bio 7 still holds block 3');
    assert.deepEqual(w.folioEnds, []);
  });

  it('a folio a pending walk still holds is not ended by another bio\'s walk (write_bytes_pending counts both)', () => {
    const w = world(true);
    // The first bio's walk dropped folio 0-1 and waits before block 2; a second bio carried block 3.
    w.pageCache[0] = [null, null, w.pageCache[0]![2]!, w.pageCache[0]![3]!];
    w.folioEnds = [{ ino: 0, heads: [2], inTask: true, by: 'iomap' }];
    endWritebackWalk(w, { ino: 0, heads: [3], inTask: true, by: 'iomap' });
    assert.equal(resident(w), '..ww', 'the pending walk still holds folio 2-3');
    endWritebackWalkStep(w, 0);
    assert.equal(resident(w), '....');
  });
});
