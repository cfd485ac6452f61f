/** The object ports of BEEM's hanoi and elevator2 (bench/beem/*-object.ts): the published state counts, and the compact models' search exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, type CheckOptions, type CheckResult, type Model } from '../checker/index.ts';
import { checkCompact, type CompactModel } from '../checker/compact.ts';
import { hanoi } from '../bench/beem/hanoi.ts';
import { hanoiObject, type HanoiState } from '../bench/beem/hanoi-object.ts';
import { elevator2 } from '../bench/beem/elevator2.ts';
import { elevator2Object, type ElevatorState } from '../bench/beem/elevator2-object.ts';

/** hanoi.ts's vector of a state: each peg's sentinel 100, its disks, zeros, then the counts of used slots. */
function hanoiVector(n: number, s: HanoiState): number[] {
  const peg = (d: number[]): number[] => [100, ...d, ...new Array<number>(n - d.length).fill(0)];
  return [...peg(s.a), ...peg(s.b), ...peg(s.c), s.a.length + 1, s.b.length + 1, s.c.length + 1];
}

/** elevator2.ts's vector of a state. */
function elevatorVector(s: ElevatorState): number[] {
  return [s.p, s.t, s.v, s.cabin, s.controller, s.ldir, ...s.req];
}

/** The same search through both: status, counts, depth, coverage, and each trace's labels and states. */
function sameSearch<S, A>(c: CheckResult<number[], number>, o: CheckResult<S, A>, vector: (s: S) => number[]): void {
  assert.deepEqual([o.status, o.distinctStates, o.transitions, o.depth, o.incompleteReason], [c.status, c.distinctStates, c.transitions, c.depth, c.incompleteReason]);
  assert.deepEqual(o.coverage, c.coverage);
  assert.deepEqual(
    o.violations.map((v) => [v.property, v.kind, v.trace.map((s) => [s.label, vector(s.state)])]),
    c.violations.map((v) => [v.property, v.kind, v.trace.map((s) => [s.label, [...s.state]])]),
  );
}

const optionSets: CheckOptions[] = [{}, { stopAtFirst: false }, { maxStates: 300 }, { maxDepth: 9 }];

test('hanoiObject(n) has 3^n states; BEEM hanoi.2 (12 disks) 531,441', () => {
  for (const n of [1, 3, 6]) assert.equal(check(hanoiObject(n)).distinctStates, 3 ** n);
  const r = check(hanoiObject(12));
  assert.deepEqual([r.status, r.distinctStates, r.transitions], ['ok', 531_441, 1_594_320]);
});

test('hanoiObject and the compact hanoi: the same counts, coverage and traces (states mapped to its vector)', () => {
  const n = 5;
  const ACT = 3 * (n + 1);
  const notAllOnC = (cm: CompactModel): CompactModel => ({ ...cm, invariants: { 'not all on c': (s) => s[ACT + 2] !== n + 1 } });
  const om = (): Model<HanoiState, unknown> => ({ ...hanoiObject(n), invariants: { 'not all on c': (s: HanoiState) => s.c.length !== n } }) as Model<HanoiState, unknown>;
  for (const options of optionSets) {
    sameSearch(checkCompact(hanoi(n), options), check(hanoiObject(n), options), (s) => hanoiVector(n, s));
    sameSearch(checkCompact(notAllOnC(hanoi(n)), options), check(om(), options), (s) => hanoiVector(n, s));
  }
});

test('elevator2Object(n): SPIN counts 528, 5,120 and 96,256 states (1,201, 16,641 and 455,681 transitions) for 3, 5 and 8 floors', () => {
  const counts = [3, 5, 8].map((n) => check(elevator2Object(n))).map((r) => [r.status, r.distinctStates, r.transitions]);
  // SPIN counts one transition more: the initial state's.
  assert.deepEqual(counts, [
    ['ok', 528, 1200],
    ['ok', 5120, 16_640],
    ['ok', 96_256, 455_680],
  ]);
});

test('elevator2Object and the compact elevator2: the same counts, coverage and traces (states mapped to its vector)', () => {
  const n = 4;
  const neverTop = (cm: CompactModel): CompactModel => ({ ...cm, invariants: { 'cabin below the top floor': (s) => s[0]! < n - 1 } });
  const om = (): Model<ElevatorState, unknown> => ({ ...elevator2Object(n), invariants: { 'cabin below the top floor': (s: ElevatorState) => s.p < n - 1 } }) as Model<ElevatorState, unknown>;
  for (const options of optionSets) {
    sameSearch(checkCompact(elevator2(n), options), check(elevator2Object(n), options), elevatorVector);
    sameSearch(checkCompact(neverTop(elevator2(n)), options), check(om(), options), elevatorVector);
  }
});
