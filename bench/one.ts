/**
 * Runs one benchmark in this process and prints one JSON line, so that bench/run.ts can give
 * each benchmark its own process and report its peak RSS.
 * Usage: tsx bench/one.ts NAME
 */
import { check, canonicalJson, type CheckResult, type Model } from '../checker/index.ts';
import { counters, immerWorld } from './models.ts';

type AnyModel = Model<unknown, unknown>;

const benches: Record<string, () => { model: AnyModel; strategy: 'bfs' | 'dfs' }> = {
  'counters bfs': () => ({ model: counters() as AnyModel, strategy: 'bfs' }),
  'counters dfs': () => ({ model: counters() as AnyModel, strategy: 'dfs' }),
  'counters-27M bfs': () => ({ model: counters(4, 72) as AnyModel, strategy: 'bfs' }),
  'immer default-fingerprint': () => ({ model: immerWorld(4, 6) as AnyModel, strategy: 'bfs' }),
  'immer JSON.stringify-key': () => ({ model: { ...immerWorld(4, 6), key: (s: unknown) => canonicalJson(s) } as AnyModel, strategy: 'bfs' }),
};

const name = process.argv[2];
const make = name === undefined ? undefined : benches[name];
if (make === undefined) {
  process.stderr.write(`bench/one.ts: unknown benchmark ${JSON.stringify(name)}; known: ${Object.keys(benches).join(', ')}\n`);
  process.exit(2);
}
const { model: bare, strategy } = make();
// Time spent inside the model's own functions, to show how much of a run is the checker's.
let modelMs = 0;
const timed = <F extends (...args: never[]) => unknown>(f: F): F =>
  ((...args: Parameters<F>) => {
    const t0 = performance.now();
    try {
      return f(...args);
    } finally {
      modelMs += performance.now() - t0;
    }
  }) as F;
const model: AnyModel = process.env.BENCH_TIME_MODEL === '1' ? { ...bare, next: timed(bare.next), actions: timed(bare.actions) } : bare;
const r: CheckResult<unknown, unknown> = check(model, { strategy });
process.stdout.write(
  `${JSON.stringify({
    name,
    model: model.name,
    status: r.status,
    distinctStates: r.distinctStates,
    transitions: r.transitions,
    elapsedMs: Math.round(r.elapsedMs),
    statesPerSecond: r.statesPerSecond,
    bytesPerState: Number(r.bytesPerState.toFixed(1)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(process.env.BENCH_TIME_MODEL === '1' ? { modelMs: Math.round(modelMs) } : {}),
  })}\n`,
);
