/**
 * Finding and loading scenario files. A scenario file is a module whose default export is a
 * scenario `{ name, description, model, expect, options? }` or an array of them. Everything a
 * user can get wrong here becomes a UsageError that names the file and the problem.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckOptions, Expectation, Scenario } from '../checker/index.ts';
import { UsageError } from './errors.ts';

export interface LoadedScenario {
  /** The file, relative to the working directory. */
  file: string;
  scenario: Scenario;
}

const SCENARIO_FILE = /\.(ts|mts|js|mjs)$/;
const OPTION_KEYS = new Set(['strategy', 'maxStates', 'maxDepth', 'timeLimitMs', 'stopAtFirst']);

/** Every scenario file below `dir`, sorted, skipping node_modules and files starting with "_" (helpers). */
export function scenarioFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_') || entry.name === 'node_modules') continue;
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (SCENARIO_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

function fail(file: string, problem: string): never {
  throw new UsageError(`${file}: ${problem}`);
}

function validateOptions(file: string, where: string, o: unknown): CheckOptions {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail(file, `${where}.options must be an object`);
  const rec = o as Record<string, unknown>;
  for (const k of Object.keys(rec)) {
    if (!OPTION_KEYS.has(k)) fail(file, `${where}.options has an unknown field "${k}" (known: ${[...OPTION_KEYS].join(', ')})`);
  }
  if (rec.strategy !== undefined && rec.strategy !== 'bfs' && rec.strategy !== 'dfs') fail(file, `${where}.options.strategy must be "bfs" or "dfs"`);
  for (const k of ['maxStates', 'maxDepth', 'timeLimitMs']) {
    const v = rec[k];
    if (v !== undefined && (typeof v !== 'number' || !(v > 0))) fail(file, `${where}.options.${k} must be a positive number`);
  }
  if (rec.stopAtFirst !== undefined && typeof rec.stopAtFirst !== 'boolean') fail(file, `${where}.options.stopAtFirst must be a boolean`);
  return rec as CheckOptions;
}

function validateExpect(file: string, where: string, e: unknown): Expectation {
  if (e === 'holds') return e;
  if (typeof e === 'object' && e !== null && typeof (e as { violates?: unknown }).violates === 'string') {
    return { violates: (e as { violates: string }).violates };
  }
  return fail(file, `${where}.expect must be 'holds' or { violates: 'property-name' }, not ${JSON.stringify(e)}`);
}

/** Checks the shape of one exported scenario. */
export function validateScenario(file: string, where: string, x: unknown): Scenario {
  if (typeof x !== 'object' || x === null) fail(file, `${where} is not a scenario object`);
  const rec = x as Record<string, unknown>;
  if (typeof rec.name !== 'string' || rec.name.trim() === '') fail(file, `${where} has no name (a non-empty string)`);
  if (typeof rec.description !== 'string') fail(file, `scenario "${rec.name}" has no description (a string)`);
  const model = rec.model as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) fail(file, `scenario "${rec.name}" has no model`);
  for (const fn of ['init', 'actions', 'next']) {
    if (typeof model[fn] !== 'function') fail(file, `scenario "${rec.name}": model.${fn} is not a function`);
  }
  const expect = validateExpect(file, `scenario "${rec.name}"`, rec.expect);
  if (typeof expect === 'object') {
    const props = [...Object.keys((model.invariants as object | undefined) ?? {}), ...Object.keys((model.sometimes as object | undefined) ?? {}), 'deadlock'];
    if (!props.includes(expect.violates)) {
      fail(file, `scenario "${rec.name}" expects a violation of "${expect.violates}", which is none of its properties (${props.join(', ')})`);
    }
  }
  const scenario: Scenario = { name: rec.name, description: rec.description, model: model as unknown as Scenario['model'], expect };
  if (rec.options !== undefined) scenario.options = validateOptions(file, `scenario "${rec.name}"`, rec.options);
  return scenario;
}

/** Imports a scenario file and validates what it exports. */
export async function loadScenarioFile(path: string): Promise<LoadedScenario[]> {
  const file = relative(process.cwd(), resolve(path)) || path;
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return fail(file, `does not load: ${msg}`);
  }
  const exported = mod.default;
  if (exported === undefined) fail(file, 'has no default export (export default a scenario, or an array of them)');
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0) fail(file, 'exports an empty array of scenarios');
  return list.map((x, i) => ({ file, scenario: validateScenario(file, Array.isArray(exported) ? `scenario #${i}` : 'the default export', x) }));
}

/**
 * Resolves the command line's targets (files, directories or scenario names) to scenarios.
 * No target means every scenario under `scenariosDir`.
 */
export async function loadTargets(targets: readonly string[], scenariosDir: string): Promise<LoadedScenario[]> {
  const loadDir = async (dir: string): Promise<LoadedScenario[]> => {
    const out: LoadedScenario[] = [];
    for (const f of scenarioFiles(dir)) out.push(...(await loadScenarioFile(f)));
    return out;
  };
  let all: LoadedScenario[] | undefined;
  const out: LoadedScenario[] = [];
  if (targets.length === 0 && !existsSync(scenariosDir)) {
    throw new UsageError(`there is no ${scenariosDir}/ directory in ${process.cwd()}: run writepath from the project's root, or name scenario files`);
  }
  for (const t of targets.length === 0 ? [scenariosDir] : targets) {
    if (existsSync(t)) {
      out.push(...(statSync(t).isDirectory() ? await loadDir(t) : await loadScenarioFile(t)));
      continue;
    }
    if (!existsSync(scenariosDir)) throw new UsageError(`${t}: no such file, and there is no ${scenariosDir}/ directory to look for a scenario of that name`);
    all ??= await loadDir(scenariosDir);
    const byName = all.filter((l) => l.scenario.name === t);
    if (byName.length === 0) throw new UsageError(`${t}: no such file, and no scenario under ${scenariosDir}/ has that name (see "writepath list")`);
    out.push(...byName);
  }
  // The same scenario named twice on the command line runs once; two scenarios with one name is an error.
  const seen = new Map<string, LoadedScenario>();
  const unique: LoadedScenario[] = [];
  for (const l of out) {
    const other = seen.get(l.scenario.name);
    if (other === undefined) {
      seen.set(l.scenario.name, l);
      unique.push(l);
    } else if (other.scenario !== l.scenario) {
      throw new UsageError(`${l.file}: scenario name "${l.scenario.name}" is also used by ${other.file === l.file ? 'another scenario in the same file' : other.file}`);
    }
  }
  return unique;
}
