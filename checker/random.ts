/**
 * Random walks, for state spaces too large to exhaust. Each walk starts in an initial state and
 * takes uniformly chosen enabled actions until a deadlock, a terminal state, or its depth bound.
 * Walk i draws from its own PRNG seeded from (seed, i), so a run with the same seed and bounds
 * replays exactly, whatever the time limit cut short.
 *
 * A schedule is a list of numbers: the index of the initial state, then for each step a choice,
 * taken modulo the number of enabled actions (so every list of numbers is a valid schedule, as
 * in Shuttle's replay scheduler). A failing walk's schedule is shrunk, as fast-check shrinks a
 * counterexample, to one where no step can be removed and no choice lowered without losing the
 * violation; the trace shown is that schedule's.
 *
 * Swarm verification (Holzmann, Joshi, Groce, "Swarm verification techniques", IEEE TSE 2011):
 * with `shard: {index, count}`, shard i derives its own seed and depth bound from i, so N
 * independent processes explore differently; `writepath merge` combines their JSON results.
 */
import type { Engine } from './engine.ts';
import type { ViolationKind } from './types.ts';
import { ModelError } from './engine.ts';

/** Default walk depth bound when the options give no maxDepth. */
export const DEFAULT_WALK_DEPTH = 1000;
/** Default number of walks when the options give neither walks nor a time limit. */
export const DEFAULT_WALKS = 1000;
/** Replays the shrinker may spend on one counterexample. */
const SHRINK_BUDGET = 5000;

/** mulberry32: a small, well-tested 32-bit PRNG (Tommy Ettinger); enough for choosing actions. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A well-mixed 32-bit seed from two numbers (murmur3's finaliser over their combination). */
export function mixSeed(a: number, b: number): number {
  let h = (Math.imul(a >>> 0, 0x9e3779b1) ^ Math.imul((b >>> 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Depth bound factors for swarm shards: each shard looks at a different horizon. */
const SWARM_DEPTH_FACTORS = [1, 0.25, 0.5, 2];

/** The seed and depth bound a shard uses. */
export function shardPlan(seed: number, depth: number, shard: { index: number; count: number } | undefined): { seed: number; depth: number } {
  if (shard === undefined) return { seed, depth };
  return { seed: mixSeed(seed, shard.index + 1), depth: Math.max(1, Math.round(depth * SWARM_DEPTH_FACTORS[shard.index % SWARM_DEPTH_FACTORS.length]!)) };
}

interface Failure {
  property: string;
  kind: ViolationKind;
  message: string;
  /** The schedule normalised to real action indexes, cut at the failing state. */
  path: number[];
}

export function randomWalks<S, A>(e: Engine<S, A>): void {
  const baseSeed = e.options.seed ?? Math.floor(Math.random() * 2 ** 32);
  const plan = shardPlan(baseSeed >>> 0, e.options.maxDepth ?? DEFAULT_WALK_DEPTH, e.options.shard);
  const walks = e.options.walks ?? (e.options.timeLimitMs !== undefined ? Infinity : DEFAULT_WALKS);
  const inits = e.initialStates();
  e.extra.seed = baseSeed >>> 0;
  if (inits.length === 0) return;
  let w = 0;
  for (; w < walks && !e.stop; w++) {
    walk(e, inits, mulberry32(mixSeed(plan.seed, w)), plan.depth);
    e.tick(0);
  }
  e.extra.walks = w;
  // Random walks never prove anything: without a violation the result is incomplete.
  e.incomplete ??= 'random';
  const found = e.foundList();
  if (found.length > 0) {
    for (const f of found) {
      if (f.path === undefined || f.kind === 'error') continue;
      const shrunk = shrink(e, inits, f.path, f.property);
      f.path = shrunk.path;
      e.fp(e.identity(shrunk.last), f.fp);
      f.depth = shrunk.path.length - 1;
    }
    e.extra.schedule = found[0]!.path;
  }
}

function walk<S, A>(e: Engine<S, A>, inits: S[], rng: () => number, depthBound: number): void {
  const i0 = rng() % inits.length;
  let s: S = inits[i0]!;
  const path = [i0];
  for (let depth = 0; ; depth++) {
    e.fingerprint(s, 0, path);
    if (e.visited.add(e.scratch.hi, e.scratch.lo)) {
      if (depth > e.maxDepthSeen) e.maxDepthSeen = depth;
      e.checkState(s, -1, depth, path);
      if (e.stop) return;
    }
    if (depth >= depthBound) return;
    const acts = e.actionsOf(s, -1, path);
    if (acts.length === 0) {
      if (!e.isDone(s, -1, path)) e.record('deadlock', 'deadlock', 'no action is enabled and done() is false', -1, depth, path);
      return;
    }
    const k = rng() % acts.length;
    path.push(k);
    s = e.successor(s, acts[k]!, -1, path);
  }
}

/** Runs a schedule; returns the first failure of `property` on it, or undefined. Counts nothing. */
function runSchedule<S, A>(e: Engine<S, A>, inits: S[], schedule: readonly number[], property: string): (Failure & { last: S }) | undefined {
  const model = e.model;
  const inv = model.invariants?.[property];
  const i0 = (schedule[0] ?? 0) % inits.length;
  let s: S = inits[i0]!;
  const path = [i0];
  try {
    for (let step = 1; ; step++) {
      if (inv !== undefined && !inv(s)) return { property, kind: 'invariant', message: '', path, last: s };
      const acts = model.actions(s);
      if (acts.length === 0) {
        if (property === 'deadlock' && !(model.done?.(s) ?? false)) return { property, kind: 'deadlock', message: '', path, last: s };
        return undefined;
      }
      if (step >= schedule.length) return undefined;
      const k = schedule[step]! % acts.length;
      path.push(k);
      s = model.next(s, acts[k]!);
    }
  } catch (err) {
    // The walk did not throw on this path before shrinking; a schedule that throws now is not a smaller counterexample of the same property.
    if (err instanceof ModelError) throw err;
    return undefined;
  }
}

/**
 * Shrinks a failing schedule: cut it at the failure, then repeatedly drop chunks of steps
 * (halves, quarters, ... single steps) and lower single choices, keeping every change after
 * which the same property still fails. Ends 1-minimal: no single step can be dropped and no
 * choice lowered.
 */
export function shrink<S, A>(e: Engine<S, A>, inits: S[], schedule: number[], property: string): { path: number[]; last: S } {
  let best = runSchedule(e, inits, schedule, property);
  if (best === undefined) throw new ModelError('random walk replay', new Error(`the failing schedule no longer fails "${property}"; is next() deterministic?`), -1, schedule);
  let budget = SHRINK_BUDGET;
  const attempt = (cand: number[]): boolean => {
    if (budget-- <= 0) return false;
    const r = runSchedule(e, inits, cand, property);
    if (r === undefined || r.path.length > best!.path.length || (r.path.length === best!.path.length && !lexLess(r.path, best!.path))) return false;
    best = r;
    return true;
  };
  let changed = true;
  while (changed && budget > 0) {
    changed = false;
    for (let size = Math.max(1, (best.path.length - 1) >> 1); size >= 1; size >>= 1) {
      for (let at = 1; at + size <= best.path.length; ) {
        const cur = best.path;
        if (attempt([...cur.slice(0, at), ...cur.slice(at + size)])) changed = true;
        else at++;
      }
    }
    for (let at = 0; at < best.path.length; at++) {
      for (let v = 0; v < best.path[at]!; v++) {
        const cand = [...best.path];
        cand[at] = v;
        if (attempt(cand)) {
          changed = true;
          break;
        }
      }
    }
  }
  return { path: best.path, last: best.last };
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
