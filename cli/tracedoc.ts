/**
 * A counterexample as every output reads it (text, HTML, Mermaid): per step the actor, the
 * label, the state as people read it and what changed; the actors in order of appearance; the
 * table of the cells the property is about. Built once from the model's optional hooks, so the
 * formats cannot disagree.
 */
import type { Model, ModelAbout, TraceStep, ViolationKind } from '../checker/index.ts';
import { diffStates, type Change } from './diff.ts';

export interface DocStep {
  /** 0 is the initial state. */
  index: number;
  actor: string;
  /** The action's label without a leading actor name (the lane says who). */
  label: string;
  view: unknown;
  changes: Change[];
  cells: Record<string, string> | null;
}

export interface CellTable {
  names: string[];
  /** "initial", every step that changed a cell, and the last step. */
  columns: Array<{ step: number; title: string; values: string[] }>;
}

export interface TraceDoc {
  scenario: string;
  file: string;
  property: string;
  kind: ViolationKind;
  message: string | undefined;
  /** A livelock: the step whose state the cycle starts from (and the last step returns to). */
  loopStart?: number;
  /** What the property demands, from the model's `about`. */
  propertyDoc: string | undefined;
  expected: boolean;
  about: ModelAbout | undefined;
  /** Lanes, in order of first appearance; empty when the model names no actors. */
  actors: string[];
  steps: DocStep[];
  cells: CellTable | null;
}

export interface DocInput {
  scenario: string;
  file: string;
  property: string;
  kind: ViolationKind;
  message: string | undefined;
  expected: boolean;
  /** A livelock: the step whose state the cycle starts from (and the last step returns to). */
  loopStart?: number;
}

function stripActor(label: string, actor: string): string {
  return actor !== '' && label.startsWith(`${actor} `) ? label.slice(actor.length + 1) : label;
}

export function cellTable(steps: readonly DocStep[]): CellTable | null {
  const first = steps[0];
  if (first === undefined || first.cells === null) return null;
  const names = Object.keys(first.cells);
  const values = (s: DocStep): string[] => names.map((n) => s.cells?.[n] ?? '');
  const columns: CellTable['columns'] = [{ step: 0, title: 'initial', values: values(first) }];
  const last = steps.length - 1;
  for (let i = 1; i < steps.length; i++) {
    const v = values(steps[i]!);
    const changed = v.some((x, k) => x !== columns[columns.length - 1]!.values[k]);
    if (changed || i === last) columns.push({ step: i, title: i === last ? `after #${i} (final)` : `after #${i} ${steps[i]!.actor}`.trim(), values: v });
  }
  return { names, columns };
}

/** The checker's own property of `--progress` (no model lists it). */
const LIVELOCK_DOC = 'no reachable cycle of states none of which is done: nothing retries forever without finishing';

export function buildDoc<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, input: DocInput, verbose: boolean): TraceDoc {
  const view = (s: S): unknown => (model.view === undefined ? s : model.view(s, verbose));
  const steps: DocStep[] = [];
  const views = trace.map((t) => view(t.state));
  const hasActors = model.actor !== undefined;
  trace.forEach((t, i) => {
    const actor = t.action !== null && model.actor !== undefined ? model.actor(t.action) : '';
    steps.push({
      index: i,
      actor,
      label: i === 0 ? 'initial state' : stripActor(t.label, actor),
      view: views[i],
      changes: i === 0 ? [] : diffStates(views[i - 1], views[i]),
      cells: model.cells === undefined ? null : model.cells(t.state, input.property),
    });
  });
  const actors = hasActors ? [...new Set(steps.slice(1).map((s) => s.actor))] : [];
  // Programs name actors that may take no step in this trace; their lanes still show.
  const about = model.about?.();
  const lanes = hasActors ? [...new Set([...(about?.programs.map((p) => p.actor) ?? []), ...actors])] : [];
  return {
    ...input,
    propertyDoc: about?.properties.find((p) => p.name === input.property)?.doc ?? (input.kind === 'livelock' ? LIVELOCK_DOC : undefined),
    about,
    actors: lanes,
    steps,
    cells: cellTable(steps),
  };
}
