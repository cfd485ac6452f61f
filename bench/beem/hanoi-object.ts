/**
 * BEEM's hanoi.N through the object contract, written as a user would write the towers of Hanoi:
 * each peg a stack of disks (bottom first), a move an object naming its two pegs. The same
 * state space as the DVE model in hanoi.ts (its pegs are arrays with a sentinel and a count of
 * used slots; here the stacks say the same, since every arrangement of the disks determines the
 * vector): 3^n states, and the same transitions in the same order, under the same names.
 */
import type { Model } from '../../checker/index.ts';

export interface HanoiState {
  a: number[];
  b: number[];
  c: number[];
}
export interface HanoiMove {
  from: 'a' | 'b' | 'c';
  to: 'a' | 'b' | 'c';
}

/** hanoi.ts's transition order: AtoB, AtoC, BtoA, BtoC, CtoA, CtoB. */
const MOVES: readonly HanoiMove[] = [
  { from: 'a', to: 'b' },
  { from: 'a', to: 'c' },
  { from: 'b', to: 'a' },
  { from: 'b', to: 'c' },
  { from: 'c', to: 'a' },
  { from: 'c', to: 'b' },
];

const label = (m: HanoiMove): string => `${m.from.toUpperCase()}to${m.to.toUpperCase()}`;

export function hanoiObject(n: number): Model<HanoiState, HanoiMove> {
  const top = (peg: readonly number[]): number => (peg.length === 0 ? Infinity : peg[peg.length - 1]!);
  return {
    name: `hanoi-object(${n})`,
    init: () => [{ a: Array.from({ length: n }, (_, d) => n - d), b: [], c: [] }],
    actions: (s) => MOVES.filter((m) => top(s[m.from]) < top(s[m.to])),
    next: (s, m) => {
      const t: HanoiState = { a: s.a, b: s.b, c: s.c };
      const from = s[m.from];
      t[m.from] = from.slice(0, -1);
      t[m.to] = [...s[m.to], from[from.length - 1]!];
      return t;
    },
    label,
    sometimes: { 'all disks on c': (s) => s.c.length === n },
  };
}
