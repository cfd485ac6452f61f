/** The `writepath` command: check scenarios, list them, replay and explain. */
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { meetsExpectation, describeExpectation, type CheckOptions, type CheckResult, type ScenarioChange } from '../checker/index.ts';
import { parseCommandLine, CHECK_USAGE, USAGE, type CheckArgs } from './args.ts';
import type { ReplayArgs, TraceOutputs } from './args-trace.ts';
import { shrinkViolation, writeOutputs } from './counterexample.ts';
import { formatExplain } from './explain.ts';
import { replayFile } from './replay.ts';
import { formatTraceText } from './trace-text.ts';
import { buildDoc } from './tracedoc.ts';
import { UsageError } from './errors.ts';
import { applyChange, loadTargets, type LoadedScenario } from './load.ts';
import { docFor, formatReport, jsonReport, progressLine, stylesFor, type Outcome } from './report.ts';
import type { Job, WorkerInput, WorkerMessage } from './worker.ts';
import { typeErrors } from './typecheck.ts';
import { printable } from '../checker/printable.ts';
import { mergeFiles } from './merge.ts';

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
  if (args.seed !== undefined) o.seed = args.seed;
  if (args.walks !== undefined) o.walks = args.walks;
  if (args.shard !== undefined) o.shard = args.shard;
  if (args.maxMemoryBytes !== undefined) o.maxMemoryBytes = args.maxMemoryBytes;
  if (args.bitstate !== undefined) o.bitstate = { log2Bits: args.bitstate };
  if (args.paranoid) o.sanity = 'paranoid';
  if (args.progress) o.progress = true;
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
/** --por where it would not apply or is not argued: a usage error (exit 2) before any search. */
function porRefusals(args: CheckArgs, loaded: readonly LoadedScenario[]): void {
  if (args.workers !== undefined) throw new UsageError('--por: the parallel search (--workers) does no partial-order reduction');
  for (const l of loaded) {
    const m = l.scenario.model;
    if (m.footprints === undefined) throw new UsageError(`--por: scenario ${l.scenario.name} gives no footprints`);
  }
}

async function runSearches(args: CheckArgs, loaded: readonly LoadedScenario[]): Promise<{ results: Array<CheckResult<unknown, unknown> | string>; interrupted: boolean }> {
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  const progress = process.stderr.isTTY === true && !args.json;
  const jobs: Job[] = loaded.map((l) => ({ path: l.path, index: l.index, change: changeOf(args), options: cliOptions(args), reductions: { partialOrder: args.noPor !== true, symmetry: args.noSymmetry !== true, view: args.noView !== true, ...(args.por === true ? { por: true } : {}) } }));
  const input: WorkerInput = { module: new URL('./worker.ts', import.meta.url).href, jobs, stop, progress, ...(args.workers === undefined ? {} : { workers: args.workers }) };
  if (args.por === true) porRefusals(args, loaded);
  if (args.workers !== undefined && args.noPor !== true) {
    for (const l of loaded) if (l.scenario.model.footprints !== undefined && l.scenario.model.footprints.onRequest !== true) process.stderr.write(`writepath: note: ${l.scenario.name}: no partial-order reduction under --workers (the parallel search explores every interleaving)\n`);
  }
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
  const notes = counterexampleOutputs(outcomes, args.trace);
  if (args.json) process.stdout.write(`${printable(jsonReport(outcomes), 2)}\n`);
  else if (outcomes.length > 0) process.stdout.write(formatReport(outcomes, stylesFor(process.stdout), { quiet: args.quiet, verbose: args.trace.verbose }));
  for (const n of notes) (args.json ? process.stderr : process.stdout).write(`${n}\n`);
  for (const f of failures) process.stderr.write(`writepath: ${f}\n`);
  if (interrupted) return 130;
  if (failures.length > 0) return 2;
  return outcomes.every((o) => o.met) ? 0 : 1;
}

/** Shrinks (when asked) and writes each counterexample's files; returns what to tell the user. */
function counterexampleOutputs(outcomes: readonly Outcome[], t: TraceOutputs): string[] {
  const notes: string[] = [];
  const all = outcomes.flatMap((o) => o.result.violations.filter((v) => v.trace.length > 0).map((v) => ({ o, v })));
  for (const { o, v } of all) {
    if (t.shrink) notes.push(`${o.loaded.scenario.name} ${v.property}: ${shrinkViolation(o.loaded.scenario.model, v)}`);
    const doc = docFor(o, v, t.verbose);
    notes.push(...writeOutputs(o.loaded.scenario.model, v.trace, doc, t, all.length > 1));
  }
  return notes;
}

async function runReplay(args: ReplayArgs): Promise<number> {
  const r = await replayFile(args.file);
  const { meta } = r.file;
  const model = r.loaded.scenario.model;
  const st = stylesFor(process.stdout);
  if (r.result.mismatch !== undefined) {
    const m = r.result.mismatch;
    const label = r.file.steps[m.step]?.label ?? '';
    process.stderr.write(`writepath: ${args.file}: step ${m.step}${label !== '' && m.step > 0 ? ` ("${label}")` : ''} no longer fits scenario ${meta.scenario}: ${m.problem}\n`);
    return 2;
  }
  const v = { property: meta.property, kind: meta.kind, trace: r.result.trace, ...(r.stillViolated ? { message: model.explain?.(meta.property, r.result.trace[r.result.trace.length - 1]!.state) ?? meta.message } : {}) };
  const notes: string[] = [];
  if (args.trace.shrink && r.stillViolated) notes.push(shrinkViolation(model, v));
  const input = { scenario: meta.scenario, file: meta.file, property: meta.property, kind: meta.kind, message: v.message, expected: false };
  process.stdout.write(`replaying ${args.file} (written by writepath ${meta.version}) against scenario ${meta.scenario}: all ${r.file.steps.length - 1} steps fit\n\n`);
  process.stdout.write(`${formatTraceText(buildDoc(model, v.trace, input, args.trace.verbose), st)}\n\n`);
  notes.push(...writeOutputs(model, v.trace, input, args.trace, false));
  for (const n of notes) process.stdout.write(`${n}\n`);
  process.stdout.write(r.stillViolated ? st.bad(`the violation of ${meta.property} still occurs\n`) : st.ok(`${meta.property} now holds at the end of the trace: the violation no longer occurs\n`));
  return r.stillViolated ? 1 : 0;
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

function runMerge(files: readonly string[], json: boolean): number {
  const merged = mergeFiles(files);
  if (json) {
    const doc = { tool: 'writepath', version: 1, merged: files.length, summary: { scenarios: merged.length, asExpected: merged.filter((m) => m.met).length, notAsExpected: merged.filter((m) => !m.met).length }, results: merged };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const outcomes: Outcome[] = merged.map((m) => ({ loaded: { file: m.file, path: m.file, index: 0, scenario: { name: m.name, description: m.description, expect: m.expect, model: { name: m.name, init: () => [], actions: () => [], next: (s) => s } } }, result: m, met: m.met }));
    process.stdout.write(`merged ${files.length} result file${files.length === 1 ? '' : 's'}\n`);
    process.stdout.write(formatReport(outcomes, stylesFor(process.stdout)));
  }
  return merged.every((m) => m.met) ? 0 : 1;
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
    if (args.command === 'merge') return runMerge(args.files, args.json);
    if (args.command === 'replay') return await runReplay(args);
    // --typecheck: a file with a type error is reported and not run, like a file that does not load.
    const precheck = args.command === 'check' && args.typecheck ? typeErrors : undefined;
    const { scenarios, problems } = await loadTargets(args.command === 'list' ? [] : args.targets, SCENARIOS_DIR, precheck);
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
      throw new UsageError(`no scenarios found${args.command !== 'list' && args.targets.length > 0 ? ` in ${args.targets.join(', ')}` : ` under ${SCENARIOS_DIR}/`}`);
    }
    if (args.command === 'explain') {
      for (const p of problems) process.stderr.write(`writepath: ${p}\n`);
      process.stdout.write(`${loaded.map(formatExplain).join('\n\n')}\n`);
      return problems.length > 0 ? 2 : 0;
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
