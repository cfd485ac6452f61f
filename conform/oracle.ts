/**
 * The oracle: for a program, the set of outcomes the SPEC allows, compared with what the
 * kernel did.
 *
 * The allowed outcomes come from the spec's own code (spec/index.ts), never from a copy of
 * its rules here. This module holds only the comparison (is the kernel's outcome one of
 * the allowed ones, and if not, where does it first leave them) and the adapter that
 * asks the spec. Until the spec exports its single-task outcome function the adapter says
 * why it is unavailable and campaigns run in record-only mode.
 */
import type { FsKind } from './harness.ts';
import type { OpResult, Program, ProgramResult } from './program.ts';

/**
 * What the spec says one syscall may return. A field left undefined is not constrained
 * (the spec does not model it yet, e.g. the bytes of a buffered read before the page
 * cache part lands).
 */
export interface ExpectedOp {
  ret?: number;
  errno?: string | null;
  /** pread: one token per 4 KiB read ("0", "W.b", or anything else the spec names). */
  blocks?: string[];
  /** statx: fields the spec models. */
  statx?: Partial<Record<'awuMin' | 'awuMax' | 'awuSegmentsMax' | 'attrWriteAtomic' | 'dioOffsetAlign' | 'dioMemAlign', number | boolean>>;
}

/** One allowed outcome of the whole program: one entry per op (same length as program.ops). */
export type AllowedOutcome = ExpectedOp[];

export interface Disagreement {
  /** Index of the first op where the kernel's answer is in none of the allowed outcomes that agree so far. */
  op: number;
  kernel: string;
  allowed: string[];
}

export interface Verdict {
  syscalls: number;
  agreed: boolean;
  disagreement?: Disagreement;
}

function showKernel(r: OpResult): string {
  const base = r.errno === null ? `ret ${r.ret}` : `${r.errno}`;
  if (r.blocks !== undefined) return `${base} blocks [${r.blocks.join(' ')}]`;
  if (r.statx !== undefined) return `${base} awu ${r.statx.awuMin}..${r.statx.awuMax} segs ${r.statx.awuSegmentsMax} attr ${String(r.statx.attrWriteAtomic)}`;
  return base;
}

function showExpected(e: ExpectedOp): string {
  const parts: string[] = [];
  if (e.errno !== undefined) parts.push(e.errno === null ? (e.ret === undefined ? 'success' : `ret ${e.ret}`) : e.errno);
  else if (e.ret !== undefined) parts.push(`ret ${e.ret}`);
  if (e.blocks !== undefined) parts.push(`blocks [${e.blocks.join(' ')}]`);
  if (e.statx !== undefined) parts.push(`statx ${JSON.stringify(e.statx)}`);
  return parts.length === 0 ? 'anything' : parts.join(' ');
}

/** Does the kernel's answer fit what the spec allows for this op? */
export function matches(k: OpResult, e: ExpectedOp): boolean {
  if (e.errno !== undefined && e.errno !== k.errno) return false;
  if (e.ret !== undefined && e.ret !== k.ret) return false;
  if (e.blocks !== undefined) {
    const kb = k.blocks ?? [];
    if (kb.length !== e.blocks.length || kb.some((t, i) => t !== e.blocks?.[i])) return false;
  }
  if (e.statx !== undefined) {
    const s = k.statx;
    if (s === undefined) return false;
    for (const [f, v] of Object.entries(e.statx)) {
      if (v !== undefined && s[f as keyof typeof s] !== v) return false;
    }
  }
  return true;
}

/** Compares the kernel's results with the allowed outcomes (prefix by prefix). */
export function compare(program: Program, kernel: ProgramResult, allowed: AllowedOutcome[]): Verdict {
  const n = program.ops.length;
  let live = allowed.filter((a) => a.length === n);
  if (kernel.results.length !== n) {
    return { syscalls: kernel.results.length, agreed: false, disagreement: { op: kernel.results.length, kernel: `helper returned ${kernel.results.length} results for ${n} ops`, allowed: [] } };
  }
  for (let i = 0; i < n; i++) {
    const k = kernel.results[i];
    if (k === undefined) break;
    const next = live.filter((a) => {
      const e = a[i];
      return e !== undefined && matches(k, e);
    });
    if (next.length === 0) {
      const shown = [...new Set(live.map((a) => showExpected(a[i] ?? {})))];
      return { syscalls: n, agreed: false, disagreement: { op: i, kernel: showKernel(k), allowed: shown } };
    }
    live = next;
  }
  return { syscalls: n, agreed: true };
}

/** Asks the spec for the allowed outcomes of a program on one file system personality. */
export interface Oracle {
  name: string;
  allowed(fs: FsKind, program: Program): AllowedOutcome[];
}

export type OracleLoad = { ok: true; oracle: Oracle } | { ok: false; reason: string };

/**
 * The spec-backed oracle. spec/index.ts does not yet export the single-task program
 * vocabulary and outcome function this needs (checked at the time of writing); until it
 * does, campaigns record the kernel's answers without comparing them.
 */
export function loadSpecOracle(): OracleLoad {
  return { ok: false, reason: 'spec/index.ts does not export a single-task outcome function yet (issue 3); running in record-only mode' };
}
