/**
 * The threads of a parallel compact search (workers.ts): started in the background from the
 * compiled (or cached) bundle, or through tsx, and met at every level on shared control words
 * (compact-protocol.ts).
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { bundleWorker, cachedBundle, workerModuleUrl, type WorkerBundle } from './worker-bundle.ts';
import type { CompactModel } from './compact.ts';
import type { ModelRef } from './model-ref.ts';
import { SharedTable } from './shared-table.ts';
import { growShare, type GrowJob, type LevelJob, type LevelResult } from './compact-expand.ts';
import { controlWords, cpuWord, startCpuWord, DONE, GO, QUIT, readyWord, take, waitFor, type WorkerInit, type WorkerReply } from './compact-protocol.ts';

/**
 * The worker threads, started in the background: the coordinator searches meanwhile and looks
 * at `state` between levels. A thread says it is ready in its control word, not by a message,
 * and from a cached bundle the threads are started at once: the coordinator turns its event
 * loop only between levels, tens of milliseconds apart on peterson.4, and every reply waiting
 * for a turn had delayed the threads' start by a level (bench/README.md, issue 10i). Once ready,
 * a thread serves levels until `close`, meeting the coordinator at each through the control
 * words and its port (compact-protocol.ts).
 */
export class Pool {
  private workers: Worker[] = [];
  private ports: MessagePort[] = [];
  private closed = false;
  private bundle: WorkerBundle | undefined;
  /** Why the pool cannot serve: the start failed, a thread reported an error, died or exited. */
  private failure: string | undefined;
  private readonly control: Int32Array;
  /** How the workers were started: from the compiled bundle, or with tsx and why. */
  boot = 'starting';
  constructor(
    private readonly n: number,
    ref: ModelRef,
    model: CompactModel,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(controlWords(n) * 4));
    const hit = cachedBundle(ref);
    if (hit !== undefined) this.launch(ref, hit);
    else
      void bundleWorker(ref, model).then(
        (b) => this.launch(ref, b),
        (e: unknown) => (this.failure ??= e instanceof Error ? e.message : String(e)),
      );
  }

  /** Starts the threads, from the bundle or, failing one (`bundle` says why), through tsx. */
  private launch(ref: ModelRef, bundle: WorkerBundle | string): void {
    if (this.closed) {
      if (typeof bundle !== 'string') void bundle.remove();
      return;
    }
    let code: string;
    if (typeof bundle === 'string') {
      this.boot = `tsx (${bundle})`;
      const url = workerModuleUrl('compact-worker');
      // The model may be TypeScript (and the worker is, run from the sources): a small script
      // first registers tsx's loader in the new thread (it is not inherited), then imports the worker.
      const tsx = import.meta.resolve('tsx/esm/api');
      code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url)}); });`;
    } else {
      this.boot = bundle.cached ? 'bundle (cached)' : 'bundle';
      this.bundle = bundle;
      code = bundle.code;
      ref = bundle.ref;
    }
    for (let index = 0; index < this.n; index++) {
      const { port1, port2 } = new MessageChannel();
      this.ports.push(port1);
      const workerData: WorkerInit = { ref, control: this.control.buffer as SharedArrayBuffer, port: port2, index };
      const w = new Worker(code, { eval: true, workerData, transferList: [port2] });
      w.on('error', (e: Error) => {
        this.failure ??= e.message;
      });
      w.on('exit', (code) => {
        if (!this.closed) this.failure ??= `a worker thread exited (code ${code})`;
      });
      this.workers.push(w);
    }
  }

  /** 'ready' once every thread is; the reason if the pool cannot serve. Looks, never waits. */
  get state(): 'starting' | 'ready' | { error: string } {
    // A thread's own account of its failure first: its exit, which follows, says less.
    for (let i = 0; i < this.workers.length; i++) {
      if (Atomics.load(this.control, readyWord(i)) >= 0) continue;
      const m = receiveMessageOnPort(this.ports[i]!)?.message as WorkerReply | undefined;
      if (m?.type === 'error') this.failure = m.message;
      Atomics.store(this.control, readyWord(i), 0);
    }
    if (this.failure !== undefined) return { error: this.failure };
    if (this.workers.length < this.n) return 'starting';
    for (let i = 0; i < this.n; i++) if (Atomics.load(this.control, readyWord(i)) === 0) return 'starting';
    return 'ready';
  }

  /** Waits for the threads to be ready; the reason if they cannot be. */
  async settled(): Promise<string | undefined> {
    for (;;) {
      const s = this.state;
      if (s === 'ready') return undefined;
      if (s !== 'starting') return s.error;
      await new Promise<void>((r) => setTimeout(r, 1));
    }
  }

  /** Hands every thread the job and wakes them; `collect` then waits for their replies. */
  post(job: LevelJob | GrowJob): void {
    const ctl = this.control;
    Atomics.store(ctl, DONE, 0);
    for (const p of this.ports) p.postMessage(job);
    Atomics.add(ctl, GO, 1);
    Atomics.notify(ctl, GO);
  }

  /** The threads' replies to the job posted, in thread order. */
  async collect(): Promise<WorkerReply[]> {
    // In slices, yielding between them: a thread that died is reported by the event loop only.
    while (!waitFor(this.control, DONE, this.n, 50)) {
      await new Promise<void>((r) => setImmediate(r));
      if (this.failure !== undefined) throw new Error(this.failure);
    }
    return this.ports.map((p) => {
      const r = take<WorkerReply>(p);
      if (r.type === 'error') throw new Error(r.message);
      return r;
    });
  }

  /** The level's results from every thread, the coordinator's (`mine`) first. */
  async levelResults(mine: LevelResult): Promise<LevelResult[]> {
    const results = [mine];
    for (const r of await this.collect()) {
      if (r.type !== 'level') throw new Error('unexpected worker reply');
      results.push(r);
    }
    return results;
  }

  /** `table` grown `factor` times, the threads and the coordinator copying chunks of it at once. */
  async grow(table: SharedTable, factor: number): Promise<SharedTable> {
    const next = SharedTable.create(table.capacity * factor);
    const job: GrowJob = { grow: true, from: table.buffer, to: next.buffer, cursor: new SharedArrayBuffer(4) };
    this.post(job);
    growShare(job);
    for (const r of await this.collect()) if (r.type !== 'grown') throw new Error('unexpected worker reply');
    return next;
  }

  /** The worker threads' CPU time, summed: as of their last measured level, and until they were ready. */
  get threadsCpuMs(): { total: number; start: number } {
    let total = 0;
    let start = 0;
    for (let i = 0; i < this.n; i++) {
      total += Atomics.load(this.control, cpuWord(i));
      start += Atomics.load(this.control, startCpuWord(i));
    }
    return { total, start };
  }

  /** Stops the workers, or their start if it is still under way (it stops itself). */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.control, QUIT, 1);
    Atomics.add(this.control, GO, 1);
    Atomics.notify(this.control, GO);
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.ports) p.close();
    await this.bundle?.remove();
  }
}

