/**
 * What every search strategy shares: the visited set and parent links, property checks,
 * coverage, limits (states, time, memory), and the result with its rebuilt traces. A strategy
 * (bfs.ts, dfs.ts, random.ts) decides only the order in which states are expanded.
 *
 * Nothing a model does crashes the search: an exception from init, actions, next, done, an
 * invariant or a sometimes-property ends it with status 'error' and the trace to the state
 * where it was thrown.
 */
import type { CheckOptions, CheckResult, CheckStatus, Model, Reduction, Violation, ViolationKind } from './types.ts';
import { fingerprinterForModel, type Fingerprint, type Fingerprinter } from './fingerprint.ts';
import { FingerprintSet, NO_PARENT, ParentLinks } from './store.ts';
import { BitstateSet } from './bitstate.ts';
import { MemoryGuard, defaultMaxMemoryBytes, memoryHint } from './memory.ts';
import { defaultLabel } from './label.ts';
import { ampleCandidate, isObserver } from './reduce.ts';
import { bitstateReport, rebuildViolation, shortestFirst, type Found } from './result.ts';

export type { Found } from './result.ts';

export class ModelError extends Error {
  constructor(
    readonly where: string,
    readonly thrown: unknown,
    readonly id: number,
    readonly path?: number[],
  ) {
    super(where);
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

const CLOCK_EVERY = 256;

/** The visited set: exact fingerprints, or bits. */
interface Visited {
  readonly size: number;
  readonly byteLength: number;
  add(hi: number, lo: number): boolean;
  has(hi: number, lo: number): boolean;
}

export type Incomplete = CheckResult<unknown, unknown>['incompleteReason'];

/**
 * What identifies a state in the visited set under the options' reductions: its canonical form
 * under the view, then the representative of that under symmetry (the frontier keeps the state
 * itself). The sequential engine and the parallel coordinator both store states by it.
 */
export function identityFor<S, A>(model: Model<S, A>, options: CheckOptions): (s: S) => S {
  const representative = options.symmetry === true ? model.representative?.bind(model) : undefined;
  if (options.symmetry === true && representative === undefined) throw new RangeError(`symmetry reduction needs the model "${model.name}" to give representative()`);
  const canonical = options.view === true ? model.canonical?.bind(model) : undefined;
  if (options.view === true && canonical === undefined) throw new RangeError(`the view needs the model "${model.name}" to give canonical()`);
  if (canonical === undefined) return representative ?? ((s) => s);
  return representative === undefined ? canonical : (s) => representative(canonical(s));
}

/** The reductions `options` turn on (each needs its hook of the model, which the search demands). */
export function reductionsOf(options: CheckOptions): Reduction[] {
  const out: Reduction[] = [];
  if (options.partialOrder === true) out.push('partial-order');
  if (options.symmetry === true) out.push('symmetry');
  if (options.view === true) out.push('view');
  return out;
}

export class Engine<S, A> {
  readonly fp: Fingerprinter<S>;
  readonly visited: Visited;
  readonly links = new ParentLinks();
  readonly label: (a: A) => string;
  readonly stopAtFirst: boolean;
  readonly scratch: Fingerprint = { hi: 0, lo: 0 };

  private readonly invariants: Array<[string, (s: S) => boolean]>;
  readonly pendingSometimes: Array<[string, (s: S) => boolean]>;
  private readonly found: Found[] = [];
  private readonly foundProps = new Set<string>();
  private readonly memory: MemoryGuard;
  // Coverage: per kind index when the model names its kinds, else per label.
  private readonly kindOf: ((a: A) => number) | undefined;
  private readonly kindCounts: Float64Array | undefined;
  private readonly labelCounts = new Map<string, [number]>();
  private readonly primitiveLabels = new Map<A, string>();

  /** What identifies a state in the visited set (`identityFor`). */
  readonly identity: (s: S) => S;
  /** States whose expansion the partial-order reduction cut to an ample set. */
  reducedExpansions = 0;
  transitions = 0;
  maxDepthSeen = 0;
  incomplete: Incomplete;
  hint: string | undefined;
  stop = false;
  errored = false;
  frontier = 0;
  private started = 0;
  private nextClock = CLOCK_EVERY;
  private lastProgress = 0;
  /** Filled in by strategies that have more to say (random: seed, walks, schedule). */
  extra: Partial<CheckResult<S, A>> = {};

  constructor(
    readonly model: Model<S, A>,
    readonly options: CheckOptions,
  ) {
    this.fp = fingerprinterForModel(model);
    this.invariants = Object.entries(model.invariants ?? {});
    this.pendingSometimes = Object.entries(model.sometimes ?? {});
    const label = model.label?.bind(model);
    this.label = label ?? defaultLabel;
    this.stopAtFirst = options.stopAtFirst ?? true;
    const bs = options.bitstate;
    this.visited = bs === undefined ? new FingerprintSet() : new BitstateSet(bs.log2Bits, bs.hashes ?? 3);
    this.memory = new MemoryGuard(options.maxMemoryBytes ?? defaultMaxMemoryBytes());
    this.identity = identityFor(model, options);
    if (options.partialOrder === true && model.footprints === undefined) throw new RangeError(`partial-order reduction needs the model "${model.name}" to give footprints`);
    if (model.kindOf !== undefined && model.actionKinds !== undefined) {
      this.kindOf = model.kindOf.bind(model);
      this.kindCounts = new Float64Array(model.actionKinds.length);
    }
  }

  /** Runs `strategy` and returns the result; model exceptions become an 'error' result. */
  run(strategy: (e: Engine<S, A>) => void): CheckResult<S, A> {
    this.started = performance.now();
    this.lastProgress = this.started;
    try {
      strategy(this);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      this.errored = true;
      const f: Found = { property: 'model-error', kind: 'error', message: `${e.where} threw ${describeError(e.thrown)}`, id: e.id, depth: 0, fp: { hi: 0, lo: 0 } };
      if (e.path !== undefined) f.path = e.path;
      this.found.push(f);
    }
    this.memory.sample();
    return this.result();
  }

  // ---- one state ----------------------------------------------------------------------

  initialStates(): S[] {
    try {
      return this.model.init();
    } catch (e) {
      throw new ModelError('init()', e, -1);
    }
  }

  actionsOf(s: S, id: number, path?: number[]): A[] {
    try {
      return this.model.actions(s);
    } catch (e) {
      throw new ModelError('actions()', e, id, path);
    }
  }

  isDone(s: S, id: number, path?: number[]): boolean {
    try {
      return this.model.done?.(s) ?? false;
    } catch (e) {
      throw new ModelError('done()', e, id, path);
    }
  }

  /** Enabled actions of an expanded state; records a deadlock when there are none. */
  enabled(s: S, id: number, depth: number): A[] {
    const acts = this.actionsOf(s, id);
    if (acts.length > 0) return acts;
    if (!this.isDone(s, id)) {
      this.fingerprint(s, id);
      this.record('deadlock', 'deadlock', 'no action is enabled and done() is false', id, depth);
    }
    return acts;
  }

  successor(s: S, a: A, id: number, path?: number[]): S {
    let t: S;
    try {
      t = this.model.next(s, a);
    } catch (e) {
      throw new ModelError(`next() on action "${this.safeLabel(a)}"`, e, id, path);
    }
    this.transitions++;
    this.count(a, id, path);
    return t;
  }

  /**
   * Visits the successors to explore from an expanded state, in action order, until `visit`
   * returns false: all of them, or under partial-order reduction those of an ample set
   * (reduce.ts) when every one of them is a state not yet stored (the cycle proviso, C3),
   * stored meaning its identity under the view and symmetry is (`identityFor`).
   * `k` is the action's index in `acts`, for the parent link.
   */
  forEachSuccessor(s: S, acts: readonly A[], id: number, visit: (k: number, t: S) => boolean): void {
    let pre: Map<number, S> | undefined;
    const fps = this.options.partialOrder === true ? this.model.footprints : undefined;
    if (fps !== undefined) {
      let ample: number[] | undefined;
      try {
        ample = ampleCandidate(fps, s, acts);
      } catch (e) {
        throw new ModelError('footprints', e, id);
      }
      if (ample !== undefined) {
        pre = new Map();
        let allNew = true;
        for (const k of ample) {
          const t = this.successor(s, acts[k]!, id);
          pre.set(k, t);
          // An observer's successor is terminal, so no cycle passes through it: C3 is not its.
          if (isObserver(fps, acts[k]!)) {
            let after: readonly A[];
            try {
              after = this.model.actions(t);
            } catch (e) {
              throw new ModelError('actions()', e, id);
            }
            if (after.length > 0) throw new ModelError('footprints', new Error(`the successor by observer action ${this.safeLabel(acts[k]!)} has enabled actions; an observer's must be terminal`), id);
            continue;
          }
          // C3 on the quotient: whether t's orbit (its identity) is stored, not t itself, which
          // the visited set never holds unless it is its own representative (proofs-notes/checker.md).
          this.fingerprint(t, id);
          if (this.visited.has(this.scratch.hi, this.scratch.lo)) allNew = false;
        }
        if (allNew) {
          this.reducedExpansions++;
          for (const [k, t] of pre) if (!visit(k, t)) return;
          return;
        }
      }
    }
    for (let k = 0; k < acts.length; k++) {
      const t = pre?.get(k) ?? this.successor(s, acts[k]!, id);
      if (!visit(k, t)) return;
    }
  }

  private count(a: A, id: number, path?: number[]): void {
    if (this.kindCounts !== undefined) {
      let k: number;
      try {
        k = this.kindOf!(a);
      } catch (e) {
        throw new ModelError('kindOf()', e, id, path);
      }
      if (!(k >= 0 && k < this.kindCounts.length)) throw new ModelError('kindOf()', new RangeError(`kind ${k} is not an index into actionKinds (${this.kindCounts.length} kinds)`), id, path);
      this.kindCounts[k]!++;
      return;
    }
    const primitive = typeof a !== 'object' || a === null;
    let l = primitive ? this.primitiveLabels.get(a) : undefined;
    if (l === undefined) {
      try {
        l = this.label(a);
      } catch (e) {
        throw new ModelError('label()', e, id, path);
      }
      if (primitive) this.primitiveLabels.set(a, l);
    }
    // One lookup per transition: the count lives in a cell the map holds.
    const cell = this.labelCounts.get(l);
    if (cell !== undefined) cell[0]++;
    else this.labelCounts.set(l, [1]);
  }

  /** Fingerprints the identity of `t` into `scratch`. */
  fingerprint(t: S, parent: number, path?: number[]): void {
    try {
      this.fp(this.identity(t), this.scratch);
    } catch (e) {
      throw new ModelError(parent === NO_PARENT ? 'fingerprint of an initial state' : 'key()', e, parent === NO_PARENT ? -1 : parent, path);
    }
  }

  /**
   * Adds a state if it is new: stores its fingerprint and parent link and checks the
   * properties. Returns its number, or -1 if it was seen before or the state budget is spent.
   */
  discover(t: S, parent: number, actionIndex: number, depth: number): number {
    this.fingerprint(t, parent);
    const { hi, lo } = this.scratch;
    if (this.options.maxStates !== undefined && this.visited.size >= this.options.maxStates) {
      if (this.visited.has(hi, lo)) return -1;
      this.incomplete ??= 'maxStates';
      this.stop = true;
      return -1;
    }
    // One probe: add() says whether the state was new.
    if (!this.visited.add(hi, lo)) return -1;
    const id = this.links.push(parent, actionIndex);
    if (depth > this.maxDepthSeen) this.maxDepthSeen = depth;
    this.checkState(t, id, depth);
    return id;
  }

  /** Checks invariants and sometimes-properties; `path` is given by searches without parent links. */
  checkState(s: S, id: number, depth: number, path?: number[]): void {
    // Index loops, no destructuring: in a fresh process this runs interpreted for thousands of
    // states, where `for...of` and `[name, holds] =` each go through the iterator protocol.
    const invariants = this.invariants;
    for (let i = 0; i < invariants.length; i++) {
      const name = invariants[i]![0];
      const holds = invariants[i]![1];
      if (this.foundProps.has(name)) continue;
      let ok: boolean;
      try {
        ok = holds(s);
      } catch (e) {
        throw new ModelError(`invariant "${name}"`, e, id, path);
      }
      if (!ok) {
        let message: string | undefined;
        try {
          message = this.model.explain?.(name, s);
        } catch (e) {
          message = `explain() threw ${describeError(e)}`;
        }
        this.record(name, 'invariant', message ?? `invariant "${name}" does not hold`, id, depth, path);
        if (this.stop) return;
      }
    }
    for (let i = 0; i < this.pendingSometimes.length; i++) {
      const name = this.pendingSometimes[i]![0];
      const holds = this.pendingSometimes[i]![1];
      let ok: boolean;
      try {
        ok = holds(s);
      } catch (e) {
        throw new ModelError(`sometimes-property "${name}"`, e, id, path);
      }
      if (ok) {
        this.pendingSometimes.splice(i, 1);
        i--;
      }
    }
  }

  record(property: string, kind: ViolationKind, message: string, id: number, depth: number, path?: number[]): void {
    if (this.foundProps.has(property)) return;
    this.foundProps.add(property);
    const f: Found = { property, kind, message, id, depth, fp: { hi: this.scratch.hi, lo: this.scratch.lo } };
    if (path !== undefined) f.path = [...path];
    this.found.push(f);
    if (this.stopAtFirst) this.stop = true;
  }

  get foundCount(): number {
    return this.found.length;
  }

  /** Replaces a found violation's path (random search: after shrinking). */
  foundList(): Found[] {
    return this.found;
  }

  // ---- limits and progress ------------------------------------------------------------

  tick(depth: number): void {
    if (--this.nextClock > 0) return;
    this.nextClock = CLOCK_EVERY;
    const now = performance.now();
    if (this.options.timeLimitMs !== undefined && now - this.started >= this.options.timeLimitMs) {
      this.incomplete ??= 'timeLimit';
      this.stop = true;
    }
    if (this.options.shouldStop?.() === true) {
      this.incomplete ??= 'interrupted';
      this.stop = true;
    }
    if (this.memory.check(now)) {
      this.incomplete ??= 'maxMemory';
      this.hint ??= memoryHint(this.memory.reached ?? 'memory limit reached');
      this.stop = true;
    }
    if (this.options.onProgress && now - this.lastProgress >= 1000) {
      this.lastProgress = now;
      const elapsedMs = now - this.started;
      this.options.onProgress({
        distinctStates: this.visited.size,
        transitions: this.transitions,
        statesPerSecond: Math.round(this.visited.size / (elapsedMs / 1000)),
        depth: Math.max(depth, this.maxDepthSeen),
        frontier: this.frontier,
        elapsedMs,
      });
    }
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  safeLabel(a: A): string {
    try {
      return this.label(a);
    } catch {
      return '(label() threw)';
    }
  }

  // ---- the result ---------------------------------------------------------------------

  /** How often each action kind fired so far (the parallel search merges its workers'). */
  coverage(): Record<string, number> {
    let counts = new Map<string, number>([...this.labelCounts].map(([l, [c]]) => [l, c]));
    if (this.kindCounts !== undefined) {
      // Labels are built here, once per kind, not once per transition.
      counts = new Map();
      const names = this.model.actionKinds!;
      this.kindCounts.forEach((c, k) => {
        if (c > 0) counts.set(names[k]!, (counts.get(names[k]!) ?? 0) + c);
      });
    }
    return Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  private result(): CheckResult<S, A> {
    const elapsedMs = this.elapsedMs();
    const bitstate = this.visited instanceof BitstateSet ? this.visited : undefined;
    // A bitstate search may have missed states: it can find violations, never prove their absence.
    if (bitstate !== undefined && !this.stop && !this.errored) {
      this.incomplete ??= 'bitstate';
    }
    // Only a search that ran to the end can say that a sometimes-property never held.
    const complete = this.incomplete === undefined && !this.errored && !this.stop;
    if (complete) {
      for (const [name] of this.pendingSometimes) {
        this.found.push({ property: name, kind: 'sometimes', message: `"${name}" holds in no reachable state`, id: -1, depth: 0, fp: { hi: 0, lo: 0 } });
      }
    }
    const chosen = this.stopAtFirst && !this.errored ? shortestFirst(this.found) : this.found;
    const violations: Array<Violation<S, A>> = chosen.map((f) => rebuildViolation(f, this));
    const n = this.visited.size;
    let status: CheckStatus = 'ok';
    if (this.errored) status = 'error';
    else if (violations.length > 0) status = 'violation';
    else if (this.incomplete !== undefined) status = 'incomplete';
    const result: CheckResult<S, A> = {
      status,
      distinctStates: n,
      transitions: this.transitions,
      depth: this.maxDepthSeen,
      elapsedMs,
      statesPerSecond: elapsedMs > 0 ? Math.round(n / (elapsedMs / 1000)) : n,
      bytesPerState: n > 0 ? (this.visited.byteLength + this.links.byteLength) / n : 0,
      // Birthday bound for n fingerprints in a 64-bit space (TLC's "optimistic" estimate).
      collisionProbability: (n * (n - 1)) / 2 / 2 ** 64,
      coverage: this.coverage(),
      violations,
      peakRssBytes: this.memory.peakRss,
      ...this.extra,
    };
    if (this.incomplete !== undefined) result.incompleteReason = this.incomplete;
    if (this.options.partialOrder === true) result.ampleExpansions = this.reducedExpansions;
    const reductions = reductionsOf(this.options);
    if (reductions.length > 0) result.reductions = reductions;
    if (bitstate !== undefined) {
      const report = bitstateReport(n, bitstate, status === 'incomplete' && this.incomplete === 'bitstate');
      result.bitstate = report.bitstate;
      this.hint ??= report.hint;
    }
    if (this.hint !== undefined) result.hint = this.hint;
    return result;
  }
}
