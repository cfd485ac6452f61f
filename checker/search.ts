/**
 * The explicit-state search: breadth-first (shortest counterexamples) or depth-first with an
 * explicit stack (no recursion, so a depth of millions is fine). Visited states are kept as
 * 64-bit fingerprints (store.ts); a counterexample is rebuilt by re-executing the recorded
 * action indexes from the initial state, as TLC does (trace.ts).
 *
 * Nothing a model does crashes the search: an exception from init, actions, next, done, an
 * invariant or a sometimes-property ends it with status 'error' and the trace to the state
 * where it was thrown.
 */
import type { CheckOptions, CheckResult, CheckStatus, Model, Violation, ViolationKind } from './types.ts';
import { fingerprinterFor, type Fingerprint, type Fingerprinter } from './fingerprint.ts';
import { FingerprintSet, NO_PARENT, ParentLinks } from './store.ts';
import { replay } from './trace.ts';
import { defaultLabel } from './label.ts';
import { withSanity } from './sanity.ts';

/** A violation found during the search, before its trace is rebuilt. */
interface Found {
  property: string;
  kind: ViolationKind;
  message?: string;
  /** The state the trace ends in (-1: no trace). */
  id: number;
  /** Its depth, to keep the shortest of several found in one BFS level. */
  depth: number;
  fp: Fingerprint;
}

class ModelError extends Error {
  constructor(
    readonly where: string,
    readonly thrown: unknown,
    readonly id: number,
  ) {
    super(where);
  }
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

const CLOCK_EVERY = 256;

export class Search<S, A> {
  private readonly fp: Fingerprinter<S>;
  private readonly visited = new FingerprintSet();
  private readonly links = new ParentLinks();
  private readonly invariants: Array<[string, (s: S) => boolean]>;
  private readonly pendingSometimes: Array<[string, (s: S) => boolean]>;
  private readonly label: (a: A) => string;
  private readonly coverage = new Map<string, number>();
  private readonly found: Found[] = [];
  private readonly foundProps = new Set<string>();
  private readonly scratch: Fingerprint = { hi: 0, lo: 0 };

  private transitions = 0;
  private maxDepthSeen = 0;
  private incomplete: CheckResult<S, A>['incompleteReason'];
  private stop = false;
  private errored = false;
  private started = 0;
  private nextClock = CLOCK_EVERY;
  private lastProgress = 0;
  private frontier = 0;
  private readonly stopAtFirst: boolean;

  constructor(
    private readonly model: Model<S, A>,
    private readonly options: CheckOptions,
  ) {
    this.fp = fingerprinterFor(model.key?.bind(model));
    this.invariants = Object.entries(model.invariants ?? {});
    this.pendingSometimes = Object.entries(model.sometimes ?? {});
    const label = model.label?.bind(model);
    this.label = label ?? defaultLabel;
    this.stopAtFirst = options.stopAtFirst ?? true;
  }

  run(): CheckResult<S, A> {
    this.started = performance.now();
    this.lastProgress = this.started;
    try {
      if (this.options.strategy === 'dfs') this.dfs();
      else this.bfs();
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      this.errored = true;
      this.found.push({
        property: 'model-error',
        kind: 'error',
        message: `${e.where} threw ${describeError(e.thrown)}`,
        id: e.id,
        depth: 0,
        fp: { hi: 0, lo: 0 },
      });
    }
    return this.result();
  }

  // ---- the two strategies -------------------------------------------------------------

  private initial(): Array<{ state: S; id: number }> {
    let inits: S[];
    try {
      inits = this.model.init();
    } catch (e) {
      throw new ModelError('init()', e, -1);
    }
    const out: Array<{ state: S; id: number }> = [];
    for (let i = 0; i < inits.length && !this.stop; i++) {
      const s = inits[i]!;
      const id = this.discover(s, NO_PARENT, i, 0);
      if (id >= 0) out.push({ state: s, id });
    }
    return out;
  }

  private bfs(): void {
    const inits = this.initial();
    let level: S[] = inits.map((x) => x.state);
    let ids: number[] = inits.map((x) => x.id);
    let depth = 0;
    while (level.length > 0 && !this.stop) {
      const nextLevel: S[] = [];
      const nextIds: number[] = [];
      const cut = this.options.maxDepth !== undefined && depth >= this.options.maxDepth;
      // A violation one level down stops the search, but only after this level has been
      // checked for deadlocks, which would give a shorter trace.
      let violationBelow = false;
      for (let j = 0; j < level.length; j++) {
        const s = level[j]!;
        const id = ids[j]!;
        this.frontier = level.length - j + nextLevel.length;
        const acts = this.enabled(s, id, depth);
        if (this.stop) break;
        if (acts.length === 0 || violationBelow) continue;
        if (cut) {
          this.incomplete ??= 'maxDepth';
          continue;
        }
        for (let k = 0; k < acts.length; k++) {
          const t = this.successor(s, acts[k]!, id);
          const nid = this.discover(t, id, k, depth + 1);
          if (nid >= 0) {
            nextLevel.push(t);
            nextIds.push(nid);
          }
          if (this.stop) break;
        }
        if (this.stop && this.stopAtFirst && this.found.length > 0 && this.incomplete === undefined) {
          this.stop = false;
          violationBelow = true;
        }
        if (this.stop) break;
        this.tick(depth);
        if (this.stop) break;
      }
      if (violationBelow) this.stop = true;
      level = nextLevel;
      ids = nextIds;
      depth++;
    }
  }

  private dfs(): void {
    const stackStates: S[] = [];
    const stackIds: number[] = [];
    const stackDepths: number[] = [];
    const inits = this.initial();
    for (let i = inits.length - 1; i >= 0; i--) {
      stackStates.push(inits[i]!.state);
      stackIds.push(inits[i]!.id);
      stackDepths.push(0);
    }
    const newStates: S[] = [];
    const newIds: number[] = [];
    while (stackStates.length > 0 && !this.stop) {
      const s = stackStates.pop()!;
      const id = stackIds.pop()!;
      const depth = stackDepths.pop()!;
      this.frontier = stackStates.length;
      const acts = this.enabled(s, id, depth);
      if (this.stop || acts.length === 0) continue;
      if (this.options.maxDepth !== undefined && depth >= this.options.maxDepth) {
        this.incomplete ??= 'maxDepth';
        continue;
      }
      newStates.length = 0;
      newIds.length = 0;
      for (let k = 0; k < acts.length && !this.stop; k++) {
        const t = this.successor(s, acts[k]!, id);
        const nid = this.discover(t, id, k, depth + 1);
        if (nid >= 0) {
          newStates.push(t);
          newIds.push(nid);
        }
      }
      // Pushed in reverse, so the first enabled action is explored first.
      for (let k = newStates.length - 1; k >= 0; k--) {
        stackStates.push(newStates[k]!);
        stackIds.push(newIds[k]!);
        stackDepths.push(depth + 1);
      }
      this.tick(depth);
    }
  }

  // ---- one state ----------------------------------------------------------------------

  /** Enabled actions of an expanded state; records a deadlock when there are none. */
  private enabled(s: S, id: number, depth: number): A[] {
    let acts: A[];
    try {
      acts = this.model.actions(s);
    } catch (e) {
      throw new ModelError('actions()', e, id);
    }
    if (acts.length > 0) return acts;
    let done = false;
    try {
      done = this.model.done?.(s) ?? false;
    } catch (e) {
      throw new ModelError('done()', e, id);
    }
    if (!done) {
      this.fp(s, this.scratch);
      this.record('deadlock', 'deadlock', 'no action is enabled and done() is false', id, depth);
    }
    return acts;
  }

  private successor(s: S, a: A, id: number): S {
    let t: S;
    try {
      t = this.model.next(s, a);
    } catch (e) {
      throw new ModelError(`next() on action "${this.safeLabel(a)}"`, e, id);
    }
    this.transitions++;
    let l: string;
    try {
      l = this.label(a);
    } catch (e) {
      throw new ModelError('label()', e, id);
    }
    this.coverage.set(l, (this.coverage.get(l) ?? 0) + 1);
    return t;
  }

  /**
   * Adds a state if it is new: stores its fingerprint and parent link and checks the
   * properties. Returns its number, or -1 if it was seen before or the state budget is spent.
   */
  private discover(t: S, parent: number, actionIndex: number, depth: number): number {
    try {
      this.fp(t, this.scratch);
    } catch (e) {
      throw new ModelError(parent === NO_PARENT ? 'fingerprint of an initial state' : 'key()', e, parent === NO_PARENT ? -1 : parent);
    }
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

  private checkState(s: S, id: number, depth: number): void {
    for (const [name, holds] of this.invariants) {
      if (this.foundProps.has(name)) continue;
      let ok: boolean;
      try {
        ok = holds(s);
      } catch (e) {
        throw new ModelError(`invariant "${name}"`, e, id);
      }
      if (!ok) {
        let message: string | undefined;
        try {
          message = this.model.explain?.(name, s);
        } catch (e) {
          message = `explain() threw ${describeError(e)}`;
        }
        this.record(name, 'invariant', message ?? `invariant "${name}" does not hold`, id, depth);
        if (this.stop) return;
      }
    }
    for (let i = 0; i < this.pendingSometimes.length; i++) {
      const [name, holds] = this.pendingSometimes[i]!;
      let ok: boolean;
      try {
        ok = holds(s);
      } catch (e) {
        throw new ModelError(`sometimes-property "${name}"`, e, id);
      }
      if (ok) {
        this.pendingSometimes.splice(i, 1);
        i--;
      }
    }
  }

  private record(property: string, kind: ViolationKind, message: string, id: number, depth: number): void {
    if (this.foundProps.has(property)) return;
    this.foundProps.add(property);
    this.found.push({ property, kind, message, id, depth, fp: { hi: this.scratch.hi, lo: this.scratch.lo } });
    if (this.stopAtFirst) this.stop = true;
  }

  // ---- limits and progress ------------------------------------------------------------

  private tick(depth: number): void {
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

  private safeLabel(a: A): string {
    try {
      return this.label(a);
    } catch {
      return '(label() threw)';
    }
  }

  // ---- the result ---------------------------------------------------------------------

  private result(): CheckResult<S, A> {
    const elapsedMs = performance.now() - this.started;
    // Only a search that ran to the end can say that a sometimes-property never held.
    const complete = this.incomplete === undefined && !this.errored && !this.stop;
    if (complete) {
      for (const [name] of this.pendingSometimes) {
        this.found.push({ property: name, kind: 'sometimes', message: `"${name}" holds in no reachable state`, id: -1, depth: 0, fp: { hi: 0, lo: 0 } });
      }
    }
    const chosen = this.stopAtFirst && !this.errored ? this.shortestFirst() : this.found;
    const violations: Array<Violation<S, A>> = chosen.map((f) => this.rebuild(f));
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
      coverage: Object.fromEntries([...this.coverage.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      violations,
    };
    if (this.incomplete !== undefined) result.incompleteReason = this.incomplete;
    return result;
  }

  private shortestFirst(): Found[] {
    if (this.found.length <= 1) return this.found;
    let best = this.found[0]!;
    for (const f of this.found) if (f.depth < best.depth) best = f;
    return [best];
  }

  private rebuild(f: Found): Violation<S, A> {
    const v: Violation<S, A> = { property: f.property, kind: f.kind, trace: [] };
    if (f.message !== undefined) v.message = f.message;
    if (f.id < 0) return v;
    const r = replay(this.model, this.links.path(f.id), this.label);
    v.trace = r.trace;
    if (r.error !== undefined) {
      v.message = `${v.message ?? ''} (the trace could not be rebuilt: ${r.error})`.trim();
      return v;
    }
    if (f.kind !== 'error') {
      const last = r.trace[r.trace.length - 1];
      const check: Fingerprint = { hi: 0, lo: 0 };
      if (last !== undefined) {
        this.fp(last.state, check);
        if (check.hi !== f.fp.hi || check.lo !== f.fp.lo) {
          v.message = `${v.message ?? ''} (warning: re-executing the path gave a different state; is next() deterministic?)`.trim();
        }
      }
    }
    return v;
  }
}

/** Explores every reachable state of `model` and checks its properties. */
export function check<S, A>(model: Model<S, A>, options: CheckOptions = {}): CheckResult<S, A> {
  return new Search(withSanity(model, options.sanity), options).run();
}
