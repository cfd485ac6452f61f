/**
 * Crash-state conformance: record a program on the recording device, build its crash
 * states, mount each (recovery runs), read the file, and hold what it holds against the
 * post-crash contents the spec allows.
 *
 * The oracle is the spec's own model of the program (the same scenario builder and the
 * same checker search as `writepath check`), with one power loss and background journal
 * commits allowed: every state the checker reaches right after a power loss gives a
 * post-crash content (spec.fileContent and the recovered size), keyed by how many
 * syscalls of each task had returned at the loss. A crash state of the kernel is allowed
 * when, for one of the crash points that leave its image, some spec outcome with a
 * returned-count inside that point's bounds has the same contents.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import * as spec from '../../spec/index.ts';
import { canonicalJson } from '../../checker/index.ts';
import type { Token, World } from '../../spec/index.ts';
import { parseLine } from '../program.ts';
import type { Op } from '../program.ts';
import { smaller } from '../concurrent/run.ts';
import { BS, INIT_ID, toHelperText } from '../concurrent/program.ts';
import type { MultiProgram } from '../concurrent/program.ts';
import { gather, specSettings, specToken } from '../concurrent/oracle.ts';
import type { FsKind } from '../harness.ts';
import { materialize, mountAndRead, record, withCrashLab } from './lab.ts';
import type { CrashLab } from './lab.ts';
import { crashStates, readLog } from './states.ts';
import type { Bounds, CrashOptions, CrashState, LogRec } from './states.ts';

/** What a file holds after a crash: its size and one token per block up to the size. */
export interface Content {
  size: number;
  blocks: Token[];
}

export const contentKey = (c: Content): string => canonicalJson(c);

export interface CrashOracle {
  /** Returned-count vector (JSON) → content key → content. */
  byReturned: Map<string, Map<string, Content>>;
  states: number;
}

export type CrashOracleResult = { ok: true; oracle: CrashOracle } | { ok: false; reason: string };

function contentOf(w: World): Content {
  const size = w.inodes[0]?.size ?? 0;
  return { size, blocks: spec.fileContent(w, 0).slice(0, Math.ceil(size / BS)) };
}

/** The post-crash contents the spec allows, per returned-count vector. */
export function crashOracle(p: MultiProgram, maxStates = 400_000): CrashOracleResult {
  const built = specSettings(p, BS, { maxPowerLosses: 1, backgroundCommit: true });
  if (!built.ok) return built;
  const model = spec.buildModel(built.settings);
  const g = gather(
    model,
    (w): { returned: number[]; content: Content } | undefined => (w.crashed ? { returned: w.tasks.map((t) => t.results.length), content: contentOf(w) } : undefined),
    (x) => canonicalJson(x),
    maxStates,
  );
  if (!g.complete) return { ok: false, reason: `the spec's search passed ${maxStates} states` };
  const byReturned = new Map<string, Map<string, Content>>();
  for (const x of g.found.values()) {
    const k = JSON.stringify(x.returned);
    const m = byReturned.get(k) ?? new Map<string, Content>();
    m.set(contentKey(x.content), x.content);
    byReturned.set(k, m);
  }
  return { ok: true, oracle: { byReturned, states: g.states } };
}

const within = (v: readonly number[], b: Bounds): boolean => v.length === b.length && v.every((n, t) => n >= (b[t]?.[0] ?? 0) && n <= (b[t]?.[1] ?? 0));

/** The spec contents allowed at a crash point with these bounds. */
export function allowedAt(o: CrashOracle, b: Bounds): Map<string, Content> {
  const out = new Map<string, Content>();
  for (const [k, m] of o.byReturned) if (within(JSON.parse(k) as number[], b)) for (const [ck, c] of m) out.set(ck, c);
  return out;
}

/** Write blocks whose data is on the device in a crash state (from the applied log writes). */
export function onDevice(log: readonly LogRec[], writes: readonly number[], ids: ReadonlySet<number>): Set<string> {
  const found = new Set<string>();
  for (const i of writes) {
    const r = log[i];
    if (r === undefined || r.kind !== 'W') continue;
    for (let k = (BS - (r.off % BS)) % BS; k + 16 <= r.data.length; k += BS) {
      const m = /^W(\d{4})B(\d{4})P000;\n$/.exec(r.data.toString('latin1', k, k + 16));
      if (m !== null && ids.has(Number(m[1]))) found.add(Number(m[1]) >= INIT_ID ? spec.initToken(0, Number(m[1]) - INIT_ID) : spec.writeToken(`W${Number(m[1])}`, Number(m[2])));
    }
  }
  return found;
}

/** File block of a token, and its age: set-up data is oldest, then writes in program order. */
function placeOf(p: MultiProgram, t: Token): { block: number; age: number } | undefined {
  const init = /^f0\.init\[(\d+)\]$/.exec(t);
  if (init !== null) return { block: Number(init[1]), age: 0 };
  const m = /^W(\d+)\[(\d+)\]$/.exec(t);
  if (m === null) return undefined;
  const order = p.tasks.flat().filter((o) => o.op === 'pwritev2');
  const k = order.findIndex((o) => o.op === 'pwritev2' && o.id === Number(m[1]));
  const w = order[k];
  return w === undefined || w.op !== 'pwritev2' ? undefined : { block: w.off / BS + Number(m[2]), age: k + 1 };
}

/**
 * Data on the device that the file does not show although it is newer than what the
 * file shows in that block (zeros count as oldest): the tell-tale of data written to a
 * block whose mapping the crash rolled back. "Newer" is program order, so this is only
 * meaningful for one task.
 */
export function newerOnDevice(p: MultiProgram, dev: ReadonlySet<string>, c: Content): string[] {
  return [...dev]
    .filter((t) => {
      const at = placeOf(p, t);
      if (at === undefined) return false;
      const shown = c.blocks[at.block];
      if (shown === undefined || shown === t) return false;
      const age = shown === spec.ZERO ? -1 : (placeOf(p, shown)?.age ?? Infinity);
      return age < at.age;
    })
    .sort();
}

/** One post-crash content the kernel showed. */
export interface Seen {
  content: Content;
  count: number;
  allowed: boolean;
  /** Per distinct set of newer-data-on-the-device-but-not-in-the-file ("" for none): an example crash state and how many. */
  lost: Map<string, { tokens: string[]; example: CrashState; count: number }>;
}

export interface CrashRow {
  program: string;
  fs: FsKind;
  /** The program's tasks (a shrunk row's are smaller). */
  tasks: Op[][];
  records: { W: number; F: number; M: number };
  points: number;
  states: number;
  agreements: number;
  disagreements: number;
  unmountable: number;
  specOutcomes: number;
  /** Spec post-crash contents no crash state showed. */
  notObserved: Content[];
  specStates: number;
  unmodelled?: string;
  /** Per distinct kernel content: how many crash states showed it, and an example. */
  seen: Map<string, Seen>;
  /** The smallest program found that still disagrees, with its own row. */
  shrunk?: CrashRow;
  ms: number;
}

export function readText(p: MultiProgram): string {
  return ['open direct=1', `pread fd=0 off=0 len=${p.blocks.length * BS} misalign=0`, 'statx fd=0', 'end', ''].join('\n');
}

export function kernelContent(p: MultiProgram, lines: readonly string[]): Content {
  const offsets = new Map<number, number>();
  for (const ops of p.tasks) for (const o of ops) if (o.op === 'pwritev2') offsets.set(o.id, o.off);
  const rs = lines.map(parseLine).filter((r) => !('end' in r));
  const read = rs.find((r) => 'op' in r && r.op === 'pread');
  const st = rs.find((r) => 'op' in r && r.op === 'statx');
  const size = st !== undefined && 'statx' in st && st.statx !== undefined ? st.statx.size : -1;
  const blocks = read !== undefined && 'blocks' in read && read.blocks !== undefined ? read.blocks.map((t, b) => specToken(t, b, offsets)) : [];
  return { size, blocks };
}

export interface CrashRunOptions extends CrashOptions {
  /** Mount at most this many crash states per program (spread over the log). */
  maxStates: number;
  /** The recording loop device's max_sectors_kb (undefined: leave the default). */
  requestKiB?: number;
  /** Shrink a disagreeing program (default true). */
  shrink?: boolean;
}

/** Picks `n` of `xs` spread evenly (all when there are few). */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)] as T);
}

/** Where the allowed post-crash contents come from (the spec; a test may substitute a wrong one on purpose). */
export type OracleFor = (p: MultiProgram) => CrashOracleResult;

/**
 * Greedy shrinking of a program whose crash states disagree: take the first smaller
 * program (one task or one non-open op fewer) that, recorded again, still has a crash
 * state the oracle does not allow; repeat until none does.
 */
export async function shrinkCrash(lab: CrashLab, p: MultiProgram, o: CrashRunOptions, oracleFor: OracleFor, log: (s: string) => void): Promise<CrashRow | undefined> {
  let best: CrashRow | undefined;
  let cur = p;
  for (let progress = true; progress; ) {
    progress = false;
    for (const c of smaller(cur)) {
      if (!oracleFor(c).ok) continue;
      const r = await runCrashProgram(lab, c, { ...o, shrink: false }, log, oracleFor);
      if (r.disagreements > 0) {
        best = r;
        cur = c;
        progress = true;
        break;
      }
    }
  }
  return best;
}

export async function runCrashProgram(lab: CrashLab, p: MultiProgram, o: CrashRunOptions, log: (s: string) => void = () => undefined, oracleFor: OracleFor = crashOracle): Promise<CrashRow> {
  const t0 = performance.now();
  const row: CrashRow = { program: p.name, fs: p.fs, tasks: p.tasks, records: { W: 0, F: 0, M: 0 }, points: 0, states: 0, agreements: 0, disagreements: 0, unmountable: 0, specOutcomes: 0, notObserved: [], specStates: 0, seen: new Map(), ms: 0 };
  const oracle = oracleFor(p);
  if (!oracle.ok) row.unmodelled = oracle.reason;
  else {
    row.specStates = oracle.oracle.states;
    const all = new Map<string, Content>();
    for (const m of oracle.oracle.byReturned.values()) for (const [k, c] of m) all.set(k, c);
    row.specOutcomes = all.size;
  }
  const rec = await record(lab, toHelperText(p, 'syncfs'), o.requestKiB);
  // The recording is only worth its crash states when the set-up and the program ran.
  const failed = rec.lines.map(parseLine).find((r) => !('end' in r) && r.errno !== null && r.op !== 'pwritev2' && r.op !== 'pread');
  if (failed !== undefined && !('end' in failed)) throw new Error(`${p.name}: ${failed.op} failed with ${failed.errno ?? ''} while recording`);
  if (rec.lines.length < p.tasks.flat().length) throw new Error(`${p.name}: the helper answered ${rec.lines.length} lines for ${p.tasks.flat().length} task ops while recording`);
  const logRecs = readLog(rec.log);
  for (const r of logRecs) row.records[r.kind]++;
  const states = crashStates(logRecs, p.tasks.length, o);
  row.points = new Set(states.flatMap((s) => s.points.map((x) => x.at))).size;
  const chosen = spread(states, o.maxStates);
  const ids = new Set<number>([...p.blocks.keys()].map((b) => INIT_ID + b));
  for (const ops of p.tasks) for (const op of ops) if (op.op === 'pwritev2') ids.add(op.id);
  const specSeen = new Set<string>();
  for (const [n, s] of chosen.entries()) {
    const img = join(lab.dir, `crash-${n}.img`);
    materialize(rec.base, logRecs, s.writes, img);
    const r = await mountAndRead(lab, img, readText(p));
    rmSync(img, { force: true });
    row.states++;
    if (!r.ok) {
      row.unmountable++;
      log(`${p.name}: crash state ${n} (${s.how}) does not mount: ${r.error}`);
      continue;
    }
    const c = kernelContent(p, r.lines);
    const k = contentKey(c);
    let allowed = false;
    if (oracle.ok) {
      for (const pt of s.points) {
        const a = allowedAt(oracle.oracle, pt.bounds);
        if (a.has(k)) allowed = true;
      }
      if (allowed) {
        row.agreements++;
        specSeen.add(k);
      } else row.disagreements++;
    }
    const lost = newerOnDevice(p, onDevice(logRecs, s.writes, ids), c);
    const e = row.seen.get(k) ?? { content: c, count: 0, allowed, lost: new Map() };
    row.seen.set(k, e);
    e.count++;
    const lk = lost.join(' ');
    const l = e.lost.get(lk);
    if (l === undefined) e.lost.set(lk, { tokens: lost, example: s, count: 1 });
    else l.count++;
  }
  if (oracle.ok) {
    const all = new Map<string, Content>();
    for (const m of oracle.oracle.byReturned.values()) for (const [kk, c] of m) all.set(kk, c);
    row.notObserved = [...all].filter(([kk]) => !specSeen.has(kk)).map(([, c]) => c);
  }
  if (row.disagreements > 0 && o.shrink !== false) {
    log(`shrinking ${p.name}`);
    const m = await shrinkCrash(lab, p, o, oracleFor, log);
    if (m !== undefined) row.shrunk = m;
  }
  row.ms = performance.now() - t0;
  log(`${p.name} (${p.fs}): ${row.records.W} writes, ${row.records.F} flushes, ${states.length} crash states, mounted ${row.states}: ${row.agreements} agree, ${row.disagreements} disagree (${(row.ms / 1000).toFixed(1)} s)`);
  return row;
}

export async function runCrash(programs: readonly MultiProgram[], o: CrashRunOptions, log: (s: string) => void = () => undefined): Promise<{ rows: CrashRow[]; skipped: string[] }> {
  const rows: CrashRow[] = [];
  const skipped: string[] = [];
  for (const kind of ['xfs', 'ext4'] as const) {
    const mine = programs.filter((p) => p.fs === kind);
    if (mine.length === 0) continue;
    const r = await withCrashLab(kind, async (lab) => {
      const out: CrashRow[] = [];
      for (const p of mine) out.push(await runCrashProgram(lab, p, o, log));
      return out;
    });
    if ('skipped' in r) skipped.push(`${kind}: ${r.skipped}`);
    else rows.push(...r.value);
  }
  return { rows, skipped };
}

const showContent = (c: Content): string => `size ${c.size} [${c.blocks.join(' ')}]`;

export function formatCrashRows(rows: readonly CrashRow[]): string {
  const head = ['program', 'fs', 'log W/F/marks', 'crash points', 'crash states mounted', 'agreements', 'disagreements', 'unmountable', 'spec contents', 'not observed', 'time'];
  const body = rows.map((r) => [r.program, r.fs, `${r.records.W}/${r.records.F}/${r.records.M}`, String(r.points), String(r.states), r.unmodelled === undefined ? String(r.agreements) : 'n/a', r.unmodelled === undefined ? String(r.disagreements) : 'n/a', String(r.unmountable), r.unmodelled === undefined ? String(r.specOutcomes) : 'n/a', r.unmodelled === undefined ? String(r.notObserved.length) : 'n/a', `${(r.ms / 1000).toFixed(1)} s`]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padEnd(w[i] ?? 0)).join(' | ') + ' |';
  return [line(head), '|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|', ...body.map(line)].join('\n');
}

export function formatCrashDetails(rows: readonly CrashRow[]): string {
  const parts: string[] = [];
  for (const r of rows) {
    parts.push(`${r.program} (${r.fs}${r.unmodelled === undefined ? `, ${r.specStates} spec states` : `; not modelled: ${r.unmodelled}`}):`);
    for (const s of [...r.seen.values()].sort((a, b) => b.count - a.count)) {
      parts.push(`  ${String(s.count).padStart(5)}  ${showContent(s.content)}${r.unmodelled === undefined && !s.allowed ? '   [DISAGREEMENT]' : ''}`);
      for (const l of s.lost.values()) if (l.tokens.length > 0) parts.push(`         ${l.count} of them with newer data on the device than the file shows: ${l.tokens.join(' ')} — e.g. ${l.example.how}`);
    }
    for (const c of r.notObserved) parts.push(`      0  ${showContent(c)}   [allowed by the spec, no crash state shows it]`);
    if (r.shrunk !== undefined) {
      const bad = [...r.shrunk.seen.values()].filter((x) => !x.allowed);
      parts.push(`  shrunk: ${r.shrunk.tasks.map((t, i) => `T${i + 1}: ${t.map((op) => (op.op === 'pwritev2' ? `pwritev2 off=${op.off} len=${op.segs.join('+')}${op.flags.length > 0 ? ` ${op.flags.join('|')}` : ''}` : op.op)).join(', ')}`).join('; ')} → ${bad.map((x) => `${showContent(x.content)} (e.g. ${[...x.lost.values()][0]?.example.how ?? '?'})`).join('; ')}`);
    }
  }
  return parts.join('\n');
}
