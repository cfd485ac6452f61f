/**
 * Command-line options for counterexamples (shared by `check` and `replay`) and the `replay`
 * and `explain` commands. Kept apart from args.ts so the two grow independently.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

export const TRACE_USAGE = `  --verbose              show ghost history and bookkeeping fields in traces
  --shrink               shrink each counterexample: drop steps and actors while the property still fails
  --trace-out FILE       write each counterexample as an ITF trace file (JSON; replay it with "writepath replay")
  --html FILE            write each counterexample as one self-contained HTML page (a swimlane per actor)
  --mermaid FILE         write each counterexample as a Mermaid sequence diagram (renders in GitHub markdown)
  --repro FILE           write a shell script that reproduces the counterexample's programs on a real XFS/ext4
  (with several counterexamples, FILE gets "-<scenario>-<property>" before its extension)`;

export const TRACE_OPTIONS = {
  verbose: { type: 'boolean', default: false },
  shrink: { type: 'boolean', default: false },
  'trace-out': { type: 'string' },
  html: { type: 'string' },
  mermaid: { type: 'string' },
  repro: { type: 'string' },
} as const;

export interface TraceOutputs {
  verbose: boolean;
  shrink: boolean;
  traceOut?: string;
  html?: string;
  mermaid?: string;
  repro?: string;
}

export interface ReplayArgs {
  command: 'replay';
  file: string;
  trace: TraceOutputs;
}

export interface ExplainArgs {
  command: 'explain';
  targets: string[];
}

type TraceValues = { [K in keyof typeof TRACE_OPTIONS]?: (typeof TRACE_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

function fileOption(flag: string, v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${flag} needs a file name`);
  return v;
}

export function traceOutputs(v: TraceValues): TraceOutputs {
  const out: TraceOutputs = { verbose: v.verbose === true, shrink: v.shrink === true };
  const traceOut = fileOption('trace-out', v['trace-out']);
  if (traceOut !== undefined) out.traceOut = traceOut;
  const html = fileOption('html', v.html);
  if (html !== undefined) out.html = html;
  const mermaid = fileOption('mermaid', v.mermaid);
  if (mermaid !== undefined) out.mermaid = mermaid;
  const repro = fileOption('repro', v.repro);
  if (repro !== undefined) out.repro = repro;
  return out;
}

function parse(rest: readonly string[], options: NonNullable<Parameters<typeof parseArgs>[0]>['options']): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const r = parseArgs({ args: [...rest], allowPositionals: true, strict: true, options });
    return { values: r.values as Record<string, unknown>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.replace(/\. To specify a positional.*$/s, '') : String(e));
  }
}

export function parseReplay(rest: readonly string[]): ReplayArgs {
  const { values, positionals } = parse(rest, TRACE_OPTIONS);
  if (positionals.length !== 1) throw new UsageError(`replay needs exactly one trace file (written by "check --trace-out"), not ${positionals.length}`);
  return { command: 'replay', file: positionals[0]!, trace: traceOutputs(values as TraceValues) };
}

export function parseExplain(rest: readonly string[]): ExplainArgs {
  const { positionals } = parse(rest, {});
  if (positionals.length === 0) throw new UsageError('explain needs a scenario (a file, a directory or a scenario name)');
  return { command: 'explain', targets: positionals };
}
