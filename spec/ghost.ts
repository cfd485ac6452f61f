/**
 * Ghost bookkeeping: history that the kernel does not keep but the properties need (which
 * writes were in progress when, which data a successful sync promised to keep), and the
 * per-task results log that records every syscall's return value.
 *
 * Models Linux 6.18.
 */
import { writeToken, ZERO, type Token } from './token.ts';
import type { AtomicPath, Ret, SwCause, SyscallResult, Task, WriteReq } from './vfs/types.ts';
import type { PropertyName, World } from './world.ts';
import { frozen, withAt, withMembers } from './cow.ts';

export interface GhostWrite {
  id: string;
  task: number;
  ino: number;
  blk: number;
  nblk: number;
  atomic: boolean;
  /** Logical clock at syscall entry and return (null while in progress). */
  start: number;
  end: number | null;
  /** Return value once returned. */
  ret: Ret | null;
  path: AtomicPath;
  swCause: SwCause | null;
  /** Data requests that carried this write's tokens: [atomic, first p, nblocks]. */
  bios: Array<{ atomic: boolean; p: number; n: number }>;
  /**
   * The byte range, only when the write does not cover its blocks whole (sub-block data:
   * its tokens then cover only these bytes). Absent for block-aligned writes, so their
   * ghost state is what it was before sub-block data.
   */
  bytes?: { pos: number; count: number };
  /**
   * Set for a truncate, hole punch or zero range (spec/vfs/truncate.ts): the blocks it covers
   * read as zeroes after it, so its token is `zero` rather than `id[i]`.
   */
  zeroes?: true;
  /** A store through a mapping: how many times ->page_mkwrite ran for it (spec/mm/memory.ts bounds the split). */
  mkwrites?: number;
}

/** Bytes [from, to) of file block `b` that write `g` covers (block offsets). */
export function ghostBytesIn(g: GhostWrite, b: number, bs: number): { from: number; to: number } {
  if (g.bytes === undefined) return { from: 0, to: bs };
  const b0 = b * bs;
  return { from: Math.max(g.bytes.pos, b0) - b0, to: Math.min(g.bytes.pos + g.bytes.count, b0 + bs) - b0 };
}

/** Record a write's byte range when it is not block-aligned (see GhostWrite.bytes). */
export function noteWriteBytes(w: World, id: string, pos: number, count: number, bs: number): void {
  if (pos % bs === 0 && count % bs === 0) return;
  const g = w.ghost.writes.find((x) => x.id === id);
  if (g !== undefined) g.bytes = { pos, count };
}

/** Whether ghost write g returned success (a write: bytes written; a truncate or fallocate: 0). */
export const ghostSucceeded = (g: Pick<GhostWrite, 'ret' | 'zeroes'>): boolean => (g.zeroes === true ? g.ret === 0 : typeof g.ret === 'number' && g.ret > 0);

/** What block i of ghost write g leaves in the file: its token, or zeroes for a truncate / punch. */
export const ghostToken = (g: Pick<GhostWrite, 'id' | 'zeroes'>, i: number): Token => (g.zeroes === true ? ZERO : writeToken(g.id, i));

/** A durability obligation: after power loss, (ino, blk) must hold `t` or newer data. */
export interface Obligation {
  ino: number;
  blk: number;
  t: Token;
  /** Clock at which the write that made `t` started: writes still running then may overwrite it. */
  since: number;
}

/**
 * An open file that owes its task a writeback error: writeback of the file failed while it
 * was open and its fsync has not reported an error since. `missed` is set when its
 * fsync checked for errors and reported none.
 */
export interface OwedError {
  task: number;
  fd: number;
  ino: number;
  bio: number;
  missed: boolean;
}

export interface Ghost {
  clock: number;
  writes: GhostWrite[];
  obligations: Obligation[];
  /** Data whose writeback failed: no later fsync can make it durable (the folio is clean). */
  lost: Array<{ ino: number; blk: number; t: Token }>;
  wbErrOwed: OwedError[];
  /**
   * Violations a step reports about itself (the use of a stale iomap is judged where it
   * happens, not by a later observation): the property and what happened.
   */
  flagged: Array<{ property: PropertyName; what: string }>;
}

export function task(w: World, ti: number): Task {
  const t = w.tasks[ti];
  if (t === undefined) throw new Error(`no task ${ti}`);
  return t;
}

export function ghostWrite(w: World, id: string): GhostWrite {
  const g = w.ghost.writes.find((x) => x.id === id);
  if (g === undefined) throw new Error(`no ghost write ${id}`);
  return g;
}

/** A write enters the kernel: it is in progress from now on. */
export function beginWrite(w: World, ti: number, id: string, ino: number, blk: number, nblk: number, atomic: boolean): void {
  w.ghost.clock++;
  w.ghost.writes.push({ id, task: ti, ino, blk, nblk, atomic, start: w.ghost.clock, end: null, ret: null, path: 'none', swCause: null, bios: [] });
}

/** The syscall returns: append to the results log and move to the next program step. */
export function finishSyscall(w: World, ti: number, result: SyscallResult): void {
  const t = task(w, ti);
  t.results.push(result);
  t.cur = null;
  t.pc++;
  w.ghost.clock++;
}

/** A write returns `ret`; a successful O_DSYNC/RWF_(D)SYNC write promises its blocks. */
export function endWrite(w: World, ti: number, req: Pick<WriteReq, 'id' | 'ino' | 'blk' | 'nblk' | 'dsync'>, ret: Ret): void {
  const g = ghostWrite(w, req.id);
  finishSyscall(w, ti, { op: 'pwritev2', id: req.id, ret, path: g.path, swCause: g.swCause });
  g.end = w.ghost.clock;
  g.ret = ret;
  if (req.dsync && typeof ret === 'number' && ret > 0) {
    for (let i = 0; i < req.nblk; i++) promise(w, req.ino, req.blk + i, writeToken(req.id, i), g.start);
  }
}

/**
 * endWrite without a draft (issue 10d): the task's syscall returns and the ghost write ends,
 * as new task, ghost write and obligations; the rest of the world is shared.
 */
export function endWritePure(w: World, ti: number, req: Pick<WriteReq, 'id' | 'ino' | 'blk' | 'nblk' | 'dsync'>, ret: Ret): World {
  const gi = w.ghost.writes.findIndex((x) => x.id === req.id);
  const g = w.ghost.writes[gi];
  if (g === undefined) throw new Error(`no ghost write ${req.id}`);
  const t = task(w, ti);
  // finishSyscall: the clock moves on as the syscall returns, and the write ends then.
  const clock = w.ghost.clock + 1;
  const result: SyscallResult = frozen({ op: 'pwritev2', id: req.id, ret, path: g.path, swCause: g.swCause });
  const tasks = withAt(w.tasks, ti, withMembers(t, { results: frozen([...t.results, result]), cur: null, pc: t.pc + 1 }));
  let obligations = w.ghost.obligations;
  if (req.dsync && typeof ret === 'number' && ret > 0) {
    for (let i = 0; i < req.nblk; i++) obligations = promised(obligations, req.ino, req.blk + i, writeToken(req.id, i), g.start);
  }
  const writes = withAt(w.ghost.writes, gi, withMembers(g, { end: clock, ret }));
  return withMembers(w, { tasks, ghost: withMembers(w.ghost, { clock, writes, obligations }) });
}

/** `promise` on a frozen obligation list: the new list, or `obs` itself when an obligation as old or newer stands. */
function promised(obs: Obligation[], ino: number, blk: number, t: Token, since: number): Obligation[] {
  const old = obs.find((o) => o.ino === ino && o.blk === blk);
  if (old !== undefined && old.since > since) return obs;
  return frozen([...obs.filter((o) => !(o.ino === ino && o.blk === blk)), frozen({ ino, blk, t, since })].sort((a, b) => a.ino - b.ino || a.blk - b.blk));
}

/** For the pure steps: `w` with task `ti`'s members in `patch` replaced. */
export function withTask(w: World, ti: number, patch: Partial<Task>): World {
  return withMembers(w, { tasks: withAt(w.tasks, ti, withMembers(task(w, ti), patch)) });
}

function promise(w: World, ino: number, blk: number, t: Token, since: number): void {
  const old = w.ghost.obligations.find((o) => o.ino === ino && o.blk === blk);
  if (old !== undefined && old.since > since) return;
  w.ghost.obligations = [...w.ghost.obligations.filter((o) => !(o.ino === ino && o.blk === blk)), { ino, blk, t, since }].sort((a, b) => a.ino - b.ino || a.blk - b.blk);
}

/**
 * fsync/fdatasync (or msync MS_SYNC, over its range) returned 0: every block's latest write
 * (or store through a mapping) that returned before the sync began must survive a power loss.
 */
export function promiseFile(w: World, ino: number, fsyncStart: number, range?: { blk: number; nblk: number }): void {
  // msync(MS_SYNC) promises only the range it synced.
  const { blk: first, nblk } = range ?? { blk: 0, nblk: w.inodes[ino]?.map.length ?? 0 };
  for (let b = first; b < first + nblk; b++) {
    let best: GhostWrite | null = null;
    for (const g of w.ghost.writes) {
      if (g.ino !== ino || b < g.blk || b >= g.blk + g.nblk) continue;
      if (g.end === null || g.end >= fsyncStart || !ghostSucceeded(g)) continue;
      if (best === null || (best.end ?? 0) < g.end) best = g;
    }
    if (best === null) continue;
    const t = ghostToken(best, b - best.blk);
    // Linux does not retry failed writeback: a later fsync returns 0 and promises nothing
    // about data whose error an earlier fsync (or another file) already reported.
    if (w.ghost.lost.some((l) => l.ino === ino && l.blk === b && l.t === t)) continue;
    promise(w, ino, b, t, best.start);
  }
}

/**
 * Writeback of `ino` failed (bio `bio`): every file open on it now owes its task an error
 * at its next fsync, and the data the bio carried is lost.
 */
export function recordWritebackFailure(w: World, ino: number, bio: number, blocks: Array<{ blk: number; t: Token }>): void {
  for (const b of blocks) if (!w.ghost.lost.some((l) => l.ino === ino && l.blk === b.blk && l.t === b.t)) w.ghost.lost.push({ ino, blk: b.blk, t: b.t });
  w.tasks.forEach((t, ti) =>
    t.fds.forEach((of, fd) => {
      if (of.ino !== ino || of.closed === true || w.ghost.wbErrOwed.some((o) => o.task === ti && o.fd === fd)) return;
      w.ghost.wbErrOwed.push({ task: ti, fd, ino, bio, missed: false });
    }),
  );
}

/** An fsync on (task, fd) checked for writeback errors and reported `reported`. */
export function settleOwedErrors(w: World, ti: number, fd: number, reported: boolean): void {
  if (reported) {
    w.ghost.wbErrOwed = w.ghost.wbErrOwed.filter((o) => !(o.task === ti && o.fd === fd));
    return;
  }
  for (const o of w.ghost.wbErrOwed) if (o.task === ti && o.fd === fd) o.missed = true;
}
