/** Human output of `writepath check`: a results table, then every counterexample as a trace. */
import type { CheckResult, Violation } from '../checker/index.ts';
import { actionIndexes, describeExpectation, describeResult } from '../checker/index.ts';
import { formatTraceText } from './trace-text.ts';
import { buildDoc, type TraceDoc } from './tracedoc.ts';
import type { LoadedScenario } from './load.ts';
import { formatCoverage } from './coverage.ts';

export interface Styles {
  ok(s: string): string;
  bad(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Styles = { ok: (s) => s, bad: (s) => s, dim: (s) => s, bold: (s) => s };
const ansi: Styles = {
  ok: (s) => `\x1b[32m${s}\x1b[0m`,
  bad: (s) => `\x1b[31m${s}\x1b[0m`,
  dim: (s) => `\x1b[2m${s}\x1b[0m`,
  bold: (s) => `\x1b[1m${s}\x1b[0m`,
};

/** Colour only on a terminal and only when NO_COLOR is unset (https://no-color.org). */
export function stylesFor(stream: NodeJS.WriteStream): Styles {
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  return stream.isTTY === true && !noColor ? ansi : plain;
}

export interface Outcome {
  loaded: LoadedScenario;
  result: CheckResult<unknown, unknown>;
  met: boolean;
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

/** The results table: one row per scenario. Plain strings are padded before styling so columns line up. */
export function formatTable(outcomes: readonly Outcome[], st: Styles): string {
  const rows = outcomes.map((o) => [
    o.met ? 'ok' : 'FAIL',
    o.loaded.scenario.name,
    describeExpectation(o.loaded.scenario.expect),
    describeResult(o.result),
    o.result.distinctStates.toLocaleString('en-US'),
    String(o.result.depth),
    formatMs(o.result.elapsedMs),
    o.result.statesPerSecond.toLocaleString('en-US'),
  ]);
  const head = ['', 'scenario', 'expected', 'result', 'states', 'depth', 'time', 'states/s'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = [false, false, false, false, true, true, true, true];
  const line = (r: string[]): string => r.map((c, i) => pad(c, widths[i]!, right[i])).join('  ');
  const out = [st.bold(line(head))];
  for (const r of rows) {
    const text = line(r);
    out.push(r[0] === 'ok' ? st.ok(text.slice(0, widths[0]!)) + text.slice(widths[0]!) : st.bad(text));
  }
  const failed = outcomes.filter((o) => !o.met).length;
  out.push('');
  const n = `${outcomes.length} scenario${outcomes.length === 1 ? '' : 's'}`;
  out.push(failed === 0 ? st.ok(`${n}, all as expected`) : st.bad(`${n}, ${failed} not as expected`));
  out.push(st.dim(reductionsLine(outcomes)));
  return out.join('\n');
}

/** Which reductions each search applied, grouped: "reductions: partial-order, symmetry, view (2 scenarios); none (1)". */
export function reductionsLine(outcomes: readonly Outcome[]): string {
  const groups = new Map<string, number>();
  for (const o of outcomes) {
    const k = o.result.reductions?.join(', ') ?? 'none';
    groups.set(k, (groups.get(k) ?? 0) + 1);
  }
  if (outcomes.length === 1) return `reductions: ${[...groups.keys()][0]!}`;
  return `reductions: ${[...groups].map(([k, c]) => `${k} (${c} scenario${c === 1 ? '' : 's'})`).join('; ')}`;
}

/** The trace document of one violation of an outcome. */
export function docFor(o: Outcome, v: Violation<unknown, unknown>, verbose: boolean): TraceDoc {
  const expected = typeof o.loaded.scenario.expect === 'object' && o.loaded.scenario.expect.violates === v.property;
  return buildDoc(o.loaded.scenario.model, v.trace, { scenario: o.loaded.scenario.name, file: o.loaded.file, property: v.property, kind: v.kind, message: v.message, expected, ...(v.loopStart === undefined ? {} : { loopStart: v.loopStart }) }, verbose);
}

/** A counterexample: programs, then per step the actor's lane, the action and what changed. */
export function formatViolation(o: Outcome, v: Violation<unknown, unknown>, st: Styles, verbose = false): string {
  return formatTraceText(docFor(o, v, verbose), st);
}

/** What a result says beyond the table: a random run's seed, a bitstate run's coverage, a hint. */
export function formatNotes(outcomes: readonly Outcome[], st: Styles): string | undefined {
  const out: string[] = [];
  for (const o of outcomes) {
    const r = o.result;
    const name = o.loaded.scenario.name;
    if (r.seed !== undefined) out.push(`${name}: random walks with seed ${r.seed} (${(r.walks ?? 0).toLocaleString('en-US')} walks; --strategy random --seed ${r.seed} replays them)`);
    if (r.schedule !== undefined) out.push(st.dim(`${name}: shrunk failing schedule [${r.schedule.join(', ')}]`));
    if (r.bitstate !== undefined) out.push(`${name}: bitstate 2^${Math.log2(r.bitstate.bits)} bits, ${r.bitstate.hashes} hashes: hash factor ${r.bitstate.hashFactor.toFixed(1)} (SPIN: best coverage if > 100), expected coverage ${(r.bitstate.expectedCoverage * 100).toFixed(2)}%`);
    if (r.hint !== undefined) out.push(`${name}: ${r.hint}`);
  }
  return out.length === 0 ? undefined : out.join('\n');
}

export function formatReport(outcomes: readonly Outcome[], st: Styles, opts: { quiet?: boolean; verbose?: boolean } = {}): string {
  const parts = [formatTable(outcomes, st)];
  const notes = formatNotes(outcomes, st);
  if (notes !== undefined) parts.push(notes);
  for (const o of outcomes) {
    for (const v of o.result.violations) {
      // --quiet: a violation the scenario expects needs no trace.
      const expected = typeof o.loaded.scenario.expect === 'object' && o.loaded.scenario.expect.violates === v.property;
      if (!(opts.quiet === true && expected && o.met)) parts.push(formatViolation(o, v, st, opts.verbose === true));
    }
  }
  if (opts.quiet !== true) for (const o of outcomes) parts.push(st.dim(formatCoverage(o.loaded.scenario.name, o.result.coverage)));
  return parts.join('\n\n') + '\n';
}

/** The --json document. */
export function jsonReport(outcomes: readonly Outcome[]): unknown {
  return {
    tool: 'writepath',
    version: 1,
    summary: { scenarios: outcomes.length, asExpected: outcomes.filter((o) => o.met).length, notAsExpected: outcomes.filter((o) => !o.met).length },
    results: outcomes.map((o) => ({
      name: o.loaded.scenario.name,
      file: o.loaded.file,
      description: o.loaded.scenario.description,
      expect: o.loaded.scenario.expect,
      met: o.met,
      ...o.result,
      // Each step carries the index of its action among those enabled before it (step 0: of
      // its initial state), so a trace in the JSON can be re-executed as a trace file can.
      violations: o.result.violations.map((v) => {
        const indexes = actionIndexes(o.loaded.scenario.model, v.trace);
        return { ...v, trace: v.trace.map((t, i) => ({ ...t, index: indexes[i] })) };
      }),
    })),
  };
}

export function progressLine(name: string, p: { distinctStates: number; statesPerSecond: number; depth: number; frontier: number }): string {
  return `${name}: ${p.distinctStates.toLocaleString('en-US')} states, ${p.statesPerSecond.toLocaleString('en-US')}/s, depth ${p.depth}, frontier ${p.frontier.toLocaleString('en-US')}`;
}

