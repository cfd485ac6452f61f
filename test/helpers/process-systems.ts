/**
 * Random process systems for the partial-order reduction's soundness tests
 * (test/checker-reductions*.test.ts): each actor a graph of locations whose transitions may
 * guard on and set one shared variable or the actor's own local one. Footprints follow from the
 * transitions, so the independence relation they induce is valid by construction. The tests
 * draw the systems with their own generators (they want different shapes) and share the rest.
 */
import type { CheckResult, Footprint, Footprints, Model, FootprintToken as Token } from '../../checker/index.ts';

export interface Cond {
  kind: 'shared' | 'local';
  index: number;
  value: number;
}
export interface Trans {
  from: number;
  to: number;
  guard: Cond | null;
  effect: Cond | null;
}
export interface Sys {
  actors: number;
  shared: number;
  domain: number;
  locations: number;
  trans: Trans[][];
  inv: { a: Cond; pcActor: number; pc: number };
  some: Cond;
}
export interface PState {
  pc: number[];
  v: number[];
  l: number[];
}
export type Act = { p: number; i: number };

/** A local condition of actor p reads l[p]; a shared one v[index]. In properties, "local" means actor 0's. */
export const tokenOf = (c: Cond, p: number): Token => (c.kind === 'shared' ? `v${c.index}` : `l${p}`);
export const valueOf = (s: PState, c: Cond, p: number): number => (c.kind === 'shared' ? s.v[c.index]! : s.l[p]!);

/** What transitions `ts` of actor p read (their guards, p's location) and write (their effects, p's location). */
export function footprintOf(ts: readonly Trans[], p: number): Footprint {
  const reads: Token[] = [`pc${p}`];
  const writes: Token[] = [`pc${p}`];
  for (const t of ts) {
    if (t.guard !== null) reads.push(tokenOf(t.guard, p));
    if (t.effect !== null) writes.push(tokenOf(t.effect, p));
  }
  return { reads, writes };
}

/** The indexes of actor p's enabled transitions in s, in order. */
export const enabled = (g: Sys, s: PState, p: number): number[] =>
  g.trans[p]!.flatMap((t, i) => (s.pc[p] === t.from && (t.guard === null || valueOf(s, t.guard, p) === t.guard.value) ? [i] : []));

export function step(g: Sys, s: PState, { p, i }: Act): PState {
  const t = g.trans[p]![i]!;
  const n: PState = { pc: [...s.pc], v: [...s.v], l: [...s.l] };
  n.pc[p] = t.to;
  if (t.effect !== null) {
    if (t.effect.kind === 'shared') n.v[t.effect.index] = t.effect.value;
    else n.l[p] = t.effect.value;
  }
  return n;
}

/**
 * The system as a model with its footprints: next steps from p's location, the future every
 * transition of p; `extra` adds to them (e.g. a `futureWhile`).
 */
export function processModel(g: Sys, extra: Partial<Footprints<PState, Act>> = {}): Model<PState, Act> {
  return {
    name: 'random-processes',
    init: () => [{ pc: new Array<number>(g.actors).fill(0), v: new Array<number>(g.shared).fill(0), l: new Array<number>(g.actors).fill(0) }],
    actions: (s) => {
      const out: Act[] = [];
      for (let p = 0; p < g.actors; p++) for (const i of enabled(g, s, p)) out.push({ p, i });
      return out;
    },
    next: (s, a) => step(g, s, a),
    invariants: { inv: (s) => !(valueOf(s, g.inv.a, 0) === g.inv.a.value && s.pc[g.inv.pcActor] === g.inv.pc) },
    sometimes: { some: (s) => valueOf(s, g.some, 0) === g.some.value },
    label: (a) => `P${a.p}.${a.i}`,
    footprints: {
      actorCount: g.actors,
      actorOf: (a) => a.p,
      next: (s, p) => footprintOf(g.trans[p]!.filter((t) => t.from === s.pc[p]), p),
      future: (_s, p) => footprintOf(g.trans[p]!, p),
      propertyReads: [tokenOf(g.inv.a, 0), `pc${g.inv.pcActor}`, tokenOf(g.some, 0)],
      ...extra,
    },
  };
}

/** A result's violations as `kind:property`, sorted. */
export const verdicts = <S, A>(r: CheckResult<S, A>): string[] => r.violations.map((v) => `${v.kind}:${v.property}`).sort();
