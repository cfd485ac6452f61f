/**
 * Partial-order reduction: ample sets (Peled 1993; Clarke, Grumberg, Minea, Peled, "State
 * space reduction using partial order techniques", STTT 2(3), 1999) chosen per actor, in the
 * manner of SPIN's static reduction (Holzmann and Peled, "An improvement in formal
 * verification", FORTE 1994). In a state s, the enabled actions of one actor P form the ample
 * set when
 *   C0  P has an enabled action (and the set is smaller than all enabled actions, or there is
 *       nothing to gain);
 *   C1  P's next steps (all of them, enabled or not) are independent of everything every other
 *       actor may do from s on: no write of P's meets a read or write of theirs, no read of P's
 *       meets a write of theirs. Then no action outside the set can, before P moves, enable,
 *       disable or change the effect of P's steps, nor be changed by them. With
 *       `futureWhile` (issue 10t) "may do from s on" is "may do along paths from s on which
 *       P takes no step": the only paths C1 speaks of, those before P's first step;
 *   C2  P's next steps write nothing the properties read (they are invisible);
 *   C3  (cycle proviso, in the conservative form of Bošnački and Holzmann for BFS) every
 *       successor by the ample set is a state not yet stored; otherwise s is fully expanded.
 * C0-C3 preserve deadlocks and stutter-invariant properties; invariants and "sometimes p"
 * (the negation of an invariant) are such properties. The argument is in proofs-notes/checker.md.
 *
 * Observers (`Footprints.observers`, issue 10s: a power loss) stand outside the reduction:
 * their enabled actions are added to every ample set, they take no part in C0 and C1, and C2
 * counts `observerReads` as read by the properties. The engine leaves their successors out of
 * C3 and checks, in the states it reduces, that each is terminal.
 */
import type { Footprint, Footprints, Token } from './types.ts';

function meets(a: readonly Token[], b: ReadonlySet<Token>): boolean {
  for (const t of a) if (b.has(t)) return true;
  return false;
}

const touchesNothing = (f: Footprint): boolean => f.all !== true && f.reads.length === 0 && f.writes.length === 0;

/** Whether `p`'s next steps (footprint `mine`) are independent of another actor's future `theirs`. */
export function independent(mine: Footprint, theirs: Footprint): boolean {
  // The top footprint meets every footprint but the empty one (an actor with no future).
  if (mine.all === true || theirs.all === true) return touchesNothing(mine) || touchesNothing(theirs);
  const tw = new Set(theirs.writes);
  const tr = new Set(theirs.reads);
  return !meets(mine.writes, tw) && !meets(mine.writes, tr) && !meets(mine.reads, tw);
}

/** Whether `a` is an observer's action (Footprints.observers). */
export function isObserver<S, A>(fp: Footprints<S, A>, a: A): boolean {
  return fp.observers !== undefined && fp.observers.includes(fp.actorOf(a));
}

/**
 * The indexes (into `acts`) of an ample set satisfying C0-C2 in `state`, the observers'
 * enabled actions included, or undefined when only the full set will do. C3 is the caller's:
 * it knows which successors are stored.
 */
const visibleSets = new WeakMap<object, ReadonlySet<Token>>();

export function ampleCandidate<S, A>(fp: Footprints<S, A>, state: S, acts: readonly A[]): number[] | undefined {
  if (acts.length < 2) return undefined;
  let visible = visibleSets.get(fp);
  if (visible === undefined) {
    visible = new Set([...fp.propertyReads, ...(fp.observerReads ?? [])]);
    visibleSets.set(fp, visible);
  }
  const observers = fp.observers ?? [];
  const byActor = new Map<number, number[]>();
  const observed: number[] = [];
  for (let k = 0; k < acts.length; k++) {
    const p = fp.actorOf(acts[k]!);
    if (observers.includes(p)) {
      observed.push(k);
      continue;
    }
    const list = byActor.get(p);
    if (list === undefined) byActor.set(p, [k]);
    else list.push(k);
  }
  if (byActor.size < 2) return undefined;
  const futures = new Map<number, Footprint>();
  const future = (q: number, p: number): Footprint => {
    // futureWhile depends on p, so it is not kept across candidates.
    if (fp.futureWhile !== undefined) return fp.futureWhile(state, q, p);
    let f = futures.get(q);
    if (f === undefined) {
      f = fp.future(state, q);
      futures.set(q, f);
    }
    return f;
  };
  for (const [p, ks] of byActor) {
    const mine = fp.next(state, p);
    if (mine.all === true || meets(mine.writes, visible)) continue;
    let ok = true;
    for (let q = 0; q < fp.actorCount && ok; q++) if (q !== p && !observers.includes(q) && !independent(mine, future(q, p))) ok = false;
    if (ok) return observed.length === 0 ? ks : [...ks, ...observed];
  }
  return undefined;
}
