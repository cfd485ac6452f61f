/**
 * The bounded conformance run of stores through a shared mapping (part of `npm test`): 150
 * mmap programs per file system (conform/generate.ts mmapProgramArb: mmap, stores, loads,
 * msync, munmap mixed with writes, reads and syncs) on real XFS and ext4, each compared with
 * the outcomes the spec allows. Prints a skip line saying why where loop devices cannot be
 * made. The large campaign is `npm run conform -- --programs mmap` (proofs-notes/mmap.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probe, withLab } from '../conform/harness.ts';
import { runCampaign } from '../conform/campaign.ts';
import { DEFAULTS } from '../conform/campaign-options.ts';
import { formatCounterexamples, formatTable, unexplained } from '../conform/campaign-report.ts';
import { loadSpecOracle } from '../conform/oracle.ts';

const RUNS = 150;

test(`mmap conformance run: ${RUNS} programs with stores through a mapping per file system agree with the spec`, async (t) => {
  const why = probe();
  if (why !== undefined) {
    t.skip(`mmap conformance run skipped: ${why}`);
    return;
  }
  const loaded = loadSpecOracle();
  assert.ok(loaded.ok, loaded.ok ? '' : loaded.reason);
  const opts = { ...DEFAULTS, runs: RUNS, kind: 'mmap' as const, seed: 1313, maxShrink: 1, shrinkKnownGaps: false };
  const r = await withLab(opts.fs, (lab) => runCampaign(lab, opts, loaded.oracle));
  if ('skipped' in r) {
    t.skip(`mmap conformance run skipped: ${r.skipped}`);
    return;
  }
  const rows = r.value;
  for (const l of formatTable(rows).split('\n')) t.diagnostic(l);
  for (const s of rows) {
    assert.equal(s.programs, RUNS, `${s.fs}: every program ran`);
    // The kernel took stores, loads, msyncs and signals: the generator reaches each.
    for (const k of ['store ok', 'load ok', 'msync ok', 'store SIGBUS', 'store SIGSEGV']) assert.ok((s.outcomes.get(k) ?? 0) > 0, `${s.fs}: no "${k}" among ${[...s.outcomes.keys()].join(', ')}`);
    assert.ok(s.writtenDataChecked > RUNS / 10, `${s.fs}: only ${s.writtenDataChecked} reads or loads were checked on written data`);
  }
  assert.equal(rows.filter((s) => unexplained(s) > 0).length, 0, `unexplained disagreements:\n${formatCounterexamples(rows)}`);
});
