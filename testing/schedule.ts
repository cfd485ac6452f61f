/**
 * Executing one given interleaving: a schedule is the list of actions to take, each named by
 * its index among the enabled actions or by its label (exactly, or a prefix that only one
 * enabled action has, like "T2" or "power-loss"). The result is every intermediate state, so
 * a test can look at the world after each step.
 */
import { defaultLabel, type Model, type TraceStep } from '../checker/index.ts';

export type ScheduleStep<A> = number | string | ((action: A, label: string) => boolean);

/** A schedule that names an action not enabled at that point. */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

function pick<A>(acts: readonly A[], labels: readonly string[], step: ScheduleStep<A>, i: number): number {
  const enabled = () => (labels.length === 0 ? 'no action is enabled' : `enabled: ${labels.map((l, k) => `[${k}] ${l}`).join('; ')}`);
  if (typeof step === 'number') {
    if (Number.isInteger(step) && step >= 0 && step < acts.length) return step;
    throw new ScheduleError(`step ${i + 1}: there is no enabled action #${step} (${enabled()})`);
  }
  const matches =
    typeof step === 'function'
      ? acts.map((a, k) => (step(a, labels[k]!) ? k : -1)).filter((k) => k >= 0)
      : ((exact) => (exact.length > 0 ? exact : labels.map((l, k) => (l.startsWith(step) ? k : -1)).filter((k) => k >= 0)))(labels.map((l, k) => (l === step ? k : -1)).filter((k) => k >= 0));
  const what = typeof step === 'function' ? 'the predicate' : JSON.stringify(step);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new ScheduleError(`step ${i + 1}: no enabled action matches ${what} (${enabled()})`);
  throw new ScheduleError(`step ${i + 1}: ${what} matches ${matches.length} enabled actions (${matches.map((k) => labels[k]).join('; ')}); name one`);
}

/**
 * Runs `schedule` from the model's first initial state and returns every step, the initial
 * state first. Deterministic: the same schedule always gives the same states.
 */
export function runSchedule<S, A>(model: Model<S, A>, schedule: ReadonlyArray<ScheduleStep<A>>): Array<TraceStep<S, A>> {
  const label = model.label?.bind(model) ?? defaultLabel;
  const init = model.init()[0];
  if (init === undefined) throw new ScheduleError('the model has no initial state');
  const out: Array<TraceStep<S, A>> = [{ action: null, label: 'init', state: init }];
  let s: S = init;
  schedule.forEach((step, i) => {
    const acts = model.actions(s);
    const labels = acts.map((a) => label(a));
    const k = pick(acts, labels, step, i);
    const a = acts[k]!;
    s = model.next(s, a);
    out.push({ action: a, label: labels[k]!, state: s });
  });
  return out;
}

/**
 * Follows a list of choices (as fast-check generates them): at each step the choice, modulo
 * the number of enabled actions, picks one; the run ends when the choices or the enabled
 * actions run out. Every list of numbers is a valid schedule, so shrinking always works.
 */
export function followChoices<S, A>(model: Model<S, A>, choices: readonly number[]): Array<TraceStep<S, A>> {
  const label = model.label?.bind(model) ?? defaultLabel;
  const init = model.init()[0];
  if (init === undefined) throw new ScheduleError('the model has no initial state');
  const out: Array<TraceStep<S, A>> = [{ action: null, label: 'init', state: init }];
  let s: S = init;
  for (const c of choices) {
    const acts = model.actions(s);
    if (acts.length === 0) break;
    const a = acts[Math.abs(Math.trunc(c)) % acts.length]!;
    s = model.next(s, a);
    out.push({ action: a, label: label(a), state: s });
  }
  return out;
}
