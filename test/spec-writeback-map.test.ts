/**
 * XFS writeback's cached mapping (spec/fs/xfs/xfs_aops.ts, spec/mm/page-writeback.ts): the
 * writepage context keeps wpc->iomap across the folios of a pass run folio by folio, and
 * xfs_imap_valid decides per folio whether to reuse it, per knob xfsWritebackMapValid. The
 * race of scenarios/xfs-writeback-map-vs-punch-*.ts is walked step by step: 'eof-trim'
 * sends the second folio to the freed block and reports stale-iomap at that submission,
 * 'seq' maps it again.
 */
import assert from 'node:assert/strict';
import { produce } from 'immer';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import { describe, it } from 'node:test';
import { BS, buildModel, DEVICES, fallocate, ftruncate, open, pread, pwrite, settings, settingsProblems, type Settings, type Syscall, type SettingsInput, type World, type XfsWritebackMapValid } from '../spec/index.ts';
import { actions, label, next } from '../spec/model.ts';
import { wpcStaleUse, xfsCachedIomap, xfsImapValid, type XfsWritepageCtx } from '../spec/fs/xfs/xfs_aops.ts';
import { flusherChoices } from '../spec/mm/page-writeback.ts';
import type { Inode } from '../spec/fs/types.ts';

const inode = (seq: number, map: Inode['map'], size = map.length * BS): Inode => ({
  size,
  diskSize: size,
  map,
  cow: map.map(() => ({ kind: 'none' as const })),
  seq,
  iolock: { excl: null, shared: [] },
  invalidateLock: { excl: null, shared: [] },
  dioCount: 0,
  reflink: false,
});
const wpc = (dataSeq: number): XfsWritepageCtx => ({ ino: 0, next: 1, iomap: { blk: 0, nblk: 2, p: 4, unwritten: false }, dataSeq });

describe('xfs_imap_valid', () => {
  const written: Inode['map'] = [
    { kind: 'written', p: 4 },
    { kind: 'written', p: 5 },
    { kind: 'hole' },
  ];
  it('accepts an offset inside the cached mapping when the data fork has not changed, under both variants', () => {
    for (const v of ['eof-trim', 'seq'] as const) assert.equal(xfsImapValid(wpc(3), inode(3, written), 1, v), true, v);
  });
  it('refuses an offset outside the cached mapping, under both variants', () => {
    for (const v of ['eof-trim', 'seq'] as const) assert.equal(xfsImapValid(wpc(3), inode(3, written), 2, v), false, v);
  });
  it("after the data fork changed (if_seq moved): 'eof-trim' still accepts the offset, 'seq' refuses it", () => {
    assert.equal(xfsImapValid(wpc(3), inode(5, written), 1, 'eof-trim'), true);
    assert.equal(xfsImapValid(wpc(3), inode(5, written), 1, 'seq'), false);
  });
});

describe('the mapping xfs_map_blocks caches', () => {
  const map: Inode['map'] = [
    { kind: 'unwritten', p: 2 },
    { kind: 'unwritten', p: 3 },
    { kind: 'unwritten', p: 4 },
    { kind: 'written', p: 5 },
  ];
  it("runs to the end of the extent under 'seq', and is cut at EOF under 'eof-trim' (xfs_trim_extent_eof)", () => {
    assert.deepEqual(xfsCachedIomap(inode(0, map), 0, 'seq', 1), { blk: 0, nblk: 3, p: 2, unwritten: true });
    assert.deepEqual(xfsCachedIomap(inode(0, map), 0, 'eof-trim', 2), { blk: 0, nblk: 2, p: 2, unwritten: true });
    assert.deepEqual(xfsCachedIomap(inode(0, map), 1, 'eof-trim', 0), { blk: 1, nblk: 1, p: 3, unwritten: true }, 'never empty: the folio being written is inside it');
  });
  it('stops where the disk blocks stop following each other', () => {
    assert.deepEqual(xfsCachedIomap(inode(0, [{ kind: 'written', p: 1 }, { kind: 'written', p: 3 }]), 0, 'seq', 2), { blk: 0, nblk: 1, p: 1, unwritten: false });
  });
});

describe('a use of the cached mapping is stale when its block no longer backs the offset', () => {
  const world = (map: Inode['map'], free: boolean[]): World =>
    produce(buildModel(race('seq')).init()[0] as World, (d) => {
      d.inodes[0] = inode(7, map);
      d.free = free;
    });
  const ctx: XfsWritepageCtx = { ino: 0, next: 1, iomap: { blk: 0, nblk: 2, p: 2, unwritten: true }, dataSeq: 3 };
  it('is fine while the block still backs the offset (an unwritten block converted since included)', () => {
    assert.equal(wpcStaleUse(world([{ kind: 'written', p: 2 }, { kind: 'written', p: 3 }], [true, true, false, false]), ctx, 1, 3), null);
  });
  it('names a freed block, and the file block that owns a reallocated one', () => {
    const freed = wpcStaleUse(world([{ kind: 'written', p: 2 }, { kind: 'delalloc' }], [true, true, false, true]), ctx, 1, 3);
    assert.match(freed ?? '', /folio 0:1.*file block 1 is now delalloc.*p3, which is free/);
    const moved = wpcStaleUse(world([{ kind: 'written', p: 2 }, { kind: 'hole' }, { kind: 'written', p: 3 }], [true, true, false, false]), ctx, 1, 3);
    assert.match(moved ?? '', /p3, which is now file 0 block 2/);
  });
});

function race(variant: XfsWritebackMapValid, extra: Partial<SettingsInput> = {}): Settings {
  return settings({
    name: `wpc-${variant}`,
    fs: { kind: 'xfs', physBlocks: 4 },
    device: DEVICES.loop,
    knobs: { xfsWritebackMapValid: variant },
    files: [{ blocks: [{ written: 0 }, { written: 1 }], maxFolioBlocks: 1 }],
    programs: [
      [open(0), pwrite('W1', 0, 0, 2 * BS)],
      [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], BS, BS), pwrite('W2', 0, BS, BS)],
    ],
    flusher: true,
    flusherPerFolio: true,
    maxPowerLosses: 0,
    backgroundCommit: false,
    ...extra,
  });
}

/** T1's write, the flusher's first folio, T2's punch and write, then the pass goes on: the race of the scenarios. */
function walk(s: Settings): { w: World; labels: string[] } {
  const prefs = [/^T1 /, /flusher .*iomap_writepage_map folio 0:0/, /^dev complete/, /^T2 /, /^flusher .*pass goes on/];
  let w = buildModel(s).init()[0] as World;
  const labels: string[] = [];
  for (;;) {
    const as = actions(w, s);
    const a = prefs.map((re) => as.find((x) => re.test(label(x)))).find((x) => x !== undefined);
    if (a === undefined) return { w, labels };
    labels.push(label(a));
    w = next(w, s, a);
    if (labels.at(-1)?.includes('pass goes on') === true) return { w, labels };
  }
}

describe('a flusher pass folio by folio racing a punch and a new write', () => {
  it("'eof-trim': the second folio goes to the freed p1 through the cached mapping, reported as stale-iomap at that step", () => {
    const { w, labels } = walk(race('eof-trim'));
    assert.match(labels.at(-1) ?? '', /folio 0:1 \(W2\[0\]\).*xfs_imap_valid accepts the cached mapping \(file blocks 0-1 → p0, offset only\)/);
    assert.equal(w.ghost.flagged.length, 1);
    assert.equal(w.ghost.flagged[0]?.property, 'stale-iomap');
    assert.match(w.ghost.flagged[0]?.what ?? '', /file block 1 is now delalloc.*writes the folio's data to p1, which is free/);
    assert.ok(w.device.inflight.some((b) => b.blocks.some((x) => x.p === 1 && x.t === 'W2[0]')), 'the bio carries W2 to p1');
    assert.equal(w.wpc, null, 'the pass ended with its last folio');
  });
  it("'seq': if_seq moved, so xfs_map_blocks maps folio 1 again and W2 goes to a block the file owns", () => {
    const { w, labels } = walk(race('seq'));
    assert.match(labels.at(-1) ?? '', /folio 0:1 \(W2\[0\]\).*xfs_map_blocks looks the extent up \(xfs_bmapi_convert_delalloc.*\(the cached mapping is stale: data_seq \d+ ≠ if_seq \d+\)/);
    assert.deepEqual(w.ghost.flagged, []);
    const m = w.inodes[0]?.map[1];
    assert.ok(m?.kind === 'unwritten');
    assert.ok(w.device.inflight.some((b) => b.blocks.some((x) => x.p === m.p && x.t === 'W2[0]')));
  });
  it('without flusherPerFolio and with the merged knob, a pass is one step: no writepage context is ever offered', () => {
    const s = race('seq', { flusherPerFolio: false });
    let w = buildModel(s).init()[0] as World;
    for (let i = 0; i < 6; i++) w = next(w, s, actions(w, s).find((a) => a.kind === 'task' && a.task === 0)!);
    const choices = flusherChoices(w, s);
    assert.deepEqual(choices.map((c) => c.blks), [[0], [0, 1], [1]]);
    assert.ok(choices.every((c) => c.pass === undefined));
    assert.ok(flusherChoices(w, race('eof-trim', { flusherPerFolio: false })).some((c) => c.pass === 'start'), "'eof-trim' turns folio-by-folio passes on by itself");
  });
});

describe('validation of the knob and of flusherPerFolio', () => {
  const input = (extra: Record<string, unknown>) => ({ name: 'v', fs: { kind: 'xfs', physBlocks: 4 }, files: [{ blocks: ['hole'] }], programs: [[open(0), pwrite('W', 0, 0, BS)]], flusher: true, ...extra });
  it('names the knob and its variants for an unknown variant', () => {
    const p = settingsProblems(input({ knobs: { xfsWritebackMapValid: 'i_size' } }));
    assert.equal(p[0]?.field, 'knobs.xfsWritebackMapValid');
    assert.match(p[0]?.problem ?? '', /eof-trim, seq/);
  });
  it('refuses flusherPerFolio off XFS and without the flusher', () => {
    assert.match(settingsProblems(input({ fs: { kind: 'ext4', physBlocks: 4 }, flusherPerFolio: true }))[0]?.problem ?? '', /xfs only, not ext4/);
    assert.match(settingsProblems(input({ flusher: false, flusherPerFolio: true }))[0]?.problem ?? '', /needs flusher: true/);
    assert.deepEqual(settingsProblems(input({ flusherPerFolio: true })), []);
  });
});

/**
 * After a write of the whole three-block file: an operation that changes the extent map (a
 * truncate, a punch, a zero-range), then a write or a read (no data-integrity writeback: see
 * test/spec-truncate.test.ts on that known gap).
 */
const changeArb: fc.Arbitrary<Syscall> = fc.oneof(
  fc.integer({ min: 0, max: 2 }).map((b) => ftruncate(0, b * BS)),
  fc.record({ zero: fc.boolean(), b: fc.integer({ min: 1, max: 2 }) }).map(({ zero, b }) => fallocate(0, [zero ? 'FALLOC_FL_ZERO_RANGE' : 'FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], b * BS, BS)),
);
const thenArb: fc.Arbitrary<Syscall> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ b: fc.integer({ min: 1, max: 2 }), n: fc.integer({ min: 1, max: 2 }) }).map(({ b, n }) => pwrite('B', 0, b * BS, Math.min(n, 3 - b) * BS)) },
  { weight: 1, arbitrary: fc.constant(pread(0, 0, 3 * BS)) },
);

function randomRace(variant: XfsWritebackMapValid, change: Syscall, then: Syscall): Settings {
  return settings({ name: 'random', fs: { kind: 'xfs', physBlocks: 6 }, device: DEVICES.loop, knobs: { xfsWritebackMapValid: variant }, files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }], maxFolioBlocks: 1 }], programs: [[open(0), pwrite('A', 0, 0, 3 * BS), change, then]], flusher: true, flusherPerFolio: true, maxPowerLosses: 0, backgroundCommit: false });
}

describe('random programs with folio-by-folio passes', () => {
  it("under 'seq' no action throws and no invariant breaks (stale-iomap included) while the task's truncates, punches and writes run between the folios of a pass", () => {
    fc.assert(
      fc.property(changeArb, thenArb, (change, then) => {
        const r = check(buildModel(randomRace('seq', change, then)), { maxStates: 20_000 });
        if (process.env.I13E_DEBUG !== undefined) console.log(r.status, r.distinctStates, JSON.stringify([change, then]));
        assert.equal(r.status, 'ok', `${JSON.stringify([change, then])}: ${r.violations.map((v) => `${v.property}: ${v.message ?? ''}`).join('; ')}`);
      }),
      { numRuns: 8, seed: 1313 },
    );
  });
});
