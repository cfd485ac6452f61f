/**
 * The reductions `writepath check` gives a scenario by default (README, "check"): partial-order
 * reduction where the model gives footprints (not on the parallel search, and footprints
 * offered on request only with `--por`), symmetry where it gives a representative, the view
 * where it gives a canonical form, and the cycle search where the scenario expects a livelock.
 * One place for cli/worker.ts and the tests that compare searches as the CLI runs them.
 */
import type { CheckOptions, Scenario } from '../checker/index.ts';

export interface Reductions {
  partialOrder: boolean;
  symmetry: boolean;
  view: boolean;
  /** `--por`: also footprints the model offers only on request. */
  por?: boolean;
}

/** `options` with the reductions filled in where the scenario's own options leave them unset. */
export function withReductions(scenario: Scenario, options: CheckOptions, r: Reductions, parallel: boolean): CheckOptions {
  const o: CheckOptions = { ...options };
  const m = scenario.model;
  const fps = m.footprints;
  if (fps !== undefined && r.partialOrder && !parallel && (fps.onRequest !== true || r.por === true)) o.partialOrder ??= true;
  if (m.representative !== undefined && r.symmetry) o.symmetry ??= true;
  if (m.canonical !== undefined && r.view) o.view ??= true;
  if (typeof scenario.expect === 'object' && scenario.expect.violates === 'progress') o.progress ??= true;
  return o;
}
