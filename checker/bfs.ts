/**
 * Breadth-first search: level by level, so the first invariant violation found is a shortest
 * counterexample. The frontier holds the states of the level being expanded and the next one,
 * as words where their form allows (frontier.ts).
 */
import type { Engine } from './engine.ts';
import { Frontier } from './frontier.ts';
import { NO_PARENT } from './store.ts';

export function bfs<S, A>(e: Engine<S, A>): void {
  const inits = e.initialStates();
  let level = new Frontier<S>(undefined);
  for (let i = 0; i < inits.length && !e.stop; i++) {
    const id = e.discover(inits[i]!, NO_PARENT, i, 0);
    if (id >= 0) level.push(inits[i]!, id);
  }
  let depth = 0;
  const por = e.options.partialOrder === true;
  // Two frontiers, swapped at each level: their buffers are reused, not allocated per level.
  let next = new Frontier<S>(undefined);
  while (level.length > 0 && !e.stop) {
    next.clear();
    next.learn(level.learnt);
    const cut = e.options.maxDepth !== undefined && depth >= e.options.maxDepth;
    // A violation one level down stops the search, but only after this level has been
    // checked for deadlocks, which would give a shorter trace.
    let violationBelow = false;
    for (let j = 0; j < level.length; j++) {
      const s = level.state(j);
      const id = level.id(j);
      e.frontier = level.length - j + next.length;
      const acts = e.enabled(s, id, depth);
      if (e.stop) break;
      if (acts.length === 0 || violationBelow) continue;
      if (cut) {
        e.incomplete ??= 'maxDepth';
        continue;
      }
      if (por) {
        e.forEachSuccessor(s, acts, id, (k, t) => {
          const nid = e.discover(t, id, k, depth + 1);
          if (nid >= 0) next.push(t, nid);
          return !e.stop;
        });
      } else {
        // forEachSuccessor without its ample sets, written out: no closure per state.
        for (let k = 0; k < acts.length; k++) {
          const t = e.successor(s, acts[k]!, id);
          const nid = e.discover(t, id, k, depth + 1);
          if (nid >= 0) next.push(t, nid);
          if (e.stop) break;
        }
      }
      if (e.stop && e.stopAtFirst && e.foundCount > 0 && e.incomplete === undefined) {
        e.stop = false;
        violationBelow = true;
      }
      if (e.stop) break;
      e.tick(depth);
      if (e.stop) break;
    }
    if (violationBelow) e.stop = true;
    [level, next] = [next, level];
    depth++;
  }
}
