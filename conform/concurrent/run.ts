/**
 * Runs multi-task programs many times on the real file systems and holds every run
 * against the outcomes the spec allows (conform/concurrent/oracle.ts).
 *
 * Per program and device request size: the runs, the distinct outcomes the kernel
 * showed with their counts, how many runs the spec allows (agreements) and how many it
 * does not (disagreements, the first of each kind shrunk to a smaller program that still
 * shows one), and the spec outcomes the kernel never showed ("not observed": a race may
 * be rare, so this is a count, never a failure).
 */
import { startHelper } from '../harness.ts';
import type { FsKind, HelperProcess, Lab } from '../harness.ts';
import { parseRun, toHelperText } from './program.ts';
import type { MultiProgram } from './program.ts';
import { abstractRun, allowedOutcomes, outcomeKey, specRequestModel } from './oracle.ts';
import type { MultiOutcome } from './oracle.ts';
import { readRequestKiB, withRequestKiB } from './request-size.ts';

export interface Row {
  program: string;
  fs: FsKind;
  requestKiB: number;
  specModel: string;
  runs: number;
  /** Outcome key → times seen. */
  seen: Map<string, { outcome: MultiOutcome; count: number }>;
  agreements: number;
  disagreements: number;
  /** Spec outcomes never seen, and how many the spec allows in all. */
  allowed: Map<string, MultiOutcome>;
  specStates: number;
  unmodelled?: string;
  shrunk?: { program: MultiProgram; outcome: MultiOutcome; tries: number };
  ms: number;
}

/** Outcomes the spec allows that no run showed. */
export function notObserved(r: Row): MultiOutcome[] {
  return [...r.allowed].filter(([k]) => !r.seen.has(k)).map(([, o]) => o);
}

export async function runOnce(h: HelperProcess, p: MultiProgram): Promise<MultiOutcome> {
  return abstractRun(p, parseRun(p, await h.runLines(toHelperText(p))));
}

/** Smaller programs: one op (not an open) fewer in one task, or one task fewer. */
export function smaller(p: MultiProgram): MultiProgram[] {
  const out: MultiProgram[] = [];
  if (p.tasks.length > 1) p.tasks.forEach((_, t) => out.push({ ...p, tasks: p.tasks.filter((_, u) => u !== t) }));
  p.tasks.forEach((ops, t) =>
    ops.forEach((o, i) => {
      if (o.op === 'open') return;
      out.push({ ...p, tasks: p.tasks.map((x, u) => (u === t ? x.filter((_, j) => j !== i) : x)) });
    }),
  );
  return out;
}

/**
 * Greedy shrinking: take the first smaller program that still disagrees within
 * `tries` runs, until none does. Races are rare, so a smaller program that did not
 * disagree in `tries` runs is only "not shown to disagree".
 */
export async function shrink(h: HelperProcess, p: MultiProgram, requestBytes: number, tries: number, disagrees: (p: MultiProgram, o: MultiOutcome) => boolean): Promise<{ program: MultiProgram; outcome: MultiOutcome; tries: number } | undefined> {
  let best: { program: MultiProgram; outcome: MultiOutcome; tries: number } | undefined;
  let cur = p;
  for (let progress = true; progress; ) {
    progress = false;
    for (const c of smaller(cur)) {
      if (!allowedOutcomes(c, requestBytes).ok) continue;
      let hit: MultiOutcome | undefined;
      for (let k = 0; k < tries && hit === undefined; k++) {
        const o = await runOnce(h, c);
        if (disagrees(c, o)) hit = o;
      }
      if (hit !== undefined) {
        best = { program: c, outcome: hit, tries };
        cur = c;
        progress = true;
        break;
      }
    }
  }
  return best;
}

export interface RunOptions {
  runs: number;
  requestKiB: number[];
  /** Runs per candidate while shrinking. */
  shrinkTries: number;
}

/** Runs every program on its file system at each request size. */
export async function runPrograms(lab: Lab, programs: readonly MultiProgram[], opts: RunOptions, log: (s: string) => void = () => undefined): Promise<Row[]> {
  const rows: Row[] = [];
  const helpers = new Map<FsKind, HelperProcess>();
  for (const p of programs) {
    const m = lab.mounts.find((x) => x.kind === p.fs);
    if (m === undefined) continue;
    let h = helpers.get(p.fs);
    if (h === undefined) {
      h = startHelper(lab, p.fs);
      helpers.set(p.fs, h);
    }
    const helper = h;
    for (const kib of opts.requestKiB) {
      const t0 = performance.now();
      const row: Row = { program: p.name, fs: p.fs, requestKiB: kib, specModel: '', runs: 0, seen: new Map(), agreements: 0, disagreements: 0, allowed: new Map(), specStates: 0, ms: 0 };
      await withRequestKiB(m.dev, kib, async () => {
        // The oracle takes the request size from the device (the kernel may clamp what was asked).
        row.requestKiB = readRequestKiB(m.dev);
        const requestBytes = row.requestKiB * 1024;
        row.specModel = specRequestModel(requestBytes);
        const allowed = allowedOutcomes(p, requestBytes);
        if (!allowed.ok) row.unmodelled = allowed.reason;
        else {
          row.allowed = allowed.allowed.outcomes;
          row.specStates = allowed.allowed.states;
        }
        const disagrees = (q: MultiProgram, o: MultiOutcome): boolean => {
          const a = q === p ? allowed : allowedOutcomes(q, requestBytes);
          return a.ok && !a.allowed.outcomes.has(outcomeKey(o));
        };
        let first: MultiOutcome | undefined;
        for (let i = 0; i < opts.runs; i++) {
          const o = await runOnce(helper, p);
          const k = outcomeKey(o);
          const s = row.seen.get(k);
          if (s === undefined) row.seen.set(k, { outcome: o, count: 1 });
          else s.count++;
          row.runs++;
          if (!allowed.ok) continue;
          if (allowed.allowed.outcomes.has(k)) row.agreements++;
          else {
            row.disagreements++;
            first ??= o;
          }
        }
        if (first !== undefined && opts.shrinkTries > 0) {
          log(`shrinking ${p.name} at ${row.requestKiB} KiB`);
          const s = await shrink(helper, p, requestBytes, opts.shrinkTries, disagrees);
          if (s !== undefined) row.shrunk = s;
        }
      });
      row.ms = performance.now() - t0;
      log(`${p.name} ${kib} KiB: ${row.runs} runs, ${row.seen.size} distinct outcomes, ${row.disagreements} disagreements (${(row.ms / 1000).toFixed(1)} s)`);
      rows.push(row);
    }
  }
  for (const h of helpers.values()) await h.end();
  return rows;
}

const showOutcome = (o: MultiOutcome): string => `${o.tasks.map((t, i) => `T${i + 1}: ${t.filter((x) => !x.startsWith('open ')).join(', ')}`).join('; ')} → final [${o.final.join(' ')}]`;

export function formatRows(rows: readonly Row[]): string {
  const head = ['program', 'fs', 'max_sectors_kb', 'runs', 'outcomes seen', 'agreements', 'disagreements', 'spec outcomes', 'not observed', 'time'];
  const body = rows.map((r) => [r.program, r.fs, String(r.requestKiB), String(r.runs), String(r.seen.size), r.unmodelled === undefined ? String(r.agreements) : 'n/a', r.unmodelled === undefined ? String(r.disagreements) : 'n/a', r.unmodelled === undefined ? String(r.allowed.size) : 'n/a', r.unmodelled === undefined ? String(notObserved(r).length) : 'n/a', `${(r.ms / 1000).toFixed(1)} s`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

/** Every outcome per row with its count, the disagreements marked, then what was not observed. */
export function formatDetails(rows: readonly Row[]): string {
  const parts: string[] = [];
  for (const r of rows) {
    parts.push(`${r.program} (${r.fs}, max_sectors_kb=${r.requestKiB}; spec lands requests ${r.specModel}${r.unmodelled === undefined ? `, ${r.specStates} spec states` : `; not modelled: ${r.unmodelled}`}):`);
    for (const [k, s] of [...r.seen].sort((a, b) => b[1].count - a[1].count)) parts.push(`  ${String(s.count).padStart(7)}  ${showOutcome(s.outcome)}${r.unmodelled === undefined && !r.allowed.has(k) ? '   [DISAGREEMENT: the spec does not allow this]' : ''}`);
    for (const o of notObserved(r)) parts.push(`        0  ${showOutcome(o)}   [allowed by the spec, not observed in ${r.runs} runs]`);
    if (r.shrunk !== undefined) parts.push(`  shrunk (still disagrees within ${r.shrunk.tries} runs): ${r.shrunk.program.tasks.map((t, i) => `T${i + 1}: ${t.map((o) => o.op === 'pwritev2' ? `pwritev2 off=${o.off} len=${o.segs.join('+')} ${o.flags.join('|')}` : o.op).join(', ')}`).join('; ')} → ${showOutcome(r.shrunk.outcome)}`);
  }
  return parts.join('\n');
}

/** The rate of an outcome in a row, e.g. a tear: count and runs. */
export function countWhere(r: Row, pred: (o: MultiOutcome) => boolean): number {
  return [...r.seen.values()].filter((s) => pred(s.outcome)).reduce((a, s) => a + s.count, 0);
}

/** A final content whose blocks come from more than one write (a torn pair). */
export function torn(o: MultiOutcome): boolean {
  const writers = new Set(o.final.map((t) => /^(W\d+)\[/.exec(t)?.[1] ?? t));
  return writers.size > 1;
}
