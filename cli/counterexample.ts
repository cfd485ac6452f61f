/**
 * What `check` and `replay` do with each counterexample beyond printing it: shrink it, and
 * write it as an ITF trace file, an HTML page, a Mermaid diagram or a reproducer script.
 */
import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { shrinkTrace, type Model, type TraceStep, type Violation } from '../checker/index.ts';
import type { TraceOutputs } from './args-trace.ts';
import { UsageError } from './errors.ts';
import { formatHtml } from './html.ts';
import { traceToItf } from './itf-file.ts';
import { formatMermaid } from './mermaid.ts';
import { reproScript } from './repro.ts';
import { buildDoc, type DocInput } from './tracedoc.ts';

/** FILE for one counterexample; FILE with "-scenario-property" before its extension for several. */
export function outputPath(base: string, many: boolean, scenario: string, property: string): string {
  if (!many) return base;
  const ext = extname(base);
  const slug = `${scenario}-${property}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  return join(dirname(base), `${basename(base, ext)}-${slug}${ext}`);
}

function write(path: string, text: string, mode?: number): void {
  try {
    writeFileSync(path, text, mode === undefined ? undefined : { mode });
  } catch (e) {
    throw new UsageError(`${path}: cannot write: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Shrinks the violation's trace in place when asked; returns a line saying how much it shrank. */
export function shrinkViolation<S, A>(model: Model<S, A>, v: Violation<S, A>): string {
  if (v.kind !== 'invariant' && v.kind !== 'deadlock') return `--shrink: a ${v.kind} violation has no trace to shrink`;
  const r = shrinkTrace(model, v.trace, v.property, v.kind);
  v.trace = r.trace;
  const pct = r.before.steps === 0 ? 0 : Math.round((100 * (r.before.steps - r.after.steps)) / r.before.steps);
  return r.after.steps === r.before.steps && r.after.actors === r.before.actors
    ? `shrink: no step or actor can go (${r.before.steps} steps, ${r.before.actors} actors; ${r.attempts} candidates tried)`
    : `shrink: ${r.before.steps} → ${r.after.steps} steps (−${pct}%), ${r.before.actors} → ${r.after.actors} actors (${r.attempts} candidates tried)`;
}

/** Writes the files asked for; returns one line per file written. */
export function writeOutputs<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, input: DocInput, out: TraceOutputs, many: boolean): string[] {
  const notes: string[] = [];
  const path = (base: string): string => outputPath(base, many, input.scenario, input.property);
  if (out.traceOut !== undefined) {
    const p = path(out.traceOut);
    write(p, `${JSON.stringify(traceToItf(model, trace, input), null, 1)}\n`);
    notes.push(`trace file: ${p} (replay with: writepath replay ${p})`);
  }
  if (out.html !== undefined || out.mermaid !== undefined) {
    const doc = buildDoc(model, trace, input, out.verbose);
    if (out.html !== undefined) {
      write(path(out.html), formatHtml(doc));
      notes.push(`HTML: ${path(out.html)}`);
    }
    if (out.mermaid !== undefined) {
      write(path(out.mermaid), formatMermaid(doc));
      notes.push(`Mermaid: ${path(out.mermaid)}`);
    }
  }
  if (out.repro !== undefined) {
    const r = reproScript(model, trace, input);
    if (typeof r === 'string') {
      write(path(out.repro), r, 0o755);
      notes.push(`reproducer: ${path(out.repro)} (run as root: it makes a loop device)`);
    } else notes.push(`no reproducer for ${input.scenario}: ${r.why}`);
  }
  return notes;
}
