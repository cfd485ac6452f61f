/**
 * peterson.N through the object contract, written as a user would write it: a state object
 * with named arrays, actions as { proc, step } objects. `petersonObject(n, { hooks: true })`
 * adds the two speed hooks of the object contract, `encode` (a state as words, no structural
 * walk) and `actionKinds`/`kindOf` (coverage per kind, no label per transition), so the
 * benchmark can show what each is worth on the same model.
 */
import type { Model } from '../../checker/index.ts';

export interface PetersonState {
  pc: number[];
  j: number[];
  k: number[];
  pos: number[];
  step: number[];
}
export interface PetersonAction {
  proc: number;
  step: number;
}

const NCS = 0;
const CS = 1;
const WAIT = 2;
const Q2 = 3;
const Q3 = 4;
const STEPS = ['NCS->wait', 'wait->q2', 'q2->q3', 'q3->q3', 'q3->wait', 'wait->CS', 'CS->NCS'] as const;

/**
 * Footprints for partial-order reduction. Tokens: `pc<i>`, `j<i>`, `k<i>` (process i's own),
 * `cs<i>` (whether i is in CS: the only part of pc the invariant reads, written only by
 * wait->CS and CS->NCS), `pos<x>`, `step<x>` (shared).
 */
function footprints(n: number): NonNullable<Model<PetersonState, PetersonAction>['footprints']> {
  const all = (name: string): string[] => Array.from({ length: n }, (_, x) => `${name}${x}`);
  return {
    actorCount: n,
    actorOf: (a) => a.proc,
    next: (s, i) => {
      const own = [`pc${i}`, `j${i}`, `k${i}`];
      switch (s.pc[i]) {
        case NCS:
          return { reads: own, writes: own };
        case WAIT:
          return { reads: own, writes: [...own, `pos${i}`, `cs${i}`] };
        case Q2:
          return { reads: own, writes: [...own, ...all('step')] };
        case Q3:
          return { reads: [...own, ...all('pos'), ...all('step')], writes: own };
        default:
          return { reads: own, writes: [...own, `pos${i}`, `cs${i}`] };
      }
    },
    future: (_s, i) => ({ reads: [`pc${i}`, `j${i}`, `k${i}`, ...all('pos'), ...all('step')], writes: [`pc${i}`, `j${i}`, `k${i}`, `cs${i}`, `pos${i}`, ...all('step')] }),
    propertyReads: all('cs'),
  };
}

export function petersonObject(n: number, opts: { encode?: boolean; kinds?: boolean; footprints?: boolean } = {}): Model<PetersonState, PetersonAction> {
  const kinds = Array.from({ length: n * STEPS.length }, (_, t) => `P_${Math.floor(t / STEPS.length)} ${STEPS[t % STEPS.length]}`);
  const zero = (): number[] => new Array<number>(n).fill(0);
  const m: Model<PetersonState, PetersonAction> = {
    name: `peterson-object(${n})`,
    init: () => [{ pc: zero(), j: zero(), k: zero(), pos: zero(), step: zero() }],
    actions: (s) => {
      const out: PetersonAction[] = [];
      for (let i = 0; i < n; i++) {
        const pc = s.pc[i]!;
        const j = s.j[i]!;
        const k = s.k[i]!;
        if (pc === NCS) out.push({ proc: i, step: 0 });
        else if (pc === WAIT) {
          if (j < n) out.push({ proc: i, step: 1 });
          if (j === n) out.push({ proc: i, step: 5 });
        } else if (pc === Q2) out.push({ proc: i, step: 2 });
        else if (pc === Q3) {
          if (k < n && (k === i || s.pos[k]! < j)) out.push({ proc: i, step: 3 });
          if (s.step[j - 1] !== i || k === n) out.push({ proc: i, step: 4 });
        } else out.push({ proc: i, step: 6 });
      }
      return out;
    },
    next: (s, { proc: i, step }) => {
      const t: PetersonState = { pc: [...s.pc], j: [...s.j], k: [...s.k], pos: [...s.pos], step: [...s.step] };
      const j = s.j[i]!;
      switch (step) {
        case 0:
          t.j[i] = 1;
          t.pc[i] = WAIT;
          break;
        case 1:
          t.pos[i] = j;
          t.pc[i] = Q2;
          break;
        case 2:
          t.step[j - 1] = i;
          t.k[i] = 0;
          t.pc[i] = Q3;
          break;
        case 3:
          t.k[i] = s.k[i]! + 1;
          break;
        case 4:
          t.j[i] = j + 1;
          t.pc[i] = WAIT;
          break;
        case 5:
          t.pc[i] = CS;
          break;
        default:
          t.pos[i] = 0;
          t.pc[i] = NCS;
      }
      return t;
    },
    label: (a) => kinds[a.proc * STEPS.length + a.step]!,
    invariants: { 'mutual exclusion': (s) => s.pc.filter((p) => p === CS).length <= 1 },
  };
  if (opts.kinds === true) {
    m.actionKinds = kinds;
    m.kindOf = (a) => a.proc * STEPS.length + a.step;
  }
  if (opts.footprints === true) m.footprints = footprints(n);
  if (opts.encode === true) {
    m.encode = (s, out) => {
      for (const arr of [s.pc, s.j, s.k, s.pos, s.step]) for (let i = 0; i < n; i++) out.int(arr[i]!);
    };
  }
  return m;
}
