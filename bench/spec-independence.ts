/**
 * How much could partial-order reduction cut from the spec? Measured, not argued (issue 10s).
 *
 * For a sample of a scenario's reachable states (uniform over the states a search expanded),
 * every pair of enabled actions of different actors (spec/view.ts actorOf: each task, the
 * device, the flusher, the journal, power loss ...) is tried both ways: both orders enabled,
 * and a;b and b;a reaching the same world — by the spec's encode fingerprint ("raw") and by
 * the fingerprint of the ghost-clock view's canonical form ("view", spec/clock-view.ts, as
 * the checker stores states with `view`). An action is invisible, in three senses from the
 * most optimistic down:
 *   value    no invariant or `sometimes` property changes its value over the step;
 *   reads    the step changes nothing the properties read in this state (the paths of the
 *            world they read, recorded through a proxy, against the paths the step changed);
 *   static   the step changes nothing the properties read in any sampled state (those paths
 *            with array indexes generalised): what a token footprint for C2 would have to say.
 * The bound printed last is a dynamic, optimistic over-estimate of what a stubborn set could
 * pick: the share of states (with ≥ 2 actors enabled) where some actor's enabled steps each
 * commute with every enabled action of the other actors and are invisible — it ignores the
 * futures (C1 asks for more) and the cycle proviso. "excl. power" leaves the power-loss
 * actions out of the "every other enabled action": power loss disables every other step
 * (the world is crashed), so it commutes with nothing.
 *
 * Usage: npx tsx bench/spec-independence.ts [--sample N] [--max-states N] [--random] [--verbose] [--oracle [--oracle-limit-s S] [--oracle-skip-full] [--symmetry]] [SCENARIO...]
 * SCENARIO is a file (scenarios/X.ts, bench/scale/X.ts), a name under scenarios/, or one of
 * the bench's derived models: two-writers-one-reader, torn-2-readers. Without one, the bench's
 * spec scenarios. --random samples along seeded random walks instead of a (bounded) BFS.
 * --symmetry: both oracle searches with symmetry reduction too (where the scenario has it).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { check, type Model, type Scenario } from '../checker/index.ts';
import { encoderFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import { worldEncoder } from '../spec/encode.ts';
import { clockViewFor } from '../spec/clock-view.ts';
import { actions, buildModel, next, label, type Action } from '../spec/model.ts';
import { PROPERTIES } from '../spec/properties.ts';
import { actorOf } from '../spec/view.ts';
import { BS, open, pread } from '../spec/scenario.ts';
import type { Settings, World } from '../spec/types.ts';

type SpecModel = Model<World, Action> & { settings: Settings };

const DEFAULT_SCENARIOS = [
  'xfs-sw-atomic-vs-atomic-merged',
  'xfs-sw-atomic-vs-plain-merged',
  'xfs-sw-atomic-vs-atomic-merged-power-loss',
  'xfs-sw-atomic-vs-plain-merged-4-blocks',
  'ext4-punch-hole-vs-buffered-write-flusher',
  'torn-2-readers',
  'two-writers-one-reader',
  'bench/scale/three-writers-one-reader.ts',
  'ext4-buffered-write-vs-writeback',
  'xfs-buffered-read-vs-direct-write',
  'fuse-dio-read-during-write',
];

function usage(problem: string): never {
  process.stderr.write(`bench/spec-independence.ts: ${problem}\nusage: npx tsx bench/spec-independence.ts [--sample N] [--max-states N] [--random] [--verbose] [--oracle [--oracle-limit-s S] [--oracle-skip-full] [--symmetry]] [SCENARIO...]\n`);
  process.exit(2);
}

async function loadFile(file: string): Promise<SpecModel> {
  const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: Scenario | Scenario[] };
  const sc = Array.isArray(mod.default) ? mod.default[0]! : mod.default;
  return sc.model as unknown as SpecModel;
}

/** The bench's derived spec models (bench/one.ts), and scenario files by path or name. */
export async function load(name: string): Promise<SpecModel> {
  if (name === 'two-writers-one-reader') {
    const s = (await loadFile('bench/scale/three-writers-one-reader.ts')).settings;
    return buildModel({ ...s, programs: [s.programs[0]!, s.programs[1]!, s.programs[3]!] });
  }
  if (name === 'torn-2-readers') {
    const s = (await loadFile('scenarios/plain-dio-torn-by-power-loss.ts')).settings;
    const reader = [open(0, 'O_DIRECT'), pread(0, 0, BS)];
    return buildModel({ ...s, programs: [...s.programs, reader, reader] });
  }
  const file = existsSync(name) ? name : `scenarios/${name}.ts`;
  if (!existsSync(file)) usage(`no scenario ${JSON.stringify(name)} (neither a file nor scenarios/${name}.ts)`);
  return loadFile(file);
}

// ---------------------------------------------------------------------------------------------
// What the properties read: every own data member they get, recorded as a path of the world.

type Path = readonly (string | number)[];

/** A proxy over a (cloned, unfrozen) value that records each path read; frozen targets would forbid wrapping. */
function tracked(value: unknown, path: Path, reads: Path[]): unknown {
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

type Vis = 'value' | 'reads' | 'static';
const VIS: Vis[] = ['value', 'reads', 'static'];

interface ScenarioStats {
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

/** A uniform sample of `n` of the states the checker expands (reservoir sampling over its calls to `actions`). */
function sample(m: SpecModel, n: number, maxStates: number, random: boolean, seed: number): { samples: World[]; expanded: number; status: string } {
  const samples: World[] = [];
  let seen = 0;
  let rng = seed >>> 0 || 1;
  const rand = (): number => {
    rng ^= rng << 13;
    rng ^= rng >>> 17;
    rng ^= rng << 5;
    return (rng >>> 0) / 2 ** 32;
  };
  const sampling: Model<World, Action> = {
    ...m,
    actions: (w) => {
      seen++;
      if (samples.length < n) samples.push(w);
      else {
        const k = Math.floor(rand() * seen);
        if (k < n) samples[k] = w;
      }
      return m.actions(w);
    },
  };
  const r = random
    ? check(sampling, { strategy: 'random', seed, maxStates, walks: Math.ceil(maxStates / 20), stopAtFirst: false, sanity: 'off' })
    : check(sampling, { maxStates, view: true, stopAtFirst: false, sanity: 'off' });
  return { samples, expanded: seen, status: `${r.status}${r.incompleteReason ? ` (${r.incompleteReason})` : ''}, ${r.distinctStates.toLocaleString('en-US')} states` };
}

/**
 * The factor an oracle would get: the search again, each state expanded with only the actor
 * `pick` finds (static invisibility, power loss as an observer, commutation under the view)
 * plus the power-loss choices, else in full. Optimistic, not sound: it looks at this state's
 * enabled steps only (not the futures C1 asks about), learns the properties' reads from a
 * sample, and has no cycle proviso. An upper bound on what a sound one-actor reduction cuts.
 */
function oracle(m: SpecModel, samples: World[], limitMs: number, skipFull: boolean, symmetry: boolean): string {
  const ex = examiner(m, samples, true);
  let cut = 0;
  const reduced: Model<World, Action> = {
    ...m,
    actions: (w) => {
      const e = ex.examine(w);
      const P = e.acts.length < 2 ? undefined : ex.pick(e, 'static', 'view', true);
      if (P === undefined) return e.acts;
      cut++;
      return e.acts.filter((a, i) => e.actor[i] === P || a.kind === 'power-loss');
    },
  };
  const options = { view: true, symmetry, stopAtFirst: false, sanity: 'off' as const, timeLimitMs: limitMs };
  const line = (what: string, model: Model<World, Action>): string => {
    const c0 = process.cpuUsage();
    const r = check(model, options);
    const c = process.cpuUsage(c0);
    const violated = [...new Set(r.violations.map((v) => `${v.property} (${v.kind})`))].sort().join(', ') || 'none';
    return `${what}: ${r.status}${r.incompleteReason ? ` (${r.incompleteReason})` : ''}, ${r.distinctStates.toLocaleString('en-US')} states, ${r.transitions.toLocaleString('en-US')} transitions, ${Math.round((c.user + c.system) / 1000)} CPU-ms, violated: ${violated}`;
  };
  const full = skipFull ? 'full: not run (--oracle-skip-full)' : line('full', m);
  const red = line('oracle-reduced', reduced);
  return `${full}\n${red} (${cut.toLocaleString('en-US')} states cut to one actor)`;
}

const pct = (a: number, b: number): string => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);

function report(name: string, how: string, st: ScenarioStats, verbose: boolean): void {
  const p = st.pairs;
  console.log(`\n## ${name} (${how})`);
  console.log(`sampled states ${st.states} (${st.crashed} after a power loss); with >= 2 actors enabled ${st.multi} (${pct(st.multi, st.states).trim()})`);
  console.log(
    `pairs of different actors ${p.pairs}: both orders enabled ${pct(p.bothEnabled, p.pairs).trim()}, commute raw ${pct(p.commuteRaw, p.pairs).trim()}, ` +
      `commute view ${pct(p.commuteView, p.pairs).trim()}, commute view + both invisible (reads) ${pct(p.commuteViewInvisible, p.pairs).trim()}`,
  );
  console.log(
    `bound (share of states with >= 2 actors where some actor's steps commute (view) with all others' and are invisible): ` +
      VIS.map((v) => `${v} ${pct(st.bound[v], st.multi).trim()}`).join(', ') +
      `; excl. power: ` +
      VIS.map((v) => `${v} ${pct(st.boundNoPower[v], st.multi).trim()}`).join(', ') +
      `; raw commutation, reads: ${pct(st.boundRaw, st.multi).trim()}`,
  );
  if (st.relabelled > 0) console.log(`(${st.relabelled} pair sides matched by actor and kind, their label having changed)`);
  console.log('pairs by kinds:                                              pairs  enabled  raw    view   view+inv');
  const rows = [...st.byKinds].sort((a, b) => b[1].pairs - a[1].pairs);
  for (const [k, g] of rows.slice(0, 14)) {
    console.log(`  ${k.slice(0, 58).padEnd(58)} ${String(g.pairs).padStart(6)} ${pct(g.bothEnabled, g.pairs)} ${pct(g.commuteRaw, g.pairs)} ${pct(g.commuteView, g.pairs)} ${pct(g.commuteViewInvisible, g.pairs)}`);
  }
  if (rows.length > 14) console.log(`  ... ${rows.length - 14} more kind pairs`);
  if (verbose) console.log(`the properties read: ${st.propertyReads.join(', ')}`);
  if (st.picked.size > 0) console.log(`actor picked (reads, excl. power): ${[...st.picked].sort((a, b) => b[1] - a[1]).map(([k, c]) => `${k} ${c}`).join('; ')}`);
}

/** The command line; the test (test/bench-spec-independence.test.ts) imports the functions above. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let n = 2000;
  let maxStates = 200_000;
  let random = false;
  let verbose = false;
  let withOracle = false;
  let limitMs = 300_000;
  let skipFull = false;
  let symmetry = false;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const num = (): number => {
      const v = Number(args[++i]);
      if (!Number.isInteger(v) || v <= 0) usage(`${a} needs a positive integer, got ${JSON.stringify(args[i])}`);
      return v;
    };
    if (a === '--sample') n = num();
    else if (a === '--max-states') maxStates = num();
    else if (a === '--random') random = true;
    else if (a === '--verbose') verbose = true;
    else if (a === '--oracle') withOracle = true;
    else if (a === '--oracle-limit-s') limitMs = num() * 1000;
    else if (a === '--oracle-skip-full') skipFull = true;
    else if (a === '--symmetry') symmetry = true;
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else names.push(a);
  }
  for (const name of names.length > 0 ? names : DEFAULT_SCENARIOS) {
    const m = await load(name);
    const c0 = process.cpuUsage();
    const { samples, expanded, status } = sample(m, n, maxStates, random, 12345);
    const st = analyse(m, samples);
    const c = process.cpuUsage(c0);
    report(name, `${random ? 'random walks' : 'BFS with view'}: ${status}, ${expanded.toLocaleString('en-US')} expanded, ${Math.round((c.user + c.system) / 1000)} CPU-ms`, st, verbose);
    if (withOracle) console.log(oracle(m, samples, limitMs, skipFull, symmetry));
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
