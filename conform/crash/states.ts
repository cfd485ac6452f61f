/**
 * Crash states from a recorded block-device log, as CrashMonkey and dm-log-writes build
 * them: a device with a volatile write cache has, at any crash point, every write that a
 * completed flush covered, plus any subset of the writes it received after the last
 * flush (the cache may have written back some of them, in any order).
 *
 * The log (conform/crash/logdev.c) is a sequence of W(offset, data), F (flush) and
 * M(text) records. The marks say which syscalls had started or returned at each point:
 * the helper writes "b T I" before task T's op I and "e T I" after it, and "x" when the
 * program is over. A crash point between marks thus bounds how many syscalls of each
 * task had returned — what the spec needs to say which post-crash contents are allowed.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type LogRec = { kind: 'W'; off: number; data: Buffer } | { kind: 'F' } | { kind: 'M'; text: string };

const MAGIC = 0x474c5057;

export class LogError extends Error {}

export function parseLog(buf: Buffer): LogRec[] {
  const out: LogRec[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 24 > buf.length) throw new LogError(`log ends inside a record header at byte ${at}`);
    if (buf.readUInt32LE(at) !== MAGIC) throw new LogError(`bad record magic at byte ${at}`);
    const kind = buf.readUInt32LE(at + 4);
    const off = Number(buf.readBigUInt64LE(at + 8));
    const len = Number(buf.readBigUInt64LE(at + 16));
    const body = buf.subarray(at + 24, at + 24 + len);
    if (body.length !== len) throw new LogError(`log ends inside a record body at byte ${at}`);
    if (kind === 1) out.push({ kind: 'W', off, data: Buffer.from(body) });
    else if (kind === 2) out.push({ kind: 'F' });
    else if (kind === 3) out.push({ kind: 'M', text: body.toString('utf8').trim() });
    else throw new LogError(`unknown record kind ${kind} at byte ${at}`);
    at += 24 + len;
  }
  return out;
}

export const readLog = (path: string): LogRec[] => parseLog(readFileSync(path));

/** For each task, how many of its syscalls had returned at a crash point: [at least, at most]. */
export type Bounds = Array<[number, number]>;

/** The bounds at each log position c (a crash after record c-1), for c in 0..log.length. */
export function boundsAt(log: readonly LogRec[], tasks: number): Bounds[] {
  const cur: Bounds = Array.from({ length: tasks }, (): [number, number] => [0, 0]);
  const out: Bounds[] = [cur.map((b): [number, number] => [...b])];
  for (const r of log) {
    if (r.kind === 'M') {
      const m = /^([be]) (\d+) (\d+)$/.exec(r.text);
      const t = m === null ? undefined : cur[Number(m[2])];
      if (m !== null && t !== undefined) {
        const i = Number(m[3]);
        // Before op i: ops 0..i-1 returned, op i may return any moment. After it: 0..i.
        if (m[1] === 'b') {
          t[0] = i;
          t[1] = i + 1;
        } else {
          t[0] = i + 1;
          t[1] = i + 1;
        }
      }
    }
    out.push(cur.map((b): [number, number] => [...b]));
  }
  return out;
}

/** The log positions where the program runs: from its first task mark to its end mark. */
export function programWindow(log: readonly LogRec[]): { from: number; to: number } | undefined {
  const from = log.findIndex((r) => r.kind === 'M' && /^[be] \d+ \d+$/.test(r.text));
  const to = log.findIndex((r) => r.kind === 'M' && r.text.startsWith('x'));
  if (from < 0 || to < 0) return undefined;
  return { from, to };
}

/** One crash state: which write records survive, and every crash point it stands for. */
export interface CrashState {
  /** Indexes of the W records applied to the base image, in log order. */
  writes: number[];
  /** Identity of the resulting image (equal keys, equal images). */
  key: string;
  /** The crash points (log positions) that can leave this image, with their bounds. */
  points: Array<{ at: number; bounds: Bounds }>;
  /** Human description: "prefix to 123" or "prefix to 120 + 2 of 5 after the flush". */
  how: string;
}

const SECTOR = 512;

/** Which write last wrote each sector: equal maps give equal images. */
export function imageKey(log: readonly LogRec[], writes: readonly number[]): string {
  const owner = new Map<number, number>();
  for (const i of writes) {
    const r = log[i];
    if (r === undefined || r.kind !== 'W') continue;
    const first = Math.floor(r.off / SECTOR);
    const n = Math.ceil(r.data.length / SECTOR);
    for (let s = first; s < first + n; s++) owner.set(s, i);
  }
  const h = createHash('sha256');
  for (const [s, i] of [...owner].sort((a, b) => a[0] - b[0])) h.update(`${s}:${i};`);
  return h.digest('hex').slice(0, 24);
}

/** A small deterministic generator (mulberry32), so a run's crash states are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CrashOptions {
  /** All subsets of the unflushed writes when there are at most this many (else samples). */
  fullSubsetsUpTo: number;
  /** Sampled subsets per crash point beyond that. */
  samples: number;
  seed: number;
}

export const CRASH_DEFAULTS: CrashOptions = { fullSubsetsUpTo: 8, samples: 64, seed: 1 };

/** Subsets of `xs` to try: all of them when few, else every one-dropped, one-kept and samples. */
function subsets(xs: readonly number[], o: CrashOptions, rand: () => number): number[][] {
  const n = xs.length;
  if (n <= o.fullSubsetsUpTo) {
    const out: number[][] = [];
    for (let m = 0; m < 1 << n; m++) out.push(xs.filter((_, i) => (m & (1 << i)) !== 0));
    return out;
  }
  const out: number[][] = [[], [...xs]];
  for (let i = 0; i < n; i++) {
    out.push(xs.filter((_, j) => j !== i));
    out.push([xs[i] ?? 0]);
  }
  for (let k = 0; k < o.samples; k++) out.push(xs.filter(() => rand() < 0.5));
  return out;
}

/**
 * Every crash state of the program window: at each crash point, the flushed writes plus
 * every subset (or a sample) of the writes since the last flush. Crash points that leave
 * the same image are merged (each keeps its own bounds).
 */
export function crashStates(log: readonly LogRec[], tasks: number, o: CrashOptions = CRASH_DEFAULTS): CrashState[] {
  const w = programWindow(log);
  if (w === undefined) return [];
  const bounds = boundsAt(log, tasks);
  const rand = rng(o.seed);
  const byKey = new Map<string, CrashState>();
  let lastFlush = -1;
  for (let i = 0; i < w.from; i++) if (log[i]?.kind === 'F') lastFlush = i;
  const durable = (upTo: number): number[] => {
    const out: number[] = [];
    for (let i = 0; i < upTo; i++) if (log[i]?.kind === 'W') out.push(i);
    return out;
  };
  // Crash points: every position in the window where the bounds or the flush epoch change,
  // and after every write (a prefix). Subsets are taken where a mark or a flush follows.
  for (let c = w.from; c <= w.to; c++) {
    const prev = log[c - 1];
    if (prev?.kind === 'F') lastFlush = c - 1;
    const b = bounds[c];
    if (b === undefined) continue;
    const flushed = durable(lastFlush + 1);
    const volatile: number[] = [];
    for (let i = lastFlush + 1; i < c; i++) if (log[i]?.kind === 'W') volatile.push(i);
    const nextRec = log[c];
    const boundary = nextRec === undefined || nextRec.kind !== 'W';
    const choices = boundary ? subsets(volatile, o, rand) : [volatile];
    for (const kept of choices) {
      const writes = [...flushed, ...kept];
      const key = imageKey(log, writes);
      const how = `crash after record ${c - 1} of ${log.length}: ${flushed.length} flushed writes + ${kept.length} of ${volatile.length} since the last flush`;
      const s = byKey.get(key);
      if (s === undefined) byKey.set(key, { writes, key, points: [{ at: c, bounds: b }], how });
      else if (!s.points.some((p) => JSON.stringify(p.bounds) === JSON.stringify(b))) s.points.push({ at: c, bounds: b });
    }
  }
  return [...byKey.values()];
}
