import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { check } from '../checker/index.ts';
import { allowedOutcomes, BS, buildModel, DEVICES, mmapStore, open, pwrite, settings, type Knobs, type Ret } from '../spec/index.ts';

/** Every value T1's second syscall (its write) returns across the allowed outcomes. */
function writeRets(knobs: Partial<Knobs>, input: Omit<Parameters<typeof settings>[0], 'name' | 'knobs'>): Set<Ret> {
  const s = settings({ name: 'knob', knobs, ...input });
  return new Set(allowedOutcomes(s).map((o) => o[0]?.[1]?.ret ?? -1));
}

describe('knob ext4AtomicAlloc on fragmented free space (seed 001)', () => {
  const input = {
    fs: { kind: 'ext4' as const, physBlocks: 4 },
    device: DEVICES.nvmeAtomic16k,
    files: [{ blocks: ['hole' as const, 'hole' as const] }, { blocks: [{ written: 0 }, { written: 2 }] }],
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  };
  it("'aligned-or-fail' fails the write with ENOSPC", () => {
    assert.deepEqual(writeRets({ ext4AtomicAlloc: 'aligned-or-fail' }, input), new Set(['ENOSPC']));
  });
  it("'fall-back-to-unaligned' writes it as two requests (and can tear)", () => {
    assert.deepEqual(writeRets({ ext4AtomicAlloc: 'fall-back-to-unaligned' }, input), new Set([2 * BS]));
    const r = check(buildModel(settings({ name: 'f', knobs: { ext4AtomicAlloc: 'fall-back-to-unaligned' }, ...input })), { stopAtFirst: false });
    assert.deepEqual(r.violations.map((v) => v.property).sort(), ['atomic-one-request', 'atomic-untorn']);
  });
});

describe('knob atomicDioInvalidateFailure (seed 001, RFC patch 1)', () => {
  const input = {
    fs: { kind: 'ext4' as const, clusterBlocks: 2 },
    device: DEVICES.nvmeAtomic16k,
    files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
    cached: [[0, 0]] as Array<[number, number]>,
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  };
  it("'never' returns EAGAIN when invalidation fails", () => {
    assert.deepEqual(writeRets({ atomicDioInvalidateFailure: 'never' }, input), new Set([2 * BS, 'EAGAIN']));
  });
  it("'fall-back' always succeeds, through the page cache", () => {
    assert.deepEqual(writeRets({ atomicDioInvalidateFailure: 'fall-back' }, input), new Set([2 * BS]));
  });
});

describe('knob xfsSwAtomicRetry (seed 003)', () => {
  const ambiguity = {
    fs: 'xfs' as const,
    device: DEVICES.nvmeAtomic16k,
    files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
    cached: [[0, 0]] as Array<[number, number]>,
    programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  };
  it("'posted-v4' hides the invalidation failure behind a software retry", () => {
    assert.deepEqual(writeRets({ xfsSwAtomicRetry: 'posted-v4' }, ambiguity), new Set([2 * BS]));
  });
  it("'merged-6.16' returns EAGAIN to user space", () => {
    assert.deepEqual(writeRets({ xfsSwAtomicRetry: 'merged-6.16' }, ambiguity), new Set([2 * BS, 'EAGAIN']));
  });

  const race = (knob: Knobs['xfsSwAtomicRetry'], device = DEVICES.loopSmall) =>
    settings({
      name: 'race',
      fs: { kind: 'xfs', physBlocks: 6 },
      device,
      knobs: { xfsSwAtomicRetry: knob },
      files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
      programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
      maxPowerLosses: 0,
    });
  it("'merged-6.16': two software atomic writes share the CoW staging blocks and tear without any power loss when each block is its own request (max_sectors_kb=4)", () => {
    const r = check(buildModel(race('merged-6.16')), {});
    const v = r.violations[0];
    assert.equal(v?.property, 'atomic-untorn');
    assert.match(v?.message ?? '', /after all tasks finished/);
    const maps = (v?.trace ?? []).map((t) => t.label).filter((l) => l.includes('xfs_atomic_write_cow_iomap_begin'));
    assert.equal(maps.length, 2);
    assert.ok(maps.some((l) => !l.includes('allocate')), 'the second writer reuses the first writer\'s staging blocks');
  });
  it("'merged-6.16': the same race holds without power loss when each write fits one request (loop default)", () => {
    assert.equal(check(buildModel(race('merged-6.16', DEVICES.loop)), {}).status, 'ok');
  });
  it("'proposed-excl' and 'posted-v4' serialise them", () => {
    assert.equal(check(buildModel(race('proposed-excl')), {}).status, 'ok');
    assert.equal(check(buildModel(race('posted-v4')), {}).status, 'ok');
  });
});
