/**
 * The oracle: for a program, the set of outcomes the SPEC allows, compared with what the
 * kernel did.
 *
 * The allowed outcomes come from the spec's own code (spec/index.ts), never from a copy of
 * its rules here. This module holds only the comparison (is the kernel's outcome one of
 * the allowed ones, and if not, where does it first leave them) and the adapter that
 * asks the spec (spec.allowedOutcomes, built on the model `writepath check` runs).
 */
import * as spec from '../spec/index.ts';
import { canonicalJson } from '../checker/index.ts';
import type { Model } from '../checker/types.ts';
import { tokenParts, UNREAD, ZERO, type InitialBlock } from '../spec/index.ts';
import type { FsKind } from './harness.ts';
import { abstractKernel, blocksNeeded, expected, toSpec } from './translate.ts';
import type { AllowedOutcome, ExpectedOp, OpResult, Program, ProgramResult } from './program.ts';

export type { AllowedOutcome, ExpectedOp } from './program.ts';


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
  /** Syscalls compared on their data (every surviving outcome fixed the read's tokens), before any disagreement. */
  dataChecked: number;
  /** Of those, reads whose data held some write's bytes (not only zeros). */
  writtenDataChecked: number;
}

function showKernel(r: OpResult): string {
  const base = r.errno === null ? `ret ${r.ret}` : `${r.errno}`;
  if (r.blocks !== undefined) return `${base} blocks [${r.blocks.join(' ')}]`;
  if (r.pages !== undefined) return `${base} pages ${r.pages}`;
  if (r.statx !== undefined) return `${base} awu ${r.statx.awuMin}..${r.statx.awuMax} segs ${r.statx.awuSegmentsMax} attr ${String(r.statx.attrWriteAtomic)}`;
  return base;
}

function showExpected(e: ExpectedOp): string {
  const parts: string[] = [];
  if (e.errno !== undefined) parts.push(e.errno === null ? (e.ret === undefined ? 'success' : `ret ${e.ret}`) : e.errno);
  else if (e.ret !== undefined) parts.push(`ret ${e.ret}`);
  if (e.blocks !== undefined) parts.push(`blocks [${e.blocks.join(' ')}]`);
  if (e.pages !== undefined) parts.push(`pages ${e.pages}`);
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
  if (e.pages !== undefined && e.pages !== k.pages) return false;
  if (e.statx !== undefined) {
    const s = k.statx;
    if (s === undefined) return false;
    for (const [f, v] of Object.entries(e.statx)) {
      if (v !== undefined && s[f as keyof typeof s] !== v) return false;
    }
  }
  return true;
}

/**
 * Compares the kernel's results with the allowed outcomes (prefix by prefix). An answer
 * reachable only through timing allowances matches only where `accept` says the
 * allowance's condition held in this run (by default it always does).
 */
export function compare(program: Program, kernel: ProgramResult, allowed: AllowedOutcome[], accept: (op: number, allowances: string[]) => boolean = () => true): Verdict {
  const n = program.ops.length;
  let live = allowed.filter((a) => a.length === n);
  let dataChecked = 0;
  let writtenDataChecked = 0;
  if (kernel.results.length !== n) {
    return { syscalls: kernel.results.length, agreed: false, disagreement: { op: kernel.results.length, kernel: `helper returned ${kernel.results.length} results for ${n} ops`, allowed: [] }, dataChecked, writtenDataChecked };
  }
  for (let i = 0; i < n; i++) {
    const k = kernel.results[i];
    if (k === undefined) break;
    const next = live.filter((a) => {
      const e = a[i];
      return e !== undefined && matches(k, e) && (e.allowance === undefined || accept(i, e.allowance));
    });
    if (next.length === 0) {
      const open = live.filter((a) => {
        const e = a[i];
        return e !== undefined && (e.allowance === undefined || accept(i, e.allowance));
      });
      const shown = [...new Set(open.map((a) => showExpected(a[i] ?? {})))];
      return { syscalls: n, agreed: false, disagreement: { op: i, kernel: showKernel(k), allowed: shown }, dataChecked, writtenDataChecked };
    }
    if (k.blocks !== undefined && k.blocks.length > 0 && next.every((a) => a[i]?.blocks !== undefined)) {
      dataChecked++;
      // Some byte read is a write's (not zeroes, not bytes the read did not return).
      if (k.blocks.some((t) => tokenParts(t).some((x) => x !== ZERO && x !== UNREAD))) writtenDataChecked++;
    }
    live = next;
  }
  return { syscalls: n, agreed: true, dataChecked, writtenDataChecked };
}

/**
 * A timing allowance: a step the spec offers beside the normal one because Linux's answer
 * there depends on something the model does not track (the clock). The oracle finds it by
 * the spec step's label. An agreement that needs it is accepted only when the kernel's
 * answer does not come back on reruns of the same program (campaign.ts): a reproducible
 * answer is not timing.
 */
export interface TimingAllowance {
  id: string;
  /** Matches the label of the spec step (`T<n> <fn>: <what>`) that takes the timed branch. */
  step: RegExp;
  summary: string;
  /** Whether the timed condition could hold at op `i` of this kernel run (from what the helper measured). */
  applies(program: Program, kernel: ProgramResult, i: number): boolean;
}

/**
 * Whether the XFS timestamps could need updating at write `i` (file_update_time_flags,
 * fs/inode.c): mtime or ctime differ from current_time(). After the creating open and
 * after any successful write the timestamps equal the coarse clock read inside that call
 * (updated, or already equal: the check passed); a failed write leaves them or sets them
 * to a later reading. So they cannot differ at write i when the coarse clock read before
 * that call equals the one read after write i returned, unless a statx in between asked
 * for ctime (I_CTIME_QUERIED: current_time() then takes a fine-grained clock).
 */
export function timestampsMayNeedUpdate(p: Program, k: ProgramResult, i: number): boolean {
  const self = p.ops[i];
  // futimens just before the write (freshTimes): only a tick during this call counts.
  if (self !== undefined && self.op === 'pwritev2' && self.freshTimes === true) {
    const c = k.results[i]?.clock;
    return c === undefined || c[0] !== c[1];
  }
  let m = -1;
  for (let j = 0; j < i; j++) {
    const o = p.ops[j];
    const r = k.results[j];
    if (o === undefined || r === undefined) continue;
    if ((o.op === 'open' && m === -1 && r.errno === null) || (o.op === 'pwritev2' && r.errno === null && r.ret > 0)) m = j;
  }
  if (m === -1) return true;
  if (p.ops.slice(m + 1, i).some((o) => o.op === 'statx')) return true;
  const from = k.results[m]?.clock?.[0];
  const to = k.results[i]?.clock?.[1];
  return from === undefined || to === undefined || from !== to;
}

export const TIMING_ALLOWANCES: readonly TimingAllowance[] = [
  {
    id: 'A1-xfs-nowait-timestamps',
    step: /^T\d+ xfs_file_write_checks: kiocb_modified: timestamps need updating and IOCB_NOWAIT: -EAGAIN$/,
    summary:
      'XFS pwritev2(RWF_NOWAIT), direct or buffered, answered EAGAIN: xfs_file_write_checks → kiocb_modified → file_update_time_flags returns -EAGAIN when mtime/ctime differ from current_time(), i.e. when the coarse clock ticked since the file was created or last written, or a statx queried ctime since',
    applies: (p, k, i) => {
      const o = p.ops[i];
      return o !== undefined && o.op === 'pwritev2' && o.flags.includes('NOWAIT') && k.results[i]?.errno === 'EAGAIN' && timestampsMayNeedUpdate(p, k, i);
    },
  },
];

/** The spec's answer for one program: every allowed outcome, and those reachable without any timing allowance. */
export interface OracleAnswer {
  /** Outcomes reachable without a timing allowance step. */
  strict: AllowedOutcome[];
  /**
   * Every outcome, allowances included (the same as strict when none was enabled). The
   * answer where an outcome first leaves every strict outcome is tagged with the allowances.
   */
  all: AllowedOutcome[];
  /** The allowances whose step was enabled somewhere in the exploration. */
  allowances: string[];
}

/** Asks the spec for the allowed outcomes of a program on one file system personality. */
export interface Oracle {
  name: string;
  /** Every allowed outcome (timing allowances included), or why the spec cannot express this program. */
  allowed(fs: FsKind, program: Program): AllowedOutcome[] | { unmodelled: string };
  /** The outcomes with and without timing allowances, or why the spec cannot express this program. */
  answer(fs: FsKind, program: Program): OracleAnswer | { unmodelled: string };
  /** The kernel's results in the spec's terms (read data as spec tokens). */
  abstract(program: Program, kernel: ProgramResult): ProgramResult;
}

export type OracleLoad = { ok: true; oracle: Oracle } | { ok: false; reason: string };

/** Default bound on the states the spec may explore for one program (memory and time). */
export const STATE_BUDGET = 400;

class BudgetExceeded extends Error {}

/**
 * A breadth-first explorer like spec.bfsExplorer, but bounded: past `budget` distinct
 * states it gives up (the program is then counted as beyond the spec's reach, never as an
 * agreement), so one large program cannot exhaust memory.
 */
export function boundedExplorer(budget: number, take: (label: string) => boolean = () => true): spec.Explorer {
  return <S, A>(model: Model<S, A>, visit: (state: S) => void): void => {
    const seen = new Set<string>();
    let frontier = model.init();
    for (const st of frontier) seen.add(canonicalJson(st));
    while (frontier.length > 0) {
      const nextFrontier: S[] = [];
      for (const st of frontier) {
        visit(st);
        for (const a of model.actions(st)) {
          if (!take(model.label?.(a) ?? '')) continue;
          const t = model.next(st, a);
          const k = canonicalJson(t);
          if (!seen.has(k)) {
            if (seen.size >= budget) throw new BudgetExceeded(`more than ${budget} states`);
            seen.add(k);
            nextFrontier.push(t);
          }
        }
      }
      frontier = nextFrontier;
    }
  };
}

/**
 * The spec-backed oracle: each program becomes a one-task scenario on one empty file
 * (enough modelled blocks for every write's range) on the spec's loop-device preset,
 * merged knobs, no power loss; spec.allowedOutcomes explores it to completion.
 * Background journal commits are off: without power loss they change no observable
 * result, and they multiply the states explored.
 */
/** Tags, in each outcome that is not strict, the answer where it first leaves every strict prefix. */
export function tagAllowances(strict: AllowedOutcome[], all: AllowedOutcome[], allowances: string[]): AllowedOutcome[] {
  const prefixes = new Set<string>();
  for (const o of strict) for (let i = 1; i <= o.length; i++) prefixes.add(canonicalJson(o.slice(0, i)));
  return all.map((o) => {
    const i = o.findIndex((_, j) => !prefixes.has(canonicalJson(o.slice(0, j + 1))));
    return i === -1 ? o : o.map((e, j) => (j === i ? { ...e, allowance: allowances } : e));
  });
}

/** Whether every allowance in `ids` held its condition at op `i` of this run. */
export function allowancesApply(p: Program, k: ProgramResult, i: number, ids: string[]): boolean {
  return ids.every((id) => TIMING_ALLOWANCES.find((a) => a.id === id)?.applies(p, k, i) === true);
}

/** `file`: settings for the helper's file beyond its blocks (maxFolioBlocks: large folios on ext4, opt-in in the spec). */
export function loadSpecOracle(budget: number = STATE_BUDGET, file: { maxFolioBlocks?: number } = {}): OracleLoad {
  const explore = boundedExplorer(budget);
  const answer = (fs: FsKind, program: Program): OracleAnswer | { unmodelled: string } => {
    const t = toSpec(program);
    if (!t.ok) return { unmodelled: t.reason };
    const blocks = blocksNeeded(program);
    const s = spec.settings({
      name: 'conformance',
      fs: { kind: fs, physBlocks: 2 * blocks + 8 },
      device: spec.DEVICES.loop,
      // The helper's file "f" (what open creates); openat/rename/unlink address it by that name.
      files: [{ name: 'f', blocks: Array.from({ length: blocks }, (): InitialBlock => 'hole'), size: 0, ...file }],
      programs: [t.program],
      maxPowerLosses: 0,
      maxIoErrors: 0,
      backgroundCommit: false,
      properties: [],
    });
    const toExpected = (outcomes: spec.Outcome[]): AllowedOutcome[] =>
      outcomes.map((o) =>
        (o[0] ?? []).map((r, i) => {
          const op = program.ops[i];
          return op === undefined ? {} : expected(op, r);
        }),
      );
    const enabled = new Set<string>();
    const strictExplore = boundedExplorer(budget, (label) => {
      const a = TIMING_ALLOWANCES.find((x) => x.step.test(label));
      if (a === undefined) return true;
      enabled.add(a.id);
      return false;
    });
    try {
      const strict = toExpected(spec.allowedOutcomes(s, strictExplore));
      if (enabled.size === 0) return { strict, all: strict, allowances: [] };
      const allowances = [...enabled].sort();
      return { strict, all: tagAllowances(strict, toExpected(spec.allowedOutcomes(s, explore)), allowances), allowances };
    } catch (e) {
      if (e instanceof BudgetExceeded) return { unmodelled: `beyond the spec's state budget (${e.message})` };
      throw e;
    }
  };
  const oracle: Oracle = {
    name: 'spec.allowedOutcomes',
    answer,
    allowed(fs, program) {
      const a = answer(fs, program);
      return 'unmodelled' in a ? a : a.all;
    },
    abstract: abstractKernel,
  };
  return { ok: true, oracle };
}
