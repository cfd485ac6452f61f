import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { completeBio, flushDevice, initDevice, maxRequestBlocks, mediaAfterPowerLoss, powerLossChoices, submitBio } from '../spec/block/device.ts';
import { allocBlocks, ext4MbAlignedAlloc, freeBlock } from '../spec/fs/allocator.ts';
import { DEVICES } from '../spec/index.ts';
import type { Device } from '../spec/index.ts';

const ds = DEVICES.nvmeAtomic16k;
const fresh = (): Device => initDevice(['o0', 'o1', 'o2', 'o3']);
/** Submit one 2-block bio; it must become exactly one request. */
const write = (dev: Device, atomic: boolean, fua = false): number => {
  const ids = submitBio(dev, { op: 'write', owner: 0, blocks: [{ p: 0, t: 'n0' }, { p: 1, t: 'n1' }], atomic, fua, preflush: false, convert: [] });
  assert.equal(ids.length, 1);
  return ids[0] as number;
};

/** Every media content a power loss can leave, as strings like "n0,o1". */
function outcomes(dev: Device): Set<string> {
  return new Set(powerLossChoices(dev).map((keep) => mediaAfterPowerLoss(dev, keep).slice(0, 2).join(',')));
}

describe('device: one request under power loss', () => {
  it('a non-atomic 2-block request in flight may persist any subset', () => {
    const dev = fresh();
    write(dev, false);
    assert.deepEqual(outcomes(dev), new Set(['o0,o1', 'n0,o1', 'o0,n1', 'n0,n1']));
  });
  it('a REQ_ATOMIC request in flight persists all or nothing', () => {
    const dev = fresh();
    write(dev, true);
    assert.deepEqual(outcomes(dev), new Set(['o0,o1', 'n0,n1']));
  });
  it('a completed REQ_ATOMIC request in the volatile cache stays all or nothing, even when a later write replaces one block', () => {
    const dev = fresh();
    completeBio(dev, ds, write(dev, true), false);
    for (const later of submitBio(dev, { op: 'write', owner: 0, blocks: [{ p: 0, t: 'm0' }], atomic: false, fua: false, preflush: false, convert: [] })) completeBio(dev, ds, later, false);
    assert.deepEqual(outcomes(dev), new Set(['o0,o1', 'm0,o1', 'n0,n1', 'm0,n1']));
  });
  it('a bio larger than max_sectors becomes one request per max_sectors, each landing whole', () => {
    const dev = fresh();
    const blocks = [0, 1, 2].map((p) => ({ p, t: `n${p}` }));
    const ids = submitBio(dev, { op: 'write', owner: 0, blocks, atomic: false, fua: false, preflush: false, convert: [] }, maxRequestBlocks(DEVICES.loopSmall, 4096));
    assert.equal(ids.length, 3);
    assert.deepEqual(dev.inflight.map((b) => b.blocks.map((x) => x.p)), [[0], [1], [2]]);
    completeBio(dev, DEVICES.loopSmall, ids[1] as number, false);
    assert.deepEqual(dev.cache.map((e) => e.p), [1]);
    // At the loop device's default (1280 KiB) the same bio is one request.
    const dev2 = fresh();
    assert.equal(submitBio(dev2, { op: 'write', owner: 0, blocks, atomic: false, fua: false, preflush: false, convert: [] }, maxRequestBlocks(DEVICES.loop, 4096)).length, 1);
  });
  it('a REQ_ATOMIC bio is never split', () => {
    const dev = fresh();
    const blocks = [0, 1].map((p) => ({ p, t: `n${p}` }));
    assert.equal(submitBio(dev, { op: 'write', owner: 0, blocks, atomic: true, fua: false, preflush: false, convert: [] }, 1).length, 1);
  });
  it('a flush makes completed writes durable', () => {
    const dev = fresh();
    completeBio(dev, ds, write(dev, false), false);
    flushDevice(dev);
    assert.deepEqual(outcomes(dev), new Set(['n0,n1']));
  });
  it('REQ_FUA makes the request durable at completion, and only it, on a device with FUA', () => {
    const dev = fresh();
    for (const id of submitBio(dev, { op: 'write', owner: 0, blocks: [{ p: 2, t: 'm2' }], atomic: false, fua: false, preflush: false, convert: [] })) completeBio(dev, ds, id, false);
    completeBio(dev, ds, write(dev, false, true), false);
    assert.deepEqual(outcomes(dev), new Set(['n0,n1']));
    assert.deepEqual(dev.cache.map((e) => e.p), [2], 'the earlier write stays volatile');
  });
  it('REQ_FUA on a volatile-cache device without FUA is emulated by a flush after the write (blk-flush POSTFLUSH)', () => {
    const noFua = DEVICES.loop;
    assert.equal(noFua.fua, false);
    const dev = fresh();
    for (const id of submitBio(dev, { op: 'write', owner: 0, blocks: [{ p: 2, t: 'm2' }], atomic: false, fua: false, preflush: false, convert: [] })) completeBio(dev, noFua, id, false);
    completeBio(dev, noFua, write(dev, false, true), false);
    assert.deepEqual(dev.cache, [], 'the post-flush empties the whole cache');
    assert.deepEqual(dev.media.slice(0, 3), ['n0', 'n1', 'm2']);
  });
  it('a failed request never lands its untransferred blocks', () => {
    const dev = fresh();
    completeBio(dev, ds, write(dev, false), true);
    assert.deepEqual(outcomes(dev), new Set(['o0,o1']));
  });
});

describe('allocator', () => {
  it('never hands out a block twice, and frees only allocated blocks', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ alloc: fc.integer({ min: 1, max: 4 }), aligned: fc.boolean() }), fc.record({ free: fc.nat(15) })), { maxLength: 30 }), (ops) => {
        const free = Array.from({ length: 16 }, () => true);
        const owned = new Set<number>();
        for (const op of ops) {
          if ('alloc' in op) {
            const got = op.aligned ? ext4MbAlignedAlloc(free, op.alloc) : allocBlocks(free, op.alloc);
            if (got === null) continue;
            assert.equal(got.length, op.alloc);
            for (const p of got) {
              assert.ok(!owned.has(p), `p${p} handed out twice`);
              owned.add(p);
            }
            if (op.aligned) assert.equal((got[0] ?? 0) % op.alloc, 0);
          } else if (owned.has(op.free)) {
            freeBlock(free, op.free);
            owned.delete(op.free);
          } else assert.throws(() => freeBlock(free, op.free));
        }
      }),
    );
  });
  it('aligned allocation fails on fragmented free space where plain allocation succeeds', () => {
    const free = [false, true, false, true];
    assert.equal(ext4MbAlignedAlloc([...free], 2), null);
    assert.deepEqual(allocBlocks([...free], 2), [1, 3]);
  });
});
