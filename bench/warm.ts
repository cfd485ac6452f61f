/**
 * One scenario searched several times in one process: the first round is what `bench/one.ts`
 * (a fresh process) measures, warm-up included; the later rounds are the per-state cost once V8
 * has compiled the spec's hot code. Separates the two when a search is short.
 * Usage: tsx bench/warm.ts [SCENARIO_FILE] [ROUNDS]
 */
import { check } from '../checker/index.ts';
import { loadScenarioFile } from '../cli/load.ts';

const file = process.argv[2] ?? 'scenarios/xfs-sw-atomic-vs-atomic-merged.ts';
const rounds = Number(process.argv[3] ?? 8);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench/warm.ts: ROUNDS must be an integer >= 1, got ${JSON.stringify(process.argv[3])}`);
  process.exit(2);
}
// The CLI's loader: a missing file, a module that does not load or exports no valid scenario is a
// message naming the file, never a stack trace.
const loaded = await loadScenarioFile(file).catch((e: unknown) => {
  console.error(`bench/warm.ts: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
const s = loaded[0]!.scenario;
for (let i = 1; i <= rounds; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = check(s.model, { ...s.options });
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1000;
  const wall = performance.now() - t0;
  const rate = (ms: number) => Math.round((r.distinctStates / ms) * 1000).toLocaleString('en-US');
  console.log(`round ${i}: ${r.status}, ${r.distinctStates.toLocaleString('en-US')} states, ${wall.toFixed(0)} ms wall (${rate(wall)} states/s), ${cpu.toFixed(0)} ms CPU (${rate(cpu)} states/CPU-s)`);
}
