/**
 * Rebuilding counterexamples. The search keeps no states, only for each state its parent and
 * the index of the action that produced it; a trace is rebuilt by re-executing that path from
 * the initial state (as TLC does), so the model must be deterministic.
 */
import type { Model, TraceStep } from './types.ts';

export interface Replayed<S, A> {
  trace: Array<TraceStep<S, A>>;
  /** Set when re-execution failed part-way; `trace` then holds the steps rebuilt so far. */
  error?: string;
}

/** Re-executes `path` = [init index, action index, ...] and returns every step. */
export function replay<S, A>(model: Model<S, A>, path: readonly number[], label: (a: A) => string): Replayed<S, A> {
  const trace: Array<TraceStep<S, A>> = [];
  try {
    const init = model.init()[path[0] ?? 0];
    if (init === undefined) return { trace, error: `init() has no state ${path[0]}` };
    let s: S = init;
    trace.push({ action: null, label: 'init', state: s });
    for (let i = 1; i < path.length; i++) {
      const acts = model.actions(s);
      const a = acts[path[i]!];
      if (a === undefined) return { trace, error: `step ${i}: action ${path[i]} is no longer enabled` };
      s = model.next(s, a);
      trace.push({ action: a, label: label(a), state: s });
    }
  } catch (e) {
    return { trace, error: e instanceof Error ? e.message : String(e) };
  }
  return { trace };
}

/**
 * Checks that a trace is a real execution of the model: it starts in an initial state and each
 * step's action is enabled in the state before it and leads to the state after it. Returns
 * the first problem, or undefined. Used by tests, and by anyone holding a trace from elsewhere.
 */
export function validateTrace<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, key: (s: S) => string = (s) => canonicalJson(s)): string | undefined {
  const first = trace[0];
  if (first === undefined) return 'the trace is empty';
  const inits = model.init().map(key);
  if (!inits.includes(key(first.state))) return 'step 0 is not an initial state';
  for (let i = 1; i < trace.length; i++) {
    const prev = trace[i - 1]!.state;
    const step = trace[i]!;
    if (step.action === null) return `step ${i} has no action`;
    const enabled = model.actions(prev).map((a) => canonicalJson(a));
    if (!enabled.includes(canonicalJson(step.action))) return `step ${i}: "${step.label}" is not enabled in the state before it`;
    if (key(model.next(prev, step.action)) !== key(step.state)) return `step ${i}: "${step.label}" does not lead to the recorded state`;
  }
  return undefined;
}

/**
 * JSON with object keys sorted and undefined members dropped: the default state identity.
 * A BigInt is written as a tagged object ({"#bigint": "12"}, ITF's encoding), so it neither
 * throws nor equals the string "12".
 */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (typeof val === 'bigint') return { '#bigint': val.toString() };
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const rec = val as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(rec).sort()) out[k] = rec[k];
    return out;
  });
}

/**
 * The index of each step's action among the actions enabled before it (step 0: the index of
 * the initial state among init()), so a trace can be written down and re-executed elsewhere.
 */
export function actionIndexes<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>): number[] {
  const first = trace[0];
  if (first === undefined) return [];
  const init = model.init().map(canonicalJson).indexOf(canonicalJson(first.state));
  const out = [Math.max(0, init)];
  for (let i = 1; i < trace.length; i++) {
    const step = trace[i]!;
    const want = canonicalJson(step.action);
    out.push(model.actions(trace[i - 1]!.state).findIndex((a) => canonicalJson(a) === want));
  }
  return out;
}

/** One recorded step: the action's label and index (for step 0, the initial state's), and the state it led to. */
export interface RecordedStep {
  label: string;
  index: number;
  /** Compared with the re-executed state when present. */
  state?: unknown;
}

export interface ReplayOutcome<S, A> {
  trace: Array<TraceStep<S, A>>;
  /** The first step that does not fit the model, and how. */
  mismatch?: { step: number; problem: string };
}

function firstDifference(a: unknown, b: unknown, path: string): string | null {
  if (canonicalJson(a) === canonicalJson(b)) return null;
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
      if (d !== null) return d;
    }
  }
  return `${path === '' ? '(state)' : path.replace(/^\./, '')}: recorded ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
}

/**
 * Re-executes recorded steps: each action is taken by its index and must carry the recorded
 * label; each state, when recorded, must equal the one re-executed. Stops at the first step
 * that does not fit, naming it.
 */
export function replayRecorded<S, A>(model: Model<S, A>, recorded: readonly RecordedStep[], label: (a: A) => string): ReplayOutcome<S, A> {
  const trace: Array<TraceStep<S, A>> = [];
  const first = recorded[0];
  if (first === undefined) return { trace, mismatch: { step: 0, problem: 'the trace has no states' } };
  const fail = (step: number, problem: string): ReplayOutcome<S, A> => ({ trace, mismatch: { step, problem } });
  try {
    const init = model.init()[first.index];
    if (init === undefined) return fail(0, `the model has no initial state ${first.index}`);
    if (first.state !== undefined) {
      const d = firstDifference(first.state, init, '');
      if (d !== null) return fail(0, `the initial state differs: ${d}`);
    }
    trace.push({ action: null, label: 'init', state: init });
    let s: S = init;
    for (let i = 1; i < recorded.length; i++) {
      const r = recorded[i]!;
      const enabled = model.actions(s);
      const a = enabled[r.index];
      if (a === undefined || label(a) !== r.label) {
        const byLabel = enabled.map(label).indexOf(r.label);
        const why = byLabel >= 0 ? `it is enabled, but as action ${byLabel}, not ${r.index}` : `enabled now: ${enabled.map(label).join(' | ') || 'nothing'}`;
        return fail(i, `"${r.label}" (action ${r.index}) is not enabled here; ${why}`);
      }
      s = model.next(s, a);
      trace.push({ action: a, label: r.label, state: s });
      if (r.state !== undefined) {
        const d = firstDifference(r.state, s, '');
        if (d !== null) return fail(i, `"${r.label}" leads to a different state: ${d}`);
      }
    }
  } catch (e) {
    return fail(trace.length, `the model threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { trace };
}
