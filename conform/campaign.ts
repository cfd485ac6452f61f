/**
 * The conformance campaign: random programs on real XFS and ext4, each compared with the
 * outcomes the spec allows; every disagreement shrunk to a minimal program.
 *
 *   npm run conform -- [--runs N] [--fs xfs,ext4] [--seed S] [--max-ops K] [--no-shrink]
 *                      [--max-shrink M] [--record FILE] [--vocabulary spec|full]
 *
 * The options are in campaign-options.ts, the judging of a program and the shrinker in
 * campaign-judge.ts, the counts and their tables in campaign-report.ts.
 *
 * Prints a summary table (file system, programs, syscalls, agreements, disagreements,
 * time). Exit status: 0 when every disagreement is a documented known gap (or the machine
 * cannot run the harness: a SKIP line says why), 1 when some disagreement is unexplained,
 * 2 on a usage error.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { startHelper, withLab, writeBuildFile } from './harness.ts';
import type { Lab } from './harness.ts';
import { loadSpecOracle } from './oracle.ts';
import type { Oracle } from './oracle.ts';
import { show } from './program.ts';
import { knownGap } from './known-gaps.ts';
import type { Program, ProgramResult } from './program.ts';
import { asRun, campaignArb, parseArgs, UsageError, USAGE } from './campaign-options.ts';
import type { CampaignOptions } from './campaign-options.ts';
import { judgeRun, shrink, signature, TIMED_RUNS } from './campaign-judge.ts';
import { emptySummary, formatClasses, formatCounterexamples, formatTable, programClass, unexplained } from './campaign-report.ts';
import type { Counterexample, FsSummary } from './campaign-report.ts';

/** Runs the campaign on an open lab. `oracle` undefined = record-only. */
export async function runCampaign(lab: Lab, opts: CampaignOptions, oracle: Oracle | undefined, log: (s: string) => void = () => undefined): Promise<FsSummary[]> {
  const programs = fc.sample(campaignArb(opts, oracle !== undefined), { seed: opts.seed, numRuns: opts.runs });
  const out: FsSummary[] = [];
  const records: string[] = [];
  const disagreements: string[] = [];
  for (const fs of opts.fs) {
    const h = startHelper(lab, fs);
    const t0 = performance.now();
    const s: FsSummary = emptySummary(fs, oracle !== undefined);
    const run = (p: Program): Promise<ProgramResult> => h.run(p);
    const seen = new Set<string>();
    for (let i = 0; i < programs.length; i++) {
      const sampled = programs[i];
      if (sampled === undefined) continue;
      const p = asRun(opts, sampled);
      const first: ProgramResult = await h.run(p);
      s.programs++;
      s.syscalls += first.results.length;
      if (p.ops.some((o, j) => o.op === 'pwritev2' && (first.results[j]?.ret ?? 0) > 0 && first.results[j]?.errno === null)) s.withWrite++;
      const cls = programClass(p);
      const cc = s.classes.get(cls) ?? { programs: 0, unmodelled: 0 };
      cc.programs++;
      s.classes.set(cls, cc);
      for (const x of first.results) {
        const k = `${x.op} ${x.errno ?? 'ok'}`;
        s.outcomes.set(k, (s.outcomes.get(k) ?? 0) + 1);
      }
      if (opts.record !== undefined) records.push(JSON.stringify({ fs, index: i, program: p.ops, results: first.results }));
      if (oracle === undefined) continue;
      const ts = performance.now();
      const { judgement: j, kernel: r, reruns } = await judgeRun(run, oracle, fs, p, first);
      s.specMs += performance.now() - ts;
      if (reruns > 0) s.reruns++;
      if (j.kind !== 'unmodelled') {
        s.dataChecked += j.verdict.dataChecked;
        s.writtenDataChecked += j.verdict.writtenDataChecked;
      }
      if (j.kind === 'agree') {
        s.agreements = (s.agreements ?? 0) + 1;
        for (const a of j.timing) s.timing.set(a, (s.timing.get(a) ?? 0) + 1);
        continue;
      }
      if (j.kind === 'unmodelled') {
        s.unmodelled.set(j.reason, (s.unmodelled.get(j.reason) ?? 0) + 1);
        cc.unmodelled++;
        continue;
      }
      s.disagreements = (s.disagreements ?? 0) + 1;
      const gap = knownGap(fs, p, j.disagreement, r);
      if (gap !== undefined) s.knownGaps.set(gap.id, (s.knownGaps.get(gap.id) ?? 0) + 1);
      if (opts.disagreements !== undefined) disagreements.push(JSON.stringify({ fs, index: i, gap: gap?.id ?? null, program: show(p).split('\n'), kernel: r.results.map((x) => (x.errno ?? x.ret) + (x.blocks === undefined ? '' : ` [${x.blocks.join(' ')}]`)), disagreement: j.disagreement }));
      const sig = signature(p, j.disagreement);
      // One example per signature and gap: an unexplained disagreement is never hidden behind a known one.
      const key = `${sig} #${gap?.id ?? 'unexplained'}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const c: Counterexample = { index: i, signature: sig, program: p, kernel: r, disagreement: j.disagreement };
      if (gap !== undefined) c.gap = gap.id;
      s.counterexamples.push(c);
    }
    if (oracle !== undefined && opts.shrink) {
      // Unexplained disagreements first, then one example per known gap.
      const gapsSeen = new Set<string>();
      const firstOfGap = (c: Counterexample): boolean => {
        if (c.gap === undefined || gapsSeen.has(c.gap)) return false;
        gapsSeen.add(c.gap);
        return true;
      };
      const order = [...s.counterexamples.filter((c) => c.gap === undefined), ...(opts.shrinkKnownGaps === false ? [] : s.counterexamples.filter(firstOfGap))];
      for (const c of order.slice(0, opts.maxShrink)) {
        log(`shrinking ${fs} program #${c.index}: ${c.signature}`);
        const m = await shrink(h, oracle, fs, opts, c);
        if (m !== undefined) c.shrunk = m;
      }
    }
    s.ms = performance.now() - t0;
    await h.end();
    out.push(s);
    log(`${fs}: ${s.programs} programs in ${(s.ms / 1000).toFixed(1)} s`);
  }
  if (opts.record !== undefined) log(`recorded to ${writeBuildFile(opts.record, records.join('\n') + '\n')}`);
  if (opts.disagreements !== undefined) log(`disagreements written to ${writeBuildFile(opts.disagreements, disagreements.join('\n') + '\n')}`);
  return out;
}

export async function main(argv: string[]): Promise<number> {
  let opts: CampaignOptions;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message !== '') console.error(`conform: ${e.message}`);
      console.error(USAGE);
      return e.message === '' ? 0 : 2;
    }
    throw e;
  }
  const loaded = loadSpecOracle();
  const oracle = loaded.ok ? loaded.oracle : undefined;
  if (!loaded.ok) console.log(`note: ${loaded.reason}`);
  console.log(`conform: ${opts.runs} programs per file system on ${opts.fs.join(', ')}, seed ${opts.seed}, at most ${opts.maxOps} ops after the open(s)`);
  const r = await withLab(opts.fs, (lab) => runCampaign(lab, opts, oracle, (s) => console.log(s)));
  if ('skipped' in r) {
    console.log(`SKIP conformance campaign: ${r.skipped}`);
    return 0;
  }
  console.log(formatTable(r.value));
  if (oracle !== undefined) console.log(`\nNot modelled per class of program:\n${formatClasses(r.value)}`);
  for (const s of r.value) {
    if (s.reruns > 0) console.log(`${s.fs}: ${s.reruns} programs ran ${TIMED_RUNS} times (the spec offered a timing allowance)`);
    for (const [a, n] of s.timing) console.log(`${s.fs}: ${n} agreements had a run that needed timing allowance ${a}`);
    for (const [why, n] of s.unmodelled) console.log(`${s.fs}: ${n} programs not expressible in the spec: ${why}`);
    console.log(`${s.fs} kernel outcomes: ${[...s.outcomes].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  const ces = formatCounterexamples(r.value);
  if (ces !== '') console.log(`\nDisagreements (one per signature, minimal programs):\n${ces}`);
  for (const s of r.value) for (const [g, n] of s.knownGaps) console.log(`${s.fs}: ${n} disagreements are known gap ${g}`);
  return r.value.some((s) => unexplained(s) > 0) ? 1 : 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exitCode = 1;
    },
  );
}
