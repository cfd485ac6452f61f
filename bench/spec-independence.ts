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
import { buildModel, type Action } from '../spec/model.ts';
import { BS, open, pread } from '../spec/scenario.ts';
import type { World } from '../spec/types.ts';
import { analyse, examiner, VIS, type ScenarioStats, type SpecModel } from './spec-independence-examine.ts';


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
