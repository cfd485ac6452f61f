/**
 * BEEM's elevator2.N through the object contract, written as a user would write it from the
 * published model (elevator2.ts has it and the compact port): a state object of the globals,
 * the processes' locations and the controller's local, actions as objects naming a step (or a
 * floor's button). The same states, and the same transitions in the same order under the same
 * names, as elevator2.ts.
 */
import type { Model } from '../../checker/index.ts';
import { DONE, IDLE, MOV, OPEN, WAIT, WORK } from './elevator2.ts';

export interface ElevatorState {
  /** Cabin position, target floor (-1 or n when the controller must turn), cabin busy. */
  p: number;
  t: number;
  v: number;
  cabin: number;
  controller: number;
  /** The controller's direction: 0 down, 1 up. */
  ldir: number;
  /** 1 where a floor's button is pressed. */
  req: number[];
}
export type ElevatorAction = { step: Step } | { step: 'press'; floor: number };
type Step = 'idle->mov' | 'up' | 'down' | 'mov->open' | 'open->idle' | 'wait->work' | 'turn' | 'work->work' | 'work->done' | 'done->wait';

/** elevator2.ts's transition names, in its order. */
const NAMES: Record<Step, string> = {
  'idle->mov': 'cabin idle->mov',
  up: 'cabin up',
  down: 'cabin down',
  'mov->open': 'cabin mov->open',
  'open->idle': 'cabin open->idle',
  'wait->work': 'controller wait->work',
  turn: 'controller turn',
  'work->work': 'controller step',
  'work->done': 'controller work->done',
  'done->wait': 'controller done->wait',
};

export function elevator2Object(n: number): Model<ElevatorState, ElevatorAction> {
  const presses: ElevatorAction[] = Array.from({ length: n }, (_, floor) => ({ step: 'press', floor }));
  return {
    name: `elevator2-object(${n})`,
    init: () => [{ p: 0, t: 0, v: 0, cabin: IDLE, controller: WAIT, ldir: 0, req: new Array<number>(n).fill(0) }],
    actions: (s) => {
      const out: ElevatorAction[] = [];
      if (s.cabin === IDLE && s.v > 0) out.push({ step: 'idle->mov' });
      if (s.cabin === MOV && s.t > s.p) out.push({ step: 'up' });
      if (s.cabin === MOV && s.t < s.p) out.push({ step: 'down' });
      if (s.cabin === MOV && s.t === s.p) out.push({ step: 'mov->open' });
      if (s.cabin === OPEN) out.push({ step: 'open->idle' });
      if (s.controller === WAIT && s.v === 0) out.push({ step: 'wait->work' });
      const inside = s.t >= 0 && s.t < n;
      if (s.controller === WORK && !inside) out.push({ step: 'turn' });
      if (s.controller === WORK && inside && s.req[s.t] === 0) out.push({ step: 'work->work' });
      if (s.controller === WORK && inside && s.req[s.t] === 1) out.push({ step: 'work->done' });
      if (s.controller === DONE) out.push({ step: 'done->wait' });
      for (let i = 0; i < n; i++) if (s.req[i] === 0) out.push(presses[i]!);
      return out;
    },
    next: (s, a) => {
      const t: ElevatorState = { ...s };
      switch (a.step) {
        case 'idle->mov':
          t.cabin = MOV;
          break;
        case 'up':
          t.p = s.p + 1;
          break;
        case 'down':
          t.p = s.p - 1;
          break;
        case 'mov->open':
          t.cabin = OPEN;
          break;
        case 'open->idle':
          t.req = [...s.req];
          t.req[s.p] = 0;
          t.v = 0;
          t.cabin = IDLE;
          break;
        case 'wait->work':
        case 'work->work':
          t.t = s.t + 2 * s.ldir - 1;
          t.controller = WORK;
          break;
        case 'turn':
          t.ldir = 1 - s.ldir;
          t.controller = WAIT;
          break;
        case 'work->done':
          t.controller = DONE;
          break;
        case 'done->wait':
          t.v = 1;
          t.controller = WAIT;
          break;
        case 'press':
          t.req = [...s.req];
          t.req[a.floor] = 1;
      }
      return t;
    },
    label: (a) => (a.step === 'press' ? `environment press ${a.floor}` : NAMES[a.step]),
  };
}
