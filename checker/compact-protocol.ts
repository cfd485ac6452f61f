/**
 * The parallel compact search's barrier: how the coordinator (workers.ts) and its worker threads
 * (compact-worker.ts) meet at each BFS level without the event loop. A worker is woken by a
 * generation counter in shared memory (a futex, `Atomics.wait`/`Atomics.notify`) and takes its
 * job from its own MessagePort synchronously (`receiveMessageOnPort`); it answers on the same
 * port and counts itself done in another shared word. A postMessage round trip through both
 * event loops cost a millisecond and more per level on a loaded machine (bench/README.md, issue
 * 10i); a futex wake is tens of microseconds, and a short spin first skips even that when the
 * other side is about to arrive.
 */
import { readFileSync } from 'node:fs';
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { LevelResult } from './compact-expand.ts';
import type { ModelRef } from './model-ref.ts';

/** Control words, an Int32Array over a SharedArrayBuffer shared by every thread of a search. */
export const GO = 0;
export const DONE = 1;
export const QUIT = 2;
export const CONTROL_WORDS = 3;
/**
 * Then three words per worker thread: whether it is ready (0 starting, 1 ready, -1 failed: its
 * port says why); its CPU time in ms when it became ready; and its CPU time so far, as of its
 * last level, when the search is measured.
 */
export const readyWord = (thread: number): number => CONTROL_WORDS + 3 * thread;
export const startCpuWord = (thread: number): number => CONTROL_WORDS + 3 * thread + 1;
export const cpuWord = (thread: number): number => CONTROL_WORDS + 3 * thread + 2;
export const controlWords = (threads: number): number => CONTROL_WORDS + 3 * threads;

/** What a worker thread is started with (its `workerData`). */
export interface WorkerInit {
  ref: ModelRef;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** This thread's number, for its words in the control words. */
  index: number;
}

export type WorkerReply = ({ type: 'level' } & LevelResult) | { type: 'grown' } | { type: 'error'; message: string };

/**
 * How long a thread spins on a control word before it sleeps on it. Long enough for the
 * coordinator's merge between two levels (a fraction of a millisecond on peterson.4), short
 * enough that a thread waiting out a table growth or a slow peer soon stops taking a core.
 */
export const SPIN_MS = 0.2;

/** Waits until `ctl[word]` is no longer `old` (spinning for `spinMs`, then sleeping); returns its value. */
export function waitChange(ctl: Int32Array, word: number, old: number, spinMs = SPIN_MS): number {
  const until = performance.now() + spinMs;
  for (let i = 0; ; i++) {
    const v = Atomics.load(ctl, word);
    if (v !== old) return v;
    // The clock is read every 64 turns: it costs more than a load.
    if ((i & 63) === 63 && performance.now() > until) break;
  }
  for (;;) {
    Atomics.wait(ctl, word, old);
    const v = Atomics.load(ctl, word);
    if (v !== old) return v;
  }
}

/**
 * Waits until `ctl[word]` reaches `target` or `timeoutMs` passes (spinning for `spinMs` first);
 * true if it did. The coordinator waits in slices, so that it can look between them at whether
 * a worker died (which the event loop tells it).
 */
export function waitFor(ctl: Int32Array, word: number, target: number, timeoutMs: number, spinMs = SPIN_MS): boolean {
  const start = performance.now();
  for (let i = 0; ; i++) {
    if (Atomics.load(ctl, word) >= target) return true;
    if ((i & 63) === 63 && performance.now() - start > spinMs) break;
  }
  for (;;) {
    const v = Atomics.load(ctl, word);
    if (v >= target) return true;
    const left = timeoutMs - (performance.now() - start);
    if (left <= 0) return false;
    Atomics.wait(ctl, word, v, left);
  }
}

/**
 * The message on `port`, which the sender posted before it moved the control word we woke on:
 * none there means the barrier let us through early, a bug to report rather than wait out.
 */
export function take<T>(port: MessagePort): T {
  const m = receiveMessageOnPort(port);
  if (m === undefined) throw new Error('passed a barrier before its message arrived');
  return m.message as T;
}

/**
 * CPU time of the calling thread in ms (Linux's /proc/thread-self/schedstat), NaN where it cannot
 * be read. For the phase breakdown (bench/worker-phases.ts): on a machine shared with other
 * work, a thread's wall time says more about the machine than about the thread.
 */
export function threadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ', 1)[0]) / 1e6;
  } catch {
    return NaN;
  }
}
