/**
 * The compact-state contract, opt-in. A model whose state is a fixed number of integers
 * describes it as a `CompactModel`: a vector of `width` int32 slots and a static list of
 * transitions (as a BEEM/DVE model or a SPIN process's statements are static), each with a
 * guard and an effect written into a buffer the checker owns. States then live in typed arrays
 * (the BFS frontier is one Int32Array per level), never as JavaScript objects, and an action is
 * a transition index, so coverage is a counter per transition.
 *
 * The object contract is unchanged; `asObjectModel` turns a compact model into an object one
 * with the same states (as number arrays), the same actions in the same order, and so the same
 * counts and the same traces, which the tests check.
 */
import type { CheckOptions, CheckResult, Model, ViolationKind } from './types.ts';
import { fingerprintWords, type Fingerprint } from './fingerprint.ts';
import { FingerprintSet, NO_PARENT, ParentLinks } from './store.ts';
import { BitstateSet, expectedCoverage } from './bitstate.ts';
import { MemoryGuard, defaultMaxMemoryBytes, memoryHint } from './memory.ts';
import { describeError } from './engine.ts';
import { compactResult, type CompactOutcome, type Found } from './compact-result.ts';
import { TransitionIndex } from './compact-index.ts';

export interface CompactModel {
  name: string;
  /** Slots (int32) per state. */
  width: number;
  /** Initial states, each `width` numbers. */
  init(): ReadonlyArray<ArrayLike<number>>;
  /** The transitions' names; transition t is enabled or not in each state. */
  transitions: readonly string[];
  /** Whether transition `t` is enabled in `s`. */
  enabled(s: Int32Array, t: number): boolean;
  /** Writes the successor of `s` under the enabled transition `t` into `out`, which holds a copy of `s`. */
  apply(s: Int32Array, t: number, out: Int32Array): void;
  invariants?: Record<string, (s: Int32Array) => boolean>;
  sometimes?: Record<string, (s: Int32Array) => boolean>;
  /** Terminal states that are not deadlocks. */
  done?(s: Int32Array): boolean;
  /**
   * Optional, for speed: the transitions grouped by the process they belong to and the location
   * they leave. Process p's location is slot `pc` of the state; `from[v]` lists the transitions
   * that can be enabled only when it is v, in increasing order, and a process's transitions come
   * after those of the processes before it. Every transition is listed once. The search then
   * evaluates only the guards of the transitions leaving each process's current location (as
   * SPIN's pan does); the states, transitions and traces are the same as without it, provided
   * no transition is enabled outside the location it is listed under (compact-index.ts).
   */
  processes?: ReadonlyArray<{ pc: number; from: ReadonlyArray<readonly number[]> }>;
}

/**
 * The same model through the object contract: states are number arrays, actions transition
 * indexes. The adapter's copies are loops over reused buffers: `Array.from` and
 * `Int32Array.from` go through the iterator protocol, 0.5-1.5 µs a state, which was most of a
 * search's time on hanoi.2 (bench/README.md, issue 10r).
 *
 * A model that gives `processes` has only the guards of each process's current location
 * evaluated, as checkCompact does, with the same audit (compact-index.ts): a transition enabled
 * outside the location it is listed under makes actions() throw, naming it. `guards: 'every'`
 * evaluates every guard (compact-result.ts rebuilds traces so, whatever the grouping says).
 */
export function asObjectModel(cm: CompactModel, guards: 'grouped' | 'every' = 'grouped'): Model<number[], number> {
  const width = cm.width;
  const T = cm.transitions.length;
  const index = guards === 'grouped' && cm.processes !== undefined ? TransitionIndex.of(cm) : undefined;
  index?.restart();
  const cand = index?.scratch() ?? new Int32Array(0);
  const buf = new Int32Array(width);
  const out = new Int32Array(width);
  // The properties' own buffer: an invariant is never called inside actions() or next(), but it costs nothing to be sure.
  const pbuf = new Int32Array(width);
  const load = (s: readonly number[], into: Int32Array): Int32Array => {
    for (let i = 0; i < width; i++) into[i] = s[i]!;
    return into;
  };
  const wrap = (f: (s: Int32Array) => boolean) => (s: number[]) => f(load(s, pbuf));
  const m: Model<number[], number> = {
    name: cm.name,
    init: () => cm.init().map((s) => Array.from(s)),
    actions: (s) => {
      const v = load(s, buf);
      const acts: number[] = [];
      if (index !== undefined) {
        const nc = index.candidates(v, cand);
        for (let c = 0; c < nc; c++) if (cm.enabled(v, cand[c]!)) acts.push(cand[c]!);
      } else for (let t = 0; t < T; t++) if (cm.enabled(v, t)) acts.push(t);
      return acts;
    },
    next: (s, t) => {
      const v = load(s, buf);
      out.set(v);
      cm.apply(v, t, out);
      // A copy of the parent overwritten from `out`: slice() keeps its packed elements and exact size.
      const r = s.slice(0, width);
      for (let i = 0; i < width; i++) r[i] = out[i]!;
      return r;
    },
    label: (t) => cm.transitions[t]!,
    actionKinds: cm.transitions,
    kindOf: (t) => t,
  };
  if (cm.invariants !== undefined) m.invariants = Object.fromEntries(Object.entries(cm.invariants).map(([k, f]) => [k, wrap(f)]));
  if (cm.sometimes !== undefined) m.sometimes = Object.fromEntries(Object.entries(cm.sometimes).map(([k, f]) => [k, wrap(f)]));
  if (cm.done !== undefined) {
    const done = cm.done.bind(cm);
    m.done = (s) => done(load(s, pbuf));
  }
  return m;
}

/**
 * A growable Int32Array of whole states. `slot` is a view of the place of the next state, where
 * a successor is built (and fingerprinted) in place: keeping it is a count, not a copy.
 */
class StateBuffer {
  data: Int32Array;
  count = 0;
  slot: Int32Array;
  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    this.data = new Int32Array(width * capacity);
    this.slot = this.data.subarray(0, width);
  }
  /** Keeps the state in `slot`; `slot` moves on to the next place. */
  keep(): void {
    const w = this.width;
    const off = ++this.count * w;
    if (off + w > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.slot = this.data.subarray(off, off + w);
  }
  clear(): void {
    this.count = 0;
    this.slot = this.data.subarray(0, this.width);
  }
  get byteLength(): number {
    return this.data.byteLength;
  }
}

const CLOCK_EVERY = 1024;

/**
 * Breadth-first search over a compact model. BFS gives states their numbers in discovery
 * order, so each level is a contiguous range of numbers and the frontier needs no id array.
 */
export function checkCompact(cm: CompactModel, options: CheckOptions = {}): CheckResult<number[], number> {
  if (options.strategy !== undefined && options.strategy !== 'bfs') throw new RangeError(`the compact contract runs breadth-first only, not "${options.strategy}"`);
  const started = performance.now();
  const width = cm.width;
  const T = cm.transitions.length;
  const visited = options.bitstate === undefined ? new FingerprintSet() : new BitstateSet(options.bitstate.log2Bits, options.bitstate.hashes ?? 3);
  const links = new ParentLinks();
  const memory = new MemoryGuard(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
  const coverage = new Float64Array(T);
  const invariants = Object.entries(cm.invariants ?? {});
  const pending = Object.entries(cm.sometimes ?? {});
  const stopAtFirst = options.stopAtFirst ?? true;
  const found: Found[] = [];
  const foundProps = new Set<string>();
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const cur = new Int32Array(width);
  const index = TransitionIndex.of(cm);
  index.restart();
  const grouped = index.grouped;
  const cand = index.scratch();
  let transitions = 0;
  let maxDepthSeen = 0;
  let incomplete: CheckResult<number[], number>['incompleteReason'];
  let hint: string | undefined;
  let stop = false;
  let errored = false;
  let errorAt: { message: string; id: number } | undefined;

  const record = (property: string, kind: ViolationKind, message: string, id: number, depth: number): void => {
    if (foundProps.has(property)) return;
    foundProps.add(property);
    found.push({ property, kind, message, id, depth });
    if (stopAtFirst) stop = true;
  };
  const checkState = (s: Int32Array, id: number, depth: number): void => {
    for (const [name, holds] of invariants) {
      if (!foundProps.has(name) && !holds(s)) {
        record(name, 'invariant', `invariant "${name}" does not hold`, id, depth);
        if (stop) return;
      }
    }
    for (let i = 0; i < pending.length; i++) {
      if (pending[i]![1](s)) {
        pending.splice(i, 1);
        i--;
      }
    }
  };
  /** Stores `s` if new; returns its number or -1. */
  const discover = (s: Int32Array, parent: number, actionIndex: number, depth: number): number => {
    fingerprintWords(s, 0, width, fp);
    if (options.maxStates !== undefined && visited.size >= options.maxStates) {
      if (visited.has(fp.hi, fp.lo)) return -1;
      incomplete ??= 'maxStates';
      stop = true;
      return -1;
    }
    if (!visited.add(fp.hi, fp.lo)) return -1;
    const id = links.push(parent, actionIndex);
    if (depth > maxDepthSeen) maxDepthSeen = depth;
    checkState(s, id, depth);
    return id;
  };

  // Two buffers, one level each, swapped from level to level.
  let level = new StateBuffer(width);
  let next = new StateBuffer(width);
  let levelFirstId = 0;
  let id = -1;
  try {
    const inits = cm.init();
    for (let i = 0; i < inits.length && !stop; i++) {
      const src = inits[i]!;
      if (src.length !== width) throw new RangeError(`init() state ${i} has ${src.length} slots, not width ${width}`);
      const slot = level.slot;
      for (let j = 0; j < width; j++) slot[j] = src[j]!;
      if (discover(slot, NO_PARENT, i, 0) >= 0) level.keep();
    }
    let depth = 0;
    let clock = CLOCK_EVERY;
    let lastProgress = started;
    while (level.count > 0 && !stop) {
      next.clear();
      const nextFirstId = links.size;
      const cut = options.maxDepth !== undefined && depth >= options.maxDepth;
      let violationBelow = false;
      const data = level.data;
      for (let j = 0; j < level.count; j++) {
        id = levelFirstId + j;
        const base = j * width;
        for (let i = 0; i < width; i++) cur[i] = data[base + i]!;
        let k = 0;
        const nc = grouped ? index.candidates(cur, cand) : T;
        for (let c = 0; c < nc; c++) {
          const t = cand[c]!;
          if (!cm.enabled(cur, t)) continue;
          if (violationBelow || cut) {
            k++;
            break;
          }
          const slot = next.slot;
          for (let i = 0; i < width; i++) slot[i] = cur[i]!;
          cm.apply(cur, t, slot);
          transitions++;
          coverage[t]!++;
          if (discover(slot, id, k, depth + 1) >= 0) next.keep();
          k++;
          if (stop) break;
        }
        if (k === 0 && !(cm.done?.(cur) ?? false)) {
          record('deadlock', 'deadlock', 'no action is enabled and done() is false', id, depth);
          if (stop) break;
        }
        if (cut && k > 0) incomplete ??= 'maxDepth';
        if (stop && stopAtFirst && found.length > 0 && incomplete === undefined && !violationBelow) {
          stop = false;
          violationBelow = true;
        }
        if (stop) break;
        if (--clock === 0) {
          clock = CLOCK_EVERY;
          const now = performance.now();
          if (options.timeLimitMs !== undefined && now - started >= options.timeLimitMs) {
            incomplete ??= 'timeLimit';
            stop = true;
          }
          if (memory.check(now)) {
            incomplete ??= 'maxMemory';
            hint ??= memoryHint(memory.reached ?? 'memory limit reached');
            stop = true;
          }
          if (options.onProgress !== undefined && now - lastProgress >= 1000) {
            lastProgress = now;
            options.onProgress({ distinctStates: visited.size, transitions, statesPerSecond: Math.round(visited.size / ((now - started) / 1000)), depth, frontier: level.count - j + next.count, elapsedMs: now - started });
          }
          if (stop) break;
        }
      }
      if (violationBelow) stop = true;
      const done = level;
      level = next;
      next = done;
      levelFirstId = nextFirstId;
      depth++;
    }
  } catch (e) {
    errored = true;
    errorAt = { message: `the compact model threw ${describeError(e)}`, id };
  }
  memory.sample();

  const elapsedMs = performance.now() - started;
  const bitstate = visited instanceof BitstateSet ? visited : undefined;
  if (bitstate !== undefined && !stop && !errored) incomplete ??= 'bitstate';
  const complete = incomplete === undefined && !errored && !stop;
  const n = visited.size;
  const outcome: CompactOutcome = {
    found,
    unseen: pending.map(([name]) => name),
    complete,
    stopAtFirst,
    distinctStates: n,
    transitions,
    depth: maxDepthSeen,
    elapsedMs,
    storeBytes: visited.byteLength + links.byteLength,
    hashBits: 64,
    coverage,
    peakRssBytes: memory.peakRss,
  };
  if (errorAt !== undefined) outcome.error = errorAt;
  if (incomplete !== undefined) outcome.incomplete = incomplete;
  if (hint !== undefined) outcome.hint = hint;
  const result = compactResult(cm, links, outcome);
  if (bitstate !== undefined) {
    const m = bitstate.bitCount;
    const hashFactor = n > 0 ? m / n : Infinity;
    result.bitstate = { bits: m, hashes: bitstate.hashes, hashFactor, expectedCoverage: expectedCoverage(n, m, bitstate.hashes) };
  }
  return result;
}
