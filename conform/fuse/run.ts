/**
 * The FUSE conformance campaign: random single-task programs (generate.ts) run on our FUSE
 * server in each mode (lab.ts), each judged by the spec (oracle.ts). A disagreement that
 * is not a known gap (known-gaps.ts) is shrunk with fast-check, running each candidate on
 * the real mount again, to a minimal program showing the same kind of disagreement.
 */
import fc from 'fast-check';
import type { Knobs } from '../../spec/index.ts';
import { fuseProgramArb } from './generate.ts';
import { fuseKnownGap } from './known-gaps.ts';
import { closeFuseLab, openFuseLab, runFuseProgram, type FuseLab } from './lab.ts';
import { judgeFuse, type FuseDisagreement } from './oracle.ts';
import { FUSE_MODES, showFuseProgram, type FuseMode, type FuseProgram, type FuseRun } from './program.ts';

export interface FuseCampaignOptions {
  runs: number;
  seed: number;
  modes: FuseMode[];
  /** Shrink an unexplained disagreement (default true). */
  shrink: boolean;
  /** Knobs other than fuseMode given to the spec (tests break the spec through them). */
  knobs?: Partial<Knobs>;
}

export const FUSE_DEFAULTS: FuseCampaignOptions = { runs: 200, seed: 9, modes: [...FUSE_MODES], shrink: true };

export interface FuseFinding {
  program: FuseProgram;
  disagreement: FuseDisagreement;
  /** The minimal program fast-check shrank it to, with its own disagreement. */
  minimal?: { program: FuseProgram; disagreement: FuseDisagreement };
}

export interface FuseSummary {
  mode: FuseMode;
  programs: number;
  agreed: number;
  unmodelled: Map<string, number>;
  gaps: Map<string, number>;
  findings: FuseFinding[];
  /**
   * Programs that disagreed and then agreed when run again: something outside the program
   * changed the page cache (memory-pressure reclaim, or another lab's drop_caches on this
   * machine). Reported, not counted as disagreements.
   */
  unstable: FuseFinding[];
  /** Ops compared (syscalls and observations), and requests the server logged. */
  ops: number;
  requests: Map<string, number>;
  ms: number;
}

export type FuseJudgement = { kind: 'agree' } | { kind: 'unmodelled'; reason: string } | { kind: 'gap'; id: string } | { kind: 'disagree'; disagreement: FuseDisagreement };

export function judgeRun(p: FuseProgram, k: FuseRun, knobs?: Partial<Knobs>): FuseJudgement {
  const v = judgeFuse(p, k, knobs === undefined ? {} : { knobs });
  if ('unmodelled' in v) return { kind: 'unmodelled', reason: v.unmodelled };
  if (v.agreed) return { kind: 'agree' };
  const g = fuseKnownGap({ program: p, kernel: k, disagreement: v.disagreement });
  return g === undefined ? { kind: 'disagree', disagreement: v.disagreement } : { kind: 'gap', id: g.id };
}

/** What a shrunk program must keep: the op kind and what was compared there. */
function shrinkKey(p: FuseProgram, d: FuseDisagreement): string {
  return `${p.ops[d.op]?.op ?? '?'} ${d.what}`;
}

async function shrink(lab: FuseLab, opts: FuseCampaignOptions, index: number, f: FuseFinding): Promise<FuseFinding['minimal']> {
  const key = shrinkKey(f.program, f.disagreement);
  const prop = fc.asyncProperty(fuseProgramArb(lab.mode), async (p) => {
    const j = judgeRun(p, await runFuseProgram(lab, p), opts.knobs);
    return !(j.kind === 'disagree' && shrinkKey(p, j.disagreement) === key);
  });
  const out = await fc.check(prop, { seed: opts.seed, path: String(index), numRuns: opts.runs });
  const ce = out.counterexample?.[0];
  if (ce === undefined) return undefined;
  const j = judgeRun(ce, await runFuseProgram(lab, ce), opts.knobs);
  return j.kind === 'disagree' ? { program: ce, disagreement: j.disagreement } : undefined;
}

export async function runFuseMode(lab: FuseLab, opts: FuseCampaignOptions, log: (s: string) => void = () => undefined): Promise<FuseSummary> {
  const t0 = performance.now();
  const s: FuseSummary = { mode: lab.mode, programs: 0, agreed: 0, unmodelled: new Map(), gaps: new Map(), findings: [], unstable: [], ops: 0, requests: new Map(), ms: 0 };
  const programs = fc.sample(fuseProgramArb(lab.mode), { seed: opts.seed, numRuns: opts.runs });
  const kinds = new Set<string>();
  for (let i = 0; i < programs.length; i++) {
    const p = programs[i];
    if (p === undefined) continue;
    const k = await runFuseProgram(lab, p);
    s.programs++;
    s.ops += k.results.length;
    for (const r of k.log) s.requests.set(r.opcode, (s.requests.get(r.opcode) ?? 0) + 1);
    const j = judgeRun(p, k, opts.knobs);
    if (j.kind === 'agree') s.agreed++;
    else if (j.kind === 'unmodelled') s.unmodelled.set(j.reason, (s.unmodelled.get(j.reason) ?? 0) + 1);
    else if (j.kind === 'gap') s.gaps.set(j.id, (s.gaps.get(j.id) ?? 0) + 1);
    else {
      const f: FuseFinding = { program: p, disagreement: j.disagreement };
      const again = judgeRun(p, await runFuseProgram(lab, p), opts.knobs);
      if (again.kind === 'agree') {
        s.unstable.push(f);
        continue;
      }
      const key = shrinkKey(p, j.disagreement);
      if (opts.shrink && !kinds.has(key)) {
        kinds.add(key);
        log(`${lab.mode}: program ${i} disagrees (${key}); shrinking on the mount`);
        f.minimal = await shrink(lab, opts, i, f);
      }
      s.findings.push(f);
    }
  }
  s.ms = performance.now() - t0;
  return s;
}

export type FuseCampaignResult = { ok: true; summaries: FuseSummary[] } | { ok: false; skip: string };

export async function runFuseCampaign(opts: FuseCampaignOptions, log: (s: string) => void = () => undefined): Promise<FuseCampaignResult> {
  const summaries: FuseSummary[] = [];
  for (const mode of opts.modes) {
    const l = await openFuseLab(mode);
    if (!l.ok) return { ok: false, skip: l.skip };
    try {
      summaries.push(await runFuseMode(l.lab, opts, log));
    } finally {
      closeFuseLab(l.lab);
    }
  }
  return { ok: true, summaries };
}

function showDisagreement(p: FuseProgram, d: FuseDisagreement): string {
  return `op ${d.op} (${p.ops[d.op]?.op ?? '?'}) ${d.what}: kernel ${d.kernel} / spec ${d.allowed.length === 0 ? '(none)' : d.allowed.join(' | ')}`;
}

export function formatFuseSummaries(ss: FuseSummary[]): string {
  const lines: string[] = [];
  for (const s of ss) {
    const req = [...s.requests.entries()].sort().map(([k, v]) => `${k} ${v}`).join(', ');
    lines.push(`FUSE ${s.mode}: ${s.programs} programs, ${s.ops} ops; agreed ${s.agreed}, known gaps ${[...s.gaps.values()].reduce((a, b) => a + b, 0)}, unmodelled ${[...s.unmodelled.values()].reduce((a, b) => a + b, 0)}, disagreements ${s.findings.length}, unstable ${s.unstable.length}; ${Math.round(s.ms)} ms`);
    lines.push(`  requests logged: ${req || 'none'}`);
    for (const f of s.unstable) lines.push(`  unstable (disagreed, then agreed on a rerun): ${showDisagreement(f.program, f.disagreement)} in ${showFuseProgram(f.program)}`);
    for (const [id, n] of s.gaps) lines.push(`  known gap ${id}: ${n}`);
    for (const [why, n] of s.unmodelled) lines.push(`  unmodelled (${n}): ${why}`);
    const shown = new Set<string>();
    for (const f of s.findings) {
      const m = f.minimal ?? { program: f.program, disagreement: f.disagreement };
      const key = showDisagreement(m.program, m.disagreement);
      if (shown.has(key)) continue;
      shown.add(key);
      lines.push(`  DISAGREE ${key}`);
      lines.push(`    ${f.minimal === undefined ? 'program' : 'minimal program'}: ${showFuseProgram(m.program)}`);
    }
  }
  return lines.join('\n');
}
