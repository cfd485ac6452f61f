/**
 * The counterexample for a terminal: the programs first, then one line per step with a lane
 * per actor (the acting lane shows the actor's name, the others a bar, so concurrency reads at
 * a glance), what changed under it, and at the end the violated property, why, and a table of
 * the cells it is about from the initial state to the last step. Nothing is cut.
 */
import { flatten, formatChange } from './diff.ts';
import type { CellTable, TraceDoc } from './tracedoc.ts';

export interface TextStyles {
  dim(s: string): string;
  bold(s: string): string;
  bad(s: string): string;
}

function heading(doc: TraceDoc): string {
  const what = doc.kind === 'invariant' ? 'invariant' : doc.kind;
  return `${what} "${doc.property}" ${doc.kind === 'sometimes' ? 'never held' : 'violated'} in ${doc.scenario} (${doc.file})${doc.expected ? ' — as expected' : ''}`;
}

/** The programs, one line per task, calls in order. */
export function formatPrograms(doc: TraceDoc): string[] {
  const programs = doc.about?.programs ?? [];
  if (programs.length === 0) return [];
  const w = Math.max(...programs.map((p) => p.actor.length));
  return ['programs:', ...programs.map((p) => `  ${p.actor.padEnd(w)}  ${p.calls.length > 0 ? p.calls.join('; ') : '(no calls)'}`)];
}

/** The lane columns of one row: the actor's name in its own lane, a bar in the others. */
function lanes(actors: readonly string[], actor: string | null): string {
  return actors.map((a) => (a === actor ? a : actor === null ? a : '│'.padEnd(a.length))).join(' ');
}

export function formatCellTable(t: CellTable): string[] {
  const nameW = Math.max(5, ...t.names.map((n) => n.length));
  const colW = t.columns.map((c) => Math.max(c.title.length, ...c.values.map((v) => v.length)));
  const row = (first: string, cells: string[]): string => `  ${first.padEnd(nameW)}  ${cells.map((c, i) => c.padEnd(colW[i]!)).join('  ')}`.trimEnd();
  const out = [row('', t.columns.map((c) => c.title))];
  t.names.forEach((n, k) => out.push(row(n, t.columns.map((c) => c.values[k]!))));
  return out;
}

export function formatTraceText(doc: TraceDoc, st: TextStyles): string {
  const out = [st.bold(`── ${heading(doc)} ──`)];
  out.push(...formatPrograms(doc));
  if (doc.steps.length > 0) {
    const n = doc.steps.length - 1;
    const numW = String(n).length;
    const laneText = doc.actors.length > 0 ? `${lanes(doc.actors, null)}  ` : '';
    out.push(`trace of ${n} step${n === 1 ? '' : 's'}:`);
    if (doc.actors.length > 0) out.push(st.dim(`${' '.repeat(numW)}  ${laneText}`.trimEnd()));
    const indent = ' '.repeat(numW + 2 + laneText.length + 2);
    for (const s of doc.steps) {
      const lane = doc.actors.length > 0 ? `${s.index === 0 ? ' '.repeat(laneText.length - 2) : lanes(doc.actors, s.actor)}  ` : '';
      // A livelock: the steps after loopStart repeat forever; say where the loop begins.
      if (doc.loopStart !== undefined && s.index === doc.loopStart + 1) out.push(st.bad(`${' '.repeat(numW)}  ⟲ cycle: steps ${s.index}..${n} repeat forever`));
      out.push(`${st.bold(String(s.index).padStart(numW))}  ${lane}${s.label}`);
      const lines = s.index === 0 ? flatten(s.view) : s.changes.flatMap(formatChange);
      for (const l of lines) out.push(st.dim(`${indent}${l}`));
      if (s.index > 0 && lines.length === 0) out.push(st.dim(`${indent}(no visible change)`));
    }
    if (doc.loopStart !== undefined) out.push(st.bad(`${' '.repeat(numW)}  ⟲ back to the state of step ${doc.loopStart}`));
  }
  out.push(st.bad(`${doc.kind === 'sometimes' ? 'never held' : doc.kind === 'livelock' ? 'violated (a livelock)' : 'violated'}: ${doc.property}${doc.propertyDoc !== undefined ? ` — ${doc.propertyDoc}` : ''}`));
  if (doc.message !== undefined) out.push(`why: ${doc.message}`);
  if (doc.cells !== null) {
    out.push('cells the property is about, from the initial state to the last step:');
    out.push(...formatCellTable(doc.cells));
  }
  return out.join('\n');
}

