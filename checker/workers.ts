/**
 * `--workers N`: the compact-contract BFS on N worker threads sharing one fingerprint table
 * (shared-table.ts) in a SharedArrayBuffer. The search stays level-synchronous: the coordinator
 * splits a level among the workers, waits for all of them (the barrier), then numbers the new
 * states in worker order and records their parent links, so a counterexample is still a
 * shortest one (its length is the same as the sequential search's; which of several shortest
 * traces is shown may differ). Each worker loads the model itself, by module path.
 */
import { Worker } from 'node:worker_threads';
import type { CheckOptions, CheckResult, CheckStatus, Violation, ViolationKind } from './types.ts';
import { asObjectModel, type CompactModel } from './compact.ts';
import { fingerprintWords, type Fingerprint } from './fingerprint.ts';
import { NO_PARENT, ParentLinks } from './store.ts';
import { SharedTable } from './shared-table.ts';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import { MemoryGuard, defaultMaxMemoryBytes, memoryHint } from './memory.ts';
import { replay } from './trace.ts';

export interface ExpandRequest {
  type: 'expand';
  table: SharedArrayBuffer;
  level: SharedArrayBuffer;
  from: number;
  to: number;
  firstId: number;
  cut: boolean;
  /** States stored when the level started. */
  stored: number;
  /** Stop adding at this many states: the state budget or three quarters of the table. */
  limit: number;
  tableLimit: number;
  deadline: number;
  stopAtFirst: boolean;
  /** Properties already violated (not to be reported again) and sometimes-properties already seen. */
  found: string[];
  sometimesHeld: string[];
}

export interface ExpandReply {
  type: 'level';
  states: ArrayBuffer;
  parents: ArrayBuffer;
  actions: ArrayBuffer;
  count: number;
  transitions: number;
  coverage: Float64Array;
  /** The first state of the slice with no enabled transition and not done (global id), or -1. */
  deadlock: number;
  /** Invariant violations among the new states: index into this reply's states. */
  violations: Array<{ property: string; index: number }>;
  sometimesHeld: string[];
  cutHit: boolean;
  stopped: 'maxStates' | 'timeLimit' | 'tableFull' | null;
}

export type WorkerReply = ExpandReply | { type: 'ready' } | { type: 'error'; message: string };

const INITIAL_SLOTS = 1 << 22;

class Pool {
  private readonly workers: Worker[];
  constructor(n: number) {
    const url = new URL('./compact-worker.ts', import.meta.url).href;
    // The worker is TypeScript, as is the model it loads: a small script first registers tsx's
    // loader in the new thread (it is not inherited), then imports the worker module.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
    this.workers = Array.from({ length: n }, () => new Worker(boot, { eval: true }));
  }
  get size(): number {
    return this.workers.length;
  }
  /** Sends one message to each worker and waits for every reply. */
  all(messages: ReadonlyArray<object>): Promise<WorkerReply[]> {
    return Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<WorkerReply>((resolve, reject) => {
            const onMessage = (r: WorkerReply): void => {
              w.off('error', onError);
              resolve(r);
            };
            const onError = (e: Error): void => {
              w.off('message', onMessage);
              reject(e);
            };
            w.once('message', onMessage);
            w.once('error', onError);
            w.postMessage(messages[i]);
          }),
      ),
    );
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

interface Found {
  property: string;
  kind: ViolationKind;
  message: string;
  id: number;
  depth: number;
}

/** The parallel BFS. `options.strategy` must be bfs (or unset). */
export async function checkCompactParallel(ref: ModelRef, workers: number, options: CheckOptions = {}): Promise<CheckResult<number[], number>> {
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`workers must be a positive whole number, not ${workers}`);
  if (options.strategy !== undefined && options.strategy !== 'bfs') throw new RangeError('parallel search is breadth-first only');
  const cm: CompactModel = await loadCompactModel(ref);
  const started = performance.now();
  const deadline = options.timeLimitMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + options.timeLimitMs;
  const width = cm.width;
  const stopAtFirst = options.stopAtFirst ?? true;
  const memory = new MemoryGuard(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
  const links = new ParentLinks();
  const coverage = new Float64Array(cm.transitions.length);
  const found: Found[] = [];
  const sometimesHeld = new Set<string>();
  let table = SharedTable.create(INITIAL_SLOTS);
  let transitions = 0;
  let maxDepthSeen = 0;
  let incomplete: CheckResult<number[], number>['incompleteReason'];
  let hint: string | undefined;
  let errorMessage: string | undefined;
  const pool = new Pool(workers);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const invariants = Object.entries(cm.invariants ?? {});
  try {
    for (const r of await pool.all(Array.from({ length: workers }, () => ({ type: 'init', ref })))) {
      if (r.type === 'error') throw new Error(r.message);
    }
    // Level 0 in the coordinator.
    const inits = cm.init();
    let level = new Int32Array(new SharedArrayBuffer(Math.max(1, inits.length) * width * 4));
    let levelCount = 0;
    for (let i = 0; i < inits.length; i++) {
      const s = Int32Array.from(inits[i]!);
      fingerprintWords(s, 0, width, fp);
      if (!table.add(fp.hi, fp.lo)) continue;
      const id = links.push(NO_PARENT, i);
      level.set(s, levelCount * width);
      levelCount++;
      for (const [name, holds] of invariants) if (!found.some((f) => f.property === name) && !holds(s)) found.push({ property: name, kind: 'invariant', message: `invariant "${name}" does not hold`, id, depth: 0 });
      for (const [name, holds] of Object.entries(cm.sometimes ?? {})) if (holds(s)) sometimesHeld.add(name);
    }
    let levelFirstId = 0;
    let depth = 0;
    let stop = stopAtFirst && found.length > 0;
    while (levelCount > 0 && !stop) {
      while (links.size * 2 > table.capacity) table = table.grown();
      const tableLimit = Math.floor(table.capacity * 0.75);
      const cut = options.maxDepth !== undefined && depth >= options.maxDepth;
      const per = Math.ceil(levelCount / workers);
      const reqs: ExpandRequest[] = Array.from({ length: workers }, (_, w) => {
        // Each worker sees its own additions only, so the budget is shared out among them.
        const share = (b: number): number => links.size + Math.floor((b - links.size) / workers);
        const limit = Math.min(share(tableLimit), options.maxStates === undefined ? Infinity : share(options.maxStates));
        return { type: 'expand', table: table.buffer, level: level.buffer as SharedArrayBuffer, from: Math.min(levelCount, w * per), to: Math.min(levelCount, (w + 1) * per), firstId: levelFirstId, cut, stored: links.size, limit, tableLimit: share(tableLimit), deadline, stopAtFirst, found: found.map((f) => f.property), sometimesHeld: [...sometimesHeld] };
      });
      const replies = await pool.all(reqs);
      const nextFirstId = links.size;
      let total = 0;
      for (const r of replies) {
        if (r.type === 'error') throw new Error(r.message);
        if (r.type !== 'level') throw new Error('unexpected worker reply');
        total += r.count;
      }
      const levelReplies = replies as ExpandReply[];
      const next = new Int32Array(new SharedArrayBuffer(Math.max(1, total) * width * 4));
      let offset = 0;
      let deadlockId = -1;
      const newViolations: Found[] = [];
      for (const r of levelReplies) {
        transitions += r.transitions;
        for (let t = 0; t < coverage.length; t++) coverage[t]! += r.coverage[t]!;
        for (const n of r.sometimesHeld) sometimesHeld.add(n);
        if (r.deadlock >= 0 && (deadlockId < 0 || r.deadlock < deadlockId)) deadlockId = r.deadlock;
        if (r.cutHit) incomplete ??= 'maxDepth';
        if (r.stopped === 'tableFull') {
          incomplete ??= 'maxStates';
          hint ??= `one BFS level outgrew the shared table (${table.capacity.toLocaleString('en-US')} slots); run with fewer workers or without --workers`;
        } else if (r.stopped !== null) incomplete ??= r.stopped;
        next.set(new Int32Array(r.states), offset * width);
        const parents = new Uint32Array(r.parents);
        const actions = new Uint16Array(r.actions);
        for (let i = 0; i < r.count; i++) links.push(parents[i]!, actions[i]!);
        for (const v of r.violations) newViolations.push({ property: v.property, kind: 'invariant', message: `invariant "${v.property}" does not hold`, id: nextFirstId + offset + v.index, depth: depth + 1 });
        offset += r.count;
      }
      if (total > 0) maxDepthSeen = depth + 1;
      // Deadlocks of this level are shorter than violations one level down.
      if (deadlockId >= 0 && !found.some((f) => f.property === 'deadlock')) found.push({ property: 'deadlock', kind: 'deadlock', message: 'no action is enabled and done() is false', id: deadlockId, depth });
      newViolations.sort((a, b) => a.id - b.id);
      for (const v of newViolations) if (!found.some((f) => f.property === v.property)) found.push(v);
      if (stopAtFirst && found.length > 0) stop = true;
      if (incomplete === 'maxStates' || incomplete === 'timeLimit') stop = true;
      if (memory.sample()) {
        incomplete ??= 'maxMemory';
        hint ??= memoryHint(memory.reached ?? 'memory limit reached');
        stop = true;
      }
      level = next;
      levelCount = total;
      levelFirstId = nextFirstId;
      depth++;
    }
  } catch (e) {
    errorMessage = e instanceof Error ? e.message : String(e);
  } finally {
    await pool.close();
  }
  memory.sample();
  const elapsedMs = performance.now() - started;
  const om = asObjectModel(cm);
  const label = (t: number): string => cm.transitions[t]!;
  const rebuild = (f: Found): Violation<number[], number> => {
    const v: Violation<number[], number> = { property: f.property, kind: f.kind, message: f.message, trace: [] };
    if (f.id < 0) return v;
    const r = replay(om, links.path(f.id), label);
    v.trace = r.trace;
    if (r.error !== undefined) v.message = `${f.message} (the trace could not be rebuilt: ${r.error})`;
    return v;
  };
  const complete = incomplete === undefined && errorMessage === undefined && !(stopAtFirst && found.length > 0);
  if (complete) for (const name of Object.keys(cm.sometimes ?? {})) if (!sometimesHeld.has(name)) found.push({ property: name, kind: 'sometimes', message: `"${name}" holds in no reachable state`, id: -1, depth: 0 });
  let chosen = found;
  if (stopAtFirst && found.length > 1) chosen = [found.reduce((a, b) => (b.depth < a.depth ? b : a))];
  const violations = errorMessage !== undefined ? [{ property: 'model-error', kind: 'error' as const, message: errorMessage, trace: [] }] : chosen.map(rebuild);
  const n = links.size;
  let status: CheckStatus = 'ok';
  if (errorMessage !== undefined) status = 'error';
  else if (violations.length > 0) status = 'violation';
  else if (incomplete !== undefined) status = 'incomplete';
  const cov: Record<string, number> = {};
  const order = [...cm.transitions.keys()].filter((t) => coverage[t]! > 0).sort((a, b) => (cm.transitions[a]! < cm.transitions[b]! ? -1 : cm.transitions[a]! > cm.transitions[b]! ? 1 : 0));
  for (const t of order) cov[cm.transitions[t]!] = (cov[cm.transitions[t]!] ?? 0) + coverage[t]!;
  const result: CheckResult<number[], number> = {
    status,
    distinctStates: n,
    transitions,
    depth: maxDepthSeen,
    elapsedMs,
    statesPerSecond: elapsedMs > 0 ? Math.round(n / (elapsedMs / 1000)) : n,
    bytesPerState: n > 0 ? (table.byteLength + links.byteLength) / n : 0,
    collisionProbability: (n * (n - 1)) / 2 / 2 ** 62,
    coverage: cov,
    violations,
    peakRssBytes: memory.peakRss,
  };
  if (incomplete !== undefined) result.incompleteReason = incomplete;
  if (hint !== undefined) result.hint = hint;
  return result;
}
