/**
 * Expanding one BFS level of a compact model into the shared fingerprint table: the inner loop
 * of the parallel search (workers.ts), run by each worker thread (compact-worker.ts) and by the
 * coordinator itself for the levels it keeps.
 *
 * The level is a list of segments (each thread's output of the level before), read where it
 * lies. Threads claim chunks of it from a shared cursor, so a thread the machine slows down takes
 * fewer chunks instead of holding up the barrier; chunks shrink as the level runs out (a share of
 * what is left), so that the threads reach the barrier within a small chunk of each other. Each thread writes the new states it owns, and
 * their parent links, into buffers of its own (shared memory, so the coordinator reads them
 * without a copy), numbered after the barrier in thread order.
 */
import type { CompactModel } from './compact.ts';
import { fingerprintWords, type Fingerprint } from './fingerprint.ts';
import { SharedTable } from './shared-table.ts';
import { threadCpuMs } from './compact-protocol.ts';
import { TransitionIndex } from './compact-index.ts';

/** A level to expand: plain data, posted to every thread that takes part. */
export interface LevelJob {
  table: SharedArrayBuffer;
  /** The level's states: segments in id order, `counts[i]` states in `segments[i]`. */
  segments: SharedArrayBuffer[];
  counts: number[];
  /** Int32 slot 0: the first state of the level not yet claimed; slot 1: the states added in this level by every thread, as of their last finished chunk. */
  cursor: SharedArrayBuffer;
  /** How many threads share the level: a chunk is a quarter of each one's share of what is left. */
  threads: number;
  /** The id of the level's first state. */
  firstId: number;
  /** Which of its two state buffers a thread writes (the other may hold this level). */
  parity: number;
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
  /** Measure each thread's CPU time in the level (`cpuMs`). */
  measure: boolean;
}

/** Growing the shared table between two levels, every thread copying chunks of the old one. */
export interface GrowJob {
  grow: true;
  from: SharedArrayBuffer;
  to: SharedArrayBuffer;
  /** Int32 slot 0: the next chunk of GROW_CHUNK old slots to claim. */
  cursor: SharedArrayBuffer;
}

/** Old slots a thread claims at a time while the table grows: 128 KiB of them, a few hundred chunks in a table of millions. */
export const GROW_CHUNK = 1 << 14;

/** Copies the chunks of the old table this thread claims into the new one, until none is left. */
export function growShare(job: GrowJob): void {
  const from = new SharedTable(job.from);
  const to = new SharedTable(job.to);
  const cursor = new Int32Array(job.cursor);
  const slots = from.capacity;
  for (;;) {
    const start = Atomics.add(cursor, 0, 1) * GROW_CHUNK;
    if (start >= slots) return;
    from.copyInto(to, start, Math.min(slots, start + GROW_CHUNK));
  }
}

/** What one thread found in a level; its new states are in its `LevelOutput`. */
export interface LevelResult {
  count: number;
  transitions: number;
  coverage: Float64Array;
  /** The first state this thread expanded with no enabled transition and not done (global id), or -1. */
  deadlock: number;
  /** Invariant violations among the new states: index into this thread's new states. */
  violations: Array<{ property: string; index: number }>;
  sometimesHeld: string[];
  cutHit: boolean;
  stopped: 'maxStates' | 'timeLimit' | 'tableFull' | null;
  /** The most transitions enabled in one state this thread expanded (the coordinator sizes the table by it). */
  maxEnabled: number;
  busyMs: number;
  /** CPU time of the thread in the level, if the job asked to measure it, else NaN. */
  cpuMs: number;
  /** The buffers holding this level's output (replaced when they grow). */
  states: SharedArrayBuffer;
  parents: SharedArrayBuffer;
  actions: SharedArrayBuffer;
}

const INITIAL_STATES = 1024;

/** One thread's output buffers, kept from level to level: two for states (by parity), one each for the links. */
export class LevelOutput {
  readonly states: [Int32Array, Int32Array];
  parents: Uint32Array;
  actions: Uint16Array;
  constructor(readonly width: number) {
    this.states = [sharedInt32(width * INITIAL_STATES), sharedInt32(width * INITIAL_STATES)];
    this.parents = new Uint32Array(new SharedArrayBuffer(INITIAL_STATES * 4));
    this.actions = new Uint16Array(new SharedArrayBuffer(INITIAL_STATES * 2));
  }
  /** States the buffers of `parity` and the links have room for. */
  capacity(parity: number): number {
    return Math.min(this.states[parity]!.length / this.width, this.parents.length);
  }
  /** Doubles whichever of the buffers of `parity` and the links is full, keeping the first `count` entries. */
  grow(parity: number, count: number): void {
    if (this.states[parity]!.length <= count * this.width) {
      const s = sharedInt32(this.states[parity]!.length * 2);
      s.set(this.states[parity]!.subarray(0, count * this.width));
      this.states[parity] = s;
    }
    if (this.parents.length <= count) {
      const p = new Uint32Array(new SharedArrayBuffer(this.parents.length * 8));
      p.set(this.parents.subarray(0, count));
      this.parents = p;
      const a = new Uint16Array(new SharedArrayBuffer(this.actions.length * 4));
      a.set(this.actions.subarray(0, count));
      this.actions = a;
    }
  }
}

const sharedInt32 = (n: number): Int32Array => new Int32Array(new SharedArrayBuffer(n * 4));

/** Caches the table view of the last buffer seen (the coordinator replaces it when it grows). */
export class TableView {
  private buffer: SharedArrayBuffer | undefined;
  private table: SharedTable | undefined;
  of(buffer: SharedArrayBuffer): SharedTable {
    if (this.buffer !== buffer || this.table === undefined) {
      this.buffer = buffer;
      this.table = new SharedTable(buffer);
    }
    return this.table;
  }
}

/**
 * Chunks are at least this many states (claiming one costs a compare-and-swap on a line every
 * thread claims from), at most MAX_CHUNK (a thread publishes its new states, for the state budget,
 * after each chunk).
 */
export const MIN_CHUNK = 64;
const MAX_CHUNK = 4096;

/** Where the chunk starting at `from` ends: a quarter of each thread's share of what is left, within bounds. */
const chunkEnd = (from: number, total: number, threads: number): number => Math.min(total, from + Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.ceil((total - from) / (threads * 4)))));

/** Claims the next chunk of a level of `total` states: its first state, or -1 when none is left. */
function claim(cursor: Int32Array, total: number, threads: number): number {
  for (;;) {
    const from = Atomics.load(cursor, 0);
    if (from >= total) return -1;
    if (Atomics.compareExchange(cursor, 0, from, chunkEnd(from, total, threads)) === from) return from;
  }
}

/**
 * One thread's expansion of one level. The hot loop (`expand`) is a method of its own, over a
 * run of states in one segment, with everything rare (growing the output, an invariant that
 * fails, a state budget reached, a deadlock) out of line: V8 compiled the whole of the former
 * single function again on each deoptimization, 5 to 8 times per thread, 70-500 ms a compile at
 * load 8 (`--trace-opt --trace-deopt`), in threads of its own competing with the search's.
 */
class Expander {
  readonly width: number;
  readonly transitions: number;
  readonly index: TransitionIndex;
  readonly grouped: boolean;
  readonly cand: Int32Array;
  readonly cur: Int32Array;
  readonly fp: Fingerprint = { hi: 0, lo: 0 };
  readonly coverage: Float64Array;
  /** Invariants still to check (properties already violated in earlier levels are not checked again). */
  readonly invariants: Array<[string, (s: Int32Array) => boolean]>;
  readonly sometimes: Array<[string, (s: Int32Array) => boolean]>;
  readonly pending: Set<string>;
  readonly violations: Array<{ property: string; index: number }> = [];
  readonly violated = new Set<string>();
  states: Int32Array;
  parents: Uint32Array;
  actions: Uint16Array;
  capacity: number;
  count = 0;
  /** Where the next successor is built: at the next free place of `states` (kept there if new). */
  slot: Int32Array;
  /** Transitions fired. */
  fired = 0;
  deadlock = -1;
  cutHit = false;
  stopped: LevelResult['stopped'] = null;
  violationSeen = false;
  maxEnabled = 0;
  /** States stored by every thread before this chunk, as far as this thread knows. */
  known = 0;

  constructor(
    readonly cm: CompactModel,
    readonly job: LevelJob,
    readonly out: LevelOutput,
    readonly table: SharedTable,
  ) {
    this.width = cm.width;
    this.transitions = cm.transitions.length;
    this.index = TransitionIndex.of(cm);
    this.grouped = this.index.grouped;
    this.cand = this.index.scratch();
    this.cur = new Int32Array(this.width);
    this.coverage = new Float64Array(this.transitions);
    this.invariants = Object.entries(cm.invariants ?? {}).filter(([name]) => !job.found.includes(name));
    this.sometimes = Object.entries(cm.sometimes ?? {});
    this.pending = new Set(Object.keys(cm.sometimes ?? {}).filter((k) => !job.sometimesHeld.includes(k)));
    this.states = out.states[job.parity]!;
    this.parents = out.parents;
    this.actions = out.actions;
    this.capacity = out.capacity(job.parity);
    this.slot = this.states.subarray(0, this.width);
  }

  /** Expands states [lo, hi) of `level` (a segment), the first of which has number `firstId`; false once something stops the level. */
  expand(level: Int32Array, lo: number, hi: number, firstId: number): boolean {
    const cm = this.cm;
    const width = this.width;
    const cur = this.cur;
    const cand = this.cand;
    const fp = this.fp;
    const table = this.table;
    const coverage = this.coverage;
    const cut = this.job.cut;
    const limit = this.job.limit;
    const checks = this.invariants.length > 0 || this.pending.size > 0;
    const T = this.transitions;
    let slot = this.slot;
    let count = this.count;
    let transitions = 0;
    for (let j = lo; j < hi; j++) {
      const id = firstId + j - lo;
      const base = j * width;
      for (let i = 0; i < width; i++) cur[i] = level[base + i]!;
      let k = 0;
      const nc = this.grouped ? this.index.candidates(cur, cand) : T;
      for (let c = 0; c < nc; c++) {
        const tr = cand[c]!;
        if (!cm.enabled(cur, tr)) continue;
        if (cut || this.violationSeen) {
          k++;
          break;
        }
        for (let i = 0; i < width; i++) slot[i] = cur[i]!;
        cm.apply(cur, tr, slot);
        transitions++;
        coverage[tr]!++;
        fingerprintWords(slot, 0, width, fp);
        if (this.known + count >= limit) this.overLimit(count);
        else if (table.add(fp.hi, fp.lo)) {
          this.parents[count] = id;
          this.actions[count] = k;
          if (checks) this.checkNew(slot, count);
          if (++count === this.capacity) this.grow(count);
          slot = this.states.subarray(count * width, (count + 1) * width);
        }
        k++;
      }
      if (k > this.maxEnabled) this.maxEnabled = k;
      if (k === 0 && this.noSuccessor(cur, id)) break;
      if (cut && k > 0) this.cutHit = true;
      if (this.stopped !== null) break;
    }
    this.slot = slot;
    this.count = count;
    this.fired += transitions;
    return this.stopped === null && !(this.deadlock >= 0 && this.job.stopAtFirst);
  }

  /** A successor past the budget: the level stops if it is new. */
  private overLimit(count: number): void {
    if (!this.table.has(this.fp.hi, this.fp.lo)) this.stopped = this.known + count >= this.job.tableLimit ? 'tableFull' : 'maxStates';
  }

  /** The invariants and sometimes-properties in the new state number `count` of this thread. */
  private checkNew(s: Int32Array, count: number): void {
    for (const [name, holds] of this.invariants) {
      if (!holds(s) && !this.violated.has(name)) {
        this.violated.add(name);
        this.violations.push({ property: name, index: count });
        if (this.job.stopAtFirst) this.violationSeen = true;
      }
    }
    if (this.pending.size > 0) for (const [name, holds] of this.sometimes) if (this.pending.has(name) && holds(s)) this.pending.delete(name);
  }

  private grow(count: number): void {
    const parity = this.job.parity;
    this.out.grow(parity, count);
    this.states = this.out.states[parity]!;
    this.parents = this.out.parents;
    this.actions = this.out.actions;
    this.capacity = this.out.capacity(parity);
  }

  /** A state with no enabled transition: a deadlock unless done; true if that stops the level. */
  private noSuccessor(s: Int32Array, id: number): boolean {
    if (this.deadlock >= 0 || (this.cm.done?.(s) ?? false)) return false;
    this.deadlock = id;
    return this.job.stopAtFirst;
  }
}

/** Expands the chunks this thread claims until none is left (or a limit stops it). */
export function expandLevel(cm: CompactModel, job: LevelJob, out: LevelOutput, tables: TableView): LevelResult {
  const began = performance.now();
  const cpu0 = job.measure ? threadCpuMs() : NaN;
  const x = new Expander(cm, job, out, tables.of(job.table));
  const segments = job.segments.map((b) => new Int32Array(b));
  const counts = job.counts;
  let total = 0;
  for (const c of counts) total += c;
  const cursor = new Int32Array(job.cursor);
  let going = true;
  while (going) {
    const from = claim(cursor, total, job.threads);
    if (from < 0) break;
    // What the states stored number, as far as this thread knows: other threads publish their
    // additions after each chunk, so a budget can be overrun by the chunks in flight.
    const chunkFirst = x.count;
    x.known = job.stored + Atomics.load(cursor, 1) - x.count;
    const to = chunkEnd(from, total, job.threads);
    // The chunk, segment by segment.
    let seg = 0;
    let segStart = 0;
    while (from >= segStart + counts[seg]!) segStart += counts[seg++]!;
    let j = from;
    while (j < to && going) {
      const segEnd = Math.min(to, segStart + counts[seg]!);
      going = x.expand(segments[seg]!, j - segStart, segEnd - segStart, job.firstId + j);
      j = segEnd;
      segStart += counts[seg++]!;
    }
    Atomics.add(cursor, 1, x.count - chunkFirst);
    if (going && Date.now() > job.deadline) {
      x.stopped = 'timeLimit';
      going = false;
    }
  }
  return {
    count: x.count,
    transitions: x.fired,
    coverage: x.coverage,
    deadlock: x.deadlock,
    violations: x.violations,
    sometimesHeld: Object.keys(cm.sometimes ?? {}).filter((n) => !x.pending.has(n)),
    cutHit: x.cutHit,
    stopped: x.stopped,
    maxEnabled: x.maxEnabled,
    busyMs: performance.now() - began,
    cpuMs: job.measure ? threadCpuMs() - cpu0 : NaN,
    states: x.states.buffer as SharedArrayBuffer,
    parents: x.parents.buffer as SharedArrayBuffer,
    actions: x.actions.buffer as SharedArrayBuffer,
  };
}
