/**
 * The transitions a compact model may enable in a state, without asking every guard. A model
 * whose transitions each belong to one process and leave one location of it (a DVE model's, a
 * SPIN process's statements) can say so (`CompactModel.processes`); then only the guards of the
 * transitions leaving each process's current location are evaluated, as SPIN's compiled pan
 * does. Without it, every transition is a candidate.
 *
 * Candidates come out in increasing transition order, the order the object contract's
 * `actions()` lists them in (asObjectModel), so an action's index among the enabled ones, which
 * the parent links record and traces replay, is the same either way.
 */
import type { CompactModel } from './compact.ts';

export class TransitionIndex {
  /** Whether the model gave `processes`; if not, every transition is a candidate, and `candidates` need not be called. */
  readonly grouped: boolean;
  private readonly transitions: number;
  /** The process's location slot, and where its locations' entries start in `starts`. */
  private readonly pcSlot: Int32Array;
  private readonly base: Int32Array;
  private readonly locations: Int32Array;
  /** Transitions leaving (process p, location v): list[starts[base[p] + v] .. starts[base[p] + v + 1]). */
  private readonly starts: Int32Array;
  private readonly list: Int32Array;

  private constructor(
    readonly name: string,
    transitions: number,
    processes: NonNullable<CompactModel['processes']> | undefined,
  ) {
    this.grouped = processes !== undefined;
    this.transitions = transitions;
    const ps = processes ?? [];
    this.pcSlot = Int32Array.from(ps, (p) => p.pc);
    this.base = new Int32Array(ps.length);
    this.locations = Int32Array.from(ps, (p) => p.from.length);
    const starts: number[] = [];
    const list: number[] = [];
    ps.forEach((p, i) => {
      this.base[i] = starts.length;
      for (const ts of p.from) {
        starts.push(list.length);
        list.push(...ts);
      }
      starts.push(list.length);
    });
    this.starts = Int32Array.from(starts);
    this.list = Int32Array.from(list);
  }

  /** A caller's own buffer for `candidates`, holding every transition in order (what an ungrouped model's candidates always are). */
  scratch(): Int32Array {
    return Int32Array.from({ length: this.transitions }, (_, t) => t);
  }

  /** The model's index, or an error naming what is wrong with its `processes`. */
  static of(cm: CompactModel): TransitionIndex {
    const cached = built.get(cm);
    if (cached !== undefined) return cached;
    if (cm.processes !== undefined) validate(cm);
    const index = new TransitionIndex(cm.name, cm.transitions.length, cm.processes);
    built.set(cm, index);
    return index;
  }

  /** Writes into `out` the transitions that may be enabled in `s`, in increasing order; returns how many. */
  candidates(s: Int32Array, out: Int32Array): number {
    const P = this.pcSlot.length;
    let n = 0;
    for (let p = 0; p < P; p++) {
      const v = s[this.pcSlot[p]!]!;
      if (v < 0 || v >= this.locations[p]!) throw new RangeError(`${this.name}: process ${p}'s location slot ${this.pcSlot[p]} holds ${v}, not one of its ${this.locations[p]} locations in \`processes\``);
      const b = this.base[p]! + v;
      const end = this.starts[b + 1]!;
      for (let q = this.starts[b]!; q < end; q++) out[n++] = this.list[q]!;
    }
    return n;
  }
}

const built = new WeakMap<CompactModel, TransitionIndex>();

/** Every transition listed once, each location's list and the processes in increasing order, slots within the state. */
function validate(cm: CompactModel): void {
  const ps = cm.processes!;
  const T = cm.transitions.length;
  const seen = new Uint8Array(T);
  let last = -1;
  const fail = (what: string): never => {
    throw new RangeError(`${cm.name}: processes${what}`);
  };
  ps.forEach((p, i) => {
    if (!Number.isInteger(p.pc) || p.pc < 0 || p.pc >= cm.width) fail(`[${i}].pc is ${p.pc}, not a slot of a state of width ${cm.width}`);
    let highest = last;
    p.from.forEach((ts, v) => {
      let prev = last;
      for (const t of ts) {
        if (!Number.isInteger(t) || t < 0 || t >= T) fail(`[${i}].from[${v}] lists ${t}, not a transition (there are ${T})`);
        if (seen[t] === 1) fail(`[${i}].from[${v}] lists transition ${t} ("${cm.transitions[t]}") again`);
        if (t <= prev) fail(`[${i}].from[${v}] lists ${t} after ${prev}: each list increasing, and every transition of process ${i} after those of the processes before it`);
        seen[t] = 1;
        prev = t;
        if (t > highest) highest = t;
      }
    });
    last = highest;
  });
  const missing = seen.indexOf(0);
  if (missing >= 0) fail(` lists no location for transition ${missing} ("${cm.transitions[missing]}")`);
}
