/**
 * Peterson's mutual exclusion for two processes, statement for statement as in peterson.pml
 * beside this file, so that its reachable-state count can be compared with SPIN's.
 *
 * SPIN 6.5.2 on peterson.pml (`spin -a peterson.pml && gcc -DNOREDUCE -o pan pan.c && ./pan`):
 * "20 states, stored", "35 transitions (= stored+matched)": SPIN counts the initial state as
 * one of its 35, so the graph has 34 edges.
 */
import type { Model } from '../../checker/index.ts';

/** pc 0: flag[i] = 1; pc 1: turn = 1 - i; pc 2: await (!flag[1-i] || turn == i); pc 3: critical, then flag[i] = 0. */
export interface PetersonState {
  pc: [number, number];
  flag: [boolean, boolean];
  turn: number;
}

export type PetersonAction = { proc: 0 | 1 };

export function peterson(): Model<PetersonState, PetersonAction> {
  return {
    name: 'peterson',
    init: () => [{ pc: [0, 0], flag: [false, false], turn: 0 }],
    actions: (s) => {
      const out: PetersonAction[] = [];
      for (const i of [0, 1] as const) {
        const j = 1 - i;
        if (s.pc[i] === 2 && s.flag[j] && s.turn !== i) continue;
        out.push({ proc: i });
      }
      return out;
    },
    next: (s, { proc: i }) => {
      const pc: [number, number] = [s.pc[0], s.pc[1]];
      const flag: [boolean, boolean] = [s.flag[0], s.flag[1]];
      let turn = s.turn;
      switch (s.pc[i]) {
        case 0:
          flag[i] = true;
          break;
        case 1:
          turn = 1 - i;
          break;
        case 3:
          flag[i] = false;
          break;
      }
      pc[i] = (s.pc[i] + 1) % 4;
      return { pc, flag, turn };
    },
    invariants: { 'mutual-exclusion': (s) => !(s.pc[0] === 3 && s.pc[1] === 3) },
    sometimes: { 'P0 enters': (s) => s.pc[0] === 3, 'P1 enters': (s) => s.pc[1] === 3 },
    label: (a) => `P${a.proc}`,
  };
}
