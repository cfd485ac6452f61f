/**
 * The conformance campaign: random programs on real XFS and ext4, each compared with the
 * outcomes the spec allows; every disagreement shrunk to a minimal program.
 *
 *   npm run conform -- [--runs N] [--fs xfs,ext4] [--seed S] [--max-ops K] [--no-shrink]
 *                      [--max-shrink M] [--record FILE] [--vocabulary spec|full]
 *
 * Prints a summary table (file system, programs, syscalls, agreements, disagreements,
 * time). Exit status: 0 when every disagreement is a documented known gap (or the machine
 * cannot run the harness: a SKIP line says why), 1 when some disagreement is unexplained,
 * 2 on a usage error.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { FS_KINDS, startHelper, withLab, writeBuildFile } from './harness.ts';
import type { FsKind, HelperProcess, Lab } from './harness.ts';
import { programArb } from './generate.ts';
import type { Vocabulary } from './generate.ts';
import { allowancesApply, compare, loadSpecOracle } from './oracle.ts';
import type { Disagreement, Oracle, Verdict } from './oracle.ts';
import { show, withFreshTimes } from './program.ts';
import { knownGap } from './known-gaps.ts';
import { flags } from './flags.ts';
import type { Program, ProgramResult } from './program.ts';

export interface CampaignOptions {
  runs: number;
  fs: FsKind[];
  seed: number;
  maxOps: number;
  shrink: boolean;
  /** At most this many disagreements (distinct by signature) are shrunk per file system. */
  maxShrink: number;
  /** Also shrink one example of each known gap (after the unexplained ones). Default true. */
  shrinkKnownGaps?: boolean;
  /** Write every program and the kernel's results (JSON lines) here, under conform/build/. */
  record?: string;
  /** Which programs: 'spec' (what the spec can express; the default when comparing) or 'full'. */
  vocabulary?: Vocabulary;
  /** Run RWF_NOWAIT writes with fresh timestamps (program.ts withFreshTimes). Default true. */
  freshTimes?: boolean;
  /** Which programs: data and edge programs mixed (the default), or one kind only (generate.ts). */
  kind?: 'mixed' | 'data' | 'edge' | 'names' | 'mmap';
  /** Write every disagreement (JSON lines: fs, index, gap, program, kernel results, disagreement) here, under conform/build/. */
  disagreements?: string;
  /** Programs also ask mincore (page residency: which folios are cached, RWF_DONTCACHE drops). On in DEFAULTS since issue 8i; --no-mincore turns it off. */
  mincore?: boolean;
}

/** The generator a campaign uses (the shrinker must use the same one). */
export function campaignArb(opts: CampaignOptions, comparing: boolean): ReturnType<typeof programArb> {
  return programArb({ maxOps: opts.maxOps, vocabulary: opts.vocabulary ?? (comparing ? 'spec' : 'full'), kind: opts.kind ?? 'mixed', ...(opts.mincore === true ? { mincore: true } : {}) });
}

export const DEFAULTS: CampaignOptions = { runs: 20_000, fs: [...FS_KINDS], seed: 20251121, maxOps: 6, shrink: true, maxShrink: 10, mincore: true };

export interface Counterexample {
  index: number;
  signature: string;
  /** The known gap (proofs-notes/conformance.md) this disagreement falls under, if any. */
  gap?: string;
  program: Program;
  kernel: ProgramResult;
  disagreement: Disagreement;
  /** The shrunk program and its disagreement, when shrinking ran. */
  shrunk?: { program: Program; disagreement: Disagreement };
}

/** Per class of program (programClass): how many ran, how many the spec could not explore. */
export interface ClassCount {
  programs: number;
  unmodelled: number;
}

export interface FsSummary {
  fs: FsKind;
  programs: number;
  syscalls: number;
  /** Programs in which at least one write succeeded on the kernel. */
  withWrite: number;
  /** Syscalls of compared programs whose read data was compared, before any disagreement. */
  dataChecked: number;
  /** Of those, reads that returned some write's data (not only zeros). */
  writtenDataChecked: number;
  /** Agreements where some run of the program needed a timing allowance and another did not, by allowance id (included in `agreements`). */
  timing: Map<string, number>;
  /** Programs run TIMED_RUNS times because the spec offered a timing allowance for them. */
  reruns: number;
  /** Programs and not-modelled programs per class (programClass). */
  classes: Map<string, ClassCount>;
  /** Programs whose every syscall was within the spec's allowed outcomes (undefined in record-only mode). */
  agreements: number | undefined;
  disagreements: number | undefined;
  ms: number;
  /** Disagreements that are documented known gaps, by gap id (included in `disagreements`). */
  knownGaps: Map<string, number>;
  /** Time spent in the spec (allowed outcomes + comparison). */
  specMs: number;
  /** Programs the spec cannot express, by reason (none with --vocabulary spec). */
  unmodelled: Map<string, number>;
  /** Kernel outcomes per syscall kind and errno, e.g. "pwritev2 EINVAL" -> 123. */
  outcomes: Map<string, number>;
  counterexamples: Counterexample[];
}

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

/**
 * A program's class for the "not modelled" breakdown: the 4 KiB blocks its buffered and
 * its direct writes span in all (the spec takes a step per buffered block written back
 * and per request, so these decide how far its exploration goes).
 */
export function programClass(p: Program): string {
  const opens = p.ops.filter((o) => o.op === 'open');
  let buffered = 0;
  let direct = 0;
  for (const o of p.ops) {
    if (o.op !== 'pwritev2') continue;
    const len = o.segs.reduce((a, b) => a + b, 0);
    const blocks = Math.ceil((o.off + len) / 4096) - Math.floor(o.off / 4096);
    const f = opens[o.fd];
    if (f !== undefined && f.op === 'open' && f.direct) direct += blocks;
    else buffered += blocks;
  }
  const bucket = (n: number): string => (n === 0 ? '0' : n <= 2 ? '1-2' : n <= 8 ? '3-8' : n <= 32 ? '9-32' : '>32');
  return `buffered ${bucket(buffered)}, direct ${bucket(direct)}`;
}

/** What kind of disagreement this is: the syscall, its fd kind and flags, the two answers (counts and data elided). */
function signature(p: Program, d: Disagreement): string {
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

/** The program as the helper runs it (fresh timestamps for RWF_NOWAIT writes unless turned off). */
export function asRun(opts: CampaignOptions, p: Program): Program {
  return opts.freshTimes === false ? p : withFreshTimes(p);
}

async function shrink(h: HelperProcess, oracle: Oracle, fs: FsKind, opts: CampaignOptions, c: Counterexample): Promise<{ program: Program; disagreement: Disagreement } | undefined> {
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

export function emptySummary(fs: FsKind, comparing: boolean): FsSummary {
  return {
    fs,
    programs: 0,
    syscalls: 0,
    withWrite: 0,
    dataChecked: 0,
    writtenDataChecked: 0,
    timing: new Map(),
    reruns: 0,
    classes: new Map(),
    agreements: comparing ? 0 : undefined,
    disagreements: comparing ? 0 : undefined,
    ms: 0,
    specMs: 0,
    knownGaps: new Map(),
    unmodelled: new Map(),
    outcomes: new Map(),
    counterexamples: [],
  };
}

/** Disagreements that are not documented known gaps. */
export function unexplained(s: FsSummary): number {
  return (s.disagreements ?? 0) - [...s.knownGaps.values()].reduce((a, b) => a + b, 0);
}

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

export function formatTable(rows: FsSummary[]): string {
  const head = ['file system', 'programs', 'with a write', 'syscalls', 'checked on data', 'on written data', 'agreements', 'of which timing', 'disagreements', 'of which known gaps', 'not modelled', 'time', 'of which spec'];
  const na = (n: number | undefined): string => (n === undefined ? 'n/a' : String(n));
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const body = rows.map((r) => {
    const compared = r.agreements !== undefined;
    const c = (v: number): string => (compared ? String(v) : 'n/a');
    return [r.fs, String(r.programs), String(r.withWrite), String(r.syscalls), c(r.dataChecked), c(r.writtenDataChecked), na(r.agreements), c(sum(r.timing)), na(r.disagreements), c(sum(r.knownGaps)), c(sum(r.unmodelled)), `${(r.ms / 1000).toFixed(1)} s`, compared ? `${(r.specMs / 1000).toFixed(1)} s` : 'n/a'];
  });
  return table(head, body);
}

/** Programs and "not modelled" per class of program, classes with any program not modelled first. */
export function formatClasses(rows: FsSummary[]): string {
  const head = ['file system', 'class (blocks written)', 'programs', 'not modelled', 'share'];
  const row = (fs: string, k: string, c: ClassCount): string[] => [fs, k, String(c.programs), String(c.unmodelled), `${((100 * c.unmodelled) / Math.max(1, c.programs)).toFixed(1)}%`];
  const body = rows.flatMap((r) => {
    const cls = [...r.classes].sort(([a, x], [b, y]) => y.unmodelled / y.programs - x.unmodelled / x.programs || (a < b ? -1 : 1));
    const rest = cls.filter(([, c]) => c.unmodelled === 0).reduce((a, [, c]) => ({ programs: a.programs + c.programs, unmodelled: 0 }), { programs: 0, unmodelled: 0 });
    const total = cls.reduce((a, [, c]) => ({ programs: a.programs + c.programs, unmodelled: a.unmodelled + c.unmodelled }), { programs: 0, unmodelled: 0 });
    return [...cls.filter(([, c]) => c.unmodelled > 0).map(([k, c]) => row(r.fs, k, c)), row(r.fs, 'every other class', rest), row(r.fs, 'all', total)];
  });
  return table(head, body);
}

export function formatCounterexamples(rows: FsSummary[]): string {
  const parts: string[] = [];
  for (const r of rows) {
    for (const c of r.counterexamples) {
      const m = c.shrunk ?? { program: c.program, disagreement: c.disagreement };
      parts.push(
        [
          `--- ${r.fs}: ${c.signature}${c.gap === undefined ? ' [UNEXPLAINED]' : ` [known gap ${c.gap}]`}${c.shrunk === undefined ? ' (not shrunk)' : ' (shrunk)'}`,
          show(m.program),
          `op ${m.disagreement.op}: kernel ${m.disagreement.kernel}; spec allows ${m.disagreement.allowed.join(' | ') || 'nothing'}`,
        ].join('\n'),
      );
    }
  }
  return parts.join('\n');
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): CampaignOptions {
  const o: CampaignOptions = { ...DEFAULTS, fs: [...DEFAULTS.fs] };
  for (const { flag, arg: a, value, int } of flags(argv, 0, UsageError)) {
    switch (flag) {
      case '--runs':
        o.runs = int(1);
        break;
      case '--seed':
        o.seed = int(0);
        break;
      case '--max-ops':
        o.maxOps = int(1);
        break;
      case '--max-shrink':
        o.maxShrink = int(0);
        break;
      case '--vocabulary': {
        const v = value();
        if (v !== 'spec' && v !== 'full') throw new UsageError(`--vocabulary takes spec or full, got ${JSON.stringify(v ?? '')}`);
        o.vocabulary = v;
        break;
      }
      case '--programs': {
        const v = value();
        if (v !== 'mixed' && v !== 'data' && v !== 'edge' && v !== 'names' && v !== 'mmap') throw new UsageError(`--programs takes mixed, data, edge, names or mmap, got ${JSON.stringify(v ?? '')}`);
        o.kind = v;
        break;
      }
      case '--no-fresh-times':
        o.freshTimes = false;
        break;
      case '--mincore':
        o.mincore = true;
        break;
      case '--no-mincore':
        o.mincore = false;
        break;
      case '--no-shrink':
        o.shrink = false;
        break;
      case '--record':
      case '--disagreements': {
        const v = value();
        if (v === undefined || v === '' || v.includes('/')) throw new UsageError(`${flag} needs a file name (written under conform/build/)`);
        if (flag === '--record') o.record = v;
        else o.disagreements = v;
        break;
      }
      case '--fs': {
        const v = value() ?? '';
        const kinds = v.split(',').filter((x) => x !== '');
        const bad = kinds.filter((k) => !FS_KINDS.includes(k as FsKind));
        if (kinds.length === 0 || bad.length > 0) throw new UsageError(`--fs takes a comma-separated list of ${FS_KINDS.join(', ')}; got ${JSON.stringify(v)}`);
        o.fs = FS_KINDS.filter((k) => kinds.includes(k));
        break;
      }
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown option ${JSON.stringify(a)}`);
    }
  }
  return o;
}

const USAGE = 'usage: npm run conform -- [--runs N] [--fs xfs,ext4] [--seed S] [--max-ops K] [--no-shrink] [--max-shrink M] [--record FILE] [--disagreements FILE] [--vocabulary spec|full] [--programs mixed|data|edge|names|mmap] [--no-fresh-times] [--mincore | --no-mincore]';

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
