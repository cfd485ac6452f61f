/**
 * Finding and loading scenario files. A scenario file is a module whose default export is a
 * scenario `{ name, description, model, expect, options? }` or an array of them. Everything a
 * user can get wrong here becomes a UsageError that names the file and the problem.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CheckOptions, Expectation, Scenario, ScenarioChange } from '../checker/index.ts';
import { UsageError } from './errors.ts';

export interface LoadedScenario {
  /** The file as shown to the user (relative to the working directory when below it). */
  file: string;
  /** Its absolute path, and the scenario's index among the file's exports. */
  path: string;
  index: number;
  scenario: Scenario;
}

const SCENARIO_FILE = /\.(ts|mts|js|mjs)$/;
const OPTION_KEYS = new Set(['strategy', 'maxStates', 'maxDepth', 'timeLimitMs', 'stopAtFirst', 'sanity', 'progress']);

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
  if (rec.progress !== undefined && typeof rec.progress !== 'boolean') fail(file, `${where}.options.progress must be a boolean`);
  if (rec.stopAtFirst !== undefined && typeof rec.stopAtFirst !== 'boolean') fail(file, `${where}.options.stopAtFirst must be a boolean`);
  if (rec.sanity !== undefined && !['default', 'paranoid', 'off'].includes(rec.sanity as string)) fail(file, `${where}.options.sanity must be "default", "paranoid" or "off"`);
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
    const props = [...Object.keys((model.invariants as object | undefined) ?? {}), ...Object.keys((model.sometimes as object | undefined) ?? {}), 'deadlock', 'progress'];
    if (!props.includes(expect.violates)) {
      fail(file, `scenario "${rec.name}" expects a violation of "${expect.violates}", which is none of its properties (${props.join(', ')})`);
    }
  }
  const scenario: Scenario = { name: rec.name, description: rec.description, model: model as unknown as Scenario['model'], expect };
  if (rec.options !== undefined) scenario.options = validateOptions(file, `scenario "${rec.name}"`, rec.options);
  if (typeof rec.derive === 'function') scenario.derive = rec.derive as Scenario['derive'] & object;
  return scenario;
}

/** A file's name as the user should see it: relative below the working directory, else absolute. */
export function displayName(path: string): string {
  const abs = resolve(path);
  const rel = relative(process.cwd(), abs);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? abs : rel;
}

/**
 * Where in `abs` an error points: esbuild's "file:line:col: ERROR" for a syntax error, else
 * the first stack frame in the file (tsx maps it back to the TypeScript source).
 */
export function errorLocation(abs: string, e: unknown): string | undefined {
  const text = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
  const esc = abs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(?:file://)?${esc}(?:\\?[^:\\s]*)?:(\\d+):(\\d+)`).exec(text);
  return m === null ? undefined : `${m[1]}:${m[2]}`;
}

/**
 * Where in the source a ScenarioError's first problem is: the offending string literal, else
 * the field's own key, else the scenario's name. A scenario file compiled to CommonJS has no
 * source map in its stack, so the source itself is searched.
 */
export function locateProblem(abs: string, e: Error): string | undefined {
  const problems = (e as { problems?: Array<{ field: string; value?: string }> }).problems;
  const first = problems?.[0];
  if (first === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
  const at = (i: number): string => {
    const before = text.slice(0, i).split('\n');
    return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
  };
  const quoted = (v: string) => [`'${v}'`, `"${v}"`, `\`${v}\``].map((q) => text.indexOf(q)).filter((i) => i >= 0);
  if (first.value !== undefined && first.value !== '') {
    const hits = quoted(first.value);
    if (hits.length > 0) return at(Math.min(...hits));
  }
  const key = first.field.split(/[.[\]]/).filter((k) => k !== '' && !/^\d+$/.test(k)).pop();
  if (key !== undefined) {
    const m = new RegExp(`\\b${key.replace(/[^\w$]/g, '')}\\s*:`).exec(text);
    if (m !== null) return at(m.index);
  }
  const name = (e as { scenario?: string }).scenario;
  if (name !== undefined && name !== '') {
    const hits = quoted(name);
    if (hits.length > 0) return at(Math.min(...hits));
  }
  return undefined;
}

/** The problem an import error describes, without the stack and without esbuild's preamble. */
function loadProblem(abs: string, e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const esbuild = new RegExp(`^(?:file://)?[^\\n]*?:\\d+:\\d+: ERROR: (.*)$`, 'm').exec(e.message);
  if (esbuild !== null) return `syntax error: ${esbuild[1]}`;
  // A ScenarioError comes from spec/validate.ts (through the file's own copy of the spec).
  if (e.name === 'ScenarioError') return e.message;
  return `does not load: ${e.message.split('\n')[0]}`;
}

const IMPORTED = new Map<string, Promise<{ default?: unknown }>>();

/**
 * Imports a scenario module from any directory. A plain import() works in an ES module
 * package; a .ts file outside one (no package.json, or "type": "commonjs") is compiled to
 * CommonJS by tsx, and requiring the spec's ES modules from it fails, so such a file is
 * loaded again through tsx's tsImport, which loads it as an ES module. Each file is imported
 * once per process, so a file named twice yields the same scenario objects.
 */
function importScenarioModule(abs: string): Promise<{ default?: unknown }> {
  let p = IMPORTED.get(abs);
  if (p === undefined) {
    const url = pathToFileURL(abs).href;
    p = (import(url) as Promise<{ default?: unknown }>).catch(async (e: unknown) => {
      if (!(e instanceof Error) || !/require\(\) ES Module|ERR_REQUIRE|Cannot use import statement|Unexpected token 'export'/.test(`${e.message} ${(e as { code?: string }).code ?? ''}`)) throw e;
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(url, import.meta.url)) as { default?: unknown };
    });
    IMPORTED.set(abs, p);
  }
  return p;
}

/** What a module exports as its default: a CommonJS module compiled from ESM nests it once more. */
function defaultExport(mod: { default?: unknown }): unknown {
  const d = mod.default;
  if (typeof d === 'object' && d !== null && !Array.isArray(d) && !('model' in d) && 'default' in d) return (d as { default: unknown }).default;
  return d;
}

/** Imports a scenario file and validates what it exports. */
export async function loadScenarioFile(path: string): Promise<LoadedScenario[]> {
  const abs = resolve(path);
  const file = displayName(path);
  let mod: { default?: unknown };
  try {
    mod = await importScenarioModule(abs);
  } catch (e) {
    const at = (e instanceof Error && e.name === 'ScenarioError' ? locateProblem(abs, e) : undefined) ?? errorLocation(abs, e);
    throw new UsageError(`${file}${at === undefined ? '' : `:${at}`}: ${loadProblem(abs, e)}`);
  }
  const exported = defaultExport(mod);
  if (exported === undefined) fail(file, 'has no default export (export default a scenario, or an array of them)');
  const list = Array.isArray(exported) ? exported : [exported];
  if (list.length === 0) fail(file, 'exports an empty array of scenarios');
  return list.map((x, i) => ({ file, path: abs, index: i, scenario: validateScenario(file, Array.isArray(exported) ? `scenario #${i}` : 'the default export', x) }));
}

export interface Loaded {
  scenarios: LoadedScenario[];
  /** One message per file that did not load or whose scenario is invalid; the others still run. */
  problems: string[];
}

/**
 * Resolves the command line's targets (files, directories or scenario names) to scenarios.
 * No target means every scenario under `scenariosDir`. A file that does not load is reported
 * in `problems` and the other files still load; a target that names nothing is an error.
 */
export async function loadTargets(targets: readonly string[], scenariosDir: string, precheck?: (paths: string[]) => Map<string, string[]>): Promise<Loaded> {
  const problems: string[] = [];
  // Files with problems found before they are imported (--typecheck): reported, not loaded.
  const refused = precheck?.(
    (targets.length === 0 ? [scenariosDir] : targets).filter((t) => existsSync(t)).flatMap((t) => (statSync(t).isDirectory() ? scenarioFiles(t) : [t]).map((f) => resolve(f))),
  );
  const loadFile = async (f: string): Promise<LoadedScenario[]> => {
    const before = refused?.get(resolve(f));
    if (before !== undefined) {
      for (const p of before) if (!problems.includes(p)) problems.push(p);
      return [];
    }
    try {
      return await loadScenarioFile(f);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      if (!problems.includes(e.message)) problems.push(e.message);
      return [];
    }
  };
  const loadDir = async (dir: string): Promise<LoadedScenario[]> => {
    const out: LoadedScenario[] = [];
    for (const f of scenarioFiles(dir)) out.push(...(await loadFile(f)));
    return out;
  };
  let all: LoadedScenario[] | undefined;
  const out: LoadedScenario[] = [];
  if (targets.length === 0 && !existsSync(scenariosDir)) {
    throw new UsageError(`there is no ${scenariosDir}/ directory in ${process.cwd()}: run writepath from the project's root, or name scenario files`);
  }
  for (const t of targets.length === 0 ? [scenariosDir] : targets) {
    if (existsSync(t)) {
      out.push(...(statSync(t).isDirectory() ? await loadDir(t) : await loadFile(t)));
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
  const scenarios: LoadedScenario[] = [];
  for (const l of out) {
    const other = seen.get(l.scenario.name);
    if (other === undefined) {
      seen.set(l.scenario.name, l);
      scenarios.push(l);
    } else if (other.scenario !== l.scenario) {
      problems.push(`${l.file}: scenario name "${l.scenario.name}" is also used by ${other.file === l.file ? 'another scenario in the same file' : other.file}`);
    }
  }
  return { scenarios, problems };
}

/** Keeps only the named properties of a model that has no `derive` (any checker model). */
function restrictProperties(file: string, s: Scenario, properties: readonly string[]): Scenario {
  const inv = s.model.invariants ?? {};
  const some = s.model.sometimes ?? {};
  const known = [...Object.keys(inv), ...Object.keys(some)];
  const unknown = properties.find((p) => !known.includes(p));
  if (unknown !== undefined) fail(file, `--property ${unknown}: scenario "${s.name}" has no such property; one of ${known.join(', ')}`);
  const pick = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).filter(([k]) => properties.includes(k)));
  return { ...s, model: { ...s.model, invariants: pick(inv), sometimes: pick(some) } };
}

/**
 * The scenario under the command line's --knob and --property settings, validated as the
 * file is: an unknown knob, variant or property is a UsageError naming the file and the choices.
 */
export function applyChange(l: LoadedScenario, change: ScenarioChange): LoadedScenario {
  const knobs = Object.keys(change.knobs ?? {});
  if (knobs.length === 0 && change.properties === undefined) return l;
  const s = l.scenario;
  let derived: Scenario;
  if (s.derive !== undefined) {
    try {
      derived = s.derive(change);
    } catch (e) {
      if (e instanceof Error && e.name === 'ScenarioError') fail(l.file, `with ${describeChange(change)}: ${e.message}`);
      throw e;
    }
  } else {
    if (knobs.length > 0) fail(l.file, `--knob ${knobs[0]}: scenario "${s.name}" has no knobs (only scenarios built with the spec's scenario() do)`);
    derived = restrictProperties(l.file, s, change.properties ?? []);
  }
  return { ...l, scenario: validateScenario(l.file, `scenario "${s.name}" with ${describeChange(change)}`, derived) };
}

function describeChange(c: ScenarioChange): string {
  return [...Object.entries(c.knobs ?? {}).map(([k, v]) => `--knob ${k}=${v}`), ...(c.properties ?? []).map((p) => `--property ${p}`)].join(' ');
}
