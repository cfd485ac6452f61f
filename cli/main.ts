/** The `writepath` command: check scenarios, list them. */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { meetsExpectation, describeExpectation, type CheckOptions, type CheckResult, type ScenarioChange } from '../checker/index.ts';
import { parseCommandLine, CHECK_USAGE, USAGE, type CheckArgs } from './args.ts';
import { UsageError } from './errors.ts';
import { applyChange, loadTargets, type LoadedScenario } from './load.ts';
import { formatReport, jsonReport, progressLine, stylesFor, type Outcome } from './report.ts';
import type { Job, WorkerInput, WorkerMessage } from './worker.ts';
import { typeErrors } from './typecheck.ts';
import { printable } from '../checker/sanity.ts';

const SCENARIOS_DIR = 'scenarios';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The command line's search options (callbacks are added in the worker). */
function cliOptions(args: CheckArgs): CheckOptions {
  const o: CheckOptions = {};
  if (args.strategy !== undefined) o.strategy = args.strategy;
  if (args.maxStates !== undefined) o.maxStates = args.maxStates;
  if (args.maxDepth !== undefined) o.maxDepth = args.maxDepth;
  if (args.timeLimitMs !== undefined) o.timeLimitMs = args.timeLimitMs;
  if (args.all) o.stopAtFirst = false;
  if (args.paranoid) o.sanity = 'paranoid';
  return o;
}

function changeOf(args: CheckArgs): ScenarioChange {
  return { knobs: args.knobs, ...(args.properties === undefined ? {} : { properties: args.properties }) };
}

/**
 * Runs the searches in a worker thread (cli/worker.ts) so that Ctrl-C is heard: the first
 * SIGINT stops the running search, which returns its figures so far, and no further
 * scenario starts; a second one exits at once.
 */
async function runSearches(args: CheckArgs, loaded: readonly LoadedScenario[]): Promise<{ results: Array<CheckResult<unknown, unknown> | string>; interrupted: boolean }> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const progress = process.stderr.isTTY === true && !args.json;
  const jobs: Job[] = loaded.map((l) => ({ path: l.path, index: l.index, change: changeOf(args), options: cliOptions(args) }));
  const input: WorkerInput = { module: new URL('./worker.ts', import.meta.url).href, jobs, stop, progress };
  const results: Array<CheckResult<unknown, unknown> | string> = [];
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    Atomics.store(flag, 0, 1);
    if (progress) process.stderr.write('\r\x1b[K');
    process.stderr.write('writepath: interrupted; stopping the search (Ctrl-C again to quit at once)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    await new Promise<void>((resolveDone, reject) => {
      const w = new Worker(new URL('./worker.mjs', import.meta.url), { workerData: input });
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') {
          if (!interrupted) process.stderr.write(`\r\x1b[K${progressLine(loaded[m.job]!.scenario.name, m.progress)}`);
          return;
        }
        if (progress) process.stderr.write('\r\x1b[K');
        results[m.job] = m.type === 'result' ? m.result : m.message;
      });
      w.on('error', reject);
      w.on('exit', () => resolveDone());
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { results, interrupted };
}

async function runCheck(args: CheckArgs, loaded: readonly LoadedScenario[], problems: readonly string[]): Promise<number> {
  const { results, interrupted } = await runSearches(args, loaded);
  const outcomes: Outcome[] = [];
  const failures = [...problems];
  loaded.forEach((l, i) => {
    const result = results[i];
    if (typeof result === 'string') failures.push(`${l.file}: ${result}`);
    else if (result !== undefined) outcomes.push({ loaded: l, result, met: meetsExpectation(result, l.scenario.expect) });
  });
  if (args.json) process.stdout.write(`${printable(jsonReport(outcomes), 2)}\n`);
  else if (outcomes.length > 0) process.stdout.write(formatReport(outcomes, stylesFor(process.stdout), { quiet: args.quiet }));
  for (const f of failures) process.stderr.write(`writepath: ${f}\n`);
  if (interrupted) return 130;
  if (failures.length > 0) return 2;
  return outcomes.every((o) => o.met) ? 0 : 1;
}

function runList(loaded: readonly LoadedScenario[], json: boolean): number {
  if (json) {
    const doc = loaded.map((l) => ({ name: l.scenario.name, file: l.file, expect: l.scenario.expect, description: l.scenario.description }));
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return 0;
  }
  const w = Math.max(8, ...loaded.map((l) => l.scenario.name.length));
  for (const l of loaded) {
    process.stdout.write(`${l.scenario.name.padEnd(w)}  ${describeExpectation(l.scenario.expect)}  (${l.file})\n`);
    const first = l.scenario.description.split('\n')[0];
    if (first) process.stdout.write(`${' '.repeat(w)}  ${first}\n`);
  }
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help') {
      process.stdout.write(`${args.topic === 'check' ? CHECK_USAGE : USAGE}\n`);
      return 0;
    }
    if (args.command === 'version') {
      process.stdout.write(`writepath ${version()}\n`);
      return 0;
    }
    // --typecheck: a file with a type error is reported and not run, like a file that does not load.
    const precheck = args.command === 'check' && args.typecheck ? typeErrors : undefined;
    const { scenarios, problems } = await loadTargets(args.command === 'check' ? args.targets : [], SCENARIOS_DIR, precheck);
    // --knob / --property apply to every scenario; one that refuses them is reported and skipped.
    const loaded: LoadedScenario[] = [];
    for (const l of scenarios) {
      if (args.command !== 'check') {
        loaded.push(l);
        continue;
      }
      try {
        loaded.push(applyChange(l, changeOf(args)));
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        problems.push(e.message);
      }
    }
    if (loaded.length === 0) {
      for (const p of problems) process.stderr.write(`writepath: ${p}\n`);
      if (problems.length > 0) return 2;
      throw new UsageError(`no scenarios found${args.command === 'check' && args.targets.length > 0 ? ` in ${args.targets.join(', ')}` : ` under ${SCENARIOS_DIR}/`}`);
    }
    if (args.command === 'list') {
      for (const p of problems) process.stderr.write(`writepath: ${p}\n`);
      const code = runList(loaded, args.json);
      return problems.length > 0 ? 2 : code;
    }
    return await runCheck(args, loaded, problems);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`writepath: ${e.message}\n`);
      if (/unknown command|Unknown option|needs|must be|takes no/.test(e.message)) process.stderr.write(`run "writepath help" for usage\n`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
