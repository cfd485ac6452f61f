/**
 * writepath's trace files: ITF (checker/itf.ts) with writepath's metadata — the scenario and
 * its file, its settings and knobs, the property, the tool's version — and, per state, the
 * action that led to it (label, index among the enabled actions, actor), so that `writepath
 * replay` can re-execute it and any ITF viewer can open it.
 */
import { readFileSync } from 'node:fs';
import { actionIndexes, fromItf, ITF_FORMAT_DESCRIPTION, toItf, validateItf, type ItfTrace, type Model, type RecordedStep, type TraceStep, type ViolationKind } from '../checker/index.ts';
import { UsageError } from './errors.ts';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export interface TraceFileMeta {
  scenario: string;
  file: string;
  property: string;
  kind: ViolationKind;
  message: string | undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A state's variables: its own fields when it is a record, else one variable "state". */
function variables(state: unknown): Record<string, unknown> {
  return isRecord(state) ? state : { state };
}

export function traceToItf<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, meta: TraceFileMeta): ItfTrace {
  const indexes = actionIndexes(model, trace);
  const about = model.about?.();
  const first = trace[0];
  const vars = first === undefined ? [] : Object.keys(variables(first.state));
  return {
    '#meta': {
      format: 'ITF',
      'format-description': ITF_FORMAT_DESCRIPTION,
      source: meta.file,
      description: `writepath ${VERSION}: ${meta.kind} "${meta.property}" in scenario ${meta.scenario}`,
      'writepath-version': VERSION,
      scenario: meta.scenario,
      'scenario-file': meta.file,
      property: meta.property,
      'violation-kind': meta.kind,
      ...(meta.message !== undefined ? { explanation: meta.message } : {}),
      ...(about !== undefined ? { settings: Object.fromEntries(about.settings.map((x) => [x.name, x.value])), programs: about.programs, bound: about.bound } : {}),
      timestamp: Date.now(),
    },
    vars,
    states: trace.map((t, i) => {
      const encoded = toItf(variables(t.state)) as Record<string, unknown>;
      return {
        '#meta': {
          index: i,
          action: i === 0 ? 'init' : t.label,
          'action-index': indexes[i] ?? -1,
          ...(t.action !== null && model.actor !== undefined ? { actor: model.actor(t.action) } : {}),
        },
        ...encoded,
      };
    }),
  };
}

export interface TraceFile {
  path: string;
  meta: TraceFileMeta & { version: string };
  steps: RecordedStep[];
}

function need(path: string, v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${path}: #meta.${field} is missing or not a string (was this file written by "writepath check --trace-out"?)`);
  return v;
}

/** Reads and checks a trace file; every problem is a UsageError naming the file and the field. */
export function readTraceFile(path: string): TraceFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const problems = validateItf(doc);
  if (problems.length > 0) throw new UsageError(`${path}: not a valid ITF trace: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`);
  const itf = doc as ItfTrace;
  const m = itf['#meta'] ?? {};
  const kind = need(path, m['violation-kind'], 'violation-kind');
  if (!['invariant', 'deadlock', 'sometimes', 'error', 'livelock'].includes(kind)) throw new UsageError(`${path}: #meta.violation-kind must be invariant, deadlock, sometimes, error or livelock, not "${kind}"`);
  const meta = {
    scenario: need(path, m.scenario, 'scenario'),
    file: need(path, m['scenario-file'], 'scenario-file'),
    property: need(path, m.property, 'property'),
    kind: kind as ViolationKind,
    message: typeof m.explanation === 'string' ? m.explanation : undefined,
    version: typeof m['writepath-version'] === 'string' ? m['writepath-version'] : 'unknown',
  };
  const steps = itf.states.map((s, i): RecordedStep => {
    const sm = s['#meta'];
    const label = isRecord(sm) ? sm.action : undefined;
    const index = isRecord(sm) ? sm['action-index'] : undefined;
    if (typeof label !== 'string') throw new UsageError(`${path}: states[${i}].#meta.action is missing or not a string`);
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) throw new UsageError(`${path}: states[${i}].#meta.action-index must be a whole number ≥ 0`);
    const values: Record<string, unknown> = {};
    for (const v of itf.vars) values[v] = fromItf(s[v]);
    const state = itf.vars.length === 1 && itf.vars[0] === 'state' ? values.state : values;
    return { label, index, state };
  });
  return { path, meta, steps };
}
