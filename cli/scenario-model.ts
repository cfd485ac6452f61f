/**
 * A scenario's model by module reference, for the workers of `check --workers N`
 * (checker/object-workers.ts): each worker thread loads the scenario file itself, takes the
 * export at `index`, and applies the command line's knobs and properties, as cli/worker.ts does.
 */
import type { Model, ScenarioChange } from '../checker/index.ts';
import { applyChange, loadScenarioFile } from './load.ts';

export async function scenarioModel(path: string, index: number, change: ScenarioChange): Promise<Model<unknown, unknown>> {
  const loaded = (await loadScenarioFile(path))[index];
  if (loaded === undefined) throw new Error(`${path} has no scenario #${index} any more`);
  return applyChange(loaded, change).scenario.model;
}
