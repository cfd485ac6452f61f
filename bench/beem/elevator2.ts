/**
 * BEEM's elevator2.N: one elevator cabin, a controller that sweeps the floors up and down
 * looking for requests, and an environment that may press any unpressed floor button at any
 * time. Written here from the published model (as translated to Promela and flattened in the
 * BEEM collection): globals p (cabin position), t (target), v (cabin busy), req[N]; the
 * controller's local ldir (0 down, 1 up).
 *   cabin:       idle -> mov [v > 0];  mov: [t > p] p++ | [t < p] p-- | [t == p] -> open;
 *                open -> idle  req[p] = 0, v = 0
 *   controller:  wait -> work [v == 0] t += 2 ldir - 1;
 *                work -> wait [t < 0 || t == N] ldir = 1 - ldir;
 *                work -> work [0 <= t < N && req[t] == 0] t += 2 ldir - 1;
 *                work -> done [0 <= t < N && req[t] == 1];   done -> wait  v = 1
 *   environment: [req[i] == 0] req[i] = 1, for each floor i
 * BEEM's elevator2.3 has N = 13.
 */
import type { CompactModel } from '../../checker/compact.ts';

const P = 0;
const T = 1;
const V = 2;
const CAB = 3;
const CTL = 4;
const LDIR = 5;
const REQ = 6;
/** The processes' locations (the cabin's, the controller's), shared with the object port. */
export const IDLE = 0;
export const MOV = 1;
export const OPEN = 3;
export const WAIT = 0;
export const WORK = 1;
export const DONE = 3;

export function elevator2(n: number): CompactModel {
  const names = ['cabin idle->mov', 'cabin up', 'cabin down', 'cabin mov->open', 'cabin open->idle', 'controller wait->work', 'controller turn', 'controller step', 'controller work->done', 'controller done->wait', ...Array.from({ length: n }, (_, i) => `environment press ${i}`)];
  return {
    name: `elevator2(${n})`,
    width: REQ + n,
    init: () => [new Array<number>(REQ + n).fill(0)],
    transitions: names,
    enabled(s, tr) {
      const t = s[T]!;
      switch (tr) {
        case 0:
          return s[CAB] === IDLE && s[V]! > 0;
        case 1:
          return s[CAB] === MOV && t > s[P]!;
        case 2:
          return s[CAB] === MOV && t < s[P]!;
        case 3:
          return s[CAB] === MOV && t === s[P];
        case 4:
          return s[CAB] === OPEN;
        case 5:
          return s[CTL] === WAIT && s[V] === 0;
        case 6:
          return s[CTL] === WORK && (t < 0 || t === n);
        case 7:
          return s[CTL] === WORK && t >= 0 && t < n && s[REQ + t] === 0;
        case 8:
          return s[CTL] === WORK && t >= 0 && t < n && s[REQ + t] === 1;
        case 9:
          return s[CTL] === DONE;
        default:
          return s[REQ + tr - 10] === 0;
      }
    },
    apply(s, tr, out) {
      switch (tr) {
        case 0:
          out[CAB] = MOV;
          return;
        case 1:
          out[P] = s[P]! + 1;
          return;
        case 2:
          out[P] = s[P]! - 1;
          return;
        case 3:
          out[CAB] = OPEN;
          return;
        case 4:
          out[REQ + s[P]!] = 0;
          out[V] = 0;
          out[CAB] = IDLE;
          return;
        case 5:
        case 7:
          out[T] = s[T]! + 2 * s[LDIR]! - 1;
          out[CTL] = WORK;
          return;
        case 6:
          out[LDIR] = 1 - s[LDIR]!;
          out[CTL] = WAIT;
          return;
        case 8:
          out[CTL] = DONE;
          return;
        case 9:
          out[V] = 1;
          out[CTL] = WAIT;
          return;
        default:
          out[REQ + tr - 10] = 1;
      }
    },
  };
}

export function elevator2Promela(n: number): string {
  const presses = Array.from({ length: n }, (_, i) => `   :: d_step { req[${i}] == 0; req[${i}] = 1 } goto q`).join('\n');
  return `byte p = 0; int t = 0; byte v = 0;
byte req[${n}];

active proctype cabin() {
idle: if :: v > 0 -> goto mov fi;
mov:  if
      :: d_step { t > p; p = p + 1 } goto mov
      :: d_step { t < p; p = p - 1 } goto mov
      :: t == p -> goto open
      fi;
open: if :: d_step { req[p] = 0; v = 0 } goto idle fi
}

active proctype environment() {
q: if
${presses}
   fi
}

active proctype controller() {
  int ldir = 0;
wait: if :: d_step { v == 0; t = t + 2 * ldir - 1 } goto work fi;
work: if
      :: d_step { t < 0 || t == ${n}; ldir = 1 - ldir } goto wait
      :: d_step { t >= 0 && t < ${n} && req[t] == 0; t = t + 2 * ldir - 1 } goto work
      :: t >= 0 && t < ${n} && req[t] == 1 -> goto done
      fi;
done: if :: v = 1; goto wait fi
}
`;
}
