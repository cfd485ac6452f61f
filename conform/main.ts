/**
 * `npm run conform` entry point:
 *   npm run conform -- [campaign options]        single-task random programs (campaign.ts)
 *   npm run conform -- --concurrent [options]    multi-task programs, many runs each
 *   npm run conform -- --crash [options]         crash states from a recording device
 *   npm run conform -- --fuse [options]          FUSE programs on our own FUSE server (fuse/main.ts)
 *
 * Exit status: 0 when nothing disagrees with the spec (or the machine cannot run it: a
 * SKIP line says why), 1 on a disagreement, 2 on a usage error.
 */
import { fileURLToPath } from 'node:url';
import { main as campaignMain } from './campaign.ts';
import { flags, intArg } from './flags.ts';
import { FS_KINDS, withLab } from './harness.ts';
import type { FsKind } from './harness.ts';
import { PROGRAMS } from './concurrent/programs.ts';
import { countWhere, formatDetails, formatRows, runPrograms, torn } from './concurrent/run.ts';
import { CRASH_PROGRAMS } from './crash/programs.ts';
import { formatCrashDetails, formatCrashRows, runCrash } from './crash/run.ts';
import { CRASH_DEFAULTS } from './crash/states.ts';
import { formatShutdownRows, runShutdown } from './crash/shutdown.ts';
import type { MultiProgram } from './concurrent/program.ts';
import { FUSE_USAGE, fuseMain } from './fuse/main.ts';

export class UsageError extends Error {}

export interface ModeOptions {
  mode: 'concurrent' | 'crash';
  runs: number;
  requestKiB: number[];
  fs: FsKind[];
  programs: string[];
  shrinkTries: number;
  maxStates: number;
  shutdown: boolean;
}

const USAGE = [
  'usage: npm run conform -- --concurrent [--runs N] [--request-kib 4,1280] [--fs xfs,ext4] [--program NAME,..] [--shrink-tries K]',
  '       npm run conform -- --crash [--max-states N] [--request-kib K] [--fs xfs,ext4] [--program NAME,..] [--no-shutdown]',
  '       npm run conform -- [campaign options: --help]',
  `       ${FUSE_USAGE.replace(/^usage: /, '')}`,
].join('\n');

export function parseModeArgs(argv: readonly string[]): ModeOptions {
  const mode = argv[0] === '--concurrent' ? 'concurrent' : 'crash';
  const o: ModeOptions = { mode, runs: mode === 'concurrent' ? 2000 : 0, requestKiB: mode === 'concurrent' ? [4, 1280] : [4], fs: [...FS_KINDS], programs: [], shrinkTries: 200, maxStates: 400, shutdown: true };
  const list = (flag: string, v: string | undefined): string[] => {
    const xs = (v ?? '').split(',').filter((x) => x !== '');
    if (xs.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
    return xs;
  };
  for (const { flag, arg: a, value, int } of flags(argv, 1, UsageError)) {
    switch (flag) {
      case '--runs':
        o.runs = int(1);
        break;
      case '--max-states':
        o.maxStates = int(1);
        break;
      case '--shrink-tries':
        o.shrinkTries = int(0);
        break;
      case '--request-kib':
        o.requestKiB = list('--request-kib', value()).map((x) => intArg('--request-kib', x, 4, UsageError));
        break;
      case '--fs': {
        const kinds = list('--fs', value());
        const bad = kinds.filter((k) => !FS_KINDS.includes(k as FsKind));
        if (bad.length > 0) throw new UsageError(`--fs takes ${FS_KINDS.join(', ')}; got ${JSON.stringify(bad.join(','))}`);
        o.fs = FS_KINDS.filter((k) => kinds.includes(k));
        break;
      }
      case '--program': {
        o.programs = list('--program', value());
        const known = new Set([...(o.mode === 'concurrent' ? PROGRAMS : CRASH_PROGRAMS)].map((p) => p.name));
        const bad = o.programs.filter((p) => !known.has(p));
        if (bad.length > 0) throw new UsageError(`unknown ${o.mode} program ${JSON.stringify(bad.join(','))}; known: ${[...known].join(', ')}`);
        break;
      }
      case '--no-shutdown':
        o.shutdown = false;
        break;
      default:
        throw new UsageError(`unknown ${o.mode} option ${JSON.stringify(a)}`);
    }
  }
  if (o.mode === 'crash' && o.requestKiB.length !== 1) throw new UsageError('--crash takes one --request-kib');
  return o;
}

function pick(all: readonly MultiProgram[], o: ModeOptions): MultiProgram[] {
  return all.filter((p) => o.fs.includes(p.fs) && (o.programs.length === 0 || o.programs.includes(p.name)));
}

async function concurrent(o: ModeOptions): Promise<number> {
  const programs = pick(PROGRAMS, o);
  console.log(`conform --concurrent: ${programs.length} programs × max_sectors_kb ${o.requestKiB.join(', ')}, ${o.runs} runs each`);
  const r = await withLab(o.fs, (lab) => runPrograms(lab, programs, { runs: o.runs, requestKiB: o.requestKiB, shrinkTries: o.shrinkTries }, (s) => console.log(s)));
  if ('skipped' in r) {
    console.log(`SKIP concurrent conformance: ${r.skipped}`);
    return 0;
  }
  console.log(formatRows(r.value));
  console.log(`\n${formatDetails(r.value)}`);
  for (const row of r.value.filter((x) => x.program === 'xfs-sw-atomic-vs-atomic')) console.log(`xfs-sw-atomic tear at max_sectors_kb=${row.requestKiB}: ${countWhere(row, torn)} of ${row.runs} runs`);
  return r.value.some((x) => x.disagreements > 0) ? 1 : 0;
}

async function crash(o: ModeOptions): Promise<number> {
  const programs = pick(CRASH_PROGRAMS, o);
  console.log(`conform --crash: ${programs.length} programs, at most ${o.maxStates} crash states each, recording at max_sectors_kb ${o.requestKiB.join('')}`);
  const r = await runCrash(programs, { ...CRASH_DEFAULTS, maxStates: o.maxStates, requestKiB: o.requestKiB[0] ?? 4 }, (s) => console.log(s));
  for (const s of r.skipped) console.log(`SKIP crash conformance on ${s}`);
  let bad = r.rows.some((x) => x.disagreements > 0);
  if (r.rows.length > 0) console.log(`${formatCrashRows(r.rows)}\n\n${formatCrashDetails(r.rows)}`);
  if (o.shutdown) {
    const s = await runShutdown(programs.filter((p) => p.tasks.length === 1), (x) => console.log(x));
    for (const k of s.skipped) console.log(`SKIP shutdown crash states on ${k}`);
    if (s.rows.length > 0) console.log(`\nShutdown (XFS_IOC_GOINGDOWN / EXT4_IOC_SHUTDOWN, no log flush) after each syscall:\n${formatShutdownRows(s.rows)}`);
    bad ||= s.rows.some((x) => x.disagreements > 0);
  }
  return bad ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--fuse') return fuseMain(argv.slice(1));
  if (argv[0] !== '--concurrent' && argv[0] !== '--crash') return campaignMain(argv);
  let o: ModeOptions;
  try {
    o = parseModeArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`conform: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  return o.mode === 'concurrent' ? concurrent(o) : crash(o);
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
