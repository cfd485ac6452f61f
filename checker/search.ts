/**
 * `check`: one entry point, one strategy per file (bfs.ts, dfs.ts, random.ts), all over the
 * shared engine (engine.ts). Visited states are kept as 64-bit fingerprints (store.ts) or bits
 * (bitstate.ts); a counterexample is rebuilt by re-executing the recorded action indexes from
 * the initial state, as TLC does (trace.ts).
 */
import type { CheckOptions, CheckResult, Model } from './types.ts';
import { Engine } from './engine.ts';
import { bfs } from './bfs.ts';
import { dfs } from './dfs.ts';
import { randomWalks } from './random.ts';
import { withSanity } from './sanity.ts';
import { withProgress } from './progress.ts';

/** Explores the reachable states of `model` and checks its properties. */
export function check<S, A>(model: Model<S, A>, options: CheckOptions = {}): CheckResult<S, A> {
  const e = new Engine(withSanity(model, options.sanity), options);
  const strategy = options.strategy ?? 'bfs';
  const result = e.run(strategy === 'dfs' ? dfs : strategy === 'random' ? randomWalks : bfs);
  return options.progress === true ? withProgress(model, result, options) : result;
}
