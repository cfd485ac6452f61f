/**
 * The bounded conformance run (part of `npm test`): 1,000 random programs per file system
 * on real XFS (reflink) and ext4 on loop devices, each compared with the outcomes the
 * spec allows, most of them writes that succeed and reads checked on their data. Prints a skip line saying why where loop devices cannot be made.
 * The large campaign is `npm run conform` (proofs-notes/conformance.md).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probe, withLab } from '../conform/harness.ts';
import { runCampaign } from '../conform/campaign.ts';
import { DEFAULTS } from '../conform/campaign-options.ts';
import { formatCounterexamples, formatTable, unexplained } from '../conform/campaign-report.ts';
import type { FsSummary } from '../conform/campaign-report.ts';
import { loadSpecOracle } from '../conform/oracle.ts';

const RUNS = 1000;

test(`bounded conformance run: ${RUNS} random programs per file system agree with the spec (or hit a documented known gap)`, async (t) => {
  const why = probe();
  if (why !== undefined) {
    t.skip(`conformance run skipped: ${why}`);
    return;
  }
  const loaded = loadSpecOracle();
  if (!loaded.ok) t.diagnostic(`record-only: ${loaded.reason}`);
  const oracle = loaded.ok ? loaded.oracle : undefined;
  const opts = { ...DEFAULTS, runs: RUNS, maxShrink: 1, shrinkKnownGaps: false };
  const r = await withLab(opts.fs, (lab) => runCampaign(lab, opts, oracle));
  if ('skipped' in r) {
    t.skip(`conformance run skipped: ${r.skipped}`);
    return;
  }
  const rows: FsSummary[] = r.value;
  for (const l of formatTable(rows).split('\n')) t.diagnostic(l);
  for (const s of rows) {
    assert.equal(s.programs, RUNS, `${s.fs}: every program ran`);
    assert.ok(s.syscalls >= RUNS * 2, `${s.fs}: every op answered`);
    // The kernel answered with both successes and refusals: the generator reaches both sides of the rules.
    assert.ok((s.outcomes.get('pwritev2 ok') ?? 0) > 0, `${s.fs}: some writes succeeded`);
    assert.ok((s.outcomes.get('pwritev2 EINVAL') ?? 0) + (s.outcomes.get('pwritev2 EOPNOTSUPP') ?? 0) > 0, `${s.fs}: some writes were refused`);
    // Most programs write something, and many reads are checked on the data they return.
    assert.ok(s.withWrite > RUNS / 2, `${s.fs}: only ${s.withWrite} programs had a successful write`);
  }
  if (oracle !== undefined) {
    for (const s of rows) for (const [g, n] of s.knownGaps) t.diagnostic(`${s.fs}: ${n} disagreements are known gap ${g} (proofs-notes/conformance.md)`);
    const bad = rows.filter((s) => unexplained(s) > 0);
    assert.equal(bad.length, 0, `unexplained disagreements between the kernel and the spec:\n${formatCounterexamples(rows)}`);
    for (const s of rows) {
      assert.ok((s.agreements ?? 0) > RUNS / 2, `${s.fs}: most programs compared and agreed`);
      assert.ok(s.writtenDataChecked > RUNS / 4, `${s.fs}: only ${s.writtenDataChecked} reads were checked on written data`);
    }
  }
});
