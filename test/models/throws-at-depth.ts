/** Two counters stepped in any order; next() throws once their sum reaches `depth`. */
import type { Model } from '../../checker/index.ts';

export function throwsAtDepth(depth: number): Model<{ a: number; b: number }, 'a' | 'b'> {
  return {
    name: 'throws-at-depth',
    init: () => [{ a: 0, b: 0 }],
    actions: () => ['a', 'b'],
    next: (s, x) => {
      if (s.a + s.b >= depth) throw new Error(`sum ${s.a + s.b} reached`);
      return x === 'a' ? { a: s.a + 1, b: s.b } : { a: s.a, b: s.b + 1 };
    },
  };
}
