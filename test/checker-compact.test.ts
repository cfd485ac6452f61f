/**
 * The compact-state contract on ports of BEEM models (bench/beem/), against the state counts
 * BEEM publishes and SPIN 6.5.2's exact search on our Promela translations of the same models
 * (`spin -o1 -a`, `cc -O2 -DNOREDUCE -DSAFETY`; SPIN counts the initial state as one more
 * transition), and against the object contract on the same models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, validateTrace } from '../checker/index.ts';
import { asObjectModel, checkCompact, type CompactModel } from '../checker/compact.ts';
import { peterson } from '../bench/beem/peterson.ts';
import { hanoi } from '../bench/beem/hanoi.ts';
import { at } from '../bench/beem/at.ts';
import { elevator2 } from '../bench/beem/elevator2.ts';

function withoutInvariants(m: CompactModel): CompactModel {
  const { invariants: _dropped, ...rest } = m;
  return rest;
}

test('peterson(3) is BEEM peterson.1: 12,498 states, 33,369 transitions (SPIN: 12,498 stored, 33,370)', () => {
  const r = checkCompact(peterson(3));
  assert.equal(r.status, 'ok');
  assert.equal(r.distinctStates, 12_498);
  assert.equal(r.transitions, 33_369);
});

test('peterson(4) is BEEM peterson.4: 1,119,560 states', () => {
  const r = checkCompact(peterson(4));
  assert.equal(r.status, 'ok');
  assert.equal(r.distinctStates, 1_119_560);
});

test('hanoi(n) has 3^n states; BEEM hanoi.2 (12 disks) 531,441', () => {
  for (const n of [1, 3, 6]) assert.equal(checkCompact(hanoi(n)).distinctStates, 3 ** n);
  const r = checkCompact(hanoi(12));
  assert.equal(r.status, 'ok');
  assert.equal(r.distinctStates, 531_441);
});

test('at(2), at(3): SPIN counts 1,216 and 50,328 states (2,783 and 146,170 transitions) on the same model', () => {
  const a2 = checkCompact(withoutInvariants(at(2)));
  assert.deepEqual([a2.status, a2.distinctStates, a2.transitions], ['ok', 1216, 2782]);
  const a3 = checkCompact(withoutInvariants(at(3)));
  assert.deepEqual([a3.status, a3.distinctStates, a3.transitions], ['ok', 50_328, 146_169]);
});

test('at(2) violates mutual exclusion, as SPIN finds too; the shortest trace replays through the object contract', () => {
  const r = checkCompact(at(2));
  assert.equal(r.status, 'violation');
  const v = r.violations[0]!;
  assert.equal(v.property, 'mutual exclusion');
  assert.equal(v.trace.length, 17);
  assert.equal(validateTrace(asObjectModel(at(2)), v.trace), undefined);
  const last = v.trace[v.trace.length - 1]!.state;
  assert.deepEqual(last.slice(5), [8, 8]);
});

test('elevator2(n): SPIN counts 528, 5,120 and 96,256 states (1,201, 16,641 and 455,681 transitions) for 3, 5 and 8 floors', () => {
  // BEEM's elevator2.3 (13 floors) has 7,667,712 states; bench/run.ts checks it against SPIN (28 s here, too long for npm test).
  const got = [3, 5, 8].map((n) => {
    const r = checkCompact(elevator2(n));
    return [r.status, r.distinctStates, r.transitions];
  });
  assert.deepEqual(got, [['ok', 528, 1200], ['ok', 5120, 16_640], ['ok', 96_256, 455_680]]);
});

const cases: Array<[string, () => CompactModel]> = [
  ['peterson(3)', () => peterson(3)],
  ['hanoi(6)', () => hanoi(6)],
  ['at(2)', () => at(2)],
  ['at(3) without invariants', () => withoutInvariants(at(3))],
  ['elevator2(4)', () => elevator2(4)],
  // peterson gives `processes` (only the guards of each process's location are evaluated); an
  // invariant that fails gives a trace whose action indexes must be the object contract's.
  ['peterson(3), nobody in CS', () => ({ ...peterson(3), invariants: { 'nobody in CS': (s) => s[0] !== 1 && s[1] !== 1 && s[2] !== 1 } })],
];

for (const [name, make] of cases) {
  test(`${name}: the compact and object contracts give the same counts, coverage and traces`, () => {
    for (const options of [{}, { stopAtFirst: false }, { maxStates: 500 }, { maxDepth: 7 }]) {
      const c = checkCompact(make(), options);
      const o = check(asObjectModel(make()), options);
      assert.equal(c.status, o.status);
      assert.equal(c.distinctStates, o.distinctStates);
      assert.equal(c.transitions, o.transitions);
      assert.equal(c.depth, o.depth);
      assert.equal(c.incompleteReason, o.incompleteReason);
      assert.deepEqual(c.coverage, o.coverage);
      assert.deepEqual(
        c.violations.map((v) => [v.property, v.kind, v.trace.map((s) => [s.label, s.state])]),
        o.violations.map((v) => [v.property, v.kind, v.trace.map((s) => [s.label, s.state])]),
      );
    }
  });
}

test('a compact model that deadlocks is reported with its trace; one that throws is an error', () => {
  const stuck: CompactModel = {
    name: 'stuck',
    width: 1,
    init: () => [[0]],
    transitions: ['inc'],
    enabled: (s) => s[0]! < 3,
    apply: (s, _t, out) => {
      out[0] = s[0]! + 1;
    },
  };
  const r = checkCompact(stuck);
  assert.equal(r.status, 'violation');
  assert.equal(r.violations[0]!.kind, 'deadlock');
  assert.deepEqual(r.violations[0]!.trace.map((s) => s.state[0]), [0, 1, 2, 3]);
  const done = checkCompact({ ...stuck, done: (s) => s[0] === 3 });
  assert.equal(done.status, 'ok');
  const boom = checkCompact({ ...stuck, apply: () => { throw new Error('boom'); } });
  assert.equal(boom.status, 'error');
  assert.match(boom.violations[0]!.message ?? '', /boom/);
});

test('processes: the search evaluates only the guards of the transitions leaving each location, and gives the same results', () => {
  const counting = (withProcesses: boolean): [number, number] => {
    const m = peterson(3);
    let guards = 0;
    const enabled = m.enabled.bind(m);
    const { processes: _dropped, ...plain } = m;
    const r = checkCompact({ ...(withProcesses ? m : plain), enabled: (s, t) => (guards++, enabled(s, t)) });
    return [r.distinctStates, guards];
  };
  const [states, grouped] = counting(true);
  const [statesPlain, all] = counting(false);
  assert.equal(states, statesPlain);
  // 21 guards a state without; the locations of 3 processes list 1 or 2 transitions each.
  assert.equal(all, 21 * 12_498);
  // Plus the audit's: every other guard of the first 2,000 states and one in 64 after.
  const audited = 2000 + Math.ceil((12_498 - 2000) / 64);
  assert.ok(grouped <= 6 * 12_498 + 21 * audited, `${grouped} guards evaluated`);
  assert.ok(grouped < all / 2, `${grouped} guards evaluated, ${all} without processes`);
});

test('processes: a list that misses, repeats or misorders a transition, or a bad slot, is refused naming it', () => {
  const base: CompactModel = {
    name: 'two',
    width: 2,
    init: () => [[0, 0]],
    transitions: ['a', 'b', 'c'],
    enabled: (s, t) => s[0] === (t === 2 ? 1 : 0),
    apply: (_s, t, out) => {
      out[0] = t === 2 ? 0 : 1;
    },
  };
  const ok = checkCompact({ ...base, processes: [{ pc: 0, from: [[0, 1], [2]] }] });
  assert.equal(ok.status, 'ok');
  const refused = (processes: CompactModel['processes'], message: RegExp): void => assert.throws(() => checkCompact({ ...base, processes }), message);
  refused([{ pc: 0, from: [[0, 1]] }], /two: processes lists no location for transition 2 \("c"\)/);
  refused([{ pc: 0, from: [[0, 1], [1, 2]] }], /processes\[0\]\.from\[1\] lists transition 1 \("b"\) again/);
  refused([{ pc: 0, from: [[1, 0], [2]] }], /processes\[0\]\.from\[0\] lists 0 after 1/);
  refused([{ pc: 0, from: [[2]] }, { pc: 1, from: [[0, 1]] }], /processes\[1\]\.from\[0\] lists 0 after 2/);
  refused([{ pc: 2, from: [[0, 1], [2]] }], /processes\[0\]\.pc is 2, not a slot of a state of width 2/);
  refused([{ pc: 0, from: [[0, 1], [2, 3]] }], /processes\[0\]\.from\[1\] lists 3, not a transition \(there are 3\)/);
  // A location with no list: an error of the model, with the trace to the state.
  const lost = checkCompact({ ...base, processes: [{ pc: 0, from: [[0, 1, 2]] }] });
  assert.equal(lost.status, 'error');
  assert.match(lost.violations[0]!.message ?? '', /process 0's location slot 0 holds 1, not one of its 1 locations in `processes`/);
});

test('processes: a transition enabled outside the location it is listed under is a model error naming it, with the trace to the state (the audit)', () => {
  const m = peterson(3);
  // wait->CS of process 0 (transition 5) listed under CS instead of wait: a grouping the
  // validation cannot see wrong, which would lose every state past process 0's CS.
  const processes = m.processes!.map((p, i) => (i !== 0 ? p : { ...p, from: p.from.map((ts, v) => (v === 2 ? ts.filter((t) => t !== 5) : v === 1 ? [5, ...ts] : ts)) }));
  const r = checkCompact({ ...m, processes });
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]!.message ?? '', /transition 5 \("P_0 wait->CS"\) is enabled in a state where process 0's location \(slot 0\) is 2, but `processes` lists it under location 1/);
  const last = r.violations[0]!.trace.at(-1)!.state;
  assert.equal(last[0], 2, 'the trace ends where process 0 waits at its last level');
  assert.equal(last[3], 3, 'with j = N');
});

test('asObjectModel evaluates only the grouped guards, with the same audit: a wrong grouping is a model error through the object contract too', () => {
  const m = peterson(3);
  let guards = 0;
  const counted = (cm: CompactModel): CompactModel => ({
    ...cm,
    enabled: (s, t) => {
      guards++;
      return cm.enabled(s, t);
    },
  });
  const { processes: _dropped, ...plain } = m;
  const grouped = check(asObjectModel(counted(m)), { sanity: 'off' });
  const groupedGuards = guards;
  guards = 0;
  const every = check(asObjectModel(counted(plain)), { sanity: 'off' });
  assert.deepEqual([grouped.distinctStates, grouped.transitions, grouped.coverage], [every.distinctStates, every.transitions, every.coverage]);
  // The first 2,000 states are audited (every guard), then one in 64.
  assert.ok(groupedGuards < guards / 2, `${groupedGuards} guards evaluated, ${guards} without processes`);
  const processes = m.processes!.map((p, i) => (i !== 0 ? p : { ...p, from: p.from.map((ts, v) => (v === 2 ? ts.filter((t) => t !== 5) : v === 1 ? [5, ...ts] : ts)) }));
  const r = check(asObjectModel({ ...m, processes }));
  assert.equal(r.status, 'error');
  assert.match(r.violations[0]!.message ?? '', /actions\(\) threw RangeError: .*transition 5 \("P_0 wait->CS"\) is enabled in a state where process 0's location \(slot 0\) is 2/);
  // compact-result.ts rebuilds traces with every guard: the same trace as checkCompact's.
  const c = checkCompact({ ...m, processes });
  assert.deepEqual(
    r.violations[0]!.trace.map((s) => [s.label, s.state]),
    c.violations[0]!.trace.map((s) => [s.label, [...s.state]]),
  );
});
