/**
 * `k` counters from 0 to n-1, each stepped by its own action: wide BFS levels (many chunks for
 * the parallel search). Invariant "not c" fails exactly at the state c, for each given c. With
 * `frozen`, states are frozen and next() refuses one that is not (as immer's would-be users of
 * a frozen state's identity must be able to trust it).
 */
import type { Model } from '../../checker/index.ts';

export function grid(k: number, n: number, corners: number[][], frozen = false): Model<number[], number> {
  const invariants: Record<string, (s: number[]) => boolean> = {};
  for (const c of corners) invariants[`not ${c.join(',')}`] = (s) => s.some((x, i) => x !== c[i]);
  return {
    name: 'grid',
    init: () => [Object.freeze(new Array<number>(k).fill(0)) as number[]],
    actions: (s) => s.flatMap((x, i) => (x < n - 1 ? [i] : [])),
    next: (s, i) => {
      if (frozen && !Object.isFrozen(s)) throw new Error(`state ${s.join(',')} is not frozen`);
      return Object.freeze(s.map((x, j) => (j === i ? x + 1 : x))) as number[];
    },
    done: () => true,
    invariants,
  };
}
