/**
 * A counterexample as a Mermaid sequence diagram (renders in GitHub issues and markdown): one
 * participant per actor, one note per step over the actor that took it, the violation over
 * every lane, and the property's cells from the initial state to the last step.
 */
import type { TraceDoc } from './tracedoc.ts';

/** Mermaid reads ";" as a statement end and "#...;" as an entity: write both as entities. */
export function mermaidText(s: string): string {
  const entity: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '\n': '<br/>' };
  return s.replace(/[#;<>\n]/g, (c) => entity[c] ?? c);
}

export function formatMermaid(doc: TraceDoc): string {
  const actors = doc.actors.length > 0 ? doc.actors : ['model'];
  const id = new Map(actors.map((a, i) => [a, `A${i}`]));
  const out = ['sequenceDiagram', `  title ${mermaidText(`${doc.property} ${doc.kind === 'sometimes' ? 'never held' : 'violated'} in ${doc.scenario}`)}`];
  for (const a of actors) out.push(`  participant ${id.get(a)} as ${mermaidText(a)}`);
  const span = actors.length > 1 ? `${id.get(actors[0]!)},${id.get(actors[actors.length - 1]!)}` : id.get(actors[0]!)!;
  const programs = doc.about?.programs ?? [];
  for (const p of programs) {
    const who = id.get(p.actor);
    if (who !== undefined && p.calls.length > 0) out.push(`  Note over ${who}: ${mermaidText(['program:', ...p.calls.map((c, i) => `(${i + 1}) ${c}`)].join('\n'))}`);
  }
  for (const s of doc.steps.slice(1)) {
    const who = id.get(s.actor === '' ? 'model' : s.actor) ?? id.get(actors[0]!)!;
    out.push(`  Note over ${who}: ${mermaidText(`${s.index}. ${s.label}`)}`);
  }
  const verdict = [`✗ ${doc.property}${doc.message !== undefined ? `: ${doc.message}` : ''}`];
  if (doc.cells !== null) {
    const first = doc.cells.columns[0]!;
    const last = doc.cells.columns[doc.cells.columns.length - 1]!;
    doc.cells.names.forEach((n, k) => verdict.push(`${n}: ${first.values[k]} → ${last.values[k]}`));
  }
  out.push(`  Note over ${span}: ${mermaidText(verdict.join('\n'))}`);
  return `${out.join('\n')}\n`;
}
