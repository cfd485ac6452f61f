/**
 * Repeatability of the kernel's answers: the same programs (seed) run several times —
 * on fresh labs, several passes each — and every program whose answers were not the same
 * each time is listed. No spec involved. This is how the source of the campaign's
 * run-to-run variation was found (proofs-notes/conformance.md, "Timing and
 * reproducibility"):
 *
 *   node --import tsx conform/repeat.ts --runs 1000 --fs xfs --programs edge [--no-fresh-times]
 *
 * Exit status 0 (differences are reported, not failures), 2 on a usage error.
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { FS_KINDS, startHelper, withLab } from './harness.ts';
import type { FsKind } from './harness.ts';
import { programArb } from './generate.ts';
import { show, withFreshTimes } from './program.ts';
import type { Program, ProgramResult } from './program.ts';

export interface RepeatOptions {
  runs: number;
  fs: FsKind;
  seed: number;
  kind: 'mixed' | 'data' | 'edge';
  labs: number;
  passes: number;
  freshTimes: boolean;
}

export class UsageError extends Error {}

export function parseRepeatArgs(argv: string[]): RepeatOptions {
  const o: RepeatOptions = { runs: 1000, fs: 'xfs', seed: 20251121, kind: 'mixed', labs: 2, passes: 2, freshTimes: true };
  const int = (flag: string, v: string | undefined): number => {
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs an integer >= 1, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const v = (): string | undefined => argv[++i];
    switch (a) {
      case '--runs':
        o.runs = int(a, v());
        break;
      case '--seed':
        o.seed = int(a, v());
        break;
      case '--labs':
        o.labs = int(a, v());
        break;
      case '--passes':
        o.passes = int(a, v());
        break;
      case '--fs': {
        const x = v();
        if (!FS_KINDS.includes(x as FsKind)) throw new UsageError(`--fs takes one of ${FS_KINDS.join(', ')}, got ${JSON.stringify(x ?? '')}`);
        o.fs = x as FsKind;
        break;
      }
      case '--programs': {
        const x = v();
        if (x !== 'mixed' && x !== 'data' && x !== 'edge') throw new UsageError(`--programs takes mixed, data or edge, got ${JSON.stringify(x ?? '')}`);
        o.kind = x;
        break;
      }
      case '--no-fresh-times':
        o.freshTimes = false;
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(a)}`);
    }
  }
  return o;
}

/** One program's answers as comparable text (return values, errnos, read tokens). */
export function answers(r: ProgramResult): string[] {
  return r.results.map((x) => `${x.errno ?? x.ret}${x.blocks === undefined ? '' : `[${x.blocks.join(' ')}]`}`);
}

/** Indexes of the programs whose answers differ between runs (runs[k][i] = program i's answers in run k). */
export function differing(runs: string[][][]): number[] {
  const n = Math.max(0, ...runs.map((r) => r.length));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (new Set(runs.map((r) => JSON.stringify(r[i] ?? null))).size > 1) out.push(i);
  return out;
}

export async function repeat(o: RepeatOptions, log: (s: string) => void): Promise<number> {
  const programs: Program[] = fc.sample(programArb({ kind: o.kind, vocabulary: 'spec' }), { seed: o.seed, numRuns: o.runs }).map((p) => (o.freshTimes ? withFreshTimes(p) : p));
  const runs: string[][][] = [];
  for (let lab = 0; lab < o.labs; lab++) {
    const r = await withLab([o.fs], async (l) => {
      for (let pass = 0; pass < o.passes; pass++) {
        const h = startHelper(l, o.fs);
        const out: string[][] = [];
        for (const p of programs) out.push(answers(await h.run(p)));
        await h.end();
        runs.push(out);
      }
    });
    if ('skipped' in r) {
      log(`SKIP: ${r.skipped}`);
      return 0;
    }
  }
  const diff = differing(runs);
  for (const i of diff) {
    log(`#${i}\n${show(programs[i] ?? { ops: [] })}`);
    runs.forEach((r, k) => log(`  run ${k}: ${(r[i] ?? []).join(' | ')}`));
  }
  log(`${diff.length} of ${programs.length} programs answered differently across ${runs.length} runs (${o.labs} labs x ${o.passes} passes), ${o.fs}, ${o.kind} programs, fresh timestamps ${o.freshTimes ? 'on' : 'off'}`);
  return 0;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  let opts: RepeatOptions | undefined;
  try {
    opts = parseRepeatArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`repeat: ${e.message}\nusage: node --import tsx conform/repeat.ts [--runs N] [--fs xfs|ext4] [--seed S] [--programs mixed|data|edge] [--labs L] [--passes P] [--no-fresh-times]`);
    process.exitCode = 2;
  }
  if (opts !== undefined) {
    repeat(opts, (s) => console.log(s)).then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        console.error(e instanceof Error ? e.message : String(e));
        process.exitCode = 1;
      },
    );
  }
}
