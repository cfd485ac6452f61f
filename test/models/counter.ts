/** A counter that steps by 2 from 0 up to a bound: odd values are unreachable. */
import type { Model } from '../../checker/index.ts';

export function evenCounter(bound: number): Model<{ n: number }, 'inc'> {
  return {
    name: 'even-counter',
    init: () => [{ n: 0 }],
    actions: (s) => (s.n + 2 <= bound ? ['inc'] : []),
    next: (s) => ({ n: s.n + 2 }),
    done: (s) => s.n + 2 > bound,
    sometimes: { 'reaches an odd value': (s) => s.n % 2 === 1, 'reaches the bound': (s) => s.n >= bound - 1 },
  };
}

/** A chain 0 -> 1 -> ... -> length: a DFS of this depth must not overflow the call stack. */
export function chain(length: number): Model<number, 'step'> {
  return {
    name: 'chain',
    init: () => [0],
    actions: (s) => (s < length ? ['step'] : []),
    next: (s) => s + 1,
    done: (s) => s === length,
    key: (s) => String(s),
    invariants: { 'below the end': (s) => s < length },
  };
}
