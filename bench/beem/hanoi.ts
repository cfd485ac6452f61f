/**
 * BEEM's hanoi.N: the towers of Hanoi as six processes, one per ordered pair of pegs, each
 * moving the top disk from one peg to the other when it is smaller. Written here from the
 * published DVE model: pegs a, b, c are arrays of n+1 bytes with a sentinel 100 at index 0 (so
 * an empty peg's "top" is larger than any disk), each with a count x_act of used slots (1 when
 * empty); the disks n..1 start on a. Transition XtoY: [X[x_act-1] < Y[y_act-1]]
 * Y[y_act] = X[x_act-1], y_act++, X[x_act-1] = 0, x_act--.
 * Every arrangement of the disks is reachable and determines the vector, so n disks give 3^n
 * states; BEEM's hanoi.2 has 12 disks (531,441 states).
 */
import type { CompactModel } from '../../checker/compact.ts';

const PEGS = ['a', 'b', 'c'] as const;
const MOVES: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, 2],
  [1, 0],
  [1, 2],
  [2, 0],
  [2, 1],
];

/** Slots: peg p's array at p*(n+1) .. p*(n+1)+n, then a_act, b_act, c_act. */
export function hanoi(n: number): CompactModel {
  const len = n + 1;
  const ACT = 3 * len;
  const init = new Array<number>(3 * len + 3).fill(0);
  init[0] = init[len] = init[2 * len] = 100;
  for (let d = 1; d <= n; d++) init[d] = n + 1 - d;
  init[ACT] = n + 1;
  init[ACT + 1] = 1;
  init[ACT + 2] = 1;
  return {
    name: `hanoi(${n})`,
    width: 3 * len + 3,
    init: () => [init],
    transitions: MOVES.map(([x, y]) => `${PEGS[x]}to${PEGS[y]!.toUpperCase()}`.replace(/^./, (ch) => ch.toUpperCase())),
    enabled(s, t) {
      const [x, y] = MOVES[t]!;
      return s[x * len + s[ACT + x]! - 1]! < s[y * len + s[ACT + y]! - 1]!;
    },
    apply(s, t, out) {
      const [x, y] = MOVES[t]!;
      const xTop = x * len + s[ACT + x]! - 1;
      out[y * len + s[ACT + y]!] = s[xTop]!;
      out[ACT + y] = s[ACT + y]! + 1;
      out[xTop] = 0;
      out[ACT + x] = s[ACT + x]! - 1;
    },
    sometimes: { 'all disks on c': (s) => s[ACT + 2] === n + 1 },
  };
}

/**
 * The same model in Promela for SPIN. Promela cannot initialise an array element by element in
 * its declaration, so an init process does it in one d_step: SPIN counts one state more than
 * the DVE model (the all-zero state before it), and one transition more.
 */
export function hanoiPromela(n: number): string {
  const procs = MOVES.map(([x, y]) => {
    const X = PEGS[x]!;
    const Y = PEGS[y]!;
    return `active proctype ${X.toUpperCase()}to${Y.toUpperCase()}() {
q: if :: d_step { ${X}[${X}_act-1] < ${Y}[${Y}_act-1]; ${Y}[${Y}_act] = ${X}[${X}_act-1]; ${Y}_act++; ${X}[${X}_act-1] = 0; ${X}_act-- } goto q fi
}`;
  });
  const disks = Array.from({ length: n }, (_, d) => `a[${d + 1}] = ${n - d}`).join('; ');
  return `byte a[${n + 1}];\nbyte b[${n + 1}];\nbyte c[${n + 1}];\nbyte a_act = ${n + 1}; byte b_act = 1; byte c_act = 1;\n\ninit { d_step { a[0] = 100; b[0] = 100; c[0] = 100; ${disks} } }\n\n${procs.join('\n\n')}\n`;
}
