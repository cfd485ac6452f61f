import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export const CHECK_USAGE = `usage: writepath check [SCENARIO...] [options]

Checks scenarios (default: every file under scenarios/). SCENARIO is a scenario file
(.ts, .mts, .js, in any directory), a directory of them, or a scenario's name.

options:
  --strategy bfs|dfs       search order (default bfs: shortest counterexamples)
  --max-states N           stop after N distinct states (result: incomplete); 1e6 is fine
  --max-depth N            do not expand states at depth N (result: incomplete if that cut anything)
  --time-limit SECONDS     stop after this many seconds (result: incomplete)
  --knob NAME=VARIANT      run the scenarios with a knob set to another variant (repeatable)
  --property NAME          check only these properties (repeatable)
  --all                    collect one violation per property instead of stopping at the first
  --paranoid               run the model sanity checks on every transition, not a sample
  --typecheck              type-check the scenario files first (tsc); errors as file:line:col
  --quiet                  no traces of expected violations, no coverage
  --json                   print one JSON document with every result on stdout

Ctrl-C stops the search, prints the figures so far and exits 130.`;

export const USAGE = `usage:
  writepath check [SCENARIO...] [options]   check scenarios (default: every file under scenarios/)
  writepath list [--json]                   list the scenarios
  writepath help | --help                   this text
  writepath --version                       the version

SCENARIO is a scenario file, a directory of them, or a scenario's name.

options for check (writepath check --help says more):
  --strategy bfs|dfs     search order (default bfs: shortest counterexamples)
  --max-states N         stop after N distinct states (result: incomplete)
  --max-depth N          do not expand states at depth N (result: incomplete if that cut anything)
  --time-limit SECONDS   stop after this many seconds (result: incomplete)
  --knob NAME=VARIANT    run with a knob set to another variant (repeatable)
  --property NAME        check only these properties (repeatable)
  --all                  collect one violation per property instead of stopping at the first
  --paranoid             model sanity checks on every transition, not a sample
  --typecheck            type-check the scenario files first (needs typescript installed)
  --quiet                no traces of expected violations
  --json                 print one JSON document with every result on stdout

exit status: 0 every scenario met its expectation, 1 one did not, 2 usage error or a scenario
file that does not load (the others still run), 130 interrupted.`;

export interface CheckArgs {
  command: 'check';
  targets: string[];
  strategy?: 'bfs' | 'dfs';
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
  paranoid: boolean;
  typecheck: boolean;
}

export type Args =
  | CheckArgs
  | { command: 'list'; json: boolean }
  | { command: 'help'; topic?: 'check' | 'list' }
  | { command: 'version' };

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
  if (command !== 'check' && command !== 'list') throw new UsageError(`unknown command "${command}" (commands: check, list, help)`);
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
        paranoid: { type: 'boolean', default: false },
        typecheck: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
  const v = parsed.values;
  if (command === 'list') {
    const extra = ['strategy', 'max-states', 'max-depth', 'time-limit', 'knob', 'property', 'all', 'quiet', 'paranoid', 'typecheck'].filter((k) => v[k as keyof typeof v] !== undefined && v[k as keyof typeof v] !== false);
    if (extra.length > 0) throw new UsageError(`list takes no --${extra[0]}`);
    return { command: 'list', json: v.json === true };
  }
  const strategy = v.strategy;
  if (strategy !== undefined && strategy !== 'bfs' && strategy !== 'dfs') throw new UsageError(`--strategy must be bfs or dfs, not "${strategy}"`);
  const out: CheckArgs = { command: 'check', targets: parsed.positionals, all: v.all === true, json: v.json === true, quiet: v.quiet === true, paranoid: v.paranoid === true, typecheck: v.typecheck === true, knobs: knobAssignments(v.knob) };
  if (v.property !== undefined) out.properties = [...new Set(v.property)];
  if (strategy !== undefined) out.strategy = strategy;
  const maxStates = positiveInt('--max-states', v['max-states']);
  if (maxStates !== undefined) out.maxStates = maxStates;
  const maxDepth = positiveInt('--max-depth', v['max-depth']);
  if (maxDepth !== undefined) out.maxDepth = maxDepth;
  const seconds = positiveNumber('--time-limit', v['time-limit']);
  if (seconds !== undefined) out.timeLimitMs = seconds * 1000;
  return out;
}
