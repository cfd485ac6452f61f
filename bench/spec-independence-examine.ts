/**
 * The analysis behind bench/spec-independence.ts (issue 10s): for sampled worlds of a spec
 * scenario, which pairs of enabled steps of different actors commute and which steps are
 * invisible to the properties, and the dynamic bound built from them. See that file's comment
 * for what each figure means; this module has no command line.
 */
import { encoderFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import type { Model } from '../checker/index.ts';
import { worldEncoder } from '../spec/encode.ts';
import { clockViewFor } from '../spec/clock-view.ts';
import { actions, next, label, type Action } from '../spec/model.ts';
import { PROPERTIES } from '../spec/properties.ts';
import { actorOf } from '../spec/view.ts';
import type { Settings, World } from '../spec/types.ts';

export type SpecModel = Model<World, Action> & { settings: Settings };
// ---------------------------------------------------------------------------------------------
// What the properties read: every own data member they get, recorded as a path of the world.

type Path = readonly (string | number)[];

/** A proxy over a (cloned, unfrozen) value that records each path read; frozen targets would forbid wrapping. */
export function tracked(value: unknown, path: Path, reads: Path[]): unknown {
  if (value === null || typeof value !== 'object') return value;
  return new Proxy(value as object, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key === 'symbol' || !Object.prototype.hasOwnProperty.call(target, key)) return v;
      const seg = Array.isArray(target) && /^\d+$/.test(key) ? Number(key) : key;
      // An object read is recorded too: what the caller then does with it alone (=== null)
      // depends on its being an object; what it reads inside is recorded below it.
      const p = [...path, seg];
      reads.push(p);
      return tracked(v, p, reads);
    },
    has(target, key) {
      if (typeof key !== 'symbol') reads.push([...path, key]);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      reads.push([...path, '#keys']);
      return Reflect.ownKeys(target);
    },
  });
}

function propertyValues(w: World, s: Settings): boolean[] {
  return s.properties.map((p) => PROPERTIES[p].check(w, s) === null);
}

export function propertyReads(w: World, s: Settings): Path[] {
  const reads: Path[] = [];
  const proxy = tracked(structuredClone(w), [], reads) as World;
  for (const p of s.properties) PROPERTIES[p].check(proxy, s);
  return reads;
}

/** The paths where `a` and `b` differ (immer and the pure steps share unchanged members, so identity prunes). */
export function changed(a: unknown, b: unknown, path: Path, out: Path[]): void {
  if (a === b) return;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(a) !== Array.isArray(b)) {
    out.push(path);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push([...path, 'length']);
    for (let i = 0; i < Math.max(a.length, b.length); i++) changed(a[i], b[i], [...path, i], out);
    return;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(ao), ...Object.keys(bo)])) {
    if (!(k in ao) || !(k in bo)) out.push([...path, '#keys']);
    changed(ao[k], bo[k], [...path, k], out);
  }
}

const prefixOf = (p: Path, q: Path): boolean => p.length <= q.length && p.every((x, i) => x === q[i]);
const general = (p: Path): string => p.map((x) => (typeof x === 'number' || /^\d+$/.test(x) ? '*' : x)).join('.');

// ---------------------------------------------------------------------------------------------

/** Coarse kind of an action, for grouping: the task's kernel function, else the action kind. */
function kindOf(a: Action): string {
  return a.kind === 'task' ? `task ${a.fn}` : a.kind;
}

interface PairStats {
  pairs: number;
  bothEnabled: number;
  commuteRaw: number;
  commuteView: number;
  commuteViewInvisible: number;
}

const newPair = (): PairStats => ({ pairs: 0, bothEnabled: 0, commuteRaw: 0, commuteView: 0, commuteViewInvisible: 0 });

export type Vis = 'value' | 'reads' | 'static';
export const VIS: Vis[] = ['value', 'reads', 'static'];

export interface ScenarioStats {
  states: number;
  multi: number;
  pairs: PairStats;
  byKinds: Map<string, PairStats>;
  /** States where some actor's steps all commute (view) with every other actor's and are invisible, per sense; and excluding power loss. */
  bound: Record<Vis, number>;
  boundNoPower: Record<Vis, number>;
  /** Same, raw commutation, 'reads' visibility. */
  boundRaw: number;
  /** The kinds of the actor picked (first one found, 'reads', excl. power). */
  picked: Map<string, number>;
  /** Pairs where b's action could not be found again after a (same label) but a same-kind action was. */
  relabelled: number;
  /** Sampled states after a power loss (nothing runs there). */
  crashed: number;
  /** What the properties read, over the sample, to depth 3 (indexes generalised). */
  propertyReads: string[];
}

/** What one state's enabled steps do to each other and to the properties (see the file's comment). */
export interface Examined {
  acts: Action[];
  actor: string[];
  invisible: Array<Record<Vis, boolean>>;
  crashInvisible: Array<Record<Vis, boolean>>;
  /** [i][j]: both orders enabled (b found again after a, by label or by actor and kind). */
  enabled: boolean[][];
  commuteRaw: boolean[][];
  commuteView: boolean[][];
  /** Pair sides found again by actor and kind only, their label having changed. */
  relabelled: number;
}

export interface Examiner {
  examine(w: World): Examined;
  /** An actor whose enabled steps all commute with every other actor's and are invisible in sense `vis`, if any. */
  pick(e: Examined, vis: Vis, c: 'raw' | 'view', powerAsObserver: boolean): string | undefined;
  propertyReads: string[];
}

/** `samples` teach it the static read set: every path the properties read in one of them, indexes generalised. */
/** `staticOnly`: skip the `reads` sense (a clone and a proxy walk per state), as the oracle needs only `static`. */
export function examiner(m: SpecModel, samples: readonly World[], staticOnly = false): Examiner {
  const s = m.settings;
  const fpRaw = encoderFingerprinter(worldEncoder());
  const fpView = encoderFingerprinter(worldEncoder());
  const view = clockViewFor(s);
  const key = (w: World, v: boolean): string => {
    const out: Fingerprint = { hi: 0, lo: 0 };
    if (v) fpView(view(w), out);
    else fpRaw(w, out);
    return `${out.hi}:${out.lo}`;
  };
  const staticReads = new Set<string>();
  for (const w of samples) for (const p of propertyReads(w, s)) staticReads.add(general(p));
  const staticPrefixes = new Set<string>();
  for (const g of staticReads) {
    const parts = g.split('.');
    for (let i = 1; i <= parts.length; i++) staticPrefixes.add(parts.slice(0, i).join('.'));
  }
  const staticHit = (d: Path): boolean => staticPrefixes.has(general(d));
  /** Whether the step x → y is invisible, in each sense; `reads`: what the properties read in x. */
  const invisibleStep = (x: World, y: World, reads: Path[]): Record<Vis, boolean> => {
    const diff: Path[] = [];
    changed(x, y, [], diff);
    const vx = propertyValues(x, s);
    const vy = propertyValues(y, s);
    return {
      value: vx.every((b, k) => b === vy[k]),
      // A read at r is changed by a change at d when d is r or above it (an object read is a
      // read of its being an object; what was read inside it is its own path).
      reads: !staticOnly && !diff.some((d) => reads.some((r) => prefixOf(d, r))),
      static: !diff.some(staticHit),
    };
  };
  const readsOf = new WeakMap<World, Path[]>();
  const readsAt = (x: World): Path[] => {
    if (staticOnly) return [];
    let r = readsOf.get(x);
    if (r === undefined) {
      r = propertyReads(x, s);
      readsOf.set(x, r);
    }
    return r;
  };
  const examine = (w: World): Examined => {
    const acts = actions(w, s);
    const actor = acts.map((a) => actorOf(a, s));
    const succ = acts.map((a) => next(w, s, a));
    const succActs = succ.map((t) => actions(t, s));
    const reads = readsAt(w);
    const invisible = acts.map((_, i) => invisibleStep(w, succ[i]!, reads));
    // Power loss as an observer: a step is crash-invisible when every power-loss choice
    // offered before it is offered after it too and leads to a world the properties judge alike.
    const losses = acts.map((a, k) => [a, k] as const).filter(([a]) => a.kind === 'power-loss');
    const crashInvisible = acts.map((a, i): Record<Vis, boolean> => {
      const out: Record<Vis, boolean> = { value: true, reads: true, static: true };
      if (a.kind === 'power-loss') return out;
      for (const [c, k] of losses) {
        const c2 = succActs[i]!.find((x) => label(x) === label(c));
        if (c2 === undefined) return { value: false, reads: false, static: false };
        const x = succ[k]!;
        const v = invisibleStep(x, next(succ[i]!, s, c2), readsAt(x));
        for (const vis of VIS) out[vis] &&= v[vis];
      }
      return out;
    });
    let relabelled = 0;
    // b as enabled after a: the same label, else the one action of b's actor and kind (a step whose description changed).
    const find = (after: Action[], b: Action): Action | undefined => {
      const l = label(b);
      const same = after.find((x) => label(x) === l);
      if (same !== undefined) return same;
      const like = b.kind === 'power-loss' ? [] : after.filter((x) => actorOf(x, s) === actorOf(b, s) && kindOf(x) === kindOf(b));
      if (like.length === 1) relabelled++;
      return like.length === 1 ? like[0] : undefined;
    };
    const enabled: boolean[][] = acts.map(() => acts.map(() => false));
    const commuteRaw: boolean[][] = acts.map(() => acts.map(() => false));
    const commuteView: boolean[][] = acts.map(() => acts.map(() => false));
    for (let i = 0; i < acts.length; i++) {
      for (let j = i + 1; j < acts.length; j++) {
        if (actor[i] === actor[j]) continue;
        const bAfterA = find(succActs[i]!, acts[j]!);
        const aAfterB = find(succActs[j]!, acts[i]!);
        if (bAfterA === undefined || aAfterB === undefined) continue;
        enabled[i]![j] = enabled[j]![i] = true;
        const ab = next(succ[i]!, s, bAfterA);
        const ba = next(succ[j]!, s, aAfterB);
        const raw = key(ab, false) === key(ba, false);
        commuteRaw[i]![j] = commuteRaw[j]![i] = raw;
        commuteView[i]![j] = commuteView[j]![i] = raw || key(ab, true) === key(ba, true);
      }
    }
    return { acts, actor, invisible, crashInvisible, enabled, commuteRaw, commuteView, relabelled };
  };
  const pick = (e: Examined, vis: Vis, c: 'raw' | 'view', powerAsObserver: boolean): string | undefined => {
    const { acts, actor } = e;
    const commute = c === 'raw' ? e.commuteRaw : e.commuteView;
    const fits = (P: string): boolean => {
      for (let i = 0; i < acts.length; i++) {
        if (actor[i] !== P) continue;
        if (!e.invisible[i]![vis] || (powerAsObserver && !e.crashInvisible[i]![vis])) return false;
        for (let j = 0; j < acts.length; j++) {
          if (actor[j] === P || (powerAsObserver && acts[j]!.kind === 'power-loss')) continue;
          if (!commute[i]![j]) return false;
        }
      }
      return true;
    };
    const actors = [...new Set(actor)];
    // C0: the set leaves out some other actor's step (power loss, an observer, is always explored).
    const others = (P: string) => actors.some((Q) => Q !== P && !(powerAsObserver && Q === 'power'));
    return actors.find((P) => !(powerAsObserver && P === 'power') && others(P) && fits(P));
  };
  return { examine, pick, propertyReads: [...new Set([...staticReads].map((g) => g.split('.').slice(0, 3).join('.')))].sort() };
}

export function analyse(m: SpecModel, samples: World[]): ScenarioStats {
  const s = m.settings;
  const ex = examiner(m, samples);
  const st: ScenarioStats = {
    states: samples.length,
    multi: 0,
    pairs: newPair(),
    byKinds: new Map(),
    bound: { value: 0, reads: 0, static: 0 },
    boundNoPower: { value: 0, reads: 0, static: 0 },
    boundRaw: 0,
    picked: new Map(),
    relabelled: 0,
    crashed: samples.filter((w) => w.crashed).length,
    propertyReads: ex.propertyReads,
  };
  for (const w of samples) {
    if (new Set(actions(w, s).map((a) => actorOf(a, s))).size < 2) continue;
    st.multi++;
    const e = ex.examine(w);
    const { acts, actor } = e;
    st.relabelled += e.relabelled;
    for (let i = 0; i < acts.length; i++) {
      for (let j = i + 1; j < acts.length; j++) {
        if (actor[i] === actor[j]) continue;
        const ks = [kindOf(acts[i]!), kindOf(acts[j]!)].sort().join(' × ');
        let g = st.byKinds.get(ks);
        if (g === undefined) st.byKinds.set(ks, (g = newPair()));
        for (const p of [st.pairs, g]) {
          p.pairs++;
          if (e.enabled[i]![j]) p.bothEnabled++;
          if (e.commuteRaw[i]![j]) p.commuteRaw++;
          if (e.commuteView[i]![j]) p.commuteView++;
          if (e.commuteView[i]![j] && e.invisible[i]!.reads && e.invisible[j]!.reads) p.commuteViewInvisible++;
        }
      }
    }
    for (const vis of VIS) {
      if (ex.pick(e, vis, 'view', false) !== undefined) st.bound[vis]++;
      const P = ex.pick(e, vis, 'view', true);
      if (P !== undefined) {
        st.boundNoPower[vis]++;
        if (vis === 'reads') {
          const k = [...new Set(acts.filter((_, i) => actor[i] === P).map(kindOf))].sort().join(' + ');
          st.picked.set(k, (st.picked.get(k) ?? 0) + 1);
        }
      }
    }
    if (ex.pick(e, 'reads', 'raw', false) !== undefined) st.boundRaw++;
  }
  return st;
}
