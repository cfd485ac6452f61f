/**
 * What a conformance campaign counts per file system (FsSummary) and how it is printed: the
 * summary table, the "not modelled" breakdown per class of program, and the disagreements
 * (one per signature, shrunk where shrinking ran).
 */
import type { FsKind } from './harness.ts';
import type { Disagreement } from './oracle.ts';
import { show } from './program.ts';
import type { Program, ProgramResult } from './program.ts';

export interface Counterexample {
  index: number;
  signature: string;
  /** The known gap (proofs-notes/conformance.md) this disagreement falls under, if any. */
  gap?: string;
  program: Program;
  kernel: ProgramResult;
  disagreement: Disagreement;
  /** The shrunk program and its disagreement, when shrinking ran. */
  shrunk?: { program: Program; disagreement: Disagreement };
}

/** Per class of program (programClass): how many ran, how many the spec could not explore. */
export interface ClassCount {
  programs: number;
  unmodelled: number;
}

export interface FsSummary {
  fs: FsKind;
  programs: number;
  syscalls: number;
  /** Programs in which at least one write succeeded on the kernel. */
  withWrite: number;
  /** Syscalls of compared programs whose read data was compared, before any disagreement. */
  dataChecked: number;
  /** Of those, reads that returned some write's data (not only zeros). */
  writtenDataChecked: number;
  /** Agreements where some run of the program needed a timing allowance and another did not, by allowance id (included in `agreements`). */
  timing: Map<string, number>;
  /** Programs run TIMED_RUNS times because the spec offered a timing allowance for them. */
  reruns: number;
  /** Programs and not-modelled programs per class (programClass). */
  classes: Map<string, ClassCount>;
  /** Programs whose every syscall was within the spec's allowed outcomes (undefined in record-only mode). */
  agreements: number | undefined;
  disagreements: number | undefined;
  ms: number;
  /** Disagreements that are documented known gaps, by gap id (included in `disagreements`). */
  knownGaps: Map<string, number>;
  /** Time spent in the spec (allowed outcomes + comparison). */
  specMs: number;
  /** Programs the spec cannot express, by reason (none with --vocabulary spec). */
  unmodelled: Map<string, number>;
  /** Kernel outcomes per syscall kind and errno, e.g. "pwritev2 EINVAL" -> 123. */
  outcomes: Map<string, number>;
  counterexamples: Counterexample[];
}

/**
 * A program's class for the "not modelled" breakdown: the 4 KiB blocks its buffered and
 * its direct writes span in all (the spec takes a step per buffered block written back
 * and per request, so these decide how far its exploration goes).
 */
export function programClass(p: Program): string {
  const opens = p.ops.filter((o) => o.op === 'open');
  let buffered = 0;
  let direct = 0;
  for (const o of p.ops) {
    if (o.op !== 'pwritev2') continue;
    const len = o.segs.reduce((a, b) => a + b, 0);
    const blocks = Math.ceil((o.off + len) / 4096) - Math.floor(o.off / 4096);
    const f = opens[o.fd];
    if (f !== undefined && f.op === 'open' && f.direct) direct += blocks;
    else buffered += blocks;
  }
  const bucket = (n: number): string => (n === 0 ? '0' : n <= 2 ? '1-2' : n <= 8 ? '3-8' : n <= 32 ? '9-32' : '>32');
  return `buffered ${bucket(buffered)}, direct ${bucket(direct)}`;
}

export function emptySummary(fs: FsKind, comparing: boolean): FsSummary {
  return {
    fs,
    programs: 0,
    syscalls: 0,
    withWrite: 0,
    dataChecked: 0,
    writtenDataChecked: 0,
    timing: new Map(),
    reruns: 0,
    classes: new Map(),
    agreements: comparing ? 0 : undefined,
    disagreements: comparing ? 0 : undefined,
    ms: 0,
    specMs: 0,
    knownGaps: new Map(),
    unmodelled: new Map(),
    outcomes: new Map(),
    counterexamples: [],
  };
}

/** Disagreements that are not documented known gaps. */
export function unexplained(s: FsSummary): number {
  return (s.disagreements ?? 0) - [...s.knownGaps.values()].reduce((a, b) => a + b, 0);
}

function table(head: string[], body: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

export function formatTable(rows: FsSummary[]): string {
  const head = ['file system', 'programs', 'with a write', 'syscalls', 'checked on data', 'on written data', 'agreements', 'of which timing', 'disagreements', 'of which known gaps', 'not modelled', 'time', 'of which spec'];
  const na = (n: number | undefined): string => (n === undefined ? 'n/a' : String(n));
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const body = rows.map((r) => {
    const compared = r.agreements !== undefined;
    const c = (v: number): string => (compared ? String(v) : 'n/a');
    return [r.fs, String(r.programs), String(r.withWrite), String(r.syscalls), c(r.dataChecked), c(r.writtenDataChecked), na(r.agreements), c(sum(r.timing)), na(r.disagreements), c(sum(r.knownGaps)), c(sum(r.unmodelled)), `${(r.ms / 1000).toFixed(1)} s`, compared ? `${(r.specMs / 1000).toFixed(1)} s` : 'n/a'];
  });
  return table(head, body);
}

/** Programs and "not modelled" per class of program, classes with any program not modelled first. */
export function formatClasses(rows: FsSummary[]): string {
  const head = ['file system', 'class (blocks written)', 'programs', 'not modelled', 'share'];
  const row = (fs: string, k: string, c: ClassCount): string[] => [fs, k, String(c.programs), String(c.unmodelled), `${((100 * c.unmodelled) / Math.max(1, c.programs)).toFixed(1)}%`];
  const body = rows.flatMap((r) => {
    const cls = [...r.classes].sort(([a, x], [b, y]) => y.unmodelled / y.programs - x.unmodelled / x.programs || (a < b ? -1 : 1));
    const rest = cls.filter(([, c]) => c.unmodelled === 0).reduce((a, [, c]) => ({ programs: a.programs + c.programs, unmodelled: 0 }), { programs: 0, unmodelled: 0 });
    const total = cls.reduce((a, [, c]) => ({ programs: a.programs + c.programs, unmodelled: a.unmodelled + c.unmodelled }), { programs: 0, unmodelled: 0 });
    return [...cls.filter(([, c]) => c.unmodelled > 0).map(([k, c]) => row(r.fs, k, c)), row(r.fs, 'every other class', rest), row(r.fs, 'all', total)];
  });
  return table(head, body);
}

export function formatCounterexamples(rows: FsSummary[]): string {
  const parts: string[] = [];
  for (const r of rows) {
    for (const c of r.counterexamples) {
      const m = c.shrunk ?? { program: c.program, disagreement: c.disagreement };
      parts.push(
        [
          `--- ${r.fs}: ${c.signature}${c.gap === undefined ? ' [UNEXPLAINED]' : ` [known gap ${c.gap}]`}${c.shrunk === undefined ? ' (not shrunk)' : ' (shrunk)'}`,
          show(m.program),
          `op ${m.disagreement.op}: kernel ${m.disagreement.kernel}; spec allows ${m.disagreement.allowed.join(' | ') || 'nothing'}`,
        ].join('\n'),
      );
    }
  }
  return parts.join('\n');
}
