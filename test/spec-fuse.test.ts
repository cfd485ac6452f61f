/**
 * The FUSE personality (spec/fs/fuse/): the write-through path step by step (rule D, where
 * PG_uptodate is set, what a failed or short WRITE does to the pages), the server
 * answering in any order, writeback-cache errors through errseq and fsync, the mmap wait,
 * the direct read; random programs on FUSE with the merged knobs; every FUSE scenario's
 * expectation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import {
  actions,
  BS,
  buildModel,
  fsync,
  initWorld,
  KNOB_VARIANTS,
  label,
  mmapStore,
  next,
  open,
  pread,
  pwrite,
  settings,
  taskSteps,
  type Settings,
  type SettingsInput,
  type Syscall,
  type World,
} from '../spec/index.ts';

const fuse = (i: Partial<SettingsInput> & Pick<SettingsInput, 'programs'>): Settings =>
  settings({ name: 'fuse-test', fs: 'fuse', files: [{ blocks: [{ written: 0 }, { written: 1 }] }], maxPowerLosses: 0, ...i });

/** Follow the path whose action labels match `picks`, one each, in order; the world reached. */
function walk(s: Settings, picks: RegExp[]): World {
  let w = initWorld(s);
  for (const re of picks) {
    const as = actions(w, s).filter((a) => re.test(label(a)));
    assert.equal(as.length, 1, `${re}: ${as.length} matching actions among\n${actions(w, s).map(label).join('\n')}`);
    w = next(w, s, as[0] as (typeof as)[number]);
  }
  return w;
}

const results = (w: World, ti = 0) => w.tasks[ti]?.results ?? [];

describe('FUSE write-through: fuse_fill_write_pages and rule D', () => {
  it('a partial write to a page that is not uptodate ends the request: that page stays locked, the rest goes in a second WRITE', () => {
    const s = fuse({ programs: [[open(0), pwrite('W', 0, BS / 2, BS + BS / 2)]] });
    const w = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/]);
    const req = w.fuse?.reqs[0];
    assert.deepEqual([req?.blk, req?.data, req?.count], [0, ['W[0]'], BS / 2]);
    assert.equal(w.pageCache[0]?.[0]?.uptodate, false);
    assert.deepEqual(w.fuse?.locked, [{ ino: 0, blk: 0, task: 0 }]);
    // A read of the locked page waits for the reply.
    const w2 = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/, /answer WRITE/, /reply 2048/, /fuse_fill_write_pages/, /send WRITE/]);
    const req2 = w2.fuse?.reqs[0];
    assert.deepEqual([req2?.blk, req2?.data, req2?.count], [1, ['W[1]'], BS]);
    assert.equal(w2.pageCache[0]?.[1]?.uptodate, true, 'a fully copied page is uptodate before its WRITE');
    assert.deepEqual(w2.fuse?.locked, []);
  });

  it('full pages are marked uptodate before the WRITE, unlocked, and share one request', () => {
    const s = fuse({ programs: [[open(0), pwrite('W', 0, 0, 2 * BS)]] });
    const w = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/]);
    assert.deepEqual(w.pageCache[0]?.map((f) => f?.uptodate), [true, true]);
    assert.deepEqual(w.fuse?.locked, []);
    assert.deepEqual(w.tasks[0]?.cur?.sys === 'fuse-write' ? w.tasks[0].cur.pending?.data : null, ['W[0]', 'W[1]']);
  });

  it("'after-write' (before 4f06dd92b5d0): every page stays locked, not uptodate, until the reply; SetPageUptodate on success", () => {
    const s = fuse({ knobs: { fuseUptodate: 'after-write' }, programs: [[open(0), pwrite('W', 0, 0, 2 * BS)]] });
    const mid = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/]);
    assert.deepEqual(mid.pageCache[0]?.map((f) => f?.uptodate), [false, false]);
    assert.equal(mid.fuse?.locked.length, 2);
    const w = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/, /answer WRITE/, /reply 8192/]);
    assert.deepEqual(w.pageCache[0]?.map((f) => f?.uptodate), [true, true]);
    assert.deepEqual(results(w)[1], { op: 'pwritev2', id: 'W', ret: 2 * BS, path: 'none', swCause: null });
  });
});

describe('FUSE write-through: failed and short WRITEs', () => {
  const failPath = [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/, /fail WRITE/, /reply -EIO/];
  it("a failed WRITE returns -EIO; 'clear-uptodate' clears every page of the request, 'leave-uptodate' keeps them", () => {
    for (const [knob, uptodate] of [['clear-uptodate', false], ['leave-uptodate', true]] as const) {
      const s = fuse({ knobs: { fuseWriteFailure: knob }, maxIoErrors: 1, programs: [[open(0), pwrite('W', 0, 0, 2 * BS)]] });
      const w = walk(s, failPath);
      assert.equal(results(w)[1]?.op === 'pwritev2' ? results(w)[1]?.ret : null, 'EIO');
      assert.deepEqual(w.pageCache[0]?.map((f) => f?.uptodate), [uptodate, uptodate], knob);
      assert.deepEqual(w.fuse?.server[0], ['f0.init[0]', 'f0.init[1]']);
    }
  });

  it('a short reply returns the bytes written and clears uptodate from the first page it does not cover on', () => {
    const s = fuse({ maxShortWrites: 1, programs: [[open(0), pwrite('W', 0, 0, 2 * BS)]] });
    const w = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/, /short, 4096 of 8192/, /reply 4096 of 8192/]);
    assert.equal(results(w)[1]?.op === 'pwritev2' ? results(w)[1]?.ret : null, BS);
    assert.deepEqual(w.pageCache[0]?.map((f) => f?.uptodate), [true, false]);
    assert.deepEqual(w.fuse?.server[0], ['W[0]', 'f0.init[1]']);
    const none = walk(s, [/open/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/, /send WRITE/, /short, 0 of 8192/, /reply 0 of 8192/]);
    assert.equal(results(none)[1]?.op === 'pwritev2' ? results(none)[1]?.ret : null, 'EIO');
    assert.deepEqual(none.pageCache[0]?.map((f) => f?.uptodate), [false, false]);
  });

  it('the server answers requests in any order', () => {
    const s = fuse({ programs: [[open(0), pwrite('A', 0, 0, BS)], [open(0), pwrite('B', 0, BS, BS)]] });
    const w = walk(s, [/T1 .*open/, /T2 .*open/, /T1 .*pwritev2/, /T1 .*inode_lock/, /T1 .*fill/, /T1 .*send WRITE/, /T1 .*reply|^x/]
      .slice(0, 6));
    // T1's WRITE is in flight; T2 waits for the inode lock.
    assert.deepEqual(taskSteps(w, s, 1).length, 1);
    assert.equal(w.fuse?.reqs.length, 1);
    const s2 = fuse({ programs: [[open(0), pread(0, 0, BS)], [open(0), pread(0, BS, BS)]] });
    const w2 = walk(s2, [/T1 .*open/, /T2 .*open/, /T1 .*pread/, /T2 .*pread/, /T1 .*send READ/, /T2 .*send READ/, /answer READ #2/]);
    assert.deepEqual(w2.fuse?.reqs.map((r) => r.unique), [1], 'the second READ was answered first');
  });
});

describe('FUSE writeback cache, mmap and direct reads', () => {
  it('writeback cache: a failed writeback WRITE goes to errseq; fsync returns -EIO, then 0; the page stays uptodate and clean (6.18)', () => {
    const s = fuse({ knobs: { fuseMode: 'writeback-cache' }, maxIoErrors: 1, programs: [[open(0), pwrite('W', 0, 0, BS), fsync(0), fsync(0)]] });
    const w = walk(s, [/open/, /pwritev2/, /inode_lock/, /copy 4096/, /fsync/, /inode_lock/, /send WRITE for dirty pages 0/, /fail WRITE/, /check the mapping/, /fsync/, /inode_lock/, /no dirty pages/, /check the mapping/, /answer FSYNC/, /FSYNC answered/]);
    assert.deepEqual(results(w).map((r) => r.ret), [0, BS, 'EIO', 0]);
    const f = w.pageCache[0]?.[0];
    assert.deepEqual([f?.t, f?.uptodate, f?.dirty, f?.writeback], ['W[0]', true, false, false]);
    assert.notEqual(w.mappings[0]?.wbErr, 0);
    assert.equal(w.ghost.wbErrOwed.length, 0);
  });

  it("mmap race: 'wait' holds the synchronous WRITE until the writeback WRITE is answered; 'no-wait' sends it at once", () => {
    const prog: Syscall[] = [open(0), mmapStore('M', 0, 0), pwrite('W', 0, 0, BS)];
    const path = [/open/, /fuse_page_mkwrite/, /flusher/, /pwritev2/, /inode_lock/, /fuse_fill_write_pages/];
    const waiting = walk(fuse({ knobs: { fuseSyncWait: 'wait' }, cached: [[0, 0]], flusher: true, programs: [prog] }), path);
    assert.equal(taskSteps(waiting, fuse({ knobs: { fuseSyncWait: 'wait' }, cached: [[0, 0]], flusher: true, programs: [prog] }), 0).length, 0);
    const s = fuse({ knobs: { fuseSyncWait: 'no-wait' }, cached: [[0, 0]], flusher: true, programs: [prog] });
    const racing = walk(s, [...path, /send WRITE/]);
    assert.deepEqual(racing.fuse?.reqs.map((r) => [r.writeback, r.data[0]]), [[true, 'M[0]'], [false, 'W[0]']]);
  });

  it('a direct read goes to the server while a WRITE is in flight, and may return the old data', () => {
    const s = fuse({ programs: [[open(0), pwrite('W', 0, 0, BS)], [open(0, 'O_DIRECT'), pread(0, 0, BS)]] });
    const w = walk(s, [/T1 .*open/, /T2 .*open/, /T1 .*pwritev2/, /T1 .*inode_lock/, /T1 .*fill/, /T1 .*send WRITE/, /T2 .*pread/, /T2 .*send READ/, /answer READ/, /T2 .*READ answered/]);
    const r = results(w, 1)[1];
    assert.deepEqual(r?.op === 'pread' ? r.data : null, ['f0.init[0]']);
  });
});

describe('fs: fuse is a personality of its own', () => {
  it('FUSE steps are named after fs/fuse functions, never XFS or ext4 ones', () => {
    const s = fuse({ knobs: { fuseMode: 'writeback-cache' }, flusher: true, reclaim: true, cached: [[0, 1]], programs: [[open(0), pwrite('W', 0, 0, BS), mmapStore('M', 0, BS), pread(0, 0, BS), fsync(0)]] });
    const r = check(buildModel(s), { maxStates: 5000 });
    assert.equal(r.status === 'error', false);
    let w = initWorld(s);
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const as = actions(w, s);
      if (as.length === 0) break;
      const a = as[i % as.length] as (typeof as)[number];
      seen.add(label(a));
      w = next(w, s, a);
    }
    const all = [...seen].join('\n');
    assert.match(all, /fuse/);
    assert.doesNotMatch(all, /xfs|ext4|iomap_writepages|bio#/);
  });

  it('fuse is a modelled file system, and an unknown kind is a clear error naming the scenario and the field', () => {
    assert.equal(settings({ name: 'ok', fs: 'fuse', files: [], programs: [] }).fs.kind, 'fuse');
    assert.throws(() => settings({ name: 'bad', fs: 'btrfs' as 'xfs', files: [], programs: [] }), /scenario "bad": fs: "btrfs" is not a modelled file system; one of xfs, ext4, fuse/);
  });
});

let ids = 0;
const opArb = fc.oneof(
  { weight: 3, arbitrary: fc.record({ off: fc.constantFrom(0, BS / 2, BS), len: fc.constantFrom(BS / 2, BS) }).map(({ off, len }): Syscall => pwrite(`W${++ids}`, 0, off, Math.min(len, 2 * BS - off))) },
  { weight: 2, arbitrary: fc.constantFrom(pread(0, 0, 2 * BS), pread(0, BS, BS), pread(1, 0, BS)) },
  { weight: 1, arbitrary: fc.constant(fsync(0)) },
  { weight: 1, arbitrary: fc.constant(null).map((): Syscall => mmapStore(`M${++ids}`, 0, 0)) },
);
const programArb = fc.record({ a: fc.array(opArb, { minLength: 1, maxLength: 3 }), b: fc.array(opArb, { minLength: 0, maxLength: 1 }) });

describe('random programs on FUSE', () => {
  it('with the merged knobs and no failures, every invariant holds in both modes, with writeback and reclaim, and every program can finish', () => {
    fc.assert(
      fc.property(programArb, fc.constantFrom(...KNOB_VARIANTS.fuseMode), fc.boolean(), fc.boolean(), ({ a, b }, mode, flusher, reclaim) => {
        const s = fuse({ knobs: { fuseMode: mode }, cached: [[0, 0]], flusher, reclaim, maxPowerLosses: 1, programs: [[open(0), open(0, 'O_DIRECT'), ...a], [open(0), ...b.filter((c) => c.op !== 'pread' || c.fd === 0)]] });
        const r = check(buildModel(s), { maxStates: 30000 });
        const v = r.violations[0];
        assert.notEqual(r.status, 'error', v?.message ?? 'model error');
        assert.equal(v, undefined, v === undefined ? '' : `${v.property}: ${v.message}\n${v.trace.map((t) => t.label).join('\n')}\n${JSON.stringify(s.programs)}`);
      }),
      { numRuns: 15, seed: 20261130, verbose: 1 },
    );
  });

  it('with WRITE failures and short replies, no action throws and the search completes (any knob variant)', () => {
    fc.assert(
      fc.property(
        programArb,
        fc.record({ fuseMode: fc.constantFrom(...KNOB_VARIANTS.fuseMode), fuseUptodate: fc.constantFrom(...KNOB_VARIANTS.fuseUptodate), fuseWriteFailure: fc.constantFrom(...KNOB_VARIANTS.fuseWriteFailure), fuseSyncWait: fc.constantFrom(...KNOB_VARIANTS.fuseSyncWait) }),
        ({ a, b }, knobs) => {
          const s = fuse({ knobs, cached: [[0, 0]], flusher: true, reclaim: true, maxIoErrors: 1, maxShortWrites: 1, properties: [], programs: [[open(0), open(0, 'O_DIRECT'), ...a], [open(0), ...b.filter((c) => c.op !== 'pread' || c.fd === 0)]] });
          const r = check(buildModel(s), { maxStates: 30000 });
          assert.notEqual(r.status, 'error', r.violations[0]?.message ?? 'model error');
          assert.equal(r.status, 'ok');
        },
      ),
      { numRuns: 12, seed: 20261201, verbose: 1 },
    );
  });
});
