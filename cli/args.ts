import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { TRACE_OPTIONS, TRACE_USAGE, parseExplain, parseReplay, traceOutputs, type ExplainArgs, type ReplayArgs, type TraceOutputs } from './args-trace.ts';

export const CHECK_USAGE = `usage: writepath check [SCENARIO...] [options]

Checks scenarios (default: every file under scenarios/). SCENARIO is a scenario file
(.ts, .mts, .js, in any directory), a directory of them, or a scenario's name.

options:
  --strategy bfs|dfs|random
                           search order (default bfs: shortest counterexamples); random: seeded
                           random walks for state spaces too large to exhaust
  --seed N                 seed of --strategy random (printed with every random result; replays it)
  --walks N                number of random walks (default 1,000, or until --time-limit)
  --shard I/N              swarm: run shard I of N with its own seed and depth bound (needs
                           --strategy random); combine the --json outputs with writepath merge
  --max-memory SIZE        end 'incomplete' with figures when memory nears SIZE (4G, 512M, ...)
  --no-por, --no-symmetry, --no-view
                           turn off partial-order / symmetry reduction / the state view
  --por                    partial-order reduction also where a model offers footprints only on
                           request (the spec's are on by default, with symmetry and the view)
  --bitstate N             approximate bitstate (supertrace) search in 2^N bits, 10 <= N <= 32
  --workers N              breadth-first search on N worker threads sharing one state table,
                           1 <= N <= 64 (bfs only; no partial-order reduction, no --bitstate)
  --max-states N           stop after N distinct states (result: incomplete); 1e6 is fine
  --max-depth N            do not expand states at depth N (result: incomplete if that cut anything)
  --time-limit SECONDS     stop after this many seconds (result: incomplete)
  --knob NAME=VARIANT      run the scenarios with a knob set to another variant (repeatable)
  --property NAME          check only these properties (repeatable)
  --all                    collect one violation per property instead of stopping at the first
  --progress               also look for non-progress cycles (SPIN's -l): a reachable loop of
                           unfinished states, e.g. a retry without bound, is a violation of
                           'progress' (a livelock), printed as the prefix then the cycle;
                           on by itself for a scenario that expects { violates: 'progress' }
  --paranoid               run the model sanity checks on every transition, not a sample
  --typecheck              type-check the scenario files first (tsc); errors as file:line:col
  --quiet                  no traces of expected violations, no coverage
  --json                   print one JSON document with every result on stdout
counterexamples:
${TRACE_USAGE}

Ctrl-C stops the search, prints the figures so far and exits 130.`;

export const USAGE = `usage:
  writepath check [SCENARIO...] [options]   check scenarios (default: every file under scenarios/)
  writepath list [--json]                   list the scenarios
  writepath merge FILE... [--json]          combine the --json results of swarm shards
  writepath replay FILE [options]           re-execute a trace file (--trace-out) against the current spec
  writepath explain SCENARIO                what a scenario checks: programs, knobs, properties, bound
  writepath help | --help                   this text
  writepath --version                       the version

SCENARIO is a scenario file, a directory of them, or a scenario's name.

options for check (writepath check --help says more):
  --strategy bfs|dfs|random
                         search order (default bfs: shortest counterexamples); random: seeded
                         random walks for state spaces too large to exhaust
  --seed N               seed of --strategy random (printed with every random result; replays it)
  --walks N              number of random walks (default 1,000, or until --time-limit)
  --shard I/N            swarm: run shard I of N (1 <= I <= N) with its own seed and depth bound
                         (needs --strategy random); combine the --json outputs with writepath merge
  --max-memory SIZE      end 'incomplete' with figures when memory nears SIZE (e.g. 4G, 512M;
                         default: half the machine's memory, and 85% of the JavaScript heap)
  --no-por               no partial-order reduction (on when a scenario's model gives footprints,
                         unless they are offered only on request; the spec's are not: on by
                         default, together with symmetry and the view)
  --por                  partial-order reduction also with footprints offered only on request
                         (Footprints.onRequest; no spec model uses it any more)
  --no-symmetry          no symmetry reduction (on when a scenario's model gives representative)
  --no-view              store states as they are, not by the model's canonical form (on when
                         the model gives canonical: the spec's ghost clock renumbered)
  --bitstate N           approximate bitstate (supertrace) search in 2^N bits (SPIN's -wN),
                         10 <= N <= 32; prints SPIN's hash factor and a coverage estimate
  --workers N            breadth-first search on N worker threads (1 <= N <= 64) sharing one
                         state table; the same verdicts and, complete, the same state counts
  --max-states N         stop after N distinct states (result: incomplete)
  --max-depth N          do not expand states at depth N (result: incomplete if that cut anything)
  --time-limit SECONDS   stop after this many seconds (result: incomplete)
  --knob NAME=VARIANT    run with a knob set to another variant (repeatable)
  --property NAME        check only these properties (repeatable)
  --all                  collect one violation per property instead of stopping at the first
  --progress             also report non-progress cycles (livelocks) as violations of 'progress'
  --paranoid             model sanity checks on every transition, not a sample
  --typecheck            type-check the scenario files first (needs typescript installed)
  --quiet                no traces of expected violations
  --json                 print one JSON document with every result on stdout
${TRACE_USAGE}

exit status: 0 every scenario met its expectation, 1 one did not, 2 usage error or a scenario
file that does not load (the others still run), 130 interrupted.

replay takes the counterexample options above (--verbose ... --repro); its exit status: 1 the
violation still occurs, 0 the trace replays and the property now holds, 2 the trace no longer
fits the spec (the message names the first step that differs) or the file is not a trace.`;

export interface CheckArgs {
  command: 'check';
  targets: string[];
  strategy?: 'bfs' | 'dfs' | 'random';
  seed?: number;
  walks?: number;
  shard?: { index: number; count: number };
  maxMemoryBytes?: number;
  bitstate?: number;
  /** --workers N: the parallel breadth-first search (checker/object-workers.ts). */
  workers?: number;
  noPor?: boolean;
  /** --por: also the footprints a model offers only on request (Footprints.onRequest). */
  por?: boolean;
  noSymmetry?: boolean;
  noView?: boolean;
  maxStates?: number;
  maxDepth?: number;
  timeLimitMs?: number;
  /** knob name → variant, from --knob NAME=VARIANT. */
  knobs: Record<string, string>;
  /** From --property NAME; undefined keeps each scenario's own. */
  properties?: string[];
  all: boolean;
  json: boolean;
  quiet: boolean;
  /** What to do with each counterexample (text options and files to write). */
  trace: TraceOutputs;
  paranoid: boolean;
  typecheck: boolean;
  /** --progress: also search for non-progress cycles (CheckOptions.progress). */
  progress: boolean;
}

export interface MergeArgs {
  command: 'merge';
  files: string[];
  json: boolean;
}

export type Args =
  | CheckArgs
  | MergeArgs
  | ReplayArgs
  | ExplainArgs
  | { command: 'list'; json: boolean }
  | { command: 'help'; topic?: 'check' | 'list' }
  | { command: 'version' };

/** "4G", "512M", "64k" or a number of bytes. */
function byteSize(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)([kKmMgGtT]?)i?[bB]?$/.exec(v.trim());
  const unit = m === null ? undefined : { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  if (m === null || unit === undefined || !(Number(m[1]) > 0)) throw new UsageError(`${flag} needs a size such as 4G, 512M or a number of bytes, not "${v}"`);
  return Math.floor(Number(m[1]) * unit);
}

function shardArg(v: string | undefined): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(v);
  if (m === null || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard needs I/N with 1 <= I <= N (e.g. 3/8), not "${v}"`);
  return { index: Number(m[1]) - 1, count: Number(m[2]) };
}

function seedArg(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 0xffffffff) throw new UsageError(`--seed needs a whole number from 0 to 4294967295, not "${v}"`);
  return Number(v);
}

/** A positive whole number, in any notation Number() reads exactly: 1000000, 1e6, 1_000_000 is not. */
export function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${flag} needs a positive whole number (like 5000 or 1e6), not "${v}"`);
  return n;
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number of seconds, not "${v}"`);
  return n;
}

function knobAssignments(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const m = /^([^=\s]+)=(\S+)$/.exec(kv);
    if (m === null) throw new UsageError(`--knob needs NAME=VARIANT (like xfsSwAtomicRetry=posted-v4), not "${kv}"`);
    if (m[1]! in out && out[m[1]!] !== m[2]) throw new UsageError(`--knob ${m[1]} is given twice with different variants`);
    out[m[1]!] = m[2]!;
  }
  return out;
}

export function parseCommandLine(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === '--version' || command === '-V' || command === 'version') return { command: 'version' };
  if (command === 'merge') return parseMerge(rest);
  if (command === 'replay') return parseReplay(rest);
  if (command === 'explain') return parseExplain(rest);
  if (command !== 'check' && command !== 'list') throw new UsageError(`unknown command "${command}" (commands: check, list, merge, replay, explain, help)`);
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help', topic: command };
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: command === 'check',
      strict: true,
      options: {
        strategy: { type: 'string' },
        'max-states': { type: 'string' },
        'max-depth': { type: 'string' },
        'time-limit': { type: 'string' },
        knob: { type: 'string', multiple: true },
        property: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        quiet: { type: 'boolean', default: false },
        ...TRACE_OPTIONS,
        seed: { type: 'string' },
        walks: { type: 'string' },
        shard: { type: 'string' },
        'max-memory': { type: 'string' },
        bitstate: { type: 'string' },
        workers: { type: 'string' },
        'no-por': { type: 'boolean', default: false },
        por: { type: 'boolean', default: false },
        'no-symmetry': { type: 'boolean', default: false },
        'no-view': { type: 'boolean', default: false },
        paranoid: { type: 'boolean', default: false },
        typecheck: { type: 'boolean', default: false },
        progress: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
  const v = parsed.values;
  if (command === 'list') {
    const extra = ['strategy', 'max-states', 'max-depth', 'time-limit', 'knob', 'property', 'all', 'quiet', 'seed', 'walks', 'shard', 'max-memory', 'bitstate', 'workers', 'no-por', 'por', 'no-symmetry', 'no-view', 'paranoid', 'typecheck', 'progress', ...Object.keys(TRACE_OPTIONS)].filter((k) => v[k as keyof typeof v] !== undefined && v[k as keyof typeof v] !== false);
    if (extra.length > 0) throw new UsageError(`list takes no --${extra[0]}`);
    return { command: 'list', json: v.json === true };
  }
  const strategy = v.strategy;
  if (strategy !== undefined && strategy !== 'bfs' && strategy !== 'dfs' && strategy !== 'random') throw new UsageError(`--strategy must be bfs, dfs or random, not "${strategy}"`);
  const out: CheckArgs = { command: 'check', targets: parsed.positionals, all: v.all === true, json: v.json === true, quiet: v.quiet === true, paranoid: v.paranoid === true, typecheck: v.typecheck === true, progress: v.progress === true, knobs: knobAssignments(v.knob), trace: traceOutputs(v) };
  if (v.property !== undefined) out.properties = [...new Set(v.property)];
  if (strategy !== undefined) out.strategy = strategy;
  const maxStates = positiveInt('--max-states', v['max-states']);
  if (maxStates !== undefined) out.maxStates = maxStates;
  const maxDepth = positiveInt('--max-depth', v['max-depth']);
  if (maxDepth !== undefined) out.maxDepth = maxDepth;
  const seconds = positiveNumber('--time-limit', v['time-limit']);
  if (seconds !== undefined) out.timeLimitMs = seconds * 1000;
  const seed = seedArg(v.seed);
  const walks = positiveInt('--walks', v.walks);
  const shard = shardArg(v.shard);
  for (const [flag, given] of [['--seed', seed], ['--walks', walks], ['--shard', shard]] as const) {
    if (given !== undefined && strategy !== 'random') throw new UsageError(`${flag} needs --strategy random`);
  }
  if (seed !== undefined) out.seed = seed;
  if (walks !== undefined) out.walks = walks;
  if (shard !== undefined) out.shard = shard;
  if (v['no-por'] === true) out.noPor = true;
  if (v.por === true) {
    if (out.noPor === true) throw new UsageError('--por and --no-por contradict each other');
    out.por = true;
  }
  if (v['no-symmetry'] === true) out.noSymmetry = true;
  if (v['no-view'] === true) out.noView = true;
  const maxMemory = byteSize('--max-memory', v['max-memory']);
  if (maxMemory !== undefined) out.maxMemoryBytes = maxMemory;
  const bits = v.bitstate;
  if (bits !== undefined) {
    if (!/^\d+$/.test(bits) || Number(bits) < 10 || Number(bits) > 32) throw new UsageError(`--bitstate needs N with 10 <= N <= 32 (2^N bits), not "${bits}"`);
    if (strategy === 'random') throw new UsageError('--bitstate cannot be combined with --strategy random');
    out.bitstate = Number(bits);
  }
  const workers = v.workers;
  if (workers !== undefined) {
    if (!/^\d+$/.test(workers) || Number(workers) < 1 || Number(workers) > 64) throw new UsageError(`--workers needs a whole number from 1 to 64, not "${workers}"`);
    if (strategy !== undefined && strategy !== 'bfs') throw new UsageError(`--workers cannot be combined with --strategy ${strategy} (the parallel search is breadth-first)`);
    if (out.bitstate !== undefined) throw new UsageError('--workers cannot be combined with --bitstate (the shared table keeps exact fingerprints)');
    out.workers = Number(workers);
  }
  // The cycle search is exhaustive and keeps every state: it has no random or bitstate form.
  if (out.progress && strategy === 'random') throw new UsageError('--progress cannot be combined with --strategy random (the cycle search is exhaustive)');
  if (out.progress && out.bitstate !== undefined) throw new UsageError('--progress cannot be combined with --bitstate (the cycle search keeps every state)');
  return out;
}

function parseMerge(rest: readonly string[]): MergeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...rest], allowPositionals: true, strict: true, options: { json: { type: 'boolean', default: false } } });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
  if (parsed.positionals.length === 0) throw new UsageError('merge needs one or more result files (from writepath check --json)');
  return { command: 'merge', files: parsed.positionals, json: parsed.values.json === true };
}
