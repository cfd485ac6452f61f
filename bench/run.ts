/**
 * `npm run bench`: each benchmark in its own process (for an honest peak RSS), then a table and
 * the ratios that matter, all measured in this one run. Not part of `npm test`: the machines
 * are shared and noisy, so nothing here passes or fails on a number.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

interface Row {
  name: string;
  model: string;
  status: string;
  distinctStates: number;
  transitions: number;
  elapsedMs: number;
  statesPerSecond: number;
  bytesPerState: number;
  peakRssMiB: number;
  modelMs?: number;
}

const here = dirname(fileURLToPath(import.meta.url));

function run(name: string, timeModel = false): Row {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'one.ts'), name], {
    encoding: 'utf8',
    env: { ...process.env, BENCH_TIME_MODEL: timeModel ? '1' : '0' },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`benchmark "${name}" failed with exit ${r.status}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row;
}

const names = ['counters bfs', 'counters dfs', 'counters-27M bfs', 'immer default-fingerprint', 'immer JSON.stringify-key'];
const rows = names.map((n) => run(n));
const timedImmer = run('immer default-fingerprint', true);

const fmt = (n: number): string => n.toLocaleString('en-US');
const head = ['benchmark', 'model', 'states', 'transitions', 'time ms', 'states/s', 'bytes/state', 'peak RSS MiB'];
const table = rows.map((r) => [r.name, r.model, fmt(r.distinctStates), fmt(r.transitions), fmt(r.elapsedMs), fmt(r.statesPerSecond), r.bytesPerState.toFixed(1), String(r.peakRssMiB)]);
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(line(head));
for (const t of table) console.log(line(t));

const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
const bfs = byName['counters bfs']!;
const big = byName['counters-27M bfs']!;
const def = byName['immer default-fingerprint']!;
const json = byName['immer JSON.stringify-key']!;
console.log('');
console.log(`BFS on ${fmt(bfs.distinctStates)} states: ${fmt(bfs.statesPerSecond)} distinct states/s (target ≥ 500,000: ${bfs.statesPerSecond >= 500_000 ? 'met' : 'NOT met'}), ${bfs.bytesPerState.toFixed(1)} bytes/state (target ≤ 24: ${bfs.bytesPerState <= 24 ? 'met' : 'NOT met'})`);
console.log(`Past the 2^24 entries of a V8 Set or Map: ${fmt(big.distinctStates)} states at ${fmt(big.statesPerSecond)} states/s, ${big.bytesPerState.toFixed(1)} bytes/state, peak RSS ${fmt(big.peakRssMiB)} MiB`);
console.log(`immer states: default fingerprint ${fmt(def.statesPerSecond)} states/s vs JSON.stringify keys ${fmt(json.statesPerSecond)} states/s: ${(def.statesPerSecond / json.statesPerSecond).toFixed(1)}x`);
if (timedImmer.modelMs !== undefined) {
  const share = timedImmer.modelMs / timedImmer.elapsedMs;
  console.log(`  of which the model's own next()/actions() (immer produce): ${fmt(timedImmer.modelMs)} of ${fmt(timedImmer.elapsedMs)} ms (${Math.round(share * 100)}%), so the checker's part runs at ${fmt(Math.round(timedImmer.distinctStates / ((timedImmer.elapsedMs - timedImmer.modelMs) / 1000)))} states/s`);
}
