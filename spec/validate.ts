/**
 * Scenario validation before any search: the schema (schema.ts) checks every field's shape
 * and vocabulary, then the checks here relate fields to each other (a physical block on the
 * device and used once, a cached folio inside its file, an expected violation among the
 * checked properties). Every problem becomes one line "field: problem", and `scenario()` /
 * `settings()` throw a ScenarioError holding them all; the CLI prefixes the file. (Scenarios
 * of the spec of Linux 6.18.)
 */
import type { z } from 'zod';
import { fsDefaults } from './scenario.ts';
import { PROPERTY_NAMES, scenarioInputSchema, settingsInputSchema, type ScenarioInput, type SettingsInput } from './schema.ts';

/** A problem with one field of a scenario. `field` is a path such as `programs[0][1].flags[0]`. */
export interface ScenarioProblem {
  field: string;
  problem: string;
  /** The offending value when it is a string (lets a loader point at it in the source). */
  value?: string;
}

/** A scenario that does not fit the spec's vocabulary. The message lists every problem. */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly scenario: string,
    readonly problems: readonly ScenarioProblem[],
  ) {
    super(`scenario ${scenario === '' ? '(unnamed)' : JSON.stringify(scenario)}: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`);
  }
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) {
    if (typeof k === 'number') out += `[${k}]`;
    else out += out === '' ? String(k) : `.${String(k)}`;
  }
  return out === '' ? '(scenario)' : out;
}

/**
 * A union's issue is reported through the one alternative the input came close to (right
 * shape, wrong value deeper down): `fs: { kind: 'XFS' }` is about fs.kind, not "fs must be a
 * string or an object". With no such alternative, the union's own message lists the shapes.
 */
function closeness(branch: readonly z.core.$ZodIssue[]): number {
  if (branch.some((b) => b.path.length > 0)) return 2;
  if (branch.every((b) => b.code === 'invalid_value' && b.path.length === 0 && typeof b.input !== 'object')) return 1;
  return 0;
}

function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  for (const i of issues) {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const scores = i.errors.map(closeness);
      const best = Math.max(...scores);
      if (best > 0 && scores.filter((x) => x === best).length === 1) {
        out.push(...flattenIssues(i.errors[scores.indexOf(best)]!, path));
        continue;
      }
    }
    out.push({ field: fieldPath(path), problem: i.code === 'invalid_type' && i.input === undefined ? `missing (${i.message})` : i.message, ...(typeof i.input === 'string' ? { value: i.input } : {}) });
  }
  return out;
}

/** Problems relating several fields; run only when every field has the right shape. */
function crossFieldProblems(i: SettingsInput & { expect?: ScenarioInput['expect'] }): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const fs = typeof i.fs === 'string' ? fsDefaults(i.fs) : { ...fsDefaults(i.fs.kind), ...i.fs, allocsize: i.fs.allocsize ?? null };
  // allocsize= is an XFS mount option; ext4 and FUSE would refuse it at mount.
  if (fs.allocsize !== null && fs.kind !== 'xfs') out.push({ field: 'fs.allocsize', problem: `is the XFS allocsize= mount option; fs.kind is '${fs.kind}'` });
  const owner = new Map<number, string>();
  i.files.forEach((f, ino) =>
    f.blocks.forEach((b, blk) => {
      if (b === 'hole') return;
      const p = 'written' in b ? b.written : b.unwritten;
      const field = `files[${ino}].blocks[${blk}]`;
      if (p >= fs.physBlocks) out.push({ field, problem: `physical block p${p} is beyond the device (fs.physBlocks is ${fs.physBlocks}: p0..p${fs.physBlocks - 1})` });
      const other = owner.get(p);
      if (other !== undefined) out.push({ field, problem: `physical block p${p} is already used by ${other}` });
      else owner.set(p, field);
    }),
  );
  (i.cached ?? []).forEach(([ino, blk], k) => {
    const f = i.files[ino];
    if (f === undefined) out.push({ field: `cached[${k}]`, problem: `file ${ino} does not exist (files 0..${i.files.length - 1})` });
    else if (blk >= f.blocks.length) out.push({ field: `cached[${k}]`, problem: `block ${blk} is outside file ${ino} (blocks 0..${f.blocks.length - 1})` });
  });
  i.programs.forEach((prog, t) =>
    prog.forEach((call, k) => {
      if ((call.op === 'open' || call.op === 'mmap-store') && call.file >= i.files.length) {
        out.push({ field: `programs[${t}][${k}].file`, problem: `file ${call.file} does not exist (files 0..${i.files.length - 1})` });
      }
      if ((call.op === 'ftruncate' || call.op === 'fallocate') && fs.kind === 'fuse') {
        out.push({ field: `programs[${t}][${k}].op`, problem: `${call.op} is not modelled for FUSE (only for xfs and ext4)` });
      }
      // FUSE's mmap is modelled as the shorthand store only (spec/fs/fuse/file.ts).
      const mapped = call.op === 'mmap' || call.op === 'mmap-load' || call.op === 'msync' || call.op === 'munmap' || (call.op === 'mmap-store' && call.map !== undefined);
      if (fs.kind === 'fuse' && mapped) out.push({ field: `programs[${t}][${k}].op`, problem: `${call.op}${call.op === 'mmap-store' ? ' through a mapping (map)' : ''} is not modelled for FUSE; FUSE has only the shorthand mmap-store (no map)` });
    }),
  );
  out.push(...nameProblems(i, fs.kind));
  // A pass folio by folio is the XFS flusher's (fs/xfs/xfs_aops.ts); elsewhere it would silently change nothing.
  if (i.flusherPerFolio === true && fs.kind !== 'xfs') out.push({ field: 'flusherPerFolio', problem: `a writeback pass folio by folio (the XFS writepage context) is modelled for xfs only, not ${fs.kind}` });
  else if (i.flusherPerFolio === true && i.flusher !== true) out.push({ field: 'flusherPerFolio', problem: 'needs flusher: true (only the flusher runs passes folio by folio)' });
  if (i.expect !== undefined && typeof i.expect === 'object') {
    const checked = [...(i.properties ?? PROPERTY_NAMES), 'deadlock', 'progress'];
    if (!checked.includes(i.expect.violates as never)) {
      out.push({ field: 'expect.violates', problem: `${JSON.stringify(i.expect.violates)} is not a checked property; one of ${checked.join(', ')}` });
    }
  }
  return out;
}

/** Files by name and post-crash programs (vfs/namei.ts, fs/recovery.ts). */
function nameProblems(i: SettingsInput, kind: string): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const names = new Map<string, number>();
  i.files.forEach((f, ino) => {
    const n = f.name ?? String(ino);
    const other = names.get(n);
    if (other !== undefined) out.push({ field: `files[${ino}].name`, problem: `${JSON.stringify(n)} already names file ${other}` });
    else names.set(n, ino);
  });
  const lists: Array<[string, NonNullable<SettingsInput['afterCrash']>]> = [['programs', i.programs], ['afterCrash', i.afterCrash ?? []]];
  for (const [list, progs] of lists) {
    progs.forEach((prog, t) =>
      prog.forEach((call, k) => {
        const field = `${list}[${t}][${k}]`;
        const named = call.op === 'openat' || call.op === 'unlink' || call.op === 'rename';
        if (named && kind === 'fuse') out.push({ field: `${field}.op`, problem: `${call.op} is not modelled on FUSE (FUSE_CREATE, FUSE_UNLINK and FUSE_RENAME are not part of the FUSE model)` });
        if (list === 'afterCrash' && (call.op === 'open' || call.op === 'mmap-store') && call.file >= i.files.length) out.push({ field: `${field}.file`, problem: `file ${call.file} does not exist (files 0..${i.files.length - 1})` });
      }),
    );
  }
  if (i.afterCrash !== undefined && i.afterCrash.length > 0) {
    if (kind === 'fuse') out.push({ field: 'afterCrash', problem: 'life after a power loss is not modelled on FUSE (the server restarts with what it made durable; nothing runs after)' });
    if ((i.maxPowerLosses ?? 1) === 0) out.push({ field: 'afterCrash', problem: 'post-crash programs never run with maxPowerLosses 0' });
  }
  return out;
}

function problemsOf(schema: z.ZodType, input: unknown): ScenarioProblem[] {
  const r = schema.safeParse(input, { reportInput: true });
  if (!r.success) return flattenIssues(r.error.issues);
  return crossFieldProblems(r.data as SettingsInput);
}

/** Every problem of a `settings()` input (empty when it is valid). */
export function settingsProblems(input: unknown): ScenarioProblem[] {
  return problemsOf(settingsInputSchema, input);
}

/** Every problem of a `scenario()` input (empty when it is valid). */
export function scenarioProblems(input: unknown): ScenarioProblem[] {
  return problemsOf(scenarioInputSchema, input);
}

function nameOf(input: unknown): string {
  const n = (input as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? n : '';
}

/** Throws a ScenarioError listing every problem of a `settings()` input. */
export function assertValidSettings(input: unknown): asserts input is SettingsInput {
  const problems = settingsProblems(input);
  if (problems.length > 0) throw new ScenarioError(nameOf(input), problems);
}

/** Throws a ScenarioError listing every problem of a `scenario()` input. */
export function assertValidScenario(input: unknown): asserts input is ScenarioInput {
  const problems = scenarioProblems(input);
  if (problems.length > 0) throw new ScenarioError(nameOf(input), problems);
}
