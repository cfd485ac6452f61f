/**
 * BEEM's at.N: a timed mutual exclusion protocol (Alur and Taubenfeld's fast timing-based
 * algorithm) for N processes with a discrete timer. Written here from the published DVE
 * model. Globals x, y (255 = none), z, and per process a timer t[i] (255 = not running). The
 * Timer process ticks when no timer has expired: [all t[i] != 0] every running t[i] decreases.
 * Process i has states NCS, p3, p4, p5, p6, p7, p8, p9, CS, p12, p13 and the transitions
 *   NCS -> p3   x = i, t = off        p3 -> p4   [y == none] t = 2      p4 -> p5   y = i, t = 2
 *   p5 -> p9    [x == i] t = 2         p5 -> p6   [x != i] t = 4         p6 -> p7   [t == 0] t = 2
 *   p7 -> NCS   [y != i] t = 2         p7 -> p8   [y == i] t = off       p8 -> CS   [z == 0]
 *   p9 -> CS    z = 1, t = off         CS -> p12  z = 0, t = 2
 *   p12 -> NCS  [y != i] t = off       p12 -> p13 [y == i] t = 2         p13 -> NCS y = none, t = off
 * (BEEM's DVE also declares a state p2 that no transition enters.) Values are bytes.
 */
import type { CompactModel } from '../../checker/compact.ts';

const OFF = 255;
const NONE = 255;
const LOCS = ['NCS', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'CS', 'p12', 'p13'] as const;
const [NCS, P3, P4, P5, P6, P7, P8, P9, CS, P12, P13] = LOCS.map((_, i) => i) as [number, number, number, number, number, number, number, number, number, number, number];

/** from, to, guard, effect (on out; `i` the process). Effects on `t` are given as the new timer value. */
interface Step {
  from: number;
  to: number;
  guard: (s: Int32Array, i: number, T: number) => boolean;
  set: (out: Int32Array, i: number, T: number) => void;
}
const X = 0;
const Y = 1;
const Z = 2;

function steps(): Step[] {
  const t = (v: number) => (out: Int32Array, i: number, T: number) => {
    out[T + i] = v;
  };
  const always = (): boolean => true;
  return [
    { from: NCS, to: P3, guard: always, set: (o, i, T) => { o[X] = i; o[T + i] = OFF; } },
    { from: P3, to: P4, guard: (s) => s[Y] === NONE, set: t(2) },
    { from: P4, to: P5, guard: always, set: (o, i, T) => { o[Y] = i; o[T + i] = 2; } },
    { from: P5, to: P9, guard: (s, i) => s[X] === i, set: t(2) },
    { from: P5, to: P6, guard: (s, i) => s[X] !== i, set: t(4) },
    { from: P6, to: P7, guard: (s, i, T) => s[T + i] === 0, set: t(2) },
    { from: P7, to: NCS, guard: (s, i) => s[Y] !== i, set: t(2) },
    { from: P7, to: P8, guard: (s, i) => s[Y] === i, set: t(OFF) },
    { from: P8, to: CS, guard: (s) => s[Z] === 0, set: () => {} },
    { from: P9, to: CS, guard: always, set: (o, i, T) => { o[Z] = 1; o[T + i] = OFF; } },
    { from: CS, to: P12, guard: always, set: (o, i, T) => { o[Z] = 0; o[T + i] = 2; } },
    { from: P12, to: NCS, guard: (s, i) => s[Y] !== i, set: t(OFF) },
    { from: P12, to: P13, guard: (s, i) => s[Y] === i, set: t(2) },
    { from: P13, to: NCS, guard: always, set: (o, i, T) => { o[Y] = NONE; o[T + i] = OFF; } },
  ];
}

/** Slots: x, y, z, t[0..n-1] at 3.., pc[0..n-1] at 3+n... Transition 0 is the Timer's tick. */
export function at(n: number): CompactModel {
  const T = 3;
  const PC = 3 + n;
  const S = steps();
  const transitions = ['Timer tick', ...Array.from({ length: n * S.length }, (_, k) => `P_${Math.floor(k / S.length)} ${LOCS[S[k % S.length]!.from]}->${LOCS[S[k % S.length]!.to]}`)];
  const init = [0, NONE, 0, ...new Array<number>(n).fill(OFF), ...new Array<number>(n).fill(NCS)];
  return {
    name: `at(${n})`,
    width: 3 + 2 * n,
    init: () => [init],
    transitions,
    enabled(s, tr) {
      if (tr === 0) {
        for (let i = 0; i < n; i++) if (s[T + i] === 0) return false;
        return true;
      }
      const k = tr - 1;
      const i = (k / S.length) | 0;
      const st = S[k - i * S.length]!;
      return s[PC + i] === st.from && st.guard(s, i, T);
    },
    apply(s, tr, out) {
      if (tr === 0) {
        // Byte arithmetic as in the DVE: (t-1) | ((t==255)*255) keeps 255 at 255.
        for (let i = 0; i < n; i++) out[T + i] = ((s[T + i]! - 1) | (s[T + i] === OFF ? 255 : 0)) & 255;
        return;
      }
      const k = tr - 1;
      const i = (k / S.length) | 0;
      const st = S[k - i * S.length]!;
      st.set(out, i, T);
      out[PC + i] = st.to;
    },
    invariants: {
      'mutual exclusion': (s) => {
        let inCs = 0;
        for (let i = 0; i < n; i++) if (s[PC + i] === CS) inCs++;
        return inCs <= 1;
      },
    },
  };
}

export function atPromela(n: number): string {
  const all = Array.from({ length: n }, (_, i) => `t[${i}] != 0`).join(' && ');
  const dec = Array.from({ length: n }, (_, i) => `t[${i}] = (t[${i}]-1) | ((t[${i}]==255)*255)`).join('; ');
  const proc = (i: number): string => `active proctype P_${i}() {
NCS: if :: d_step { x = ${i}; t[${i}] = 255 } goto p3 fi;
p3:  if :: d_step { y == 255; t[${i}] = 2 } goto p4 fi;
p4:  if :: d_step { y = ${i}; t[${i}] = 2 } goto p5 fi;
p5:  if :: d_step { x == ${i}; t[${i}] = 2 } goto p9
         :: d_step { x != ${i}; t[${i}] = 4 } goto p6 fi;
p6:  if :: d_step { t[${i}] == 0; t[${i}] = 2 } goto p7 fi;
p7:  if :: d_step { y != ${i}; t[${i}] = 2 } goto NCS
         :: d_step { y == ${i}; t[${i}] = 255 } goto p8 fi;
p8:  if :: z == 0 -> goto CS fi;
p9:  if :: d_step { z = 1; t[${i}] = 255 } goto CS fi;
CS:  if :: d_step { z = 0; t[${i}] = 2 } goto p12 fi;
p12: if :: d_step { y != ${i}; t[${i}] = 255 } goto NCS
         :: d_step { y == ${i}; t[${i}] = 2 } goto p13 fi;
p13: if :: d_step { y = 255; t[${i}] = 255 } goto NCS fi
}`;
  return `byte x = 0; byte y = 255; byte z = 0;\nbyte t[${n}] = 255;\n\nactive proctype Timer() {\nq: if :: d_step { ${all}; ${dec} } goto q fi\n}\n\n${Array.from({ length: n }, (_, i) => proc(i)).join('\n\n')}\n`;
}
