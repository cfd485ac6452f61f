/**
 * `--workers N`: the compact-contract BFS on N worker threads sharing one fingerprint table
 * (shared-table.ts) in a SharedArrayBuffer. The search stays level-synchronous: the threads
 * expand a level (compact-expand.ts), the coordinator waits for all of them (the barrier), then
 * numbers the new states in thread order and records their parent links, so a counterexample is
 * still a shortest one (its length is the same as the sequential search's; which of several
 * shortest traces is shown may differ). Each worker loads the model itself, by module path.
 *
 * Fixed costs are kept off the critical path: the coordinator expands the levels itself while
 * the workers start (loading tsx and the model takes a worker a quarter of a second or more),
 * and afterwards every level too small to be worth a barrier; new states stay where the thread
 * that found them wrote them, and the next level reads them there.
 */
import type { CheckOptions, CheckResult } from './types.ts';
import type { CompactModel } from './compact.ts';
import { compactResult, type CompactOutcome, type Found } from './compact-result.ts';
import { fingerprintWords, type Fingerprint } from './fingerprint.ts';
import { NO_PARENT, ParentLinks } from './store.ts';
import { SharedTable } from './shared-table.ts';
import { expandLevel, LevelOutput, TableView, type LevelJob, type LevelResult } from './compact-expand.ts';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import { MemoryGuard, defaultMaxMemoryBytes, memoryHint } from './memory.ts';
import { Pool } from './compact-pool.ts';
import { threadCpuMs } from './compact-protocol.ts';
import { TransitionIndex } from './compact-index.ts';


/** Where a run's wall time went (bench/worker-phases.ts). */
export interface WorkerPhases {
  /** Loading the model in the coordinator. */
  loadMs: number;
  /** When the coordinator first handed a level to the workers (from the call), or -1. */
  handoverAtMs: number;
  /** Time the coordinator spent waiting for workers to start (only with `waitForWorkers`). */
  waitMs: number;
  /** Levels the coordinator expanded alone, and the time it took. */
  coordinatorLevels: number;
  coordinatorMs: number;
  /** Levels the workers expanded, and the sum over them of the slowest worker's time. */
  levels: number;
  expandMs: number;
  /** Sum over the workers' levels and threads of each thread's time in the level. */
  busySumMs: number;
  /** Sum over the workers' levels of (send to last reply) minus the slowest worker's time. */
  messagingMs: number;
  /** The coordinator's serial work after each level (numbering, parent links, checks). */
  mergeMs: number;
  /** Growing the shared table between levels. */
  growMs: number;
  /** Time the coordinator yielded between levels to let the pool's start go on (compiling, loading). */
  yieldMs: number;
  /** Closing the pool and rebuilding traces. */
  finishMs: number;
  /** How the workers started (Pool.boot). */
  boot: string;
  /**
   * CPU times (ms, Linux only, else NaN): the coordinator's thread over the whole call; its solo
   * levels; every participant's CPU in the shared levels, summed; the merge and the table's
   * growth; and the worker threads' own, from their start to their last level (start-up,
   * loading the model, spinning at the barriers included).
   */
  mainCpuMs: number;
  coordinatorCpuMs: number;
  sharedCpuMs: number;
  mergeCpuMs: number;
  growCpuMs: number;
  threadsCpuMs: number;
  /** Of which until they were ready (the thread's start, loading the model). */
  threadsStartCpuMs: number;
  /** The coordinator's own CPU in the shared levels (of `sharedCpuMs`). */
  sharedCoordinatorCpuMs: number;
  /** Sum over the shared levels of the busiest participant's CPU: those levels' length on threads that never wait for a core. */
  sharedCriticalCpuMs: number;
}

export const newPhases = (): WorkerPhases => ({ loadMs: 0, handoverAtMs: -1, waitMs: 0, coordinatorLevels: 0, coordinatorMs: 0, levels: 0, expandMs: 0, busySumMs: 0, messagingMs: 0, mergeMs: 0, growMs: 0, yieldMs: 0, finishMs: 0, boot: '', mainCpuMs: 0, coordinatorCpuMs: 0, sharedCpuMs: 0, mergeCpuMs: 0, growCpuMs: 0, threadsCpuMs: 0, threadsStartCpuMs: 0, sharedCoordinatorCpuMs: 0, sharedCriticalCpuMs: 0 });

/** Knobs for tests and benchmarks; the defaults are what `--workers` uses. */
export interface ParallelTuning {
  /** Levels with fewer states than this are expanded by the coordinator alone. */
  smallLevel?: number;
  /** Wait for every worker to start before the first level, instead of searching meanwhile. */
  waitForWorkers?: boolean;
  /** The shared table's first size (a power of two), smaller in tests so that it grows. */
  initialSlots?: number;
  phases?: WorkerPhases;
}

/**
 * Below this many states a level is not worth a barrier: a round trip to the workers costs
 * about a millisecond, what a thread expands about a thousand states in.
 */
export const SMALL_LEVEL = 2048;

/** 8 MiB: small enough to stay mostly in cache, large enough that most searches grow it once or twice. */
const INITIAL_SLOTS = 1 << 20;

/**
 * The workers start when a level reaches this many states: soon enough that they are ready
 * before levels reach SMALL_LEVEL (peterson.4 has 153 states at depth 7, 2,529 at depth 14, of 104),
 * and a search of small levels alone costs no thread and no compiling.
 */
export const START_LEVEL = 128;

/** The parallel BFS. `options.strategy` must be bfs (or unset). */
export async function checkCompactParallel(ref: ModelRef, workers: number, options: CheckOptions = {}, tuning: ParallelTuning = {}): Promise<CheckResult<number[], number>> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive whole number, not ${workers}`);
  if (options.strategy !== undefined && options.strategy !== 'bfs') throw new RangeError('parallel search is breadth-first only');
  const t0 = performance.now();
  const phases = tuning.phases;
  const measure = phases !== undefined;
  const cpu = (): number => (measure ? threadCpuMs() : 0);
  const cpuStart = cpu();
  const cm: CompactModel = await loadCompactModel(ref);
  // A malformed `processes` is refused here, as by the sequential search, not in a thread.
  TransitionIndex.of(cm).restart();
  if (phases) phases.loadMs = performance.now() - t0;
  // Started at the first level of START_LEVEL states (or at once, to wait for them): they start
  // while the coordinator searches on, and a search whose levels stay small never starts them.
  // The coordinator is one of the `workers` threads: it expands a share of every level too.
  const threads = workers - 1;
  let pool: Pool | undefined = tuning.waitForWorkers && threads > 0 ? new Pool(threads, ref, cm) : undefined;
  const started = performance.now();
  const deadline = options.timeLimitMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + options.timeLimitMs;
  const width = cm.width;
  const stopAtFirst = options.stopAtFirst ?? true;
  const smallLevel = tuning.smallLevel ?? SMALL_LEVEL;
  const memory = new MemoryGuard(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
  const links = new ParentLinks();
  const coverage = new Float64Array(cm.transitions.length);
  const found: Found[] = [];
  const sometimesHeld = new Set<string>();
  let table = SharedTable.create(tuning.initialSlots ?? INITIAL_SLOTS);
  const own = new LevelOutput(width);
  const tables = new TableView();
  const cursor = new Int32Array(new SharedArrayBuffer(8));
  let transitions = 0;
  let maxDepthSeen = 0;
  let incomplete: CheckResult<number[], number>['incompleteReason'];
  let hint: string | undefined;
  let errorMessage: string | undefined;
  let tFinish = 0;
  let workersReady = false;
  let lastYield = 0;
  /** The most transitions enabled in a state so far (all of them, before the first level). */
  let fanout = cm.transitions.length;
  let expanded = false;
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const invariants = Object.entries(cm.invariants ?? {});
  const useWorkers = async (): Promise<void> => {
    const tWait = performance.now();
    const error = await pool!.settled();
    if (error !== undefined) throw new Error(error);
    if (phases) phases.waitMs += performance.now() - tWait;
    workersReady = true;
  };
  try {
    if (pool !== undefined) await useWorkers();
    // Level 0, into the coordinator's buffer of parity 0 (level d is written with parity d & 1).
    const inits = cm.init();
    let levelCount = 0;
    for (let i = 0; i < inits.length; i++) {
      const s = Int32Array.from(inits[i]!);
      if (s.length !== width) throw new RangeError(`init() state ${i} has ${s.length} slots, not width ${width}`);
      fingerprintWords(s, 0, width, fp);
      if (!table.add(fp.hi, fp.lo)) continue;
      const id = links.push(NO_PARENT, i);
      if (levelCount === own.capacity(0)) own.grow(0, levelCount);
      own.states[0].set(s, levelCount * width);
      levelCount++;
      for (const [name, holds] of invariants) if (!found.some((f) => f.property === name) && !holds(s)) found.push({ property: name, kind: 'invariant', message: `invariant "${name}" does not hold`, id, depth: 0 });
      for (const [name, holds] of Object.entries(cm.sometimes ?? {})) if (holds(s)) sometimesHeld.add(name);
    }
    let segments: SharedArrayBuffer[] = [own.states[0].buffer as SharedArrayBuffer];
    let counts = [levelCount];
    let levelFirstId = 0;
    let depth = 0;
    let stop = stopAtFirst && found.length > 0;
    while (levelCount > 0 && !stop) {
      // The table grows only here, between levels: room, under the three quarters where a thread
      // would stop (and where the sequential search's table grows), for twice the most
      // successors any state so far had, for every state of the level. Not the number of
      // transitions: peterson.4 has 28 and enables a handful at a time, and a larger table costs more to
      // grow (its size, not its entries) and a cache miss on nearly every probe.
      const tGrow = performance.now();
      const cGrow = cpu();
      const need = (links.size + levelCount * 2 * fanout) / 0.75;
      let factor = 1;
      while (need > table.capacity * factor) factor *= 2;
      // With the threads at hand, they copy the old table's chunks too.
      if (factor > 1) table = workersReady ? await pool!.grow(table, factor) : table.grown(factor);
      if (phases) {
        phases.growMs += performance.now() - tGrow;
        phases.growCpuMs += cpu() - cGrow;
      }
      if (pool === undefined && threads > 0 && levelCount >= START_LEVEL) pool = new Pool(threads, ref, cm);
      // Lets the pool's start (compiling, then the threads' replies) go on between levels, at
      // most once a millisecond: hanoi.2 has 4,096 levels, most of them a fraction of that.
      if (pool !== undefined && !workersReady && !tuning.waitForWorkers && performance.now() - lastYield >= 1) {
        lastYield = performance.now();
        await new Promise<void>((r) => setImmediate(r));
        if (phases) phases.yieldMs += performance.now() - lastYield;
        lastYield = performance.now();
      }
      if (!workersReady && levelCount >= smallLevel && pool !== undefined && pool.state !== 'starting') await useWorkers();
      const parallel = workersReady && levelCount >= smallLevel;
      const sharing = parallel ? workers : 1;
      const tableLimit = Math.floor(table.capacity * 0.75);
      Atomics.store(cursor, 0, 0);
      Atomics.store(cursor, 1, 0);
      const job: LevelJob = {
        table: table.buffer,
        segments,
        counts,
        cursor: cursor.buffer as SharedArrayBuffer,
        threads: sharing,
        firstId: levelFirstId,
        parity: (depth + 1) & 1,
        cut: options.maxDepth !== undefined && depth >= options.maxDepth,
        stored: links.size,
        limit: Math.min(tableLimit, options.maxStates ?? Infinity),
        tableLimit,
        deadline,
        stopAtFirst,
        found: found.map((f) => f.property),
        sometimesHeld: [...sometimesHeld],
        measure,
      };
      let results: LevelResult[];
      const tSend = performance.now();
      const cSend = cpu();
      if (parallel) {
        pool!.post(job);
        const mine = expandLevel(cm, job, own, tables);
        results = await pool!.levelResults(mine);
        if (phases) {
          const busy = Math.max(...results.map((r) => r.busyMs));
          if (phases.handoverAtMs < 0) phases.handoverAtMs = tSend - t0;
          phases.levels++;
          phases.expandMs += busy;
          phases.sharedCoordinatorCpuMs += mine.cpuMs;
          phases.sharedCriticalCpuMs += Math.max(...results.map((r) => r.cpuMs));
          for (const r of results) {
            phases.busySumMs += r.busyMs;
            phases.sharedCpuMs += r.cpuMs;
          }
          phases.messagingMs += performance.now() - tSend - busy;
        }
      } else {
        results = [expandLevel(cm, job, own, tables)];
        if (phases) {
          phases.coordinatorLevels++;
          phases.coordinatorMs += performance.now() - tSend;
          phases.coordinatorCpuMs += cpu() - cSend;
        }
      }
      const tMerge = performance.now();
      const cMerge = cpu();
      const nextFirstId = links.size;
      let offset = 0;
      let deadlockId = -1;
      const newViolations: Found[] = [];
      segments = [];
      counts = [];
      if (!expanded) fanout = 0;
      expanded = true;
      for (const r of results) {
        fanout = Math.max(fanout, r.maxEnabled);
        transitions += r.transitions;
        for (let t = 0; t < coverage.length; t++) coverage[t]! += r.coverage[t]!;
        for (const n of r.sometimesHeld) sometimesHeld.add(n);
        if (r.deadlock >= 0 && (deadlockId < 0 || r.deadlock < deadlockId)) deadlockId = r.deadlock;
        if (r.cutHit) incomplete ??= 'maxDepth';
        if (r.stopped === 'tableFull') {
          incomplete ??= 'maxStates';
          hint ??= `one BFS level outgrew the shared table (${table.capacity.toLocaleString('en-US')} slots); run with fewer workers or without --workers`;
        } else if (r.stopped !== null) incomplete ??= r.stopped;
        links.pushMany(new Uint32Array(r.parents), new Uint16Array(r.actions), r.count);
        for (const v of r.violations) newViolations.push({ property: v.property, kind: 'invariant', message: `invariant "${v.property}" does not hold`, id: nextFirstId + offset + v.index, depth: depth + 1 });
        if (r.count > 0) {
          segments.push(r.states);
          counts.push(r.count);
        }
        offset += r.count;
      }
      if (offset > 0) maxDepthSeen = depth + 1;
      // Deadlocks of this level are shorter than violations one level down.
      if (deadlockId >= 0 && !found.some((f) => f.property === 'deadlock')) found.push({ property: 'deadlock', kind: 'deadlock', message: 'no action is enabled and done() is false', id: deadlockId, depth });
      newViolations.sort((a, b) => a.id - b.id);
      for (const v of newViolations) if (!found.some((f) => f.property === v.property)) found.push(v);
      if (stopAtFirst && found.length > 0) stop = true;
      if (incomplete === 'maxStates' || incomplete === 'timeLimit') stop = true;
      // Rate-limited: hanoi.2 has 4,096 levels, and reading the RSS costs up to a fifth of a millisecond.
      if (memory.check(performance.now())) {
        incomplete ??= 'maxMemory';
        hint ??= memoryHint(memory.reached ?? 'memory limit reached');
        stop = true;
      }
      levelCount = offset;
      levelFirstId = nextFirstId;
      depth++;
      if (phases) {
        phases.mergeMs += performance.now() - tMerge;
        phases.mergeCpuMs += cpu() - cMerge;
      }
    }
  } catch (e) {
    errorMessage = e instanceof Error ? e.message : String(e);
  } finally {
    tFinish = performance.now();
    await pool?.close();
    if (phases) {
      phases.boot = pool?.boot ?? 'not started';
      const threadsCpu = pool?.threadsCpuMs ?? { total: 0, start: 0 };
      phases.threadsCpuMs = threadsCpu.total;
      phases.threadsStartCpuMs = threadsCpu.start;
    }
  }
  memory.sample();
  const elapsedMs = performance.now() - started;
  const complete = incomplete === undefined && errorMessage === undefined && !(stopAtFirst && found.length > 0);
  const outcome: CompactOutcome = {
    found,
    unseen: Object.keys(cm.sometimes ?? {}).filter((name) => !sometimesHeld.has(name)),
    complete,
    stopAtFirst,
    distinctStates: links.size,
    transitions,
    depth: maxDepthSeen,
    elapsedMs,
    storeBytes: table.byteLength + links.byteLength,
    hashBits: 62,
    coverage,
    peakRssBytes: memory.peakRss,
  };
  if (errorMessage !== undefined) outcome.error = { message: errorMessage, id: -1 };
  if (incomplete !== undefined) outcome.incomplete = incomplete;
  if (hint !== undefined) outcome.hint = hint;
  const result = compactResult(cm, links, outcome);
  if (phases) {
    phases.finishMs = performance.now() - tFinish;
    phases.mainCpuMs = cpu() - cpuStart;
  }
  return result;
}
