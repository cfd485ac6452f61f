/**
 * Soundness of the reductions, over random systems: partial-order reduction over random
 * processes with shared and local variables (the independence relation is the one their
 * footprints induce, valid by construction), symmetry reduction over random systems of
 * identical processes. Each reduced search must find a violation of each invariant exactly
 * when the full search does, the same deadlocks, the same `sometimes` verdicts, and
 * counterexamples that replay and end in a violating state.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, validateTrace, type CheckOptions, type CheckResult, type Model } from '../checker/index.ts';
import type { Footprint, Token } from '../checker/types.ts';
import { processModel, verdicts, type Act, type Cond, type PState, type Sys } from './helpers/process-systems.ts';

// ---- random process systems for partial-order reduction -----------------------------------

const sysArb: fc.Arbitrary<Sys> = fc
  .record({ actors: fc.integer({ min: 2, max: 3 }), shared: fc.integer({ min: 1, max: 2 }), domain: fc.integer({ min: 2, max: 3 }), locations: fc.integer({ min: 2, max: 3 }) })
  .chain((d) => {
    const cond = fc.record({ kind: fc.constantFrom<'shared' | 'local'>('shared', 'local'), index: fc.nat(d.shared - 1), value: fc.nat(d.domain - 1) });
    const trans = fc.record({ from: fc.nat(d.locations - 1), to: fc.nat(d.locations - 1), guard: fc.option(cond, { freq: 4 }), effect: fc.option(cond, { freq: 4 }) });
    return fc.record({
      actors: fc.constant(d.actors),
      shared: fc.constant(d.shared),
      domain: fc.constant(d.domain),
      locations: fc.constant(d.locations),
      trans: fc.array(fc.array(trans, { minLength: 1, maxLength: 4 }), { minLength: d.actors, maxLength: d.actors }),
      inv: fc.record({ a: cond, pcActor: fc.nat(d.actors - 1), pc: fc.nat(d.locations - 1) }),
      some: cond,
    });
  });

const porModel = (g: Sys): Model<PState, Act> => processModel(g);

function assertSameVerdicts<S, A>(model: Model<S, A>, full: CheckResult<S, A>, reduced: CheckResult<S, A>): void {
  assert.notEqual(reduced.status, 'error', reduced.violations[0]?.message ?? 'model error');
  assert.deepEqual(verdicts(reduced), verdicts(full));
  assert.ok(reduced.distinctStates <= full.distinctStates);
  for (const v of reduced.violations) {
    if (v.kind === 'sometimes') continue;
    assert.equal(validateTrace(model, v.trace), undefined);
    const last = v.trace[v.trace.length - 1]!.state;
    if (v.kind === 'invariant') assert.equal(model.invariants![v.property]!(last), false);
    if (v.kind === 'deadlock') assert.equal(model.actions(last).length, 0);
  }
}

/**
 * On every drawn system, the search with `reduction` reports the full search's verdicts
 * (assertSameVerdicts), and `also` checks what is particular to the reduction; the reduction
 * must store fewer states on more than `minReduced` systems, or it tests nothing.
 */
function assertReductionSound<G, S, A>(
  arb: fc.Arbitrary<G>,
  modelOf: (g: G) => Model<S, A>,
  strategy: 'bfs' | 'dfs',
  reduction: CheckOptions,
  numRuns: number,
  minReduced: number,
  also: (model: Model<S, A>, full: CheckResult<S, A>) => void = () => undefined,
): void {
  let reducedSomewhere = 0;
  fc.assert(
    fc.property(arb, (g) => {
      const model = modelOf(g);
      const full = check(model, { strategy, stopAtFirst: false });
      const reduced = check(model, { strategy, stopAtFirst: false, ...reduction });
      assertSameVerdicts(model, full, reduced);
      if (reduced.distinctStates < full.distinctStates) reducedSomewhere++;
      also(model, full);
    }),
    { numRuns },
  );
  assert.ok(reducedSomewhere > minReduced, `the reduction must actually reduce on some systems (${reducedSomewhere})`);
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: partial-order reduction finds the same violations, deadlocks and sometimes verdicts as the full search`, () => {
    assertReductionSound(sysArb, porModel, strategy, { partialOrder: true }, 1500, 20, (model) => {
      // Stopping at the first violation: one is found exactly when the full search finds one.
      const first = check(model, { strategy, partialOrder: true });
      assert.equal(first.status === 'violation', check(model, { strategy }).status === 'violation');
    });
  });
}

test('partial-order reduction: a model that declares no footprints cannot be reduced; the option says so', () => {
  const m = porModel({ actors: 2, shared: 1, domain: 2, locations: 2, trans: [[{ from: 0, to: 1, guard: null, effect: null }], [{ from: 0, to: 1, guard: null, effect: null }]], inv: { a: { kind: 'shared', index: 0, value: 1 }, pcActor: 0, pc: 1 }, some: { kind: 'shared', index: 0, value: 0 } });
  const { footprints: _f, ...bare } = m;
  assert.throws(() => check(bare, { partialOrder: true }), /partial-order reduction needs the model "random-processes" to give footprints/);
});

// ---- the same systems with a power loss: an observer (issue 10s) -------------------------

/**
 * A power loss: enabled while not crashed (and, if `guard`, while a shared variable has a
 * value), it leaves the shared variables (the media) and resets every pc and local (memory).
 * The crashed state is terminal. `durable` is an invariant of the crashed states only.
 */
interface CrashSys extends Sys {
  /** `durable`: no crashed state has every one of these shared variables at its value (two, so that an order of two writes matters). */
  crash: { guard: { index: number; value: number } | null; durable: Array<{ index: number; value: number }> };
}
type CState = PState & { crashed: boolean };
type CAct = { p: number; i: number };

const crashArb: fc.Arbitrary<CrashSys> = sysArb.chain((g) => {
  const sv = fc.record({ index: fc.nat(g.shared - 1), value: fc.nat(g.domain - 1) });
  return fc.record({ guard: fc.option(sv, { freq: 2 }), durable: fc.array(sv, { minLength: 1, maxLength: 2 }) }).map((crash) => ({ ...g, crash }));
});

/** `observer` false: the same model with the power loss as an ordinary actor, as the spec's is. */
function crashModel(g: CrashSys, observer = true): Model<CState, CAct> {
  const base = porModel(g);
  const loss = g.actors;
  const { guard, durable } = g.crash;
  const shared = (c: Cond): Token[] => (c.kind === 'shared' ? [`v${c.index}`] : []);
  // What the properties of the crashed successor depend on, and whether the loss is enabled:
  // the crashed state keeps only v, so only the shared variables the properties read.
  const reads: Token[] = [...shared(g.inv.a), ...shared(g.some), ...durable.map((d) => `v${d.index}`), ...(guard === null ? [] : [`v${guard.index}`])];
  const all: Footprint = { reads: [...Array.from({ length: g.shared }, (_, k) => `v${k}`), ...Array.from({ length: g.actors }, (_, p) => `pc${p}`), ...Array.from({ length: g.actors }, (_, p) => `l${p}`)], writes: [] };
  const fps = base.footprints!;
  return {
    name: 'random-processes-with-power-loss',
    init: () => base.init().map((s) => ({ ...s, crashed: false })),
    actions: (s) => {
      if (s.crashed) return [];
      const out: CAct[] = base.actions(s);
      if (guard === null || s.v[guard.index] === guard.value) out.push({ p: loss, i: 0 });
      return out;
    },
    next: (s, a) => (a.p === loss ? { pc: s.pc.map(() => 0), v: [...s.v], l: s.l.map(() => 0), crashed: true } : { ...base.next(s, a), crashed: false }),
    invariants: { ...base.invariants, durable: (s) => !(s.crashed && durable.every((d) => s.v[d.index] === d.value)) },
    sometimes: base.sometimes,
    done: (s) => s.crashed,
    label: (a) => (a.p === loss ? 'power-loss' : base.label!(a)),
    footprints: {
      actorCount: g.actors + 1,
      actorOf: (a) => a.p,
      next: (s, p) => (p === loss ? all : fps.next(s, p)),
      future: (s, p) => (p === loss ? all : fps.future(s, p)),
      propertyReads: observer ? fps.propertyReads : [...fps.propertyReads, ...reads],
      ...(observer ? { observers: [loss], observerReads: reads } : {}),
    },
  };
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: power loss as an observer: the same verdicts as the full search, and reductions where an ordinary actor allows none`, () => {
    let reducedAsObserver = 0;
    let reducedAsActor = 0;
    fc.assert(
      fc.property(crashArb, (g) => {
        const model = crashModel(g);
        const full = check(model, { strategy, stopAtFirst: false });
        const reduced = check(model, { strategy, stopAtFirst: false, partialOrder: true });
        assertSameVerdicts(model, full, reduced);
        if (reduced.distinctStates < full.distinctStates) reducedAsObserver++;
        if (check(crashModel(g, false), { strategy, stopAtFirst: false, partialOrder: true }).distinctStates < full.distinctStates) reducedAsActor++;
      }),
      { numRuns: 1500 },
    );
    // Measured: about 80 to 100 systems of 1,500 reduced as an observer, none as an actor
    // (the loss disables every other step, so C1 fails wherever it is enabled).
    assert.ok(reducedAsObserver > 20, `the reduction must actually reduce on some systems (${reducedAsObserver})`);
    assert.ok(reducedAsObserver > 2 * reducedAsActor, `observer ${reducedAsObserver}, actor ${reducedAsActor}`);
  });
}

test('a step that changes what a power loss would leave is never deferred past another (observerReads, C2)', () => {
  // T1 writes v0, T2 writes v1, independent of each other; a power loss between T1's write and
  // T2's leaves v0 = 1, v1 = 0, which `durable` forbids. T2's step alone is invisible to the
  // properties of the live states; if the loss's reads were left out of C2 it would be taken
  // alone first, and that state would never be reached (the random systems rarely draw this).
  const g: CrashSys = {
    actors: 2,
    shared: 2,
    domain: 2,
    locations: 2,
    trans: [[{ from: 0, to: 1, guard: null, effect: { kind: 'shared', index: 0, value: 1 } }], [{ from: 0, to: 1, guard: null, effect: { kind: 'shared', index: 1, value: 1 } }]],
    inv: { a: { kind: 'local', index: 0, value: 1 }, pcActor: 0, pc: 0 },
    some: { kind: 'local', index: 0, value: 0 },
    crash: { guard: null, durable: [{ index: 0, value: 1 }, { index: 1, value: 0 }] },
  };
  const m = crashModel(g);
  const full = check(m, { stopAtFirst: false });
  assert.deepEqual(verdicts(full), ['invariant:durable']);
  assertSameVerdicts(m, full, check(m, { stopAtFirst: false, partialOrder: true }));
});

test('an observer whose successor is not terminal is a model error', () => {
  const g: CrashSys = {
    actors: 2,
    shared: 1,
    domain: 2,
    locations: 2,
    trans: [[{ from: 0, to: 1, guard: null, effect: null }], [{ from: 0, to: 1, guard: null, effect: null }]],
    inv: { a: { kind: 'shared', index: 0, value: 1 }, pcActor: 0, pc: 1 },
    some: { kind: 'shared', index: 0, value: 0 },
    crash: { guard: null, durable: [{ index: 0, value: 1 }] },
  };
  const m = crashModel(g);
  const leaky: Model<CState, CAct> = { ...m, actions: (s) => (s.crashed ? [{ p: 0, i: 0 }].filter(() => s.pc[0] === 0) : m.actions(s)) };
  const r = check(leaky, { partialOrder: true });
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]?.message ?? '', /observer action power-loss has enabled actions/);
});

// ---- random symmetric systems for symmetry reduction --------------------------------------

interface SymTrans {
  from: number;
  to: number;
  guard: 'none' | 'c' | 'someOtherFlag' | 'noOtherFlag';
  gv: number;
  effect: 'none' | 'inc' | 'set' | 'flagOn' | 'flagOff';
  ev: number;
}
interface SymSys {
  n: number;
  m: number;
  locations: number;
  trans: SymTrans[];
  inv: { c: number; pc: number; atLeast: number };
  some: { c: number; pc: number };
}
interface SState {
  c: number;
  procs: Array<{ pc: number; flag: boolean }>;
}

const symArb: fc.Arbitrary<SymSys> = fc.record({ n: fc.integer({ min: 2, max: 3 }), m: fc.integer({ min: 2, max: 3 }), locations: fc.integer({ min: 2, max: 3 }) }).chain((d) =>
  fc.record({
    n: fc.constant(d.n),
    m: fc.constant(d.m),
    locations: fc.constant(d.locations),
    trans: fc.array(
      fc.record({
        from: fc.nat(d.locations - 1),
        to: fc.nat(d.locations - 1),
        guard: fc.constantFrom<SymTrans['guard']>('none', 'c', 'someOtherFlag', 'noOtherFlag'),
        gv: fc.nat(d.m - 1),
        effect: fc.constantFrom<SymTrans['effect']>('none', 'inc', 'set', 'flagOn', 'flagOff'),
        ev: fc.nat(d.m - 1),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    inv: fc.record({ c: fc.nat(d.m - 1), pc: fc.nat(d.locations - 1), atLeast: fc.integer({ min: 1, max: d.n }) }),
    some: fc.record({ c: fc.nat(d.m - 1), pc: fc.nat(d.locations - 1) }),
  }),
);

function symModel(g: SymSys): Model<SState, { p: number; i: number }> {
  const enabled = (s: SState, p: number, t: SymTrans): boolean => {
    if (s.procs[p]!.pc !== t.from) return false;
    const others = s.procs.filter((_, q) => q !== p);
    if (t.guard === 'c') return s.c === t.gv;
    if (t.guard === 'someOtherFlag') return others.some((o) => o.flag);
    if (t.guard === 'noOtherFlag') return !others.some((o) => o.flag);
    return true;
  };
  const key = (x: { pc: number; flag: boolean }): number => x.pc * 2 + (x.flag ? 1 : 0);
  return {
    name: 'random-symmetric',
    init: () => [{ c: 0, procs: Array.from({ length: g.n }, () => ({ pc: 0, flag: false })) }],
    actions: (s) => {
      const out: Array<{ p: number; i: number }> = [];
      for (let p = 0; p < g.n; p++) g.trans.forEach((t, i) => enabled(s, p, t) && out.push({ p, i }));
      return out;
    },
    next: (s, { p, i }) => {
      const t = g.trans[i]!;
      const procs = s.procs.map((x) => ({ ...x }));
      let c = s.c;
      procs[p]!.pc = t.to;
      if (t.effect === 'inc') c = (c + 1) % g.m;
      if (t.effect === 'set') c = t.ev;
      if (t.effect === 'flagOn') procs[p]!.flag = true;
      if (t.effect === 'flagOff') procs[p]!.flag = false;
      return { c, procs };
    },
    invariants: { inv: (s) => !(s.c === g.inv.c && s.procs.filter((x) => x.pc === g.inv.pc).length >= g.inv.atLeast) },
    sometimes: { some: (s) => s.c === g.some.c && s.procs.some((x) => x.pc === g.some.pc) },
    representative: (s) => ({ c: s.c, procs: [...s.procs].sort((a, b) => key(a) - key(b)) }),
    footprints: {
      actorCount: g.n,
      actorOf: (a) => a.p,
      next: (s, p) => symFootprint(g, g.trans.filter((t) => t.from === s.procs[p]!.pc), p),
      future: (_s, p) => symFootprint(g, g.trans, p),
      propertyReads: ['c', ...Array.from({ length: g.n }, (_, p) => `pc${p}`)],
    },
  };
}

/** What process p's transitions `ts` read and write: its pc, the counter, its own flag, the others' flags. */
function symFootprint(g: SymSys, ts: readonly SymTrans[], p: number): Footprint {
  const reads: Token[] = [`pc${p}`];
  const writes: Token[] = [`pc${p}`];
  for (const t of ts) {
    if (t.guard === 'c') reads.push('c');
    if (t.guard === 'someOtherFlag' || t.guard === 'noOtherFlag') for (let q = 0; q < g.n; q++) if (q !== p) reads.push(`flag${q}`);
    if (t.effect === 'inc') reads.push('c');
    if (t.effect === 'inc' || t.effect === 'set') writes.push('c');
    if (t.effect === 'flagOn' || t.effect === 'flagOff') writes.push(`flag${p}`);
  }
  return { reads, writes };
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: symmetry reduction finds the same violations, deadlocks and sometimes verdicts as the full search`, () => {
    assertReductionSound(symArb, symModel, strategy, { symmetry: true }, 300, 20);
  });
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: symmetry and partial-order reduction together find the full search's verdicts`, () => {
    // The cycle proviso asks whether an ample successor's orbit is stored (proofs-notes/checker.md).
    assertReductionSound(symArb, symModel, strategy, { symmetry: true, partialOrder: true }, 1000, 20, (model, full) => {
      const sym = check(model, { strategy, stopAtFirst: false, symmetry: true });
      const both = check(model, { strategy, stopAtFirst: false, symmetry: true, partialOrder: true });
      assert.ok(both.distinctStates <= sym.distinctStates);
      assert.equal(check(model, { strategy, symmetry: true, partialOrder: true }).status === 'violation', full.status === 'violation');
    });
  });
}

/** On every drawn system, the reduced BFS reports the full one's status and its first counterexample's (shortest) length. */
function assertShortestKept<G, S, A>(arb: fc.Arbitrary<G>, modelOf: (g: G) => Model<S, A>, reduction: CheckOptions, numRuns: number): void {
  fc.assert(
    fc.property(arb, (g) => {
      const model = modelOf(g);
      const full = check(model);
      const reduced = check(model, reduction);
      assert.equal(reduced.status, full.status);
      if (full.status === 'violation') assert.equal(reduced.violations[0]!.trace.length, full.violations[0]!.trace.length);
    }),
    { numRuns },
  );
}

test('symmetry: BFS counterexamples stay shortest', () => {
  assertShortestKept(symArb, symModel, { symmetry: true }, 200);
});

test("BEEM peterson.N through the object contract with its footprints: the same verdicts, fewer states", async () => {
  const { petersonObject } = await import('../bench/beem/peterson-object.ts');
  for (const n of [2, 3]) {
    const model = petersonObject(n, { footprints: true });
    const full = check(model, { stopAtFirst: false });
    const reduced = check(model, { stopAtFirst: false, partialOrder: true });
    assertSameVerdicts(model, full, reduced);
    assert.equal(full.status, 'ok');
    assert.ok(reduced.distinctStates < full.distinctStates);
    // Mutual exclusion broken on purpose (CS entered from wait without j == N): both searches see it.
    const broken = { ...model, actions: (s: Parameters<typeof model.actions>[0]) => [...model.actions(s), ...s.pc.flatMap((pc, i) => (pc === 2 ? [{ proc: i, step: 5 }] : []))] };
    const bf = check(broken, { stopAtFirst: false });
    const br = check(broken, { stopAtFirst: false, partialOrder: true });
    assert.equal(bf.status, 'violation');
    assertSameVerdicts(broken, bf, br);
  }
});

// ---- random timestamped systems for the view (a canonical form of a history clock) --------

interface StampTrans {
  from: number;
  to: number;
  /** Enabled only when the actor's stamp is below / equal to / above process q's. */
  guard: 'none' | 'lt' | 'eq' | 'gt';
  q: number;
  stamp: boolean;
}
interface StampSys {
  n: number;
  locations: number;
  budget: number;
  trans: StampTrans[];
  inv: { pc: number; a: number; b: number; rel: 'lt' | 'eq' };
  some: { a: number; b: number };
}
interface TState {
  pc: number[];
  left: number[];
  stamp: number[];
  clock: number;
}

const stampArb: fc.Arbitrary<StampSys> = fc.record({ n: fc.integer({ min: 2, max: 3 }), locations: fc.integer({ min: 2, max: 3 }) }).chain((d) =>
  fc.record({
    n: fc.constant(d.n),
    locations: fc.constant(d.locations),
    budget: fc.integer({ min: 2, max: 3 }),
    trans: fc.array(
      fc.record({
        from: fc.nat(d.locations - 1),
        to: fc.nat(d.locations - 1),
        guard: fc.constantFrom<StampTrans['guard']>('none', 'lt', 'eq', 'gt'),
        q: fc.nat(d.n - 1),
        stamp: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    inv: fc.record({ pc: fc.nat(d.locations - 1), a: fc.nat(d.n - 1), b: fc.nat(d.n - 1), rel: fc.constantFrom<'lt' | 'eq'>('lt', 'eq') }),
    some: fc.record({ a: fc.nat(d.n - 1), b: fc.nat(d.n - 1) }),
  }),
);

const cmpRel = (x: number, y: number, rel: 'lt' | 'eq' | 'gt'): boolean => (rel === 'lt' ? x < y : rel === 'eq' ? x === y : x > y);

/**
 * Every step ticks a global clock and may stamp its process with the new time; guards and
 * properties only compare stamps. The valid view renumbers stamps and the clock by the rank of
 * their value (order and ties kept); `broken` forgets ties (ranks by position).
 */
function stampModel(g: StampSys, broken = false): Model<TState, { p: number; i: number }> {
  const enabled = (s: TState, p: number, t: StampTrans): boolean =>
    s.pc[p] === t.from && s.left[p]! > 0 && (t.guard === 'none' || cmpRel(s.stamp[p]!, s.stamp[t.q]!, t.guard));
  return {
    name: 'random-timestamped',
    init: () => [{ pc: Array.from({ length: g.n }, () => 0), left: Array.from({ length: g.n }, () => g.budget), stamp: Array.from({ length: g.n }, () => 0), clock: 0 }],
    actions: (s) => {
      const out: Array<{ p: number; i: number }> = [];
      for (let p = 0; p < g.n; p++) g.trans.forEach((t, i) => enabled(s, p, t) && out.push({ p, i }));
      return out;
    },
    next: (s, { p, i }) => {
      const t = g.trans[i]!;
      const pc = [...s.pc];
      const left = [...s.left];
      const stamp = [...s.stamp];
      pc[p] = t.to;
      left[p]!--;
      const clock = s.clock + 1;
      if (t.stamp) stamp[p] = clock;
      return { pc, left, stamp, clock };
    },
    done: (s) => s.left.every((l) => l === 0),
    invariants: { inv: (s) => !(s.pc[0] === g.inv.pc && cmpRel(s.stamp[g.inv.a]!, s.stamp[g.inv.b]!, g.inv.rel)) },
    sometimes: { some: (s) => s.stamp[g.some.a]! > s.stamp[g.some.b]! },
    canonical: (s) => {
      const vals = [...s.stamp, s.clock];
      const sorted = [...vals].sort((x, y) => x - y);
      const byPosition = vals.map((_, k) => k).sort((x, y) => vals[x]! - vals[y]! || x - y);
      const rank = broken ? (k: number) => byPosition.indexOf(k) : (k: number) => new Set(sorted.filter((v) => v < vals[k]!)).size;
      return { pc: s.pc, left: s.left, stamp: s.stamp.map((_, k) => rank(k)), clock: rank(s.stamp.length) };
    },
  };
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: the view (a clock renumbered, comparisons kept) finds the same violations, deadlocks and sometimes verdicts as the full search`, () => {
    assertReductionSound(stampArb, (g) => stampModel(g), strategy, { view: true }, 400, 50, (model, full) => {
      // Composed with symmetry (an identity representative here): the same.
      const both = check({ ...model, representative: (s) => s }, { strategy, stopAtFirst: false, view: true, symmetry: true });
      assert.deepEqual(verdicts(both), verdicts(full));
    });
  });
}

test('view: BFS counterexamples stay shortest, and a view that forgets ties changes some verdict', () => {
  assertShortestKept(stampArb, (g) => stampModel(g), { view: true }, 300);
  // The broken view is caught by the comparison above on some system: find one.
  const wrong = fc.sample(stampArb, { numRuns: 400, seed: 10 }).some((g) => {
    const full = check(stampModel(g), { stopAtFirst: false });
    const broken = check(stampModel(g, true), { stopAtFirst: false, view: true });
    return JSON.stringify(verdicts(broken)) !== JSON.stringify(verdicts(full));
  });
  assert.ok(wrong, 'a view that forgets ties must change a verdict on some random system');
});

test('the view needs the model to give canonical()', () => {
  const m = stampModel({ n: 2, locations: 2, budget: 1, trans: [{ from: 0, to: 1, guard: 'none', q: 0, stamp: true }], inv: { pc: 0, a: 0, b: 1, rel: 'lt' }, some: { a: 0, b: 1 } });
  const { canonical: _drop, ...bare } = m;
  assert.throws(() => check(bare, { view: true }), /the view needs the model "random-timestamped" to give canonical\(\)/);
});
