/**
 * `npm run bench`: each benchmark in its own process (for an honest peak RSS), SPIN's exact
 * search on the same BEEM models where SPIN is installed, then one table and the ratios that
 * matter, all measured in this one run. Not part of `npm test`: the machines are shared and
 * noisy, so nothing here passes or fails on a number. Both wall-clock and CPU rates are shown:
 * on a loaded machine the CPU rate (states per CPU-second of this process, all threads) is the
 * steadier one; the speed-up of workers can only be read from wall-clock on an idle machine.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { loadavg, cpus } from 'node:os';
import { findSpin, runSpin, type SpinRun } from './spin.ts';
import { petersonPromela } from './beem/peterson.ts';
import { hanoiPromela } from './beem/hanoi.ts';
import { atPromela } from './beem/at.ts';
import { elevator2Promela } from './beem/elevator2.ts';

interface Row {
  name: string;
  status: string;
  distinctStates: number;
  transitions: number;
  elapsedMs: number;
  cpuMs: number;
  statesPerSecond: number;
  bytesPerState: number;
  peakRssMiB: number;
  ampleExpansions?: number;
}

/** A benchmark that could not run here (e.g. the before-issue-10 baseline without git). */
interface Skipped {
  name: string;
  skipped: string;
}

const here = dirname(fileURLToPath(import.meta.url));

function run(name: string): Row | Skipped {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'one.ts'), name], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`benchmark "${name}" failed with exit ${r.status}`);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Row | Skipped;
}

/** The fixed loops of bench/calibrate.ts, in a process of their own: how steady CPU time is now. */
function calibrate(): { aluMs: number; memMs: number } | undefined {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'calibrate.ts')], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return JSON.parse(r.stdout.trim()) as { aluMs: number; memMs: number };
}

const only = process.argv.slice(2);
const names = [
  'counters bfs',
  'counters dfs',
  'counters-27M bfs',
  'immer default-fingerprint',
  'immer JSON.stringify-key',
  'peterson.4 compact',
  'peterson.4 compact 1 worker',
  'peterson.4 compact 2 workers',
  'peterson.4 object',
  'peterson.4 object+kinds',
  'peterson.4 object+encode+kinds',
  'peterson.4 object+POR',
  'peterson.4 as-object (number arrays)',
  'peterson.4 object (checker before issue 10)',
  'peterson.4 as-object (checker before issue 10)',
  'hanoi.2 compact',
  'hanoi.2 compact 1 worker',
  'hanoi.2 compact 2 workers',
  'hanoi.2 as-object',
  'hanoi.2 as-object (checker before issue 10)',
  'hanoi.2 object',
  'hanoi.2 object (checker before issue 10)',
  'at(4) compact',
  'at(4) compact 2 workers',
  'elevator2(10) as-object',
  'elevator2(10) as-object (checker before issue 10)',
  'elevator2(10) object',
  'elevator2(10) object (checker before issue 10)',
  'elevator2.3 compact',
  'elevator2.3 compact 2 workers',
  'spec xfs-sw-atomic-vs-atomic-merged',
  'spec xfs-sw-atomic-vs-plain-merged',
  'spec xfs-sw-atomic-vs-atomic-merged-power-loss',
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks',
  'spec ext4-punch-hole-vs-buffered-write-flusher',
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks 1 worker',
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks 2 workers',
  'spec ext4-punch-hole-vs-buffered-write-flusher 1 worker',
  'spec ext4-punch-hole-vs-buffered-write-flusher 2 workers',
  'spec scale three-writers-one-reader (60 s)',
  'spec torn + 2 readers',
  'spec torn + 2 readers +symmetry',
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks +view',
  'spec ext4-punch-hole-vs-buffered-write-flusher +view',
  'spec scale two-writers-one-reader',
  'spec scale two-writers-one-reader +view',
  'spec scale two-writers-one-reader +view+por',
  'spec scale three-writers-one-reader (60 s) +view',
  'spec torn + 2 readers +symmetry+view',
  'spec xfs-sw-atomic-vs-atomic-merged +symmetry+view',
  'spec scale two-writers-one-reader +symmetry+view',
  'spec scale three-writers-one-reader (60 s) +symmetry+view',
  'spec scale two-writers-one-reader +symmetry+view+por',
  'spec scale three-writers-one-reader (60 s) +symmetry+view+por',
  'spec scale three-writers-one-reader (60 s) +symmetry+view 2 workers',
].filter((n) => only.length === 0 || only.some((o) => n.includes(o)));

const load0 = loadavg()[0]!;
const cal0 = calibrate();
const results = names.map((n) => run(n));
const cal1 = calibrate();
const rows = results.filter((r): r is Row => !('skipped' in r));
const skipped = results.filter((r): r is Skipped => 'skipped' in r);
const spin = findSpin();
const spinModels: Array<[string, string]> = [
  ['peterson.4', petersonPromela(4)],
  ['hanoi.2', hanoiPromela(12)],
  ['at(4)', atPromela(4)],
  ['elevator2.3', elevator2Promela(13)],
];
const spinRows: Array<[string, SpinRun | string]> = spin === undefined ? [] : spinModels.filter(([n]) => names.some((x) => x.startsWith(n))).map(([n, p]) => [n, runSpin(spin, p)]);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const head = ['benchmark', 'status', 'states', 'transitions', 'wall ms', 'states/s', 'CPU ms', 'states/CPU-s', 'bytes/state', 'peak RSS MiB'];
const table = rows.map((r) => [r.name, r.status, fmt(r.distinctStates), fmt(r.transitions), fmt(r.elapsedMs), fmt(r.statesPerSecond), fmt(r.cpuMs), fmt(r.distinctStates / (r.cpuMs / 1000)), r.bytesPerState.toFixed(1), String(r.peakRssMiB)]);
for (const [n, s] of spinRows) {
  if (typeof s === 'string') table.push([`SPIN ${n}`, 'failed', s.slice(0, 60), '', '', '', '', '', '', '']);
  else table.push([`SPIN ${n} (-DNOREDUCE -DSAFETY)`, 'ok', fmt(s.states), fmt(s.transitions), fmt(s.elapsedMs), fmt(s.statesPerSecond), fmt(s.cpuMs), fmt(s.states / (s.cpuMs / 1000)), '', fmt(s.memoryMiB)]);
}
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`${cpus().length} CPUs, load average ${load0.toFixed(2)} before and ${loadavg()[0]!.toFixed(2)} after the run${spin === undefined ? '; SPIN not found (set SPIN= or install Debian\'s spin package)' : ''}`);
console.log(line(head));
for (const t of table) console.log(line(t));
for (const k of skipped) console.log(`${k.name}: skipped (${k.skipped})`);
if (cal0 !== undefined && cal1 !== undefined) {
  // On a quiet machine both loops take the same CPU time in every run; when they do not, the
  // CPU figures above moved with the machine, not with the code (bench/README.md, issue 10n).
  console.log(`calibration (bench/calibrate.ts, CPU ms of fixed loops, before/after): register-only ${cal0.aluMs}/${cal1.aluMs}, 16 MiB random reads ${cal0.memMs}/${cal1.memMs}`);
}

const by = Object.fromEntries(rows.map((r) => [r.name, r]));
const cpuRate = (r: Row | undefined): number => (r === undefined ? NaN : r.distinctStates / (r.cpuMs / 1000));
const ratio = (a: number, b: number): string => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : 'n/a');
console.log('');
const spinOf = (n: string): SpinRun | undefined => {
  const s = spinRows.find(([m]) => m === n)?.[1];
  return typeof s === 'object' ? s : undefined;
};
for (const m of ['peterson.4', 'hanoi.2', 'at(4)', 'elevator2.3']) {
  const s = spinOf(m);
  const c = by[`${m} compact`];
  const w = by[`${m} compact 2 workers`];
  if (s !== undefined && c !== undefined) {
    const spinCpu = s.states / (s.cpuMs / 1000);
    console.log(`${m}: compact ${fmt(cpuRate(c))} states/CPU-s vs SPIN ${fmt(spinCpu)} (${ratio(cpuRate(c), spinCpu)} of SPIN; wall-clock ${ratio(c.statesPerSecond, s.statesPerSecond)})${w === undefined ? '' : `; 2 workers wall-clock ${ratio(w.statesPerSecond, s.statesPerSecond)} of SPIN`}; SPIN states ${fmt(s.states)} vs ours ${fmt(c.distinctStates)}`);
  }
  if (c !== undefined && w !== undefined) console.log(`${m}: 2 workers vs sequential: ${ratio(c.elapsedMs, w.elapsedMs)} wall-clock speed-up`);
}
const o = by['peterson.4 object'];
const oh = by['peterson.4 object+encode+kinds'];
if (o !== undefined && oh !== undefined) console.log(`peterson.4 object contract: encode+kinds hooks ${ratio(cpuRate(oh), cpuRate(o))} the plain object model (CPU rate); kinds alone ${ratio(cpuRate(by['peterson.4 object+kinds']), cpuRate(o))}`);
const old = by['peterson.4 object (checker before issue 10)'];
if (old !== undefined) {
  const vs = (n: string, r: (x: Row) => number): string => (by[n] === undefined ? 'n/a' : ratio(r(by[n]!), r(old)));
  const rows10 = ['peterson.4 object', 'peterson.4 object+kinds', 'peterson.4 object+encode+kinds'];
  console.log(`peterson.4 object contract vs before issue 10: plain ${vs(rows10[0]!, cpuRate)}, +kinds ${vs(rows10[1]!, cpuRate)}, +encode+kinds ${vs(rows10[2]!, cpuRate)} (CPU rate); wall ${rows10.map((n) => vs(n, (x) => x.statesPerSecond)).join(', ')} (target 3x)`);
}
const spinP = spinOf('peterson.4');
if (spinP !== undefined && o !== undefined) {
  // Both: SPIN's wall-clock suffers most from a loaded machine, its CPU includes pan's system time.
  const times = ['peterson.4 object', 'peterson.4 object+encode+kinds'].map((n) => (by[n] === undefined ? 'n/a' : `${ratio(by[n]!.cpuMs, spinP.cpuMs)} CPU, ${ratio(by[n]!.elapsedMs, spinP.elapsedMs)} wall`));
  console.log(`peterson.4 object contract: plain ${times[0]}, +encode+kinds ${times[1]} of SPIN's time (issue 10 was filed at 10.5-14x)`);
}
for (const m of ['peterson.4 as-object', 'hanoi.2 as-object', 'elevator2(10) as-object', 'hanoi.2 object', 'elevator2(10) object']) {
  const now = by[m === 'peterson.4 as-object' ? 'peterson.4 as-object (number arrays)' : m];
  const before = by[`${m} (checker before issue 10)`];
  if (now !== undefined && before !== undefined) console.log(`${m} vs before issue 10: ${ratio(cpuRate(now), cpuRate(before))} (CPU rate), ${ratio(now.statesPerSecond, before.statesPerSecond)} (wall); states ${fmt(now.distinctStates)} vs ${fmt(before.distinctStates)}`);
}
const por = by['peterson.4 object+POR'];
if (o !== undefined && por !== undefined) console.log(`peterson.4 partial-order reduction: ${fmt(por.distinctStates)} of ${fmt(o.distinctStates)} states (factor ${ratio(o.distinctStates, por.distinctStates)}), ${fmt(por.ampleExpansions ?? 0)} ample expansions`);
const bfs = by['counters bfs'];
if (bfs !== undefined) console.log(`counters BFS: ${fmt(bfs.statesPerSecond)} states/s, ${bfs.bytesPerState.toFixed(1)} bytes/state`);
const def = by['immer default-fingerprint'];
const json = by['immer JSON.stringify-key'];
if (def !== undefined && json !== undefined) console.log(`immer states: default fingerprint ${ratio(cpuRate(def), cpuRate(json))} JSON.stringify keys (CPU rate)`);
for (const n of ['spec xfs-sw-atomic-vs-atomic-merged', 'spec xfs-sw-atomic-vs-plain-merged']) {
  const r = by[n];
  if (r !== undefined) console.log(`${n}: ${fmt(r.distinctStates)} states at ${fmt(r.statesPerSecond)} states/s wall, ${fmt(cpuRate(r))} per CPU-second (target 30,000)`);
}
for (const n of ['spec xfs-sw-atomic-vs-plain-merged-4-blocks', 'spec ext4-punch-hole-vs-buffered-write-flusher']) {
  const c = by[n];
  for (const w of [by[`${n} 1 worker`], by[`${n} 2 workers`]]) {
    if (c !== undefined && w !== undefined) console.log(`${w.name} vs check: ${ratio(c.elapsedMs, w.elapsedMs)} wall-clock speed-up, ${ratio(w.cpuMs, c.cpuMs)} the CPU; states ${fmt(w.distinctStates)} vs ${fmt(c.distinctStates)}`);
  }
}
const symFull = by['spec torn + 2 readers'];
const symRed = by['spec torn + 2 readers +symmetry'];
if (symFull !== undefined && symRed !== undefined) console.log(`spec symmetry reduction (two identical readers): ${fmt(symRed.distinctStates)} of ${fmt(symFull.distinctStates)} states (factor ${ratio(symFull.distinctStates, symRed.distinctStates)}), CPU ${ratio(symFull.cpuMs, symRed.cpuMs)} less`);
for (const n of ['spec xfs-sw-atomic-vs-plain-merged-4-blocks', 'spec ext4-punch-hole-vs-buffered-write-flusher', 'spec scale two-writers-one-reader', 'spec scale three-writers-one-reader (60 s)', 'spec torn + 2 readers +symmetry']) {
  const r = by[n];
  const v = by[`${n}${n.endsWith('symmetry') ? '+view' : ' +view'}`];
  if (r !== undefined && v !== undefined) console.log(`${n}: the clock view stores ${fmt(v.distinctStates)} of ${fmt(r.distinctStates)} states (${v.status} vs ${r.status}), CPU ${fmt(v.cpuMs)} vs ${fmt(r.cpuMs)} ms (${ratio(r.cpuMs, v.cpuMs)} less), CPU rate ${ratio(cpuRate(v), cpuRate(r))}`);
}
for (const [n, m] of [['spec xfs-sw-atomic-vs-atomic-merged', 'spec xfs-sw-atomic-vs-atomic-merged +symmetry+view'], ['spec scale two-writers-one-reader', 'spec scale two-writers-one-reader +symmetry+view']] as const) {
  const r = by[n];
  const v = by[m];
  if (r !== undefined && v !== undefined) console.log(`${n}: with data symmetry and the clock view (as writepath check runs it) ${fmt(v.distinctStates)} of ${fmt(r.distinctStates)} states (${v.status} vs ${r.status}), CPU ${fmt(v.cpuMs)} vs ${fmt(r.cpuMs)} ms (${ratio(r.cpuMs, v.cpuMs)} less)`);
}
for (const n of ['spec xfs-sw-atomic-vs-plain-merged-4-blocks', 'spec scale three-writers-one-reader (60 s)', 'spec scale three-writers-one-reader (60 s) +view', 'spec scale three-writers-one-reader (60 s) +symmetry+view', 'spec scale three-writers-one-reader (60 s) +symmetry+view 2 workers']) {
  const r = by[n];
  if (r !== undefined) console.log(`${n}: ${r.status}, ${fmt(r.distinctStates)} states in ${fmt(r.elapsedMs)} ms wall, ${fmt(r.cpuMs)} ms CPU (target: exhausted within 60 s)`);
}
