/**
 * `k` counters from 0 to n-1, each stepped by its own action: wide BFS levels (many chunks for
 * the parallel search). Invariant "not c" fails exactly at the state c, for each given c.
 */
import type { Model } from '../../checker/index.ts';

export function grid(k: number, n: number, corners: number[][]): Model<number[], number> {
  const invariants: Record<string, (s: number[]) => boolean> = {};
  for (const c of corners) invariants[`not ${c.join(',')}`] = (s) => s.some((x, i) => x !== c[i]);
  return {
    name: 'grid',
    init: () => [new Array<number>(k).fill(0)],
    actions: (s) => s.flatMap((x, i) => (x < n - 1 ? [i] : [])),
    next: (s, i) => s.map((x, j) => (j === i ? x + 1 : x)),
    done: () => true,
    invariants,
  };
}
