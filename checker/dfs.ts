/** Depth-first search with an explicit stack (no recursion, so a depth of millions is fine). */
import type { Engine } from './engine.ts';
import { NO_PARENT } from './store.ts';

export function dfs<S, A>(e: Engine<S, A>): void {
  const stackStates: S[] = [];
  const stackIds: number[] = [];
  const stackDepths: number[] = [];
  const inits = e.initialStates();
  const found: Array<{ s: S; id: number }> = [];
  for (let i = 0; i < inits.length && !e.stop; i++) {
    const id = e.discover(inits[i]!, NO_PARENT, i, 0);
    if (id >= 0) found.push({ s: inits[i]!, id });
  }
  for (let i = found.length - 1; i >= 0; i--) {
    stackStates.push(found[i]!.s);
    stackIds.push(found[i]!.id);
    stackDepths.push(0);
  }
  const newStates: S[] = [];
  const newIds: number[] = [];
  while (stackStates.length > 0 && !e.stop) {
    const s = stackStates.pop()!;
    const id = stackIds.pop()!;
    const depth = stackDepths.pop()!;
    e.frontier = stackStates.length;
    const acts = e.enabled(s, id, depth);
    if (e.stop || acts.length === 0) continue;
    if (e.options.maxDepth !== undefined && depth >= e.options.maxDepth) {
      e.incomplete ??= 'maxDepth';
      continue;
    }
    newStates.length = 0;
    newIds.length = 0;
    e.forEachSuccessor(s, acts, id, (k, t) => {
      const nid = e.discover(t, id, k, depth + 1);
      if (nid >= 0) {
        newStates.push(t);
        newIds.push(nid);
      }
      return !e.stop;
    });
    // Pushed in reverse, so the first enabled action is explored first.
    for (let k = newStates.length - 1; k >= 0; k--) {
      stackStates.push(newStates[k]!);
      stackIds.push(newIds[k]!);
      stackDepths.push(depth + 1);
    }
    e.tick(depth);
  }
}
