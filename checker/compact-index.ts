/**
 * The transitions a compact model may enable in a state, without asking every guard. A model
 * whose transitions each belong to one process and leave one location of it (a DVE model's, a
 * SPIN process's statements) can say so (`CompactModel.processes`); then only the guards of the
 * transitions leaving each process's current location are evaluated, as SPIN's compiled pan
 * does. Without it, every transition is a candidate.
 *
 * The grouping is the model's word, and a transition enabled outside the location it is listed
 * under would lose its successors without a word; so, as checker/sanity.ts does for object
 * models, the first AUDIT_FIRST states and then one in AUDIT_EVERY have every other guard
 * evaluated too, and such a transition is a model error naming it.
 *
 * Candidates come out in increasing transition order, the order the object contract's
 * `actions()` lists them in (asObjectModel), so an action's index among the enabled ones, which
 * the parent links record and traces replay, is the same either way.
 */
import type { CompactModel } from './compact.ts';

const AUDIT_FIRST = 2000;
const AUDIT_EVERY = 64;

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
  /** The process and location each transition is listed under, for the audit's message. */
  private readonly listedAt: Array<[number, number]> = [];
  /** Candidates handed out since the search began (the audit's sample count). */
  private calls = 0;
  private readonly isCandidate: Uint8Array;

  private constructor(
    private readonly cm: CompactModel,
    transitions: number,
    processes: NonNullable<CompactModel['processes']> | undefined,
  ) {
    this.grouped = processes !== undefined;
    this.transitions = transitions;
    this.isCandidate = new Uint8Array(transitions);
    const ps = processes ?? [];
    this.pcSlot = Int32Array.from(ps, (p) => p.pc);
    this.base = new Int32Array(ps.length);
    this.locations = Int32Array.from(ps, (p) => p.from.length);
    const starts: number[] = [];
    const list: number[] = [];
    ps.forEach((p, i) => {
      this.base[i] = starts.length;
      p.from.forEach((ts, v) => {
        starts.push(list.length);
        list.push(...ts);
        for (const t of ts) this.listedAt[t] = [i, v];
      });
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
    const index = new TransitionIndex(cm, cm.transitions.length, cm.processes);
    built.set(cm, index);
    return index;
  }

  /** Writes into `out` the transitions that may be enabled in `s`, in increasing order; returns how many. */
  candidates(s: Int32Array, out: Int32Array): number {
    const P = this.pcSlot.length;
    let n = 0;
    for (let p = 0; p < P; p++) {
      const v = s[this.pcSlot[p]!]!;
      if (v < 0 || v >= this.locations[p]!) throw new RangeError(`${this.cm.name}: process ${p}'s location slot ${this.pcSlot[p]} holds ${v}, not one of its ${this.locations[p]} locations in \`processes\``);
      const b = this.base[p]! + v;
      const end = this.starts[b + 1]!;
      for (let q = this.starts[b]!; q < end; q++) out[n++] = this.list[q]!;
    }
    const call = this.calls++;
    if (call < AUDIT_FIRST || call % AUDIT_EVERY === 0) this.audit(s, out, n);
    return n;
  }

  /** Starts the audit's sample count again: each search audits the same states. */
  restart(): void {
    this.calls = 0;
  }

  /** Throws if a transition that is not a candidate in `s` is enabled there. */
  private audit(s: Int32Array, cands: Int32Array, n: number): void {
    const mark = this.isCandidate;
    mark.fill(0);
    for (let c = 0; c < n; c++) mark[cands[c]!] = 1;
    for (let t = 0; t < this.transitions; t++) {
      if (mark[t] === 1 || !this.cm.enabled(s, t)) continue;
      const [p, v] = this.listedAt[t]!;
      const at = s[this.pcSlot[p]!];
      throw new RangeError(
        `${this.cm.name}: transition ${t} ("${this.cm.transitions[t]}") is enabled in a state where process ${p}'s location (slot ${this.pcSlot[p]}) is ${at}, but \`processes\` lists it under location ${v}: the search would lose its successors`,
      );
    }
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
