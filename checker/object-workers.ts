/**
 * `--workers N` for object models (types.ts `Model`, the spec's scenarios): a level-synchronous
 * BFS on N worker threads (object-worker.ts) sharing one fingerprint table (shared-table.ts).
 *
 * The coordinator holds no states, only parent links. A level is a list of chunks of states,
 * each kept by the worker that found its states (as live, frozen objects, whose fingerprint
 * caches stay warm). The coordinator shares level d out among the workers (shareOut): a worker
 * expands its own chunks up to its share; only the surplus crosses threads, serialized by its
 * holder (v8's structured-clone format), transferred, not copied, and frozen again on arrival.
 * It waits for all of them (the barrier), then numbers the new states in worker order, so a
 * counterexample has the sequential search's (shortest) length. Which worker inserts a state
 * first is a race, so which of several shortest traces is shown may differ from run to run;
 * the distinct states, transitions, coverage and verdicts of a complete search do not.
 *
 * Each worker loads the model itself by module reference (model-ref.ts): functions cannot
 * cross threads. A pool lives across searches (loading the spec costs about half a second per
 * worker), and a worker keeps the models it loaded.
 */
import { Worker } from 'node:worker_threads';
import { serialize } from 'node:v8';
import type { CheckOptions, CheckResult, CheckStatus, Model, Violation } from './types.ts';
import { fingerprinterForModel, type Fingerprint } from './fingerprint.ts';
import { NO_PARENT, ParentLinks } from './store.ts';
import { SharedTable } from './shared-table.ts';
import { loadModel, type ModelRef } from './model-ref.ts';
import { MemoryGuard, defaultMaxMemoryBytes, memoryHint } from './memory.ts';
import { replay } from './trace.ts';
import { defaultLabel } from './label.ts';
import { workerModuleUrl } from './worker-bundle.ts';
import { withSanity } from './sanity.ts';
import { withProgress } from './progress.ts';
import { describeError, identityFor, reductionsOf } from './engine.ts';
import { ask } from './ask.ts';
import { CHUNK, LOCAL, REASON_NAMES, STOP, STOP_REASON, STORED, shareOut, type Chunk, type ExpandRequest, type FoundMessage, type GiveRequest, type ObjectWorkerReply, type SearchRequest, type WorkerOptions } from './object-protocol.ts';

const INITIAL_SLOTS = 1 << 20;

/** Worker threads that run parallel searches one after another. */
export class ObjectPool {
  private readonly workers: Worker[];
  private busy = false;

  private constructor(n: number) {
    const url = workerModuleUrl('object-worker');
    // The model may be TypeScript (and the worker is, run from the sources): a small script
    // registers tsx's loader in the new thread (it is not inherited), then imports the worker.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
    this.workers = Array.from({ length: n }, () => new Worker(boot, { eval: true }));
  }

  static start(workers: number): ObjectPool {
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new RangeError(`workers must be a whole number from 1 to 64, not ${workers}`);
    return new ObjectPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Sends one message to each worker (transferring its buffers) and waits for every reply. */
  private all(messages: ReadonlyArray<{ msg: object; transfer?: ArrayBuffer[] }>): Promise<ObjectWorkerReply[]> {
    return Promise.all(this.workers.map((w, i) => ask<ObjectWorkerReply>(w, messages[i]!.msg, messages[i]!.transfer)));
  }


  /**
   * Fetches, serialized, the chunks that `to` sends away from the worker holding them (a round
   * trip only when some do: a level whose new states fell evenly moves nothing).
   */
  private async move(level: Chunk[], to: readonly number[]): Promise<void> {
    const give = this.workers.map(() => [] as number[]);
    const order = this.workers.map(() => [] as Chunk[]);
    level.forEach((c, i) => {
      if (c.owner >= 0 && to[i] !== c.owner) {
        give[c.owner]!.push(c.index);
        order[c.owner]!.push(c);
      }
    });
    if (give.every((g) => g.length === 0)) return;
    const replies = await this.all(give.map((indexes) => ({ msg: { type: 'give', indexes } satisfies GiveRequest })));
    replies.forEach((r, w) => {
      if (r.type === 'error') throw new Error(r.message);
      if (r.type !== 'given') throw new Error(`unexpected worker reply "${r.type}"`);
      r.buffers.forEach((b, k) => (order[w]![k]!.buffer = b));
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** The parallel BFS of the model `ref` names; `options` as for `check` (bfs only). */
  async check<S, A>(ref: ModelRef, options: CheckOptions = {}): Promise<CheckResult<S, A>> {
    if (options.strategy !== undefined && options.strategy !== 'bfs') throw new RangeError(`the parallel search is breadth-first only, not strategy "${options.strategy}"`);
    if (options.partialOrder === true) throw new RangeError('the parallel search does not do partial-order reduction (its ample-set proviso asks the visited set in the middle of a level)');
    if (options.bitstate !== undefined) throw new RangeError('the parallel search keeps exact fingerprints: no bitstate');
    if (this.busy) throw new Error('this pool is already running a search');
    this.busy = true;
    try {
      const model = (await loadModel(ref)) as Model<S, A>;
      const result = await this.search(ref, model, options);
      return options.progress === true ? withProgress(model, result, options) : result;
    } finally {
      this.busy = false;
    }
  }

  private async search<S, A>(ref: ModelRef, model: Model<S, A>, options: CheckOptions): Promise<CheckResult<S, A>> {
    const started = performance.now();
    const n = this.workers.length;
    const stopAtFirst = options.stopAtFirst ?? true;
    const deadline = options.timeLimitMs === undefined ? Number.MAX_SAFE_INTEGER : Date.now() + options.timeLimitMs;
    const memory = new MemoryGuard(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
    const control = new Int32Array(new SharedArrayBuffer(8));
    const links = new ParentLinks();
    const found: FoundMessage[] = [];
    const sometimesHeld = new Set<string>();
    const workerTransitions = new Array<number>(n).fill(0);
    const coverage = new Map<string, number>();
    const fp = fingerprinterForModel(model);
    // Stored by the same identity as the engine's (the view's canonical form, then symmetry's representative).
    const identity = identityFor(model, options);
    const fpOf = (s: S, out: Fingerprint): void => fp(identity(s), out);
    let table = SharedTable.create(INITIAL_SLOTS);
    let maxDepthSeen = 0;
    let incomplete: CheckResult<S, A>['incompleteReason'];
    let hint: string | undefined;
    let error: { message: string; id: number } | undefined;
    let lastProgress = started;
    let depth = 0;
    // Ctrl-C, memory and progress are looked at here while the workers run.
    const timer = setInterval(() => {
      const now = performance.now();
      if (options.shouldStop?.() === true) Atomics.compareExchange(control, STOP, 0, STOP_REASON.interrupted);
      if (Date.now() > deadline) Atomics.compareExchange(control, STOP, 0, STOP_REASON.timeLimit);
      if (memory.check(now)) Atomics.compareExchange(control, STOP, 0, STOP_REASON.maxMemory);
      if (options.onProgress !== undefined && now - lastProgress >= 1000) {
        lastProgress = now;
        const stored = Atomics.load(control, STORED);
        options.onProgress({ distinctStates: stored, transitions: workerTransitions.reduce((a, b) => a + b, 0), statesPerSecond: Math.round(stored / ((now - started) / 1000)), depth, frontier: stored - links.size, elapsedMs: now - started });
      }
    }, 100);
    const workerOptions: WorkerOptions = { stopAtFirst, sanity: options.sanity ?? 'default', ...(options.symmetry === true ? { symmetry: true } : {}), ...(options.view === true ? { view: true } : {}) };
    try {
      for (const r of await this.all(this.workers.map(() => ({ msg: { type: 'search', ref, options: workerOptions, table: table.buffer, control: control.buffer as SharedArrayBuffer } satisfies SearchRequest })))) {
        if (r.type === 'error') throw new Error(r.message);
      }
      const initial = this.initialLevel(model, options, fpOf, table, control, links, found, sometimesHeld);
      if (typeof initial === 'string') error = { message: initial, id: -1 };
      let level: Chunk[] = typeof initial === 'string' ? [] : initial;
      let lastLevelNew = links.size;
      while (level.length > 0 && error === undefined && !(stopAtFirst && found.length > 0) && Atomics.load(control, STOP) === 0) {
        // The table grows only between levels, when no worker inserts.
        while ((links.size + 2 * lastLevelNew) * 2 > table.capacity) table = table.grown();
        const to = shareOut(level, n);
        await this.move(level, to);
        const replies = await this.all(
          this.workers.map((_, w) => {
            const mine = level.filter((_, i) => to[i] === w);
            const moved = mine.filter((c) => c.owner !== w);
            const buffers = moved.map((c) => c.buffer!);
            return {
              msg: {
                type: 'expand',
                table: table.buffer,
                own: mine.filter((c) => c.owner === w).map((c) => ({ index: c.index, firstId: c.firstId })),
                chunks: buffers,
                firstIds: moved.map((c) => c.firstId),
                depth,
                cut: options.maxDepth !== undefined && depth >= options.maxDepth,
                ...(options.maxStates === undefined ? {} : { maxStates: options.maxStates }),
                tableLimit: Math.floor(table.capacity * 0.75),
                deadline,
                sometimesHeld: [...sometimesHeld],
              } satisfies ExpandRequest,
              transfer: buffers,
            };
          }),
        );
        const next: Chunk[] = [];
        const levelFound: FoundMessage[] = [];
        const firstNew = links.size;
        for (const [w, r] of replies.entries()) {
          if (r.type === 'error') throw new Error(r.message);
          if (r.type !== 'level') throw new Error(`unexpected worker reply "${r.type}"`);
          const base = links.size;
          for (let i = 0; i < r.parents.length; i++) links.push(r.parents[i]!, r.actions[i]!);
          let first = base;
          r.counts.forEach((count, index) => {
            next.push({ owner: w, index, firstId: first, count });
            first += count;
          });
          const globalId = (id: number): number => (id >= LOCAL ? base + id - LOCAL : id);
          for (const f of r.found) levelFound.push({ ...f, id: globalId(f.id) });
          if (r.error !== undefined && error === undefined) error = { message: r.error.message, id: globalId(r.error.id) };
          for (const s of r.sometimesHeld) sometimesHeld.add(s);
          if (r.cutHit) incomplete ??= 'maxDepth';
          workerTransitions[w] = r.transitions;
        }
        if (links.size > firstNew) maxDepthSeen = depth + 1;
        // Deadlocks of this level before violations one level down (shorter), then by state number.
        levelFound.sort((a, b) => a.depth - b.depth || a.id - b.id);
        for (const f of levelFound) if (!found.some((g) => g.property === f.property)) found.push(f);
        lastLevelNew = links.size - firstNew;
        level = next;
        depth++;
      }
      const reason = Atomics.load(control, STOP);
      if (reason !== 0) {
        incomplete ??= REASON_NAMES[reason];
        if (reason === STOP_REASON.maxMemory) hint = memoryHint(memory.reached ?? 'memory limit reached');
        if (reason === STOP_REASON.tableFull) hint = `one BFS level outgrew the shared table (${table.capacity.toLocaleString('en-US')} slots); run without --workers`;
      }
      for (const r of await this.all(this.workers.map(() => ({ msg: { type: 'finish' } })))) {
        if (r.type === 'error') throw new Error(r.message);
        if (r.type === 'coverage') for (const [k, c] of Object.entries(r.coverage)) coverage.set(k, (coverage.get(k) ?? 0) + c);
      }
    } finally {
      clearInterval(timer);
    }
    memory.sample();
    const elapsedMs = performance.now() - started;
    const label = model.label?.bind(model) ?? defaultLabel;
    const rebuild = (f: FoundMessage): Violation<S, A> => {
      const v: Violation<S, A> = { property: f.property, kind: f.kind, message: f.message, trace: [] };
      if (f.id < 0) return v;
      const r = replay(model, links.path(f.id), label);
      v.trace = r.trace;
      if (r.error !== undefined) v.message = `${f.message} (the trace could not be rebuilt: ${r.error})`;
      else if (f.kind !== 'error') {
        const last = r.trace[r.trace.length - 1];
        const check: Fingerprint = { hi: 0, lo: 0 };
        if (last !== undefined) fpOf(last.state, check);
        if (last !== undefined && (check.hi !== f.hi || check.lo !== f.lo)) v.message = `${f.message} (warning: re-executing the path gave a different state; is next() deterministic?)`;
      }
      return v;
    };
    // Only a search that ran to the end can say that a sometimes-property never held.
    const complete = incomplete === undefined && error === undefined && !(stopAtFirst && found.length > 0);
    if (complete) for (const name of Object.keys(model.sometimes ?? {})) if (!sometimesHeld.has(name)) found.push({ property: name, kind: 'sometimes', message: `"${name}" holds in no reachable state`, id: -1, depth: 0, hi: 0, lo: 0 });
    let chosen = found;
    if (error !== undefined) chosen = [{ property: 'model-error', kind: 'error', message: error.message, id: error.id, depth: 0, hi: 0, lo: 0 }];
    else if (stopAtFirst && found.length > 1) chosen = [found.reduce((a, b) => (b.depth < a.depth ? b : a))];
    const violations = chosen.map(rebuild);
    const stored = links.size;
    let status: CheckStatus = 'ok';
    if (error !== undefined) status = 'error';
    else if (violations.length > 0) status = 'violation';
    else if (incomplete !== undefined) status = 'incomplete';
    const result: CheckResult<S, A> = {
      status,
      distinctStates: stored,
      transitions: workerTransitions.reduce((a, b) => a + b, 0),
      depth: maxDepthSeen,
      elapsedMs,
      statesPerSecond: elapsedMs > 0 ? Math.round(stored / (elapsedMs / 1000)) : stored,
      bytesPerState: stored > 0 ? (table.byteLength + links.byteLength) / stored : 0,
      // The shared table stores a lane that hashes to 0 as 1 (shared-table.ts).
      collisionProbability: (stored * (stored - 1)) / 2 / 2 ** 62,
      coverage: Object.fromEntries([...coverage.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      violations,
      peakRssBytes: memory.peakRss,
    };
    if (incomplete !== undefined) result.incompleteReason = incomplete;
    if (hint !== undefined) result.hint = hint;
    const reductions = reductionsOf(options);
    if (reductions.length > 0) result.reductions = reductions;
    return result;
  }

  /**
   * Level 0, in the coordinator: the initial states stored, numbered and checked as bfs.ts does,
   * then serialized for the workers. A model exception is returned as its message.
   */
  private initialLevel<S, A>(model: Model<S, A>, options: CheckOptions, fpOf: (s: S, out: Fingerprint) => void, table: SharedTable, control: Int32Array, links: ParentLinks, found: FoundMessage[], sometimesHeld: Set<string>): Chunk[] | string {
    const m = withSanity(model, options.sanity);
    let where = 'init()';
    try {
      const inits = m.init();
      const kept: S[] = [];
      const fp: Fingerprint = { hi: 0, lo: 0 };
      for (let i = 0; i < inits.length; i++) {
        const s = inits[i]!;
        where = 'fingerprint of an initial state';
        fpOf(s, fp);
        if (!table.add(fp.hi, fp.lo)) continue;
        if (options.maxStates !== undefined && links.size >= options.maxStates) {
          Atomics.compareExchange(control, STOP, 0, STOP_REASON.maxStates);
          break;
        }
        const id = links.push(NO_PARENT, i);
        Atomics.add(control, STORED, 1);
        kept.push(s);
        for (const [name, holds] of Object.entries(m.invariants ?? {})) {
          where = `invariant "${name}"`;
          if (!found.some((f) => f.property === name) && !holds(s)) {
            let message: string | undefined;
            try {
              message = m.explain?.(name, s);
            } catch (e) {
              message = `explain() threw ${describeError(e)}`;
            }
            found.push({ property: name, kind: 'invariant', message: message ?? `invariant "${name}" does not hold`, id, depth: 0, hi: fp.hi, lo: fp.lo });
          }
        }
        for (const [name, holds] of Object.entries(m.sometimes ?? {})) {
          where = `sometimes-property "${name}"`;
          if (holds(s)) sometimesHeld.add(name);
        }
      }
      const chunks: Chunk[] = [];
      for (let i = 0; i < kept.length; i += CHUNK) {
        const part = kept.slice(i, i + CHUNK);
        const b = serialize(part);
        chunks.push({ owner: -1, index: 0, buffer: new Uint8Array(b).buffer, firstId: i, count: part.length });
      }
      return chunks;
    } catch (e) {
      return `${where} threw ${describeError(e)}`;
    }
  }
}

/** One parallel search on a pool of its own (started and closed here). */
export async function checkObjectParallel<S, A>(ref: ModelRef, workers: number, options: CheckOptions = {}): Promise<CheckResult<S, A>> {
  const pool = ObjectPool.start(workers);
  try {
    return await pool.check<S, A>(ref, options);
  } finally {
    await pool.close();
  }
}
