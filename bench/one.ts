/**
 * Runs one benchmark in this process and prints one JSON line, so that bench/run.ts can give
 * each benchmark its own process and report its peak RSS.
 * Usage: tsx bench/one.ts NAME
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { check, canonicalJson, type CheckOptions, type CheckResult, type Model, type Scenario } from '../checker/index.ts';
import { checkCompact, asObjectModel } from '../checker/compact.ts';
import { checkCompactParallel } from '../checker/workers.ts';
import { bundleWorker, cachedBundle } from '../checker/worker-bundle.ts';
import { loadCompactModel, type ModelRef } from '../checker/model-ref.ts';
import { ObjectPool } from '../checker/object-workers.ts';
import { counters, immerWorld } from './models.ts';
import { peterson } from './beem/peterson.ts';
import { hanoi } from './beem/hanoi.ts';
import { atFull } from './one-at.ts';
import { petersonObject } from './beem/peterson-object.ts';
import { elevator2 } from './beem/elevator2.ts';
import { hanoiObject } from './beem/hanoi-object.ts';
import { elevator2Object } from './beem/elevator2-object.ts';
import type { Settings } from '../spec/types.ts';
import { loadCheckerBeforeIssue10 } from './before-10.ts';

type AnyModel = Model<unknown, unknown>;
type Run = () => Promise<CheckResult<unknown, unknown>> | CheckResult<unknown, unknown>;


/**
 * A scenario's search, with the scenario (and the spec) loaded before the CPU clock starts:
 * compiling the spec's modules through tsx takes about half a second, which is not the search's.
 */
function scenario(file: string, options: CheckOptions = {}): Prepared {
  return {
    prepare: async () => {
      const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: Scenario | Scenario[] };
      const s = Array.isArray(mod.default) ? mod.default[0]! : mod.default;
      return () => check(s.model, { ...s.options, ...options });
    },
  };
}

/**
 * The same search on `workers` threads (checker/object-workers.ts), with a pool that has already
 * loaded the spec (a warm-up search of one state): a CLI run pays that start once for all its
 * scenarios. The CPU figure is the whole process's, every thread's.
 */
function scenarioWorkers(file: string, workers: number, extra: CheckOptions = {}): Prepared {
  return {
    prepare: async () => {
      const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: Scenario | Scenario[] };
      const s = Array.isArray(mod.default) ? mod.default[0]! : mod.default;
      const ref = { module: 'cli/scenario-model.ts', export: 'scenarioModel', args: [resolve(file), 0, {}] };
      const pool = ObjectPool.start(workers);
      await pool.check(ref, { maxStates: 1 });
      return async () => {
        try {
          return await pool.check(ref, { ...s.options, ...extra });
        } finally {
          await pool.close();
        }
      };
    },
  };
}

interface Prepared {
  /** The search to time, or why this benchmark is skipped here. */
  prepare(): Promise<Run | { skipped: string }>;
}

/** `model` through the checker of the commit before issue 10 (bench/before-10.ts), extracted before the clock starts. */
function beforeIssue10(model: () => Model<unknown, unknown>): Prepared {
  return {
    prepare: async () => {
      const old = await loadCheckerBeforeIssue10();
      if (typeof old === 'string') return { skipped: old };
      const m = model();
      return () => {
        try {
          return old.check(m);
        } finally {
          old.cleanup();
        }
      };
    },
  };
}

const beemRef = (exp: string, n: number) => ({ module: 'bench/beem/' + exp + '.ts', export: exp, args: [n] });

/**
 * The parallel compact search with its worker threads' bundle already compiled and cached
 * (checker/worker-bundle.ts), before the clock starts: as on every run after the first since the
 * sources changed, and as SPIN's figures leave out its compile. The first run's compile is
 * measured by bench/worker-phases.ts (bench/README.md, issue 10i).
 */
function compactWorkers(ref: ModelRef, workers: number): Prepared {
  return {
    prepare: async () => {
      if (cachedBundle(ref) === undefined) {
        const b = await bundleWorker(ref, await loadCompactModel(ref));
        if (typeof b !== 'string') await b.remove();
      }
      return () => checkCompactParallel(ref, workers);
    },
  };
}

const benches: Record<string, Run | Prepared> = {
  'counters bfs': () => check(counters() as AnyModel),
  'counters dfs': () => check(counters() as AnyModel, { strategy: 'dfs' }),
  'counters-27M bfs': () => check(counters(4, 72) as AnyModel),
  'immer default-fingerprint': () => check(immerWorld(4, 6) as AnyModel),
  'immer JSON.stringify-key': () => check({ ...immerWorld(4, 6), key: (s: unknown) => canonicalJson(s) } as AnyModel),
  'peterson.4 compact': () => checkCompact(peterson(4)),
  'peterson.4 compact 1 worker': () => checkCompactParallel(beemRef('peterson', 4), 1),
  'peterson.4 compact 2 workers': compactWorkers(beemRef('peterson', 4), 2),
  'peterson.4 object': () => check(petersonObject(4) as unknown as AnyModel),
  'peterson.4 object+kinds': () => check(petersonObject(4, { kinds: true }) as unknown as AnyModel),
  'peterson.4 object+encode+kinds': () => check(petersonObject(4, { encode: true, kinds: true }) as unknown as AnyModel),
  'peterson.4 object+POR': () => check(petersonObject(4, { encode: true, kinds: true, footprints: true }) as unknown as AnyModel, { partialOrder: true }),
  'peterson.4 as-object (number arrays)': () => check(asObjectModel(peterson(4)) as unknown as AnyModel),
  // The same object models through the checker as it was before issue 10 (bench/before-10.ts).
  'peterson.4 object (checker before issue 10)': beforeIssue10(() => petersonObject(4) as unknown as AnyModel),
  'peterson.4 as-object (checker before issue 10)': beforeIssue10(() => asObjectModel(peterson(4)) as unknown as AnyModel),
  'hanoi.2 compact': () => checkCompact(hanoi(12)),
  'hanoi.2 compact 1 worker': () => checkCompactParallel(beemRef('hanoi', 12), 1),
  'hanoi.2 compact 2 workers': compactWorkers(beemRef('hanoi', 12), 2),
  'hanoi.2 as-object': () => check(asObjectModel(hanoi(12)) as unknown as AnyModel),
  'hanoi.2 as-object (checker before issue 10)': beforeIssue10(() => asObjectModel(hanoi(12)) as unknown as AnyModel),
  'hanoi.2 object': () => check(hanoiObject(12) as unknown as AnyModel),
  'hanoi.2 object (checker before issue 10)': beforeIssue10(() => hanoiObject(12) as unknown as AnyModel),
  'at(4) compact': () => checkCompact(atFull(4)),
  'at(4) compact 2 workers': compactWorkers({ module: 'bench/one-at.ts', export: 'atFull', args: [4] }, 2),
  'elevator2(10) as-object': () => check(asObjectModel(elevator2(10)) as unknown as AnyModel),
  'elevator2(10) as-object (checker before issue 10)': beforeIssue10(() => asObjectModel(elevator2(10)) as unknown as AnyModel),
  'elevator2(10) object': () => check(elevator2Object(10) as unknown as AnyModel),
  'elevator2(10) object (checker before issue 10)': beforeIssue10(() => elevator2Object(10) as unknown as AnyModel),
  'elevator2.3 compact': () => checkCompact(elevator2(13)),
  'elevator2.3 compact 2 workers': compactWorkers(beemRef('elevator2', 13), 2),
  'spec xfs-sw-atomic-vs-atomic-merged': scenario('scenarios/xfs-sw-atomic-vs-atomic-merged.ts'),
  'spec xfs-sw-atomic-vs-plain-merged': scenario('scenarios/xfs-sw-atomic-vs-plain-merged.ts'),
  'spec xfs-sw-atomic-vs-atomic-merged-power-loss': scenario('scenarios/xfs-sw-atomic-vs-atomic-merged-power-loss.ts'),
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks': scenario('scenarios/xfs-sw-atomic-vs-plain-merged-4-blocks.ts'),
  'spec ext4-punch-hole-vs-buffered-write-flusher': scenario('scenarios/ext4-punch-hole-vs-buffered-write-flusher.ts'),
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks 1 worker': scenarioWorkers('scenarios/xfs-sw-atomic-vs-plain-merged-4-blocks.ts', 1),
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks 2 workers': scenarioWorkers('scenarios/xfs-sw-atomic-vs-plain-merged-4-blocks.ts', 2),
  'spec ext4-punch-hole-vs-buffered-write-flusher 1 worker': scenarioWorkers('scenarios/ext4-punch-hole-vs-buffered-write-flusher.ts', 1),
  'spec ext4-punch-hole-vs-buffered-write-flusher 2 workers': scenarioWorkers('scenarios/ext4-punch-hole-vs-buffered-write-flusher.ts', 2),
  'spec scale three-writers-one-reader (60 s)': scenario('bench/scale/three-writers-one-reader.ts', { timeLimitMs: 60_000 }),
  'spec torn + 2 readers': withTwoReaders(false),
  'spec torn + 2 readers +symmetry': withTwoReaders(true),
  // The ghost clock as a view (spec/clock-view.ts), against the same searches without it.
  'spec xfs-sw-atomic-vs-plain-merged-4-blocks +view': scenario('scenarios/xfs-sw-atomic-vs-plain-merged-4-blocks.ts', { view: true }),
  'spec ext4-punch-hole-vs-buffered-write-flusher +view': scenario('scenarios/ext4-punch-hole-vs-buffered-write-flusher.ts', { view: true }),
  'spec scale two-writers-one-reader': twoWriters(false),
  'spec scale two-writers-one-reader +view': twoWriters(true),
  // Partial-order reduction (spec/footprints.ts, issue 10t) on top of the view.
  'spec scale two-writers-one-reader +view+por': twoWriters(true, false, true),
  'spec scale three-writers-one-reader (60 s) +view': scenario('bench/scale/three-writers-one-reader.ts', { timeLimitMs: 60_000, view: true }),
  'spec torn + 2 readers +symmetry+view': withTwoReaders(true, true),
  // As `writepath check` runs them: every reduction the model allows (the writers of A, B, C
  // are interchangeable with their data: spec/symmetry.ts, data symmetry).
  'spec xfs-sw-atomic-vs-atomic-merged +symmetry+view': scenario('scenarios/xfs-sw-atomic-vs-atomic-merged.ts', { view: true, symmetry: true }),
  'spec scale two-writers-one-reader +symmetry+view': twoWriters(true, true),
  'spec scale three-writers-one-reader (60 s) +symmetry+view': scenario('bench/scale/three-writers-one-reader.ts', { timeLimitMs: 60_000, view: true, symmetry: true }),
  // What `writepath check` runs by default (issue 10v): partial-order reduction with symmetry and the view.
  'spec scale two-writers-one-reader +symmetry+view+por': twoWriters(true, true, true),
  'spec scale three-writers-one-reader (60 s) +symmetry+view+por': scenario('bench/scale/three-writers-one-reader.ts', { timeLimitMs: 60_000, view: true, symmetry: true, partialOrder: true }),
  'spec scale three-writers-one-reader (60 s) +symmetry+view 2 workers': scenarioWorkers('bench/scale/three-writers-one-reader.ts', 2, { timeLimitMs: 60_000, view: true, symmetry: true }),
};

/**
 * plain-dio-torn-by-power-loss with two identical O_DIRECT readers of its first block: the
 * smallest spec model where symmetry reduction applies (the readers are interchangeable).
 */
function withTwoReaders(symmetry: boolean, view = false): Prepared {
  return {
    prepare: async () => {
      const { buildModel, open, pread, BS } = await import('../spec/index.ts');
      const torn = (await import('../scenarios/plain-dio-torn-by-power-loss.ts')).default;
      const s = (torn.model as unknown as { settings: Settings }).settings;
      const reader = [open(0, 'O_DIRECT'), pread(0, 0, BS)];
      const m = buildModel({ ...s, programs: [...s.programs, reader, reader] });
      return () => check(m as unknown as AnyModel, { stopAtFirst: false, symmetry, view });
    },
  };
}

/** The scale scenario with its first two writers and the reader (the third writer left out). */
function twoWriters(view: boolean, symmetry = false, partialOrder = false): Prepared {
  return {
    prepare: async () => {
      const { buildModel } = await import('../spec/index.ts');
      const sc = (await import('./scale/three-writers-one-reader.ts')).default;
      const s = (sc.model as unknown as { settings: Settings }).settings;
      const m = buildModel({ ...s, programs: [s.programs[0]!, s.programs[1]!, s.programs[3]!] });
      return () => check(m as unknown as AnyModel, { stopAtFirst: false, view, symmetry, partialOrder });
    },
  };
}

export const names = Object.keys(benches);

const name = process.argv[2];
const make = name === undefined ? undefined : benches[name];
if (make === undefined) {
  process.stderr.write(`bench/one.ts: unknown benchmark ${JSON.stringify(name)}; known: ${names.join(', ')}\n`);
  process.exit(2);
}
const go = typeof make === 'function' ? make : await make.prepare();
if (typeof go !== 'function') {
  process.stdout.write(`${JSON.stringify({ name, skipped: go.skipped })}\n`);
  process.exit(0);
}
const cpu0 = process.cpuUsage();
const r = await go();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    name,
    status: r.status,
    distinctStates: r.distinctStates,
    transitions: r.transitions,
    elapsedMs: Math.round(r.elapsedMs),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    statesPerSecond: r.statesPerSecond,
    bytesPerState: Number(r.bytesPerState.toFixed(1)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(r.ampleExpansions !== undefined ? { ampleExpansions: r.ampleExpansions } : {}),
  })}\n`,
);
