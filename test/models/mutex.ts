/**
 * A broken mutex: each process waits until the other's flag is down, then raises its own.
 * The test before the set lets both in. By hand: P0 sees flag[1] down, P1 sees flag[0] down,
 * P0 raises its flag and enters, P1 raises its flag and enters: 4 steps, and none shorter,
 * since each process needs 2 steps to reach the critical section.
 */
import type { Model } from '../../checker/index.ts';

/** pc 0: await !flag[other]; pc 1: flag[me] = true; pc 2: critical; then flag[me] = false, pc 0. */
export interface MutexState {
  pc: number[];
  flag: boolean[];
}

export function brokenMutex(): Model<MutexState, number> {
  return {
    name: 'broken-mutex',
    init: () => [{ pc: [0, 0], flag: [false, false] }],
    actions: (s) => [0, 1].filter((i) => !(s.pc[i] === 0 && s.flag[1 - i])),
    next: (s, i) => {
      const pc = [...s.pc];
      const flag = [...s.flag];
      if (s.pc[i] === 1) flag[i] = true;
      if (s.pc[i] === 2) flag[i] = false;
      pc[i] = (s.pc[i]! + 1) % 3;
      return { pc, flag };
    },
    invariants: { 'mutual-exclusion': (s) => !(s.pc[0] === 2 && s.pc[1] === 2) },
    label: (i) => `P${i}`,
  };
}
