/**
 * Progress: a reachable cycle of states none of which is done (a livelock: every step the
 * system can take loops back without finishing). A state with nothing enabled that is not
 * done is a deadlock, which every search already reports; a cycle is not visible to a
 * breadth-first search (it only meets a state it has seen), so this is a separate,
 * depth-first pass: iterative DFS with the current path on a stack, a back edge to a state
 * on the stack closes a cycle. Generic: it knows the model only through its functions.
 *
 * A cycle is a livelock only if no step along it makes progress; the caller's model says
 * what progress is by putting it in the state (a counter that grows when a task finishes
 * work, a program counter): then a cycle cannot contain such a step. `progress` lets a
 * caller exempt actions that make progress without changing the state's identity.
 */
import { canonicalJson } from './trace.ts';
import { defaultLabel } from './label.ts';
import type { CheckOptions, CheckResult, Model, TraceStep, Violation } from './types.ts';

export interface Livelock<S, A> {
  /** Actions from an initial state to the first state of the cycle. */
  prefix: A[];
  /** The cycle's actions, from its first state back to it. */
  cycle: A[];
  /** The cycle's first state. */
  state: S;
  /** The initial state the prefix starts from. */
  init: S;
}

export interface LivelockResult<S, A> {
  livelock: Livelock<S, A> | null;
  states: number;
  /** False when `maxStates` stopped the search before every reachable state was seen. */
  complete: boolean;
}

interface Frame<S, A> {
  key: string;
  state: S;
  actions: A[];
  next: number;
  /** The action that led here from the frame below. */
  via: A | null;
}

/** Searches the reachable states for a cycle of not-done states (see the module comment). */
export function findLivelock<S, A>(model: Model<S, A>, options: { maxStates?: number; progress?: (a: A) => boolean } = {}): LivelockResult<S, A> {
  const max = options.maxStates ?? Number.POSITIVE_INFINITY;
  const key = (s: S) => model.key?.(s) ?? canonicalJson(s);
  const finished = new Set<string>();
  const onStack = new Map<string, number>();
  let states = 0;
  let complete = true;
  for (const init of model.init()) {
    const k0 = key(init);
    if (finished.has(k0)) continue;
    const stack: Array<Frame<S, A>> = [{ key: k0, state: init, actions: model.actions(init), next: 0, via: null }];
    onStack.set(k0, 0);
    states++;
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame<S, A>;
      if (top.next >= top.actions.length) {
        stack.pop();
        onStack.delete(top.key);
        finished.add(top.key);
        continue;
      }
      const a = top.actions[top.next++] as A;
      if (options.progress?.(a) === true) continue;
      const t = model.next(top.state, a);
      const k = key(t);
      const at = onStack.get(k);
      if (at !== undefined) {
        const loop = stack.slice(at);
        if (loop.every((f) => model.done?.(f.state) !== true)) {
          const prefix = stack.slice(1, at + 1).map((f) => f.via as A);
          const cycle = [...stack.slice(at + 1).map((f) => f.via as A), a];
          return { livelock: { prefix, cycle, state: (stack[at] as Frame<S, A>).state, init }, states, complete: false };
        }
        continue;
      }
      if (finished.has(k)) continue;
      if (states >= max) {
        complete = false;
        continue;
      }
      states++;
      onStack.set(k, stack.length);
      stack.push({ key: k, state: t, actions: model.actions(t), next: 0, via: a });
    }
  }
  return { livelock: null, states, complete };
}

/**
 * A livelock as a counterexample: the prefix from the initial state, then the cycle, whose
 * last step leads back to the state at `loopStart`. States are re-executed from the actions
 * (the search kept only keys), as every other trace is.
 */
export function livelockViolation<S, A>(model: Model<S, A>, l: Livelock<S, A>): Violation<S, A> {
  const label = model.label?.bind(model) ?? defaultLabel;
  const trace: Array<TraceStep<S, A>> = [{ action: null, label: 'init', state: l.init }];
  let s = l.init;
  for (const a of [...l.prefix, ...l.cycle]) {
    s = model.next(s, a);
    trace.push({ action: a, label: label(a), state: s });
  }
  const n = l.cycle.length;
  return {
    property: 'progress',
    kind: 'livelock',
    message: `a cycle of ${n} step${n === 1 ? '' : 's'} from step ${l.prefix.length} back to it, through states none of which is done(): the system can take these steps forever without finishing`,
    trace,
    loopStart: l.prefix.length,
  };
}

/**
 * Adds the non-progress-cycle pass to a search's result (CheckOptions.progress). Skipped
 * after an error, and after a violation when the search stops at the first; an unfinished
 * pass turns 'ok' into 'incomplete' (a cycle might lie in the states it did not reach).
 */
export function withProgress<S, A>(model: Model<S, A>, result: CheckResult<S, A>, options: CheckOptions): CheckResult<S, A> {
  if (result.status === 'error' || (result.status === 'violation' && options.stopAtFirst !== false)) return result;
  if (options.shouldStop?.() === true) return result;
  const pass = findLivelock(model, options.maxStates === undefined ? {} : { maxStates: options.maxStates });
  if (pass.livelock !== null) return { ...result, status: 'violation', violations: [...result.violations, livelockViolation(model, pass.livelock)] };
  if (!pass.complete && result.status === 'ok') return { ...result, status: 'incomplete', incompleteReason: 'maxStates' };
  return result;
}
