/**
 * Where a parallel compact search's wall time goes, against the sequential search in the same
 * process: start-up (workers booting and loading the model), the workers' expansion, messaging
 * at the level barriers, the coordinator's serial work between levels, and the finish.
 * Usage: tsx bench/worker-phases.ts MODEL N WORKERS [ROUNDS] [wait] [small=LEVEL], e.g. `peterson 4 1 3`
 * or `hanoi 12 1 3`; `wait` waits for the workers to start before the first level, `small=0`
 * gives every level to the workers (together: the search as it was before issue 10g); `cold`
 * drops the model's cached worker bundle before each parallel run, so that it is compiled again.
 * Rounds alternate sequential and parallel runs; CPU is the whole process's (all threads).
 */
import { loadavg } from 'node:os';
import { checkCompact } from '../checker/compact.ts';
import { checkCompactParallel, newPhases } from '../checker/workers.ts';
import { loadCompactModel } from '../checker/model-ref.ts';
import { threadCpuMs } from '../checker/compact-protocol.ts';
import { forgetCachedBundle } from '../checker/worker-bundle.ts';

const [model, nArg, wArg, roundsArg, ...flags] = process.argv.slice(2);
const wait = flags.includes('wait');
const cold = flags.includes('cold');
const small = flags.find((f) => f.startsWith('small='));
const smallLevel = small === undefined ? undefined : Number(small.slice('small='.length));
if (model === undefined || nArg === undefined || wArg === undefined) {
  process.stderr.write('usage: tsx bench/worker-phases.ts MODEL N WORKERS [ROUNDS] [wait] [cold] [small=LEVEL]\n');
  process.exit(2);
}
const ref = { module: `bench/beem/${model}.ts`, export: model, args: [Number(nArg)] };
const workers = Number(wArg);
const rounds = Number(roundsArg ?? 3);
const cm = await loadCompactModel(ref);
const ms = (x: number): string => `${Math.round(x)}`;
const cpuMs = (c: NodeJS.CpuUsage): number => (c.user + c.system) / 1000;
console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
for (let r = 0; r < rounds; r++) {
  let c0 = process.cpuUsage();
  let w0 = performance.now();
  const s0 = threadCpuMs();
  const seq = checkCompact(cm);
  console.log(`sequential: ${seq.distinctStates} states, ${ms(performance.now() - w0)} ms wall, ${ms(cpuMs(process.cpuUsage(c0)))} ms CPU (its thread ${ms(threadCpuMs() - s0)})`);
  const p = newPhases();
  if (cold) forgetCachedBundle(ref);
  c0 = process.cpuUsage();
  const c1 = c0;
  w0 = performance.now();
  const par = await checkCompactParallel(ref, workers, {}, { phases: p, waitForWorkers: wait, smallLevel });
  const wall = performance.now() - w0;
  const rest = wall - p.loadMs - p.waitMs - p.coordinatorMs - p.expandMs - p.messagingMs - p.mergeMs - p.growMs - p.yieldMs - p.finishMs;
  console.log(
    `${workers} worker(s): ${par.distinctStates} states, ${ms(wall)} ms wall, ${ms(cpuMs(process.cpuUsage(c0)))} ms CPU = load ${ms(p.loadMs)} + waiting for workers ${ms(p.waitMs)} + coordinator alone ${ms(p.coordinatorMs)} (${p.coordinatorLevels} levels; workers from ${ms(p.handoverAtMs)} ms) + shared levels ${ms(p.expandMs)} (${p.levels} levels) + barriers ${ms(p.messagingMs)} + merge ${ms(p.mergeMs)} + table growth ${ms(p.growMs)} + yields to the pool's start ${ms(p.yieldMs)} + finish ${ms(p.finishMs)} + other ${ms(rest)}; workers started by ${p.boot}`,
  );
  const other = cpuMs(process.cpuUsage(c1)) - p.mainCpuMs - p.threadsCpuMs;
  console.log(
    `  CPU by thread: coordinator ${ms(p.mainCpuMs)} (alone ${ms(p.coordinatorCpuMs)}, its share of the shared levels ${ms(p.sharedCoordinatorCpuMs)}, merge ${ms(p.mergeCpuMs)}, growth ${ms(p.growCpuMs)}) + worker threads ${ms(p.threadsCpuMs)} (until ready ${ms(p.threadsStartCpuMs)}, their share of the shared levels ${ms(p.sharedCpuMs - p.sharedCoordinatorCpuMs)}) + V8's and libuv's threads ${ms(other)}; in the shared levels every participant's CPU summed ${ms(p.sharedCpuMs)}, their wall summed ${ms(p.busySumMs)}, the busiest participant's CPU summed ${ms(p.sharedCriticalCpuMs)}`,
  );
}
console.log(`load average ${loadavg()[0]!.toFixed(2)}`);
