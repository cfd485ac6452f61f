/**
 * `writepath replay FILE`: re-executes a trace file against the current spec. The recorded
 * scenario is loaded from its file, each recorded action is taken by its index and must carry
 * its recorded label and lead to the recorded state; then the property is checked on the last
 * state. Exit 1: the violation still occurs; 0: the trace replays but the property now holds;
 * 2: the trace no longer fits the spec (the message names the first step that differs) or the
 * file is not a trace.
 */
import { defaultLabel, replayRecorded, violates } from '../checker/index.ts';
import { UsageError } from './errors.ts';
import { readTraceFile } from './itf-file.ts';
import { loadScenarioFile, type LoadedScenario } from './load.ts';

export interface Replayed {
  loaded: LoadedScenario;
  file: ReturnType<typeof readTraceFile>;
  result: ReturnType<typeof replayRecorded<unknown, unknown>>;
  stillViolated: boolean;
}

export async function replayFile(path: string): Promise<Replayed> {
  const file = readTraceFile(path);
  const all = await loadScenarioFile(file.meta.file).catch((e: unknown) => {
    throw new UsageError(`${path}: #meta.scenario-file ${file.meta.file}: ${e instanceof Error ? e.message : String(e)}`);
  });
  const loaded = all.find((l) => l.scenario.name === file.meta.scenario);
  if (loaded === undefined) throw new UsageError(`${path}: #meta.scenario "${file.meta.scenario}" is not in ${file.meta.file} (it has ${all.map((l) => l.scenario.name).join(', ')})`);
  const model = loaded.scenario.model;
  const { property, kind } = file.meta;
  if (kind === 'invariant' && model.invariants?.[property] === undefined) throw new UsageError(`${path}: #meta.property "${property}" is not an invariant of scenario ${loaded.scenario.name}`);
  // A livelock's file does not record where its cycle starts: re-run `check --progress` instead.
  if (kind === 'sometimes' || kind === 'error' || kind === 'livelock') throw new UsageError(`${path}: #meta.violation-kind ${kind}: only invariant and deadlock violations can be replayed${kind === 'livelock' ? ' (re-run writepath check --progress)' : ''}`);
  const result = replayRecorded(model, file.steps, (a) => (model.label ?? defaultLabel)(a));
  const last = result.trace[result.trace.length - 1];
  const stillViolated = result.mismatch === undefined && last !== undefined && violates(model, property, kind, last.state);
  return { loaded, file, result, stillViolated };
}
