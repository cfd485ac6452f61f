/** The `writepath` command: check scenarios, list them. */
import { check, meetsExpectation, describeExpectation, type CheckOptions } from '../checker/index.ts';
import { parseCommandLine, USAGE, type CheckArgs } from './args.ts';
import { UsageError } from './errors.ts';
import { loadTargets, type LoadedScenario } from './load.ts';
import { formatReport, jsonReport, progressLine, stylesFor, type Outcome } from './report.ts';
import { mergeFiles } from './merge.ts';

const SCENARIOS_DIR = 'scenarios';

function optionsFor(l: LoadedScenario, args: CheckArgs): CheckOptions {
  const o: CheckOptions = { ...l.scenario.options };
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
  // The reductions passed their soundness tests (test/checker-reductions.test.ts): on whenever
  // the model gives what they need, unless turned off.
  if (l.scenario.model.footprints !== undefined && args.noPor !== true) o.partialOrder ??= true;
  if (l.scenario.model.representative !== undefined && args.noSymmetry !== true) o.symmetry ??= true;
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
  if (args.json) process.stdout.write(`${JSON.stringify(jsonReport(outcomes), null, 2)}\n`);
  else process.stdout.write(formatReport(outcomes, stylesFor(process.stdout)));
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

function runMerge(files: readonly string[], json: boolean): number {
  const merged = mergeFiles(files);
  if (json) {
    const doc = { tool: 'writepath', version: 1, merged: files.length, summary: { scenarios: merged.length, asExpected: merged.filter((m) => m.met).length, notAsExpected: merged.filter((m) => !m.met).length }, results: merged };
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  } else {
    const outcomes: Outcome[] = merged.map((m) => ({ loaded: { file: m.file, scenario: { name: m.name, description: m.description, expect: m.expect, model: { name: m.name, init: () => [], actions: () => [], next: (s) => s } } }, result: m, met: m.met }));
    process.stdout.write(`merged ${files.length} result file${files.length === 1 ? '' : 's'}\n`);
    process.stdout.write(formatReport(outcomes, stylesFor(process.stdout)));
  }
  return merged.every((m) => m.met) ? 0 : 1;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parseCommandLine(argv);
    if (args.command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.command === 'merge') return runMerge(args.files, args.json);
    const loaded = await loadTargets(args.command === 'check' ? args.targets : [], SCENARIOS_DIR);
    if (loaded.length === 0) throw new UsageError(`no scenarios found${args.command === 'check' && args.targets.length > 0 ? ` in ${args.targets.join(', ')}` : ` under ${SCENARIOS_DIR}/`}`);
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
