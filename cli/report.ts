/** Human output of `writepath check`: a results table, then every counterexample as a trace. */
import type { CheckResult, Violation } from '../checker/index.ts';
import { describeExpectation, describeResult } from '../checker/index.ts';
import { brief, diffStates, flatten, formatChange } from './diff.ts';
import type { LoadedScenario } from './load.ts';

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
  ]);
  const head = ['', 'scenario', 'expected', 'result', 'states', 'depth', 'time'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const right = [false, false, false, false, true, true, true];
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
  return out.join('\n');
}

const MAX_INITIAL_LINES = 60;

/** A counterexample: the initial state in full, then per step the action and only what changed. */
export function formatViolation(o: Outcome, v: Violation<unknown, unknown>, st: Styles): string {
  const expected = typeof o.loaded.scenario.expect === 'object' && o.loaded.scenario.expect.violates === v.property;
  const head = `${v.kind === 'invariant' ? 'invariant' : v.kind} "${v.property}" ${v.kind === 'sometimes' ? 'never held' : 'violated'} in ${o.loaded.scenario.name} (${o.loaded.file})${expected ? ' — as expected' : ''}`;
  const out = [st.bold(`── ${head} ──`)];
  if (v.message !== undefined) out.push(v.message);
  if (v.trace.length === 0) return out.join('\n');
  out.push(`trace of ${v.trace.length - 1} steps:`);
  const width = String(v.trace.length - 1).length;
  v.trace.forEach((step, i) => {
    out.push(`${st.bold(String(i).padStart(width))}  ${step.label}`);
    const lines =
      i === 0
        ? flatten(step.state)
        : diffStates(v.trace[i - 1]!.state, step.state).map(formatChange);
    const shown = i === 0 && lines.length > MAX_INITIAL_LINES ? [...lines.slice(0, MAX_INITIAL_LINES), `… ${lines.length - MAX_INITIAL_LINES} more`] : lines;
    for (const l of shown) out.push(st.dim(`${' '.repeat(width)}     ${l}`));
    if (i > 0 && lines.length === 0) out.push(st.dim(`${' '.repeat(width)}     (no change)`));
  });
  return out.join('\n');
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

export function formatReport(outcomes: readonly Outcome[], st: Styles): string {
  const parts = [formatTable(outcomes, st)];
  const notes = formatNotes(outcomes, st);
  if (notes !== undefined) parts.push(notes);
  for (const o of outcomes) {
    for (const v of o.result.violations) parts.push(formatViolation(o, v, st));
  }
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
    })),
  };
}

export function progressLine(name: string, p: { distinctStates: number; statesPerSecond: number; depth: number; frontier: number }): string {
  return `${name}: ${p.distinctStates.toLocaleString('en-US')} states, ${p.statesPerSecond.toLocaleString('en-US')}/s, depth ${p.depth}, frontier ${p.frontier.toLocaleString('en-US')}`;
}

export { brief };
