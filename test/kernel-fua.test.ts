/**
 * REQ_FUA and the device's FUA support, as Linux 6.18 handles them.
 *
 * - iomap_dio_can_use_fua (fs/iomap/direct-io.c) sets REQ_FUA on an O_DSYNC pure overwrite
 *   only when the device has no volatile cache or supports FUA
 *   (`!bdev_write_cache(bdev) || bdev_fua(bdev)`); otherwise the write goes out plain and
 *   generic_write_sync flushes the cache (blkdev_issue_flush).
 * - A REQ_FUA request that reaches a device with a volatile cache and no FUA is not made
 *   durable by the device: blk_insert_flush (block/blk-flush.c) strips REQ_FUA
 *   (`if (!supports_fua) rq->cmd_flags &= ~REQ_FUA`) and sequences a POSTFLUSH after the
 *   data (`if ((rq->cmd_flags & REQ_FUA) && !supports_fua) policy |= REQ_FSEQ_POSTFLUSH`),
 *   and the request completes only after that flush, which empties the whole volatile
 *   cache. On a device without a volatile cache submit_bio_noacct (block/blk-core.c)
 *   drops REQ_FUA/REQ_PREFLUSH: every write is durable when it completes.
 *
 * So on a device with a volatile cache and no FUA, when an O_DSYNC write returns, every
 * write completed before it is durable too (by the flush either path ends with); on a
 * device with native FUA only the FUA request itself is.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bfsExplorer, buildModel, DEVICES, initWorld, next, open, pwrite, settings, type DeviceSettings, type Fsync, type Settings, type World } from '../spec/index.ts';

const BS = 4096;
const volatileNoFua: DeviceSettings = { ...DEVICES.loop };

function dsyncOverwrite(fs: 'xfs' | 'ext4', device: DeviceSettings): Settings {
  return settings({
    name: `fua-${fs}`,
    fs: { kind: fs, physBlocks: 6 },
    device,
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    // A: a plain overwrite of block 1 (lands in the volatile cache); B: an O_DSYNC pure overwrite of block 0.
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, BS, BS), pwrite('B', 0, 0, BS, 'RWF_DSYNC')]],
    maxPowerLosses: 0,
    backgroundCommit: false,
    properties: [],
  });
}

/** Every reachable state of a scenario where B (the third syscall) has returned successfully. */
function afterDsyncReturn(s: Settings): World[] {
  const out: World[] = [];
  bfsExplorer(buildModel(s), (w: World) => {
    const r = w.tasks[0]?.results[2];
    if (r !== undefined && r.op === 'pwritev2' && r.ret === BS) out.push(w);
  });
  return out;
}

describe('O_DSYNC overwrite on a device with a volatile cache and no FUA', () => {
  for (const fs of ['xfs', 'ext4'] as const) {
    it(`${fs}: when the O_DSYNC write returns, it and the earlier completed write are on the media (the cache was flushed)`, () => {
      const states = afterDsyncReturn(dsyncOverwrite(fs, volatileNoFua));
      assert.ok(states.length > 0, 'the O_DSYNC write never returned');
      for (const w of states) {
        assert.equal(w.device.media[0], 'B[0]', 'the O_DSYNC write is not durable when it returns');
        assert.equal(w.device.media[1], 'A[0]', 'an earlier completed write is still only in the volatile cache after the O_DSYNC write returned');
        assert.deepEqual(w.device.cache, []);
      }
    });
  }
  it('xfs on a device with native FUA: the O_DSYNC write is durable, the earlier write may stay cached (REQ_FUA, no flush)', () => {
    const states = afterDsyncReturn(dsyncOverwrite('xfs', { ...DEVICES.loop, fua: true }));
    assert.ok(states.length > 0);
    for (const w of states) assert.equal(w.device.media[0], 'B[0]');
    assert.ok(
      states.some((w) => w.device.media[1] !== 'A[0]'),
      'with native FUA no flush should be needed, so the earlier write can still be volatile',
    );
  });
});

/** A world with one earlier write in the volatile cache and one REQ_FUA request in flight, its owner waiting. */
function fuaInFlight(device: DeviceSettings): { s: Settings; w: World } {
  const s = settings({
    name: 'fua-device',
    fs: { kind: 'xfs', physBlocks: 4 },
    device,
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [[open(0, 'O_DIRECT')]],
    maxPowerLosses: 0,
    backgroundCommit: false,
    properties: [],
  });
  const w0 = initWorld(s);
  const waiting: Fsync = { sys: 'fsync', fd: 0, ino: 0, datasync: true, phase: 'writeback-wait', wait: [2], ioError: false, start: 0 };
  const w: World = {
    ...w0,
    device: {
      media: w0.device.media,
      cache: [{ p: 1, t: 'A[0]', bio: 1, atomic: false }],
      inflight: [{ id: 2, op: 'write', owner: 0, blocks: [{ p: 0, t: 'B[0]' }], atomic: false, fua: true, preflush: false, convert: [] }],
    },
    tasks: [{ pc: 1, fds: [], cur: waiting, results: [] }],
  };
  return { s, w };
}

describe('a REQ_FUA request reaching the device (blk_insert_flush)', () => {
  it('device with FUA: the request is durable at completion; older cached writes are not flushed', () => {
    const { s, w } = fuaInFlight({ ...DEVICES.loop, fua: true });
    const after = next(w, s, { kind: 'dev-complete', bio: 2, what: '' });
    assert.equal(after.device.media[0], 'B[0]');
    assert.ok(after.device.cache.some((e) => e.p === 1 && e.t === 'A[0]'));
  });
  it('device without a volatile cache: the write is on the media at completion', () => {
    const { s, w } = fuaInFlight({ ...DEVICES.loop, writeCache: false });
    const after = next({ ...w, device: { ...w.device, cache: [] } }, s, { kind: 'dev-complete', bio: 2, what: '' });
    assert.equal(after.device.media[0], 'B[0]');
  });
  it(
    'device with a volatile cache and no FUA: REQ_FUA becomes data + POSTFLUSH, so completion leaves the whole cache flushed',
    () => {
      const { s, w } = fuaInFlight(volatileNoFua);
      const after = next(w, s, { kind: 'dev-complete', bio: 2, what: '' });
      assert.equal(after.device.media[0], 'B[0]');
      assert.equal(after.device.media[1], 'A[0]', 'the POSTFLUSH must also make the earlier cached write durable');
      assert.deepEqual(after.device.cache, []);
    },
  );
});
