/**
 * The conformance campaign's options: what `npm run conform -- [campaign options]` accepts
 * (parseArgs, USAGE), the defaults, and what follows from them: the program generator
 * (campaignArb) and a program as the helper runs it (asRun).
 */
import { FS_KINDS } from './harness.ts';
import type { FsKind } from './harness.ts';
import { programArb } from './generate.ts';
import type { Vocabulary } from './generate.ts';
import { withFreshTimes } from './program.ts';
import type { Program } from './program.ts';
import { flags } from './flags.ts';

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

/** The program as the helper runs it (fresh timestamps for RWF_NOWAIT writes unless turned off). */
export function asRun(opts: CampaignOptions, p: Program): Program {
  return opts.freshTimes === false ? p : withFreshTimes(p);
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

export const USAGE = 'usage: npm run conform -- [--runs N] [--fs xfs,ext4] [--seed S] [--max-ops K] [--no-shrink] [--max-shrink M] [--record FILE] [--disagreements FILE] [--vocabulary spec|full] [--programs mixed|data|edge|names|mmap] [--no-fresh-times] [--mincore | --no-mincore]';
