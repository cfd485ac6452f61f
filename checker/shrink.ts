/**
 * Shrinking a counterexample: remove steps, and all steps of an actor, while the same property
 * still fails. A candidate is the trace's list of actions with some removed, re-executed from
 * the same initial state; since an action recorded in one state may look slightly different in
 * another (its label can name a block the allocator picked), each is matched among the enabled
 * actions by equal structure, then by equal label, then as its actor's only enabled action.
 * The first state that violates the property ends the candidate.
 */
import { defaultLabel } from './label.ts';
import { canonicalJson } from './trace.ts';
import type { Model, TraceStep, ViolationKind } from './types.ts';

export interface ShrinkResult<S, A> {
  trace: Array<TraceStep<S, A>>;
  /** Steps (after the initial state) and distinct actors, before and after. */
  before: { steps: number; actors: number };
  after: { steps: number; actors: number };
  /** Candidates re-executed. */
  attempts: number;
}

/** Whether `state` violates the property, for the kinds a trace can show (not 'sometimes' or 'error'). */
export function violates<S, A>(model: Model<S, A>, property: string, kind: ViolationKind, state: S): boolean {
  if (kind === 'invariant') {
    const inv = model.invariants?.[property];
    return inv !== undefined && !inv(state);
  }
  if (kind === 'deadlock') return model.actions(state).length === 0 && model.done?.(state) !== true;
  return false;
}

function pick<S, A>(model: Model<S, A>, enabled: readonly A[], want: A, label: (a: A) => string): A | undefined {
  const key = canonicalJson(want);
  const same = enabled.find((a) => canonicalJson(a) === key);
  if (same !== undefined) return same;
  const l = label(want);
  const byLabel = enabled.filter((a) => label(a) === l);
  if (byLabel.length === 1) return byLabel[0];
  if (model.actor !== undefined) {
    const who = model.actor(want);
    const mine = enabled.filter((a) => model.actor!(a) === who);
    if (mine.length === 1) return mine[0];
  }
  return undefined;
}

/** Re-executes `actions` from `init`; the trace up to the first violating state, or null. */
function attempt<S, A>(model: Model<S, A>, init: S, actions: readonly A[], bad: (s: S) => boolean, label: (a: A) => string): Array<TraceStep<S, A>> | null {
  const trace: Array<TraceStep<S, A>> = [{ action: null, label: 'init', state: init }];
  if (bad(init)) return trace;
  let s = init;
  try {
    for (const want of actions) {
      const a = pick(model, model.actions(s), want, label);
      if (a === undefined) return null;
      s = model.next(s, a);
      trace.push({ action: a, label: label(a), state: s });
      if (bad(s)) return trace;
    }
  } catch {
    return null;
  }
  return null;
}

function actorsOf<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>): string[] {
  if (model.actor === undefined) return [];
  return [...new Set(trace.flatMap((t) => (t.action === null ? [] : [model.actor!(t.action)])))];
}

export function shrinkTrace<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, property: string, kind: ViolationKind): ShrinkResult<S, A> {
  const label = (a: A): string => (model.label ?? defaultLabel)(a);
  const bad = (s: S): boolean => violates(model, property, kind, s);
  const measure = (t: ReadonlyArray<TraceStep<S, A>>) => ({ steps: t.length - 1, actors: actorsOf(model, t).length });
  let best = [...trace];
  let attempts = 0;
  const first = trace[0];
  const last = trace[trace.length - 1];
  if (first === undefined || last === undefined || !bad(last.state)) return { trace: best, before: measure(trace), after: measure(trace), attempts };
  const init = first.state;
  const tryActions = (acts: A[]): boolean => {
    attempts++;
    const t = attempt(model, init, acts, bad, label);
    if (t === null || t.length >= best.length) return false;
    best = t;
    return true;
  };
  const actionsOf = (t: ReadonlyArray<TraceStep<S, A>>): A[] => t.slice(1).map((x) => x.action as A);
  // Whole actors first: a trace with fewer actors is the bigger simplification.
  for (let progress = true; progress; ) {
    progress = false;
    for (const who of actorsOf(model, best)) {
      if (tryActions(actionsOf(best).filter((a) => model.actor!(a) !== who))) {
        progress = true;
        break;
      }
    }
  }
  // Then chunks of steps, halving the chunk size (delta debugging's complement removal).
  for (let size = Math.max(1, Math.floor((best.length - 1) / 2)); size >= 1; size = Math.floor(size / 2)) {
    for (let start = 0; start + size <= best.length - 1; ) {
      const acts = actionsOf(best);
      if (!tryActions([...acts.slice(0, start), ...acts.slice(start + size)])) start += size;
    }
  }
  return { trace: best, before: measure(trace), after: measure(best), attempts };
}
