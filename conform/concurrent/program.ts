/**
 * Multi-task programs: what the helper runs as a concurrent ("par") program, and how its
 * output is read back.
 *
 * A multi-task program names one file (file 0) with an initial layout in the spec's own
 * terms (`InitialBlock`: hole, written, unwritten), a program per task in the helper's op
 * vocabulary (conform/program.ts), and nothing else. The helper builds the initial layout
 * in a set-up phase (written blocks get data of their own, unwritten blocks come from
 * fallocate, then fsync), starts one thread per task (each with its own descriptors, a
 * barrier after the opens), and after every task has finished reads the whole file back
 * through a fresh descriptor: the final contents (or, for a crash recording, syncs the
 * file system instead: the contents are read from each crash state).
 */
import type { InitialBlock } from '../../spec/index.ts';
import { ParseError, parseLine, serialize } from '../program.ts';
import type { FsKind } from '../harness.ts';
import type { Op, OpResult } from '../program.ts';

export const BS = 4096;

/** Write ids from here up name the set-up data of file block (id - INIT_ID). */
export const INIT_ID = 900;

export interface MultiProgram {
  name: string;
  fs: FsKind;
  /** File 0's blocks before the tasks start, in the spec's terms; the physical numbers are the spec's only. */
  blocks: InitialBlock[];
  /** One helper program per task; each starts with its own open. */
  tasks: Op[][];
  /** Why this program is in the set (shown in tables and notes). */
  why: string;
  /** The scenario file this program reproduces, when there is one. */
  scenario?: string;
  /** Spec physical blocks (small keeps the search small). */
  physBlocks?: number;
}

/** One helper line per op, with the task number added. */
function taskLine(t: number, o: Op): string {
  return serialize({ ops: [o] })
    .replace(/\nend\n$/, '')
    .replace(/^(\S+)/, `$1 t=${t}`);
}

/** Runs of equal-kind blocks of the initial layout: [kind, first block, count]. */
function runs(blocks: readonly InitialBlock[]): Array<['written' | 'unwritten', number, number]> {
  const out: Array<['written' | 'unwritten', number, number]> = [];
  blocks.forEach((b, i) => {
    if (b === 'hole') return;
    const kind = 'written' in b ? 'written' : 'unwritten';
    const last = out[out.length - 1];
    if (last !== undefined && last[0] === kind && last[1] + last[2] === i) last[2]++;
    else out.push([kind, i, 1]);
  });
  return out;
}

/**
 * The helper text of one run. Set-up (main thread): open, one 4 KiB write per written
 * block (id INIT_ID + block, so its data names the block), fallocate of the unwritten
 * runs (keeping the size: the spec's size is the blocks' span), fsync. Then the tasks;
 * then a fresh O_DIRECT descriptor reads the span back (the final contents on the
 * device, as the spec's fileContent gives them).
 */
export function toHelperText(p: MultiProgram, after: 'read' | 'syncfs' = 'read'): string {
  const span = p.blocks.length * BS;
  const setup: string[] = ['open direct=1'];
  for (const [kind, first, n] of runs(p.blocks)) {
    if (kind === 'written') for (let b = first; b < first + n; b++) setup.push(`pwritev2 fd=0 off=${b * BS} segs=${BS} flags=0 id=${INIT_ID + b} misalign=0`);
    else setup.push(`fallocate fd=0 off=${first * BS} len=${n * BS} keep=1`);
  }
  // The spec's file size is the blocks' span: extend it over trailing holes/unwritten blocks.
  setup.push(`ftruncate fd=0 len=${span}`, 'fsync fd=0');
  // Crash recordings: the set-up is on stable storage before the tasks start, and a final
  // syncfs gives crash points after everything has been committed.
  if (after === 'syncfs') setup.push('syncfs fd=0');
  const tasks = p.tasks.flatMap((ops, t) => ops.map((o) => taskLine(t, o)));
  const post = after === 'read' ? ['open direct=1', `pread fd=1 off=0 len=${span} misalign=0`] : ['syncfs fd=0'];
  return ['par', ...setup, ...tasks, ...post, 'end', ''].join('\n');
}

/** What one run of a multi-task program showed. */
export interface MultiRun {
  /** Per task, one result per op. */
  tasks: OpResult[][];
  /** Block tokens of the final read (the helper's tokens). */
  final: string[];
  /** Set-up and final-read results (checked to have succeeded). */
  main: OpResult[];
}

/** Parses a run's output lines (runLines of the helper). */
export function parseRun(p: MultiProgram, lines: readonly string[]): MultiRun {
  const tasks: OpResult[][] = p.tasks.map(() => []);
  const main: OpResult[] = [];
  for (const line of lines) {
    const r = parseLine(line);
    if ('end' in r) continue;
    const t = (JSON.parse(line) as { t?: unknown }).t;
    if (t === undefined) main.push(r);
    else if (typeof t === 'number' && tasks[t] !== undefined) tasks[t].push(r);
    else throw new ParseError(`helper named task ${JSON.stringify(t)} in ${line}`);
  }
  tasks.forEach((rs, t) => {
    if (rs.length !== p.tasks[t]?.length) throw new ParseError(`task ${t} returned ${rs.length} results for ${p.tasks[t]?.length ?? 0} ops`);
  });
  const bad = main.find((r) => r.errno !== null);
  if (bad !== undefined) throw new ParseError(`${p.name}: set-up or final read failed: ${bad.op} ${bad.errno ?? ''}`);
  const read = main[main.length - 1];
  if (read === undefined || read.op !== 'pread' || read.blocks === undefined) throw new ParseError(`${p.name}: no final read in the helper's output`);
  return { tasks, final: read.blocks, main };
}
