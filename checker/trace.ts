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

/** JSON with object keys sorted and undefined members dropped: the default state identity. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (val === null || typeof val !== 'object' || Array.isArray(val)) return val;
    const rec = val as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(rec).sort()) out[k] = rec[k];
    return out;
  });
}
