/**
 * BEEM's peterson.N (Pelánek, "BEEM: Benchmarks for Explicit Model Checkers", SPIN 2007):
 * Peterson's mutual exclusion generalised to N processes with a filter lock of N levels.
 * Written here from the published DVE model: globals `pos[N]`, `step[N]`; process i has
 * locals j, k and states NCS, CS, wait, q2, q3 with the transitions
 *   NCS -> wait   j = 1
 *   wait -> q2    [j < N]  pos[i] = j
 *   q2 -> q3      step[j-1] = i, k = 0
 *   q3 -> q3      [k < N && (k == i || pos[k] < j)]  k = k + 1
 *   q3 -> wait    [step[j-1] != i || k == N]  j = j + 1
 *   wait -> CS    [j == N]
 *   CS -> NCS     pos[i] = 0
 * BEEM's instances: peterson.1 is N = 3 (12,498 states), peterson.4 is N = 4 (1,119,560 states).
 */
import type { CompactModel } from '../../checker/compact.ts';

const NCS = 0;
const CS = 1;
const WAIT = 2;
const Q2 = 3;
const Q3 = 4;
const STEPS = ['NCS->wait', 'wait->q2', 'q2->q3', 'q3->q3', 'q3->wait', 'wait->CS', 'CS->NCS'] as const;

/** Slots: pc[i] at i, j[i] at N+i, k[i] at 2N+i, pos[x] at 3N+x, step[x] at 4N+x. */
export function peterson(n: number): CompactModel {
  const PC = 0;
  const J = n;
  const K = 2 * n;
  const POS = 3 * n;
  const STEP = 4 * n;
  const transitions = Array.from({ length: n * STEPS.length }, (_, t) => `P_${Math.floor(t / STEPS.length)} ${STEPS[t % STEPS.length]}`);
  return {
    name: `peterson(${n})`,
    width: 5 * n,
    init: () => [new Array<number>(5 * n).fill(0)],
    transitions,
    enabled(s, t) {
      const i = (t / 7) | 0;
      const pc = s[PC + i]!;
      const j = s[J + i]!;
      switch (t - i * 7) {
        case 0:
          return pc === NCS;
        case 1:
          return pc === WAIT && j < n;
        case 2:
          return pc === Q2;
        case 3: {
          const k = s[K + i]!;
          return pc === Q3 && k < n && (k === i || s[POS + k]! < j);
        }
        case 4:
          return pc === Q3 && (s[STEP + j - 1] !== i || s[K + i] === n);
        case 5:
          return pc === WAIT && j === n;
        default:
          return pc === CS;
      }
    },
    apply(s, t, out) {
      const i = (t / 7) | 0;
      const j = s[J + i]!;
      switch (t - i * 7) {
        case 0:
          out[J + i] = 1;
          out[PC + i] = WAIT;
          return;
        case 1:
          out[POS + i] = j;
          out[PC + i] = Q2;
          return;
        case 2:
          out[STEP + j - 1] = i;
          out[K + i] = 0;
          out[PC + i] = Q3;
          return;
        case 3:
          out[K + i] = s[K + i]! + 1;
          return;
        case 4:
          out[J + i] = j + 1;
          out[PC + i] = WAIT;
          return;
        case 5:
          out[PC + i] = CS;
          return;
        default:
          out[POS + i] = 0;
          out[PC + i] = NCS;
      }
    },
    // Each process's transitions by the location they leave (the DVE model's own grouping).
    processes: Array.from({ length: n }, (_, i) => {
      const at = (step: number): number => i * STEPS.length + step;
      const from: number[][] = [];
      from[NCS] = [at(0)];
      from[CS] = [at(6)];
      from[WAIT] = [at(1), at(5)];
      from[Q2] = [at(2)];
      from[Q3] = [at(3), at(4)];
      return { pc: PC + i, from };
    }),
    invariants: {
      'mutual exclusion': (s) => {
        let inCs = 0;
        for (let i = 0; i < n; i++) if (s[PC + i] === CS) inCs++;
        return inCs <= 1;
      },
    },
  };
}

/** The same model in Promela, for SPIN's exact search in the benchmark (one d_step per DVE transition). */
export function petersonPromela(n: number): string {
  // Every location is an if, so that a goto never lands inside a d_step (SPIN forbids that).
  const procs = Array.from({ length: n }, (_, i) => `active proctype P_${i}() {
  byte j = 0; byte k = 0;
NCS:  if :: j = 1; goto wait fi;
CS:   if :: pos[${i}] = 0; goto NCS fi;
wait: if
      :: d_step { j < ${n}; pos[${i}] = j } goto q2
      :: j == ${n} -> goto CS
      fi;
q2:   if :: d_step { step[j-1] = ${i}; k = 0 } goto q3 fi;
q3:   if
      :: d_step { k < ${n} && (k == ${i} || pos[k] < j); k = k + 1 } goto q3
      :: d_step { step[j-1] != ${i} || k == ${n}; j = j + 1 } goto wait
      fi
}`);
  return `byte pos[${n}];\nbyte step[${n}];\n\n${procs.join('\n\n')}\n`;
}
