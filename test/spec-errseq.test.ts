/**
 * lib/errseq.c as the spec models it, and the writeback-error wiring (mapping_set_error,
 * the sample at open, file_check_and_advance_wb_err) through whole programs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check } from '../checker/index.ts';
import { bfsExplorer, BS, buildModel, DEVICES, ERRSEQ_SEEN, errseqCheck, errseqCheckAndAdvance, errseqSample, errseqSet, fsync, open, pread, pwrite, settings, type World } from '../spec/index.ts';

describe('errseq_t', () => {
  it('an error nobody has seen samples as 0, so a later subscriber still reports it', () => {
    const e = errseqSet(0, 'EIO');
    assert.equal(errseqSample(e), 0);
    assert.equal(errseqCheck(e, errseqSample(e)), 'EIO');
  });

  it('each subscriber reports an error once; a new error after it was seen bumps the counter', () => {
    const e1 = errseqSet(0, 'EIO');
    const a = errseqCheckAndAdvance(e1, 0);
    assert.equal(a.err, 'EIO');
    assert.ok((a.cell & ERRSEQ_SEEN) !== 0);
    const b = errseqCheckAndAdvance(a.cell, 0);
    assert.equal(b.err, 'EIO', 'a second subscriber with an old cursor still gets it');
    assert.equal(errseqCheckAndAdvance(b.cell, a.since).err, null, 'the first subscriber does not get it again');
    const e2 = errseqSet(b.cell, 'EIO');
    assert.notEqual(e2, b.cell, 'same errno, but seen: the counter moves');
    assert.equal(errseqCheck(e2, a.since), 'EIO');
    assert.equal(errseqSet(e1, 'EIO'), e1, 'an unseen error set again changes nothing');
  });

  it('for any sequence of sets and checks, a subscriber reports exactly when a set happened since its last check', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant<'set'>('set'), fc.integer({ min: 0, max: 2 })), { maxLength: 30 }), (ops) => {
        let cell = 0;
        const since = [0, 0, 0];
        const pending = [false, false, false];
        for (const op of ops) {
          if (op === 'set') {
            cell = errseqSet(cell, 'EIO');
            pending.fill(true);
            continue;
          }
          const r = errseqCheckAndAdvance(cell, since[op] ?? 0);
          cell = r.cell;
          since[op] = r.since;
          assert.equal(r.err !== null, pending[op]);
          pending[op] = false;
        }
      }),
    );
  });
});

describe('writeback errors through fsync', () => {
  const twoFiles = (v: 'as-eio' | 'errseq', t2: ReturnType<typeof open>[] | Array<ReturnType<typeof fsync>>) =>
    settings({
      name: 'wb-err',
      fs: { kind: 'xfs', physBlocks: 4 },
      device: DEVICES.loop,
      knobs: { wbErrReporting: v },
      files: [{ blocks: [{ written: 0 }] }],
      programs: [[open(0), pwrite('A', 0, 0, BS), fsync(0)], t2],
      maxIoErrors: 1,
      maxPowerLosses: 0,
      properties: ['fsync-reports-errors', 'durability'],
    });

  it('errseq: both open files see the error; pre-4.13 AS_EIO: only one of them does', () => {
    assert.equal(check(buildModel(twoFiles('errseq', [open(0), fsync(0)]))).status, 'ok');
    const legacy = check(buildModel(twoFiles('as-eio', [open(0), fsync(0)])));
    assert.equal(legacy.violations[0]?.property, 'fsync-reports-errors');
  });

  it('a file opened after an unseen error reports it (errseq_sample returns 0 for an unseen error)', () => {
    // The direct read's kiocb_write_and_wait writes the folio back; its failure is
    // recorded in wb_err but nobody checks it, so the file opened afterwards still sees it.
    const s = settings({
      name: 'late-open',
      fs: { kind: 'xfs', physBlocks: 4 },
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }] }],
      programs: [[open(0), pwrite('A', 0, 0, BS), open(0, 'O_DIRECT'), pread(1, 0, BS), open(0), fsync(2)]],
      maxIoErrors: 1,
      maxPowerLosses: 0,
    });
    const model = buildModel(s);
    const ends = new Set<string>();
    bfsExplorer(model, (w: World) => {
      if (model.done?.(w) !== true) return;
      const rs = w.tasks[0]?.results ?? [];
      ends.add(`${w.ioErrors} ${rs.filter((r) => r.op === 'pread' || r.op === 'fsync').map((r) => r.ret).join(' ')}`);
    });
    assert.deepEqual([...ends].sort(), ['0 4096 0', '1 EIO EIO']);
  });
});
