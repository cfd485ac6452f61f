/** The `writepath` command: check scenarios, list them, replay and explain. */
import { check, meetsExpectation, describeExpectation, type CheckOptions } from '../checker/index.ts';
import { parseCommandLine, USAGE, type CheckArgs } from './args.ts';
import type { ReplayArgs, TraceOutputs } from './args-trace.ts';
import { shrinkViolation, writeOutputs } from './counterexample.ts';
import { formatExplain } from './explain.ts';
import { replayFile } from './replay.ts';
import { formatTraceText } from './trace-text.ts';
import { buildDoc } from './tracedoc.ts';
import { UsageError } from './errors.ts';
import { loadTargets, type LoadedScenario } from './load.ts';
import { docFor, formatReport, jsonReport, progressLine, stylesFor, type Outcome } from './report.ts';

const SCENARIOS_DIR = 'scenarios';

function optionsFor(l: LoadedScenario, args: CheckArgs): CheckOptions {
  const o: CheckOptions = { ...l.scenario.options };
  if (args.strategy !== undefined) o.strategy = args.strategy;
  if (args.maxStates !== undefined) o.maxStates = args.maxStates;
  if (args.maxDepth !== undefined) o.maxDepth = args.maxDepth;
  if (args.timeLimitMs !== undefined) o.timeLimitMs = args.timeLimitMs;
  if (args.all) o.stopAtFirst = false;
  if (process.stderr.isTTY === true && !args.json) {
    o.onProgress = (p) => process.stderr.write(`\r\x1b[K${progressLine(l.scenario.name, p)}`);
  }
  return o;
}

function runCheck(args: CheckArgs, loaded: readonly LoadedScenario[]): number {
  const outcomes: Outcome[] = [];
  for (const l of loaded) {
    const result = check(l.scenario.model, optionsFor(l, args));
    if (process.stderr.isTTY === true && !args.json) process.stderr.write('\r\x1b[K');
    outcomes.push({ loaded: l, result, met: meetsExpectation(result, l.scenario.expect) });
  }
  const notes = counterexampleOutputs(outcomes, args.trace);
  if (args.json) process.stdout.write(`${JSON.stringify(jsonReport(outcomes), null, 2)}\n`);
  else process.stdout.write(formatReport(outcomes, stylesFor(process.stdout), args.trace.verbose));
  for (const n of notes) (args.json ? process.stderr : process.stdout).write(`${n}\n`);
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

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.command === 'replay') return await runReplay(args);
    const targets = args.command === 'list' ? [] : args.targets;
    const loaded = await loadTargets(targets, SCENARIOS_DIR);
    if (loaded.length === 0) throw new UsageError(`no scenarios found${targets.length > 0 ? ` in ${targets.join(', ')}` : ` under ${SCENARIOS_DIR}/`}`);
    if (args.command === 'explain') {
      process.stdout.write(`${loaded.map(formatExplain).join('\n\n')}\n`);
      return 0;
    }
    return args.command === 'list' ? runList(loaded, args.json) : runCheck(args, loaded);
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
