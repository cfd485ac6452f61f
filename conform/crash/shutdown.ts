/**
 * Crash states from file-system shutdown (XFS_IOC_GOINGDOWN / EXT4_IOC_SHUTDOWN with
 * the no-log-flush flag): run a single-task program up to and including op k, shut the
 * file system down, unmount, mount again (recovery runs), read the file. Each k gives
 * one crash state, at a point where ops 0..k had returned; the spec must allow its
 * contents among its post-crash outcomes with k+1 syscalls returned.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { toHelperText } from '../concurrent/program.ts';
import type { MultiProgram } from '../concurrent/program.ts';
import type { FsKind } from '../harness.ts';
import { mountAndRead, runToShutdown, withCrashLab } from './lab.ts';
import { allowedAt, contentKey, crashOracle, kernelContent, readText } from './run.ts';

export interface ShutdownRow {
  program: string;
  fs: FsKind;
  /** Per cut (ops run before the shutdown): the contents read back and whether the spec allows them. */
  cuts: Array<{ ops: number; content: string; allowed: boolean | undefined }>;
  agreements: number;
  disagreements: number;
  unmodelled?: string;
  ms: number;
}

/** The helper text: the program cut after `ops` task ops, then a shutdown from the main thread. */
export function shutdownText(p: MultiProgram, ops: number): string {
  const cut: MultiProgram = { ...p, tasks: [p.tasks[0]?.slice(0, ops) ?? []] };
  return toHelperText(cut, 'syncfs').replace(/syncfs fd=0\nend\n$/, 'shutdown fd=0 how=2\nend\n');
}

export async function runShutdown(programs: readonly MultiProgram[], log: (s: string) => void = () => undefined): Promise<{ rows: ShutdownRow[]; skipped: string[] }> {
  const rows: ShutdownRow[] = [];
  const skipped: string[] = [];
  for (const kind of ['xfs', 'ext4'] as const) {
    const mine = programs.filter((p) => p.fs === kind && p.tasks.length === 1);
    if (mine.length === 0) continue;
    const r = await withCrashLab(kind, async (lab) => {
      const out: ShutdownRow[] = [];
      for (const p of mine) {
        const t0 = performance.now();
        const row: ShutdownRow = { program: p.name, fs: kind, cuts: [], agreements: 0, disagreements: 0, ms: 0 };
        const oracle = crashOracle(p);
        if (!oracle.ok) row.unmodelled = oracle.reason;
        const n = p.tasks[0]?.length ?? 0;
        for (let k = 1; k <= n; k++) {
          const rec = await runToShutdown(lab, shutdownText(p, k));
          const read = await mountAndRead(lab, rec.image, readText(p));
          rmSync(dirname(rec.image), { recursive: true, force: true });
          if (!read.ok) {
            row.cuts.push({ ops: k, content: `does not mount: ${read.error}`, allowed: false });
            row.disagreements++;
            continue;
          }
          const c = kernelContent(p, read.lines);
          const allowed = oracle.ok ? allowedAt(oracle.oracle, [[k, k]]).has(contentKey(c)) : undefined;
          row.cuts.push({ ops: k, content: `size ${c.size} [${c.blocks.join(' ')}]`, allowed });
          if (allowed === true) row.agreements++;
          else if (allowed === false) row.disagreements++;
        }
        row.ms = performance.now() - t0;
        log(`shutdown ${p.name}: ${row.cuts.map((c) => `after ${c.ops} ops ${c.content}${c.allowed === false ? ' [DISAGREEMENT]' : ''}`).join('; ')}`);
        out.push(row);
      }
      return out;
    });
    if ('skipped' in r) skipped.push(`${kind}: ${r.skipped}`);
    else rows.push(...r.value);
  }
  return { rows, skipped };
}

export function formatShutdownRows(rows: readonly ShutdownRow[]): string {
  const head = ['program', 'fs', 'crash states', 'agreements', 'disagreements', 'contents after shutdown at op 1..n', 'time'];
  const body = rows.map((r) => [r.program, r.fs, String(r.cuts.length), r.unmodelled === undefined ? String(r.agreements) : 'n/a', r.unmodelled === undefined ? String(r.disagreements) : 'n/a', r.cuts.map((c) => c.content.replace(/^size \d+ /, '')).join(' · '), `${(r.ms / 1000).toFixed(1)} s`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...body.map(line)].join('\n');
}
