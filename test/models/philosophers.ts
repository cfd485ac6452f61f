/**
 * N dining philosophers, each taking the left fork and then the right one. With every
 * philosopher holding a left fork nothing is enabled: a deadlock, reached in exactly N steps
 * at the shortest (each philosopher must take one fork).
 */
import type { Model } from '../../checker/index.ts';

/** pc 0: thinking (take left); 1: holds left (take right); 2: eating (put both down). */
export interface DinersState {
  pc: number[];
  /** fork i is held by philosopher holder[i], or -1. Philosopher i's left fork is i, right is (i+1) % n. */
  holder: number[];
}

export function philosophers(n: number): Model<DinersState, number> {
  return {
    name: `philosophers-${n}`,
    init: () => [{ pc: Array<number>(n).fill(0), holder: Array<number>(n).fill(-1) }],
    actions: (s) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) {
        const pc = s.pc[i];
        if (pc === 0 && s.holder[i] === -1) out.push(i);
        else if (pc === 1 && s.holder[(i + 1) % n] === -1) out.push(i);
        else if (pc === 2) out.push(i);
      }
      return out;
    },
    next: (s, i) => {
      const pc = [...s.pc];
      const holder = [...s.holder];
      if (s.pc[i] === 0) holder[i] = i;
      else if (s.pc[i] === 1) holder[(i + 1) % n] = i;
      else {
        holder[i] = -1;
        holder[(i + 1) % n] = -1;
      }
      pc[i] = (s.pc[i]! + 1) % 3;
      return { pc, holder };
    },
    label: (i) => `philosopher ${i}`,
  };
}
