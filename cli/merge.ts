/**
 * `writepath merge`: combines the `--json` documents of swarm shards (`--shard I/N`), each run
 * as its own process by any batch system, into one result per scenario. A violation in any
 * shard is a violation (with the shortest trace found for each property); otherwise one
 * exhaustive shard that held proves the scenario holds; otherwise the result is incomplete.
 * Distinct-state counts cannot be added (shards overlap), so the merged figure is the largest
 * shard's, a lower bound; transitions and walks are summed.
 */
import { readFileSync } from 'node:fs';
import { meetsExpectation, type CheckResult, type Expectation } from '../checker/index.ts';
import { UsageError } from './errors.ts';

interface ShardResult extends CheckResult<unknown, unknown> {
  name: string;
  file: string;
  description: string;
  expect: Expectation;
  met: boolean;
}

export interface MergedResult extends ShardResult {
  shards: number;
  seeds: number[];
}

function fail(file: string, problem: string): never {
  throw new UsageError(`${file}: ${problem}`);
}

/** Reads and checks one --json document; returns its results. */
export function readShard(file: string): ShardResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return fail(file, `cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail(file, `is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const rec = doc as { tool?: unknown; results?: unknown };
  if (typeof doc !== 'object' || doc === null || rec.tool !== 'writepath') fail(file, 'is not the output of writepath check --json (no "tool": "writepath")');
  if (!Array.isArray(rec.results)) fail(file, 'has no "results" array');
  rec.results.forEach((r: unknown, i: number) => {
    const x = r as Record<string, unknown>;
    if (typeof x !== 'object' || x === null) fail(file, `results[${i}] is not an object`);
    if (typeof x.name !== 'string') fail(file, `results[${i}].name is not a string`);
    if (!['ok', 'violation', 'incomplete', 'error'].includes(x.status as string)) fail(file, `results[${i}].status is not ok, violation, incomplete or error`);
    for (const k of ['distinctStates', 'transitions', 'depth', 'elapsedMs']) if (typeof x[k] !== 'number') fail(file, `results[${i}].${k} is not a number`);
    if (!Array.isArray(x.violations)) fail(file, `results[${i}].violations is not an array`);
    if (x.expect === undefined) fail(file, `results[${i}].expect is missing`);
  });
  return rec.results as ShardResult[];
}

/** Merges the results of one scenario from several shards. */
export function mergeOne(parts: readonly ShardResult[]): MergedResult {
  const first = parts[0]!;
  const statusOf = (s: string): boolean => parts.some((p) => p.status === s);
  const status = statusOf('violation') ? 'violation' : statusOf('error') ? 'error' : statusOf('ok') ? 'ok' : 'incomplete';
  const byProperty = new Map<string, ShardResult['violations'][number]>();
  for (const p of parts) {
    for (const v of p.violations) {
      const best = byProperty.get(v.property);
      if (best === undefined || (v.trace.length > 0 && (best.trace.length === 0 || v.trace.length < best.trace.length))) byProperty.set(v.property, v);
    }
  }
  const merged: MergedResult = {
    ...first,
    status,
    distinctStates: Math.max(...parts.map((p) => p.distinctStates)),
    transitions: parts.reduce((n, p) => n + p.transitions, 0),
    depth: Math.max(...parts.map((p) => p.depth)),
    elapsedMs: Math.max(...parts.map((p) => p.elapsedMs)),
    violations: status === 'violation' || status === 'error' ? [...byProperty.values()] : [],
    shards: parts.length,
    seeds: parts.flatMap((p) => (p.seed === undefined ? [] : [p.seed])),
  };
  const walks = parts.reduce((n, p) => n + (p.walks ?? 0), 0);
  if (walks > 0) merged.walks = walks;
  const coverage: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.coverage ?? {})) coverage[k] = (coverage[k] ?? 0) + n;
  merged.coverage = coverage;
  if (status !== 'incomplete') delete merged.incompleteReason;
  if (status === 'violation' || status === 'ok') delete merged.hint;
  delete merged.schedule;
  delete merged.seed;
  merged.met = meetsExpectation(merged, first.expect);
  return merged;
}

/** Merges whole documents: one merged result per scenario name, in first-seen order. */
export function mergeFiles(files: readonly string[]): MergedResult[] {
  const groups = new Map<string, ShardResult[]>();
  for (const f of files) {
    for (const r of readShard(f)) {
      const g = groups.get(r.name) ?? [];
      g.push(r);
      groups.set(r.name, g);
    }
  }
  return [...groups.values()].map(mergeOne);
}
