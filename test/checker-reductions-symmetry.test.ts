/**
 * Partial-order reduction together with symmetry reduction (issue 10v): systems built so that
 * the cycle proviso matters under symmetry. Identical "spinner" processes step around cycles of
 * invisible local steps, started in an order that is not the representative's; a trigger
 * process's step sets a visible flag. Ample sets of one spinner alone close a cycle whose last
 * state is stored only as its orbit's representative: a proviso that asks about the concrete
 * successor (or none at all) defers the trigger forever and misses the violation
 * ("ignoring"). The argument is in proofs-notes/checker.md, "Partial-order reduction with
 * symmetry (issue 10v)".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { check, validateTrace, type CheckResult, type Model } from '../checker/index.ts';
import type { Footprint } from '../checker/types.ts';

interface SpinSys {
  n: number;
  locations: number;
  /** The spinners' moves (every spinner has them all: the processes are identical). */
  moves: Array<{ from: number; to: number }>;
  /** Each spinner's first location, in task order: often not sorted, so not the representative. */
  start: number[];
  /** The trigger's invisible steps before the one that sets `bad`. */
  stages: number;
}
interface SpinState {
  pc: number[];
  t: number;
  bad: boolean;
}
type SpinAct = { p: number; i: number };

const spinArb: fc.Arbitrary<SpinSys> = fc.record({ n: fc.integer({ min: 2, max: 3 }), locations: fc.integer({ min: 2, max: 4 }) }).chain((d) =>
  fc.record({
    n: fc.constant(d.n),
    locations: fc.constant(d.locations),
    // Often a whole cycle 0 -> 1 -> ... -> 0, plus random moves (dead ends included).
    moves: fc
      .tuple(fc.boolean(), fc.array(fc.record({ from: fc.nat(d.locations - 1), to: fc.nat(d.locations - 1) }), { maxLength: 4 }))
      .map(([cycle, extra]) => [...(cycle ? Array.from({ length: d.locations }, (_, k) => ({ from: k, to: (k + 1) % d.locations })) : []), ...extra]),
    start: fc.array(fc.nat(d.locations - 1), { minLength: d.n, maxLength: d.n }),
    stages: fc.integer({ min: 0, max: 1 }),
  }),
);

function spinModel(g: SpinSys): Model<SpinState, SpinAct> {
  const trigger = g.n;
  const own = (p: number): Footprint => ({ reads: [`pc${p}`], writes: [`pc${p}`] });
  return {
    name: 'spinners',
    init: () => [{ pc: [...g.start], t: 0, bad: false }],
    actions: (s) => {
      const out: SpinAct[] = [];
      for (let p = 0; p < g.n; p++) g.moves.forEach((m, i) => m.from === s.pc[p] && out.push({ p, i }));
      if (s.t <= g.stages) out.push({ p: trigger, i: 0 });
      return out;
    },
    next: (s, { p, i }) => {
      if (p === trigger) return { pc: s.pc, t: s.t + 1, bad: s.bad || s.t === g.stages };
      const pc = [...s.pc];
      pc[p] = g.moves[i]!.to;
      return { pc, t: s.t, bad: s.bad };
    },
    done: () => false,
    invariants: { neverBad: (s) => !s.bad },
    sometimes: { someBad: (s) => s.bad },
    label: (a) => (a.p === trigger ? `T.${a.i}` : `S${a.p}.${a.i}`),
    representative: (s) => ({ pc: [...s.pc].sort((a, b) => a - b), t: s.t, bad: s.bad }),
    footprints: {
      actorCount: g.n + 1,
      actorOf: (a) => a.p,
      next: (s, p) => (p < trigger ? own(p) : { reads: ['t'], writes: s.t < g.stages ? ['t'] : ['t', 'bad'] }),
      future: (s, p) => (p < trigger ? own(p) : s.t <= g.stages ? { reads: ['t'], writes: ['t', 'bad'] } : { reads: [], writes: [] }),
      propertyReads: ['bad'],
    },
  };
}

function verdicts<S, A>(r: CheckResult<S, A>): string[] {
  return r.violations.map((v) => `${v.kind}:${v.property}`).sort();
}

function assertSame<S, A>(model: Model<S, A>, full: CheckResult<S, A>, reduced: CheckResult<S, A>): void {
  assert.notEqual(reduced.status, 'error', reduced.violations[0]?.message ?? 'model error');
  assert.deepEqual(verdicts(reduced), verdicts(full));
  for (const v of reduced.violations) {
    if (v.kind === 'sometimes') continue;
    assert.equal(validateTrace(model, v.trace), undefined);
    const last = v.trace[v.trace.length - 1]!.state;
    if (v.kind === 'invariant') assert.equal(model.invariants![v.property]!(last), false);
    if (v.kind === 'deadlock') assert.equal(model.actions(last).length, 0);
  }
}

// Init (1, 0) with two locations: spinner 0 alone goes (1,0) -> (0,0) -> (1,0), and (1,0) is
// stored as its representative (0,1). Only a proviso that asks about the orbit expands (0,0) fully.
const ignoring: SpinSys = { n: 2, locations: 2, moves: [{ from: 0, to: 1 }, { from: 1, to: 0 }], start: [1, 0], stages: 0 };

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: symmetry + partial-order reduction: the cycle proviso on the orbit keeps a trigger from being ignored`, () => {
    const m = spinModel(ignoring);
    const full = check(m, { strategy, stopAtFirst: false });
    assert.deepEqual(verdicts(full), ['invariant:neverBad']);
    const both = check(m, { strategy, stopAtFirst: false, symmetry: true, partialOrder: true });
    assertSame(m, full, both);
    // Not vacuous: the reduction cut some expansions to one spinner's step.
    assert.ok((both.ampleExpansions ?? 0) > 0, `ample expansions: ${both.ampleExpansions}`);
    const first = check(m, { strategy, symmetry: true, partialOrder: true });
    assert.equal(first.status, 'violation');
  });
}

for (const strategy of ['bfs', 'dfs'] as const) {
  test(`${strategy}: symmetry + partial-order reduction on random spinner systems: the full search's verdicts, deadlocks, sometimes verdicts, replayable traces`, () => {
    let reduced = 0;
    let unsorted = 0;
    let deadlocks = 0;
    fc.assert(
      fc.property(spinArb, (g) => {
        const m = spinModel(g);
        const full = check(m, { strategy, stopAtFirst: false });
        const both = check(m, { strategy, stopAtFirst: false, symmetry: true, partialOrder: true });
        assertSame(m, full, both);
        // Each reduction alone, too: the combination must not be judged against a broken part.
        assertSame(m, full, check(m, { strategy, stopAtFirst: false, symmetry: true }));
        assert.equal(check(m, { strategy, symmetry: true, partialOrder: true }).status === 'violation', full.status === 'violation');
        if ((both.ampleExpansions ?? 0) > 0) reduced++;
        if (full.violations.some((v) => v.kind === 'deadlock')) deadlocks++;
        if (g.start.some((x, k) => k > 0 && x < g.start[k - 1]!)) unsorted++;
      }),
      { numRuns: 600 },
    );
    assert.ok(reduced > 100 && unsorted > 100 && deadlocks > 50, `reduced on ${reduced} systems, unsorted start on ${unsorted}, deadlocks on ${deadlocks}`);
  });
}
