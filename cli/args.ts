import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';
import { TRACE_OPTIONS, TRACE_USAGE, parseExplain, parseReplay, traceOutputs, type ExplainArgs, type ReplayArgs, type TraceOutputs } from './args-trace.ts';

export const USAGE = `usage:
  writepath check [SCENARIO...] [options]   check scenarios (default: every file under scenarios/)
  writepath list                            list the scenarios
  writepath replay FILE [options]           re-execute a trace file (--trace-out) against the current spec
  writepath explain SCENARIO                what a scenario checks: programs, knobs, properties, bound
  writepath help                            this text

SCENARIO is a scenario file, a directory of them, or a scenario's name.

options for check:
  --strategy bfs|dfs     search order (default bfs: shortest counterexamples)
  --max-states N         stop after N distinct states (result: incomplete)
  --max-depth N          do not expand states at depth N (result: incomplete if that cut anything)
  --time-limit SECONDS   stop after this many seconds (result: incomplete)
  --all                  collect one violation per property instead of stopping at the first
  --json                 print one JSON document with every result on stdout
${TRACE_USAGE}

exit status: 0 every scenario met its expectation, 1 one did not, 2 usage error or a scenario
file that does not load.

replay takes the counterexample options above (--verbose ... --repro); its exit status: 1 the
violation still occurs, 0 the trace replays and the property now holds, 2 the trace no longer
fits the spec (the message names the first step that differs) or the file is not a trace.`;

export interface CheckArgs {
  command: 'check';
  targets: string[];
  strategy?: 'bfs' | 'dfs';
  maxStates?: number;
  maxDepth?: number;
  timeLimitMs?: number;
  all: boolean;
  json: boolean;
  /** What to do with each counterexample (text options and files to write). */
  trace: TraceOutputs;
}

export type Args = CheckArgs | ReplayArgs | ExplainArgs | { command: 'list'; json: boolean } | { command: 'help' };

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) <= 0) throw new UsageError(`${flag} needs a positive whole number, not "${v}"`);
  return Number(v);
}

function positiveNumber(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number of seconds, not "${v}"`);
  return n;
}

export function parseCommandLine(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'replay') return parseReplay(rest);
  if (command === 'explain') return parseExplain(rest);
  if (command !== 'check' && command !== 'list') throw new UsageError(`unknown command "${command}" (commands: check, list, replay, explain, help)`);
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
        all: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ...TRACE_OPTIONS,
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
  const v = parsed.values;
  if (command === 'list') {
    const extra = ['strategy', 'max-states', 'max-depth', 'time-limit', 'all', ...Object.keys(TRACE_OPTIONS)].filter((k) => v[k as keyof typeof v] !== undefined && v[k as keyof typeof v] !== false);
    if (extra.length > 0) throw new UsageError(`list takes no --${extra[0]}`);
    return { command: 'list', json: v.json === true };
  }
  const strategy = v.strategy;
  if (strategy !== undefined && strategy !== 'bfs' && strategy !== 'dfs') throw new UsageError(`--strategy must be bfs or dfs, not "${strategy}"`);
  const out: CheckArgs = { command: 'check', targets: parsed.positionals, all: v.all === true, json: v.json === true, trace: traceOutputs(v) };
  if (strategy !== undefined) out.strategy = strategy;
  const maxStates = positiveInt('--max-states', v['max-states']);
  if (maxStates !== undefined) out.maxStates = maxStates;
  const maxDepth = positiveInt('--max-depth', v['max-depth']);
  if (maxDepth !== undefined) out.maxDepth = maxDepth;
  const seconds = positiveNumber('--time-limit', v['time-limit']);
  if (seconds !== undefined) out.timeLimitMs = seconds * 1000;
  return out;
}
