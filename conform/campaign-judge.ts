/**
 * Judging one campaign program: the kernel's results against what the spec allows (with
 * the timing allowances' reruns), the signature a disagreement is counted and shrunk by,
 * and the shrinker that looks for a smaller program with the same kind of disagreement.
 */
import fc from 'fast-check';
import type { FsKind, HelperProcess } from './harness.ts';
import { allowancesApply, compare } from './oracle.ts';
import type { Disagreement, Oracle, Verdict } from './oracle.ts';
import { knownGap } from './known-gaps.ts';
import type { Program, ProgramResult } from './program.ts';
import { asRun, campaignArb } from './campaign-options.ts';
import type { CampaignOptions } from './campaign-options.ts';
import type { Counterexample } from './campaign-report.ts';

export type Judgement =
  | { kind: 'agree'; verdict: Verdict; timing: string[] }
  | { kind: 'disagree'; disagreement: Disagreement; verdict: Verdict }
  | { kind: 'unmodelled'; reason: string };

/** How many times a program runs when the spec offered a timing allowance for it. */
export const TIMED_RUNS = 3;

const eagains = (r: ProgramResult): number => r.results.filter((x) => x.errno === 'EAGAIN').length;

/**
 * The kernel's results for p against what the spec allows.
 *
 * Where the spec offered a timing allowance (an answer that depends on the clock), the
 * program always runs TIMED_RUNS times in all (fresh file each time; always, so the
 * sequence of programs the file system sees depends on the seed only), and the run with
 * the fewest EAGAIN answers is judged: a timed refusal only adds an EAGAIN, and it rarely
 * comes back on every run, while a refusal with a reason the model lacks comes back on
 * each. The judged run agrees when it fits an outcome reachable without any allowance, or
 * one that needs an allowance only at answers where the allowance's condition held in
 * that run (TimingAllowance.applies, from the clock readings the helper reports); an
 * agreement where some run needed an allowance is counted per allowance. A disagreement
 * names the answers allowed at that op in that run (allowances whose condition did not
 * hold left out). Returns the judgement, the run it is about, and how many extra runs
 * were made.
 */
export async function judgeRun(run: (p: Program) => Promise<ProgramResult>, oracle: Oracle, fs: FsKind, p: Program, r: ProgramResult): Promise<{ judgement: Judgement; kernel: ProgramResult; reruns: number }> {
  const answer = oracle.answer(fs, p);
  if ('unmodelled' in answer) return { judgement: { kind: 'unmodelled', reason: answer.unmodelled }, kernel: r, reruns: 0 };
  const runs = [r];
  if (answer.allowances.length > 0) for (let i = 1; i < TIMED_RUNS; i++) runs.push(await run(p));
  const strictly = (x: ProgramResult): Verdict => compare(p, oracle.abstract(p, x), answer.strict);
  const allowing = (x: ProgramResult): Verdict => compare(p, oracle.abstract(p, x), answer.all, (i, ids) => allowancesApply(p, x, i, ids));
  const k = runs.reduce((best, x) => (eagains(x) < eagains(best) ? x : best));
  const strict = strictly(k);
  const v = strict.agreed ? strict : allowing(k);
  if (!v.agreed) return { judgement: { kind: 'disagree', disagreement: v.disagreement ?? { op: -1, kernel: '?', allowed: [] }, verdict: v }, kernel: k, reruns: runs.length - 1 };
  const timed = runs.some((x) => !strictly(x).agreed && allowing(x).agreed);
  return { judgement: { kind: 'agree', verdict: v, timing: timed ? answer.allowances : [] }, kernel: k, reruns: runs.length - 1 };
}

/** What kind of disagreement this is: the syscall, its fd kind and flags, the two answers (counts and data elided). */
export function signature(p: Program, d: Disagreement): string {
  const op = p.ops[d.op];
  const norm = (x: string): string => x.replace(/\[.*?\]/g, '[..]').replace(/ret \d+/g, 'ret n');
  let what: string = op?.op ?? '?';
  if (op !== undefined && op.op === 'pwritev2') {
    const opens = p.ops.filter((o) => o.op === 'open');
    const o = opens[op.fd];
    const direct = o !== undefined && o.op === 'open' && o.direct;
    what = `pwritev2 ${direct ? 'O_DIRECT' : 'buffered'} ${op.flags.length === 0 ? 'no flags' : [...op.flags].sort().join('|')}`;
  }
  return `${what}: kernel ${norm(d.kernel)} / spec ${[...new Set(d.allowed.map(norm))].join(' | ')}`;
}

/** What a shrunk program must keep: the same kind of disagreement, under the same known gap (or none). */
function shrinkKey(fs: FsKind, p: Program, d: Disagreement, k: ProgramResult): string {
  return `${signature(p, d)} #${knownGap(fs, p, d, k)?.id ?? 'unexplained'}`;
}

export async function shrink(h: HelperProcess, oracle: Oracle, fs: FsKind, opts: CampaignOptions, c: Counterexample): Promise<{ program: Program; disagreement: Disagreement } | undefined> {
  const arb = campaignArb(opts, true);
  const key = shrinkKey(fs, c.program, c.disagreement, c.kernel);
  const run = (p: Program): Promise<ProgramResult> => h.run(asRun(opts, p));
  const prop = fc.asyncProperty(arb, async (p) => {
    const q = asRun(opts, p);
    const { judgement: j, kernel } = await judgeRun(run, oracle, fs, q, await h.run(q));
    return !(j.kind === 'disagree' && shrinkKey(fs, p, j.disagreement, kernel) === key);
  });
  const out = await fc.check(prop, { seed: opts.seed, path: String(c.index), numRuns: opts.runs });
  const ce = out.counterexample?.[0];
  if (ce === undefined) return undefined;
  // Re-run the minimal program so the reported disagreement is its own.
  const q = asRun(opts, ce);
  const { judgement: j } = await judgeRun(run, oracle, fs, q, await h.run(q));
  return j.kind === 'disagree' ? { program: q, disagreement: j.disagreement } : undefined;
}
