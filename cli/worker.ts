/**
 * The search runs in a worker thread so that the main thread's event loop stays free to
 * take Ctrl-C: SIGINT sets a shared flag, the search polls it (CheckOptions.shouldStop) and
 * returns what it has so far. The worker loads the scenario files itself (a model holds
 * functions, which cannot be sent between threads) and sends back plain results.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { check, type CheckOptions, type CheckResult, type ScenarioChange } from '../checker/index.ts';
import { jsonSafe } from '../checker/printable.ts';
import { applyChange, loadScenarioFile } from './load.ts';
import { withReductions, type Reductions } from './reductions.ts';
import { ObjectPool } from '../checker/object-workers.ts';

export interface Job {
  /** Absolute path of the scenario file, and the scenario's index among its exports. */
  path: string;
  index: number;
  change: ScenarioChange;
  /** The command line's options (without callbacks). */
  options: CheckOptions;
  /**
   * Reductions the command line allows (--no-por, --no-symmetry, --no-view turn them off). They passed
   * their soundness tests (test/checker-reductions.test.ts), so they are on whenever the
   * scenario's model gives what they need.
   */
  reductions: Reductions;
}

export interface WorkerInput {
  module: string;
  jobs: Job[];
  /** Int32Array view: [0] != 0 asks the current search to stop. */
  stop: SharedArrayBuffer;
  progress: boolean;
  /** --workers N: run each search on this many threads (one pool for every job). */
  workers?: number;
}

export type WorkerMessage =
  | { type: 'progress'; job: number; progress: NonNullable<Parameters<NonNullable<CheckOptions['onProgress']>>[0]> }
  | { type: 'result'; job: number; result: CheckResult<unknown, unknown> }
  | { type: 'failed'; job: number; message: string };

const input = workerData as WorkerInput;
const stop = new Int32Array(input.stop);
const port = parentPort!;

function send(m: WorkerMessage): void {
  try {
    port.postMessage(m);
  } catch {
    // A state the structured clone cannot copy (a function, a symbol): send a printable copy.
    port.postMessage(jsonSafe(m));
  }
}

// Loading the spec costs each worker about half a second: one pool serves every scenario.
const pool = input.workers === undefined ? undefined : ObjectPool.start(input.workers);
const scenarioModule = fileURLToPath(new URL('./scenario-model.ts', import.meta.url));

for (const [i, job] of input.jobs.entries()) {
  if (Atomics.load(stop, 0) !== 0) break;
  try {
    const loaded = (await loadScenarioFile(job.path))[job.index];
    if (loaded === undefined) throw new Error(`${job.path} has no scenario #${job.index} any more`);
    const l = applyChange(loaded, job.change);
    // The parallel search cannot reduce by partial order (main.ts says so when it applies).
    const options = withReductions(l.scenario, { ...l.scenario.options, ...job.options, shouldStop: () => Atomics.load(stop, 0) !== 0 }, job.reductions, pool !== undefined);
    if (input.progress) options.onProgress = (p) => send({ type: 'progress', job: i, progress: p });
    const result = pool === undefined ? check(l.scenario.model, options) : await pool.check({ module: scenarioModule, export: 'scenarioModel', args: [job.path, job.index, job.change] }, options);
    send({ type: 'result', job: i, result });
  } catch (e) {
    send({ type: 'failed', job: i, message: e instanceof Error ? e.message : String(e) });
  }
}
await pool?.close();
