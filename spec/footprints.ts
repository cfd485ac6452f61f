/**
 * What the spec's steps read and write, for partial-order reduction (checker/reduce.ts; the
 * argument is in proofs-notes/checker.md, "Partial-order reduction and the spec (issue 10t)").
 * On by default in `writepath check` (`--no-por` turns it off), with symmetry too: the footprints
 * commute with spec/symmetry.ts's renaming of tasks (test/spec-por-symmetry.test.ts; the argument
 * is in proofs-notes/checker.md, "Partial-order reduction with symmetry (issue 10v)").
 * Models Linux 6.18: the locks and steps named are those of its direct I/O paths.
 *
 * A footprint is a set of *cells*: parts of the world named by a path cut at a fixed depth
 * (`cellOf`): task i's syscall in progress (`tasks.i.cur.in`, and whether there is one,
 * `tasks.i.cur#`), its pc, results and open files; each field of inode n (`inodes.n.map`,
 * `inodes.n.size`, ...), with i_rwsem and i_dio_count cut by task (`inodeCells`); page-cache
 * block (n, b); each field of mapping n; the device's request queue, its volatile cache and
 * media block p; each field of the ghost (the clock, and the ghost writes field by field);
 * every other member of the world whole (the journal, the free map, ...).
 *
 * Coverage. A world is *covered* (`coveredWorld`) when it can only run the direct I/O
 * described here: XFS or ext4, no flusher, reclaim or FUSE, nothing in writeback, no dirty or
 * locked folio, no mapping, no recovery, no reflink inode (a sub-block write to one falls back
 * to a buffered write), no post-crash programs, and every task's current and remaining calls
 * are opens with O_DIRECT, pwritev2 at or below the file's size (so no zeroing through the
 * page cache) and pread. A covered world's successors are covered or crashed (tested), so the
 * futures below hold along every path from it. In any other world every footprint is the top
 * one (reads and writes everything): nothing is reduced there, so coverage can grow without
 * being unsound. In a covered world:
 *  - task steps: footprints of their own for the steps that move a task's syscall along
 *    touching only its own cells, one inode's lock or count and what they read (`taskStep`,
 *    by syscall and phase); every other task step may touch anything but the other tasks
 *    (`region`);
 *  - a task's future: nothing once its program is done, else `region` narrowed where cheap
 *    to know (`taskFuture`);
 *  - the device's future while task p is still: the device, the error count, and the syscall
 *    state of each task that owns or could submit a request (p only if p has one in flight:
 *    p submits none while it takes no step);
 *  - the journal's (background commits): reads the inodes' metadata, the free map, the
 *    directory, the orphans, the journal and the device; writes the journal and the device;
 *  - the device's and the journal's own steps write the volatile cache (what a power loss
 *    leaves), so they are never deferred: their next footprints are the top one;
 *  - power loss is an observer (checker/reduce.ts) when the scenario has no post-crash
 *    programs (then its successors are terminal); with them nothing is covered;
 *  - the other background actors (flusher, reclaim, FUSE server, end-io workers, recovery)
 *    have no work in a covered world and the covered steps make none: nothing.
 * What the properties and a power loss's outcome read is every cell but the `invisible` ones.
 *
 * Audited in test/spec-por.test.ts: along random walks, each step's recorded reads and writes
 * lie in its declared footprint and in every earlier future of its actor, the properties read
 * nothing invisible, covered worlds lead to covered or crashed ones, and steps declared
 * independent commute.
 */
import type { Footprint, Footprints } from '../checker/types.ts';
import type { Action } from './model.ts';
import type { GhostWrite } from './ghost.ts';
import type { Inode } from './fs/types.ts';
import type { AddressSpace } from './mm/types.ts';
import type { Settings, World } from './world.ts';
import type { Syscall, Task } from './vfs/types.ts';
import type { Ghost } from './ghost.ts';
import type { Device } from './block/types.ts';
import { taskFinished } from './vfs/syscalls.ts';
import { xfsDioWriteChecks } from './fs/xfs/xfs_file.ts';
import type { LockMode } from './kernel/locking/rwsem.ts';

export type Path = readonly (string | number)[];

// Every field, by type: a new field does not compile until it is named here, so a region
// (everything but ...) cannot miss it.
const WORLD_FIELDS: Record<keyof World, true> = {
  device: true, inodes: true, free: true, journal: true, pageCache: true, mappings: true, ioends: true, ext4IoEnds: true, folioEnds: true, readBios: true, tasks: true,
  powerLosses: true, ioErrors: true, userFaults: true, crashed: true, ghost: true, fuse: true, dir: true, orphans: true, flushOnClose: true, dead: true,
  boot: true, renames: true, recovered: true, vmas: true, wpc: true,
};
const TASK_FIELDS: Record<keyof Task, true> = { pc: true, fds: true, cur: true, results: true };
const INODE_FIELDS: Record<keyof Inode, true> = { size: true, map: true, cow: true, diskSize: true, seq: true, iolock: true, invalidateLock: true, dioCount: true, reflink: true };
const MAPPING_FIELDS: Record<keyof AddressSpace, true> = { wbErr: true, asEio: true, asEnospc: true, folioBlocks: true, blockSize: true, maxFolioBlocks: true };
const GHOST_FIELDS: Record<keyof Ghost, true> = { clock: true, writes: true, obligations: true, lost: true, wbErrOwed: true, flagged: true };
const GHOST_WRITE_FIELDS: Record<keyof GhostWrite, true> = {
  id: true, task: true, ino: true, blk: true, nblk: true, atomic: true, start: true, end: true, ret: true, path: true, swCause: true, bios: true, bytes: true, zeroes: true, mkwrites: true,
};
const DEVICE_FIELDS: Record<keyof Device, true> = { media: true, cache: true, inflight: true };

/**
 * The cell a path of the world lies in, or null for a path above the cells (reading the
 * `tasks` array itself, an inode as an object: only steps with the top footprint change
 * those). A path into a cell names the cell; the cells `tasks.i.cur#` (whether a syscall is in
 * progress) and `ghost.writes#` (which ghost writes exist) are the shape of what is below them.
 */
export function cellOf(p: Path): string | null {
  const [top, a, b, c] = p;
  switch (top) {
    case undefined:
      return null;
    case 'tasks':
      if (typeof a !== 'number' || b === undefined) return null;
      if (b === 'cur') return c === undefined ? `tasks.${a}.cur#` : `tasks.${a}.cur.in`;
      return `tasks.${a}.${b}`;
    case 'inodes':
    case 'mappings':
      return typeof a === 'number' && b !== undefined ? `${top}.${a}.${b}` : null;
    case 'pageCache':
      return typeof a === 'number' && typeof b === 'number' ? `pageCache.${a}.${b}` : null;
    case 'device':
      if (a === undefined) return null;
      if (a === 'media') return typeof b === 'number' ? `device.media.${b}` : null;
      return `device.${a}`;
    case 'ghost':
      if (a === undefined) return null;
      if (a !== 'writes') return `ghost.${a}`;
      // A ghost write's field, whichever write: the properties find them by id.
      return typeof b === 'number' && c !== undefined ? `ghost.writes.${c}` : 'ghost.writes#';
    default:
      return String(top);
  }
}

/** Every cell of a world of these dimensions. */
function universeOf(w: World): string[] {
  const out: string[] = [];
  for (const f of Object.keys(WORLD_FIELDS) as Array<keyof World>) {
    if (f === 'tasks') w.tasks.forEach((_, i) => out.push(...taskCells(i)));
    else if (f === 'inodes') w.inodes.forEach((_, n) => out.push(...inodeCells(n, w.tasks.length)));
    else if (f === 'mappings') w.mappings.forEach((_, n) => Object.keys(MAPPING_FIELDS).forEach((k) => out.push(`mappings.${n}.${k}`)));
    else if (f === 'pageCache') w.pageCache.forEach((pc, n) => pc.forEach((_, b) => out.push(`pageCache.${n}.${b}`)));
    else if (f === 'device') {
      for (const k of Object.keys(DEVICE_FIELDS)) if (k !== 'media') out.push(`device.${k}`);
      w.device.media.forEach((_, p) => out.push(`device.media.${p}`));
    } else if (f === 'ghost') {
      for (const k of Object.keys(GHOST_FIELDS)) if (k !== 'writes') out.push(`ghost.${k}`);
      out.push('ghost.writes#', ...Object.keys(GHOST_WRITE_FIELDS).map((k) => `ghost.writes.${k}`));
    } else out.push(f);
  }
  return out;
}

/**
 * An inode's cells. i_rwsem and i_dio_count are cut by task: `iolock.sh.Ti` (task i holds it
 * shared), `iolock.ex.Ti` (exclusive), `dio.Ti` (task i's direct I/O is counted in). Taking
 * the lock shared reads every `ex` cell and writes its own `sh` one; exclusive reads every
 * cell of the lock; inode_dio_wait reads every `dio` cell. The holders are a set (kept
 * sorted) and the count a sum, so two tasks' changes to their own cells commute.
 */
function inodeCells(n: number, tasks: number): string[] {
  const out: string[] = [];
  for (const k of Object.keys(INODE_FIELDS)) {
    if (k === 'iolock') for (let i = 0; i < tasks; i++) out.push(`inodes.${n}.iolock.sh.T${i}`, `inodes.${n}.iolock.ex.T${i}`);
    else if (k === 'dioCount') for (let i = 0; i < tasks; i++) out.push(`inodes.${n}.dio.T${i}`);
    else out.push(`inodes.${n}.${k}`);
  }
  return out;
}

const lockCells = (n: number, tasks: number, kind: 'sh' | 'ex' | 'dio'): string[] =>
  Array.from({ length: tasks }, (_, i) => (kind === 'dio' ? `inodes.${n}.dio.T${i}` : `inodes.${n}.iolock.${kind}.T${i}`));

function taskCells(i: number): string[] {
  return Object.keys(TASK_FIELDS).flatMap((k) => (k === 'cur' ? [`tasks.${i}.cur#`, `tasks.${i}.cur.in`] : [`tasks.${i}.${k}`]));
}

const isTaskCell = (c: string): boolean => c.startsWith('tasks.');
/** Inode cells only task steps touch: the locks and the direct-I/O count. */
const isLockCell = (c: string): boolean => /^inodes\.\d+\.(iolock\.|dio\.|invalidateLock$)/.test(c);
/** The per-task cells of i_rwsem and i_dio_count. */
const isTaskLockCell = (c: string): boolean => /^inodes\.\d+\.(iolock|dio)\./.test(c);

/**
 * Cells no property reads, in a state or in the state a power loss would leave: a syscall's
 * progress, the open files, the inodes' locks and direct-I/O counts.
 */
export function invisible(c: string): boolean {
  return /^tasks\.\d+\.(cur\.in|fds)$/.test(c) || isLockCell(c);
}

const TOP: Footprint = { reads: [], writes: [], all: true };
const NOTHING: Footprint = { reads: [], writes: [] };

// ---------------------------------------------------------------------------------------------
// Coverage.

const DIRECT_OPEN_FLAGS = new Set(['O_DIRECT', 'O_DSYNC', 'O_SYNC']);

/** The inode a call through fd `fd` of task `ti` reaches: an open file, or a later open of its program. */
function inoOfFd(w: World, s: Settings, ti: number, fd: number): number | undefined {
  const t = w.tasks[ti]!;
  if (fd < t.fds.length) return t.fds[fd]!.ino;
  const opens = (s.programs[ti] ?? []).filter((c): c is Extract<Syscall, { op: 'open' }> => c.op === 'open');
  return opens[fd]?.file;
}

/** Whether `call`, not yet started, is one the covered world allows. */
function coveredCall(w: World, s: Settings, ti: number, call: Syscall): boolean {
  if (call.op === 'open') return call.flags.includes('O_DIRECT') && call.flags.every((f) => DIRECT_OPEN_FLAGS.has(f));
  if (call.op === 'pread') return true;
  if (call.op !== 'pwritev2') return false;
  const ino = inoOfFd(w, s, ti, call.fd);
  // At or below the size, no write zeroes through the page cache (xfs_file_write_zero_eof);
  // the covered calls never shrink a file.
  return ino !== undefined && w.inodes[ino] !== undefined && call.offset <= w.inodes[ino].size;
}

function coveredTask(w: World, s: Settings, ti: number): boolean {
  const t = w.tasks[ti]!;
  const program = s.programs[ti] ?? [];
  let from = t.pc;
  if (t.cur !== null) {
    if (t.cur.sys === 'dio-write') {
      if ((t.cur.phase === 'lock' || t.cur.phase === 'checks') && t.cur.req.pos > (w.inodes[t.cur.req.ino]?.size ?? -1)) return false;
    } else if (t.cur.sys !== 'dio-read') return false;
    from = t.pc + 1;
  }
  for (let k = from; k < program.length; k++) if (!coveredCall(w, s, ti, program[k]!)) return false;
  // Every fd a covered call uses was opened O_DIRECT (or will be: the opens are checked above).
  return t.fds.every((f) => f.direct);
}

/** The last world asked about: the reduction asks several times per state. */
let lastWorld: World | undefined;
let lastSettings: Settings | undefined;
let lastCovered = false;

/** See the module comment. */
export function coveredWorld(w: World, s: Settings): boolean {
  if (w === lastWorld && s === lastSettings) return lastCovered;
  const covered = coveredNow(w, s);
  // Only a frozen world cannot change under its identity.
  if (Object.isFrozen(w)) {
    lastWorld = w;
    lastSettings = s;
    lastCovered = covered;
  }
  return covered;
}

function coveredNow(w: World, s: Settings): boolean {
  if (s.fs.kind === 'fuse' || s.flusher === true || s.reclaim === true || (s.afterCrash?.length ?? 0) > 0 || w.crashed || w.boot !== null) return false;
  // A sub-block write to a reflink inode falls back to a buffered write (xfs_file.ts).
  if (w.inodes.some((i) => i.reflink)) return false;
  if (w.ioends.length > 0 || w.ext4IoEnds.length > 0 || w.folioEnds.length > 0 || w.readBios.length > 0 || w.wpc !== null || w.vmas.length > 0) return false;
  for (const pc of w.pageCache) for (const f of pc) if (f !== null && (f.dirty || f.writeback || f.locked === true)) return false;
  for (let ti = 0; ti < w.tasks.length; ti++) if (!coveredTask(w, s, ti)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Task steps in a covered world.

/** A task's own cells, and whether the world is crashed or booting (every task step's guard reads them). */
const own = (i: number): string[] => [...taskCells(i), 'crashed', 'boot'];
/** A mapping's geometry (its folio sizes and block size), which no step changes. */
const geometryCells = (n: number): string[] => ['folioBlocks', 'blockSize', 'maxFolioBlocks'].map((k) => `mappings.${n}.${k}`);
const cacheEmpty = (w: World, n: number): boolean => (w.pageCache[n] ?? []).every((f) => f === null);

/** Taking i_rwsem of inode n in `mode` (down_read / down_write, or the trylock under IOCB_NOWAIT). */
function lockFootprint(w: World, i: number, n: number, mode: LockMode, extraReads: string[] = []): Footprint {
  const t = w.tasks.length;
  const reads = [...own(i), ...lockCells(n, t, 'ex'), ...(mode === 'excl' ? lockCells(n, t, 'sh') : []), ...extraReads];
  return { reads, writes: [`tasks.${i}.cur.in`, `inodes.${n}.iolock.${mode === 'excl' ? 'ex' : 'sh'}.T${i}`] };
}

/**
 * The steps with footprints of their own, by syscall and phase (each names the kernel
 * function); every other step of a covered task gets `region`.
 */
function taskStep(w: World, s: Settings, i: number): Footprint | null {
  const c = w.tasks[i]!.cur;
  if (c === null) return null;
  if (c.sys === 'dio-write') {
    const n = c.req.ino;
    const inode = w.inodes[n];
    if (inode === undefined) return null;
    switch (c.phase) {
      // xfs_file_dio_write_aligned / _unaligned / _atomic, ext4_dio_write_iter: take i_rwsem
      // (or fail with -EAGAIN under IOCB_NOWAIT).
      case 'lock':
        return lockFootprint(w, i, n, c.lock);
      // xfs_file_write_checks at or below EOF (coveredTask: no zeroing), with no upgrade and
      // no demotion to make (xfsDioWriteChecks): it reads the size and the reflink flag.
      case 'checks': {
        if (s.fs.kind !== 'xfs') return null;
        const chk = xfsDioWriteChecks(w, s, c);
        if (chk.kind !== 'ok' || chk.demote) return null;
        return { reads: [...own(i), `inodes.${n}.size`, `inodes.${n}.reflink`], writes: [`tasks.${i}.cur.in`] };
      }
      // iomap_iter → xfs_direct_write_iomap_begin for a plain write over written blocks with
      // no CoW staging (no allocation, no journal), or the iteration's end.
      case 'iomap-begin': {
        if (s.fs.kind !== 'xfs' || c.req.atomic || c.req.dsync || !writtenNoCow(inode, c.req.blk + c.done, c.req.blk + c.req.nblk)) return null;
        return { reads: [...own(i), `inodes.${n}.map`, `inodes.${n}.cow`, `inodes.${n}.reflink`], writes: [`tasks.${i}.cur.in`] };
      }
      // kiocb_invalidate_pages + inode_dio_begin, with nothing of the file cached: nothing to write back or drop.
      case 'invalidate':
        if (!cacheEmpty(w, n)) return null;
        return { reads: [...own(i), `inodes.${n}.dio.T${i}`, ...pageCells(w, n), ...geometryCells(n), 'vmas'], writes: [`tasks.${i}.cur.in`, `inodes.${n}.dio.T${i}`] };
      // iomap_dio_complete → xfs_dio_write_end_io with nothing to do (a plain overwrite of
      // written blocks within the size), kiocb_invalidate_post_direct_write on an empty
      // cache, inode_dio_end.
      case 'io-wait': {
        const end = c.req.pos + c.req.count;
        if (s.fs.kind !== 'xfs' || c.req.atomic || !cacheEmpty(w, n) || end > inode.size || end > inode.diskSize || c.segs.some((g) => g.type !== 'written')) return null;
        return { reads: [...own(i), `inodes.${n}.size`, `inodes.${n}.diskSize`, `inodes.${n}.dio.T${i}`, ...pageCells(w, n), ...geometryCells(n), 'vmas'], writes: [`tasks.${i}.cur.in`, `inodes.${n}.dio.T${i}`] };
      }
      default:
        return null;
    }
  }
  // xfs_file_dio_read / ext4_dio_read_iter: take i_rwsem shared; no dirty folio to write back (covered world).
  if (c.sys === 'dio-read' && c.phase === 'lock') return lockFootprint(w, i, c.ino, 'shared', pageCells(w, c.ino));
  return null;
}

/** Blocks [from, to) of the inode are written extents with no CoW staging over them. */
function writtenNoCow(inode: Inode, from: number, to: number): boolean {
  for (let b = from; b < to; b++) {
    if (inode.map[b]?.kind !== 'written') return false;
    const c = inode.cow[b];
    if (c !== undefined && c.kind !== 'none') return false;
  }
  return true;
}

const pageCells = (w: World, n: number): string[] => (w.pageCache[n] ?? []).map((_, b) => `pageCache.${n}.${b}`);

// ---------------------------------------------------------------------------------------------
// The footprints.

export interface SpecActors {
  /** Actor numbers: tasks 0..T-1, then these. */
  device: number;
  journal: number;
  power: number;
  background: number;
}

export function specActors(s: Settings): SpecActors {
  const t = s.programs.length;
  return { device: t, journal: t + 1, power: t + 2, background: t + 3 };
}

export function actorNumber(a: Action, s: Settings): number {
  const n = specActors(s);
  switch (a.kind) {
    case 'task':
      return a.task;
    case 'dev-complete':
    case 'dev-fail':
      return n.device;
    case 'commit':
      return n.journal;
    case 'power-loss':
      return n.power;
    default:
      return n.background;
  }
}

/** The cells of a world's dimensions: the same for every world of a search but those that create files. */
const universes = new Map<string, string[]>();
function universe(w: World): string[] {
  const key = `${w.tasks.length}/${w.pageCache.map((p) => p.length).join(',')}/${w.mappings.length}/${w.device.media.length}`;
  let cells = universes.get(key);
  if (cells === undefined) {
    cells = universeOf(w);
    // A handful of dimensions per process; bounded all the same.
    if (universes.size > 64) universes.clear();
    universes.set(key, cells);
  }
  return cells;
}

/** Cells only a power loss and mount-time recovery write. */
const POWER_ONLY = new Set(['crashed', 'boot', 'powerLosses', 'recovered']);

/**
 * What any covered step of task i may touch: everything but the other tasks' cells (of the
 * lock and count cells, another task's are read, never written), and, of the writes, not what
 * only a power loss writes.
 */
function region(w: World, i: number): { reads: string[]; writes: string[] } {
  const cells = universe(w).filter((c) => (!isTaskCell(c) || c.startsWith(`tasks.${i}.`)) && (!isTaskLockCell(c) || c.endsWith(`.T${i}`) || !c.includes('.T')));
  // Another task's lock and count cells are read (to take the lock, to wait for the count), never written.
  const reads = [...cells, ...universe(w).filter((c) => isTaskLockCell(c) && !c.endsWith(`.T${i}`))];
  return { reads, writes: cells.filter((c) => !POWER_ONLY.has(c)) };
}

const blockSizeAligned = (s: Settings, pos: number, count: number): boolean => pos % s.fs.blockSize === 0 && count % s.fs.blockSize === 0;

/**
 * Whether task q, from this world on, only ever takes i_rwsem shared and never waits for the
 * direct-I/O count: XFS reads, and XFS block-aligned writes, plain or (with the merged
 * software retry) atomic (xfsDioWriteStart: shared; no retry, or a software one that stays
 * shared; xfsDioWriteChecks: no upgrade at or below EOF; no inode_dio_wait).
 */
function tame(w: World, s: Settings, q: number): boolean {
  if (s.fs.kind !== 'xfs') return false;
  const t = w.tasks[q]!;
  const c = t.cur;
  // As merged (6.16), a software atomic retry keeps the lock shared and does not wait (xfsSwMode).
  const atomicTame = s.knobs.xfsSwAtomicRetry === 'merged-6.16';
  if (c !== null && c.sys === 'dio-write' && ((c.req.atomic && !atomicTame) || !blockSizeAligned(s, c.req.pos, c.req.count) || c.lock !== 'shared' || c.overwriteOnly || c.forceWait)) return false;
  const program = s.programs[q] ?? [];
  for (let k = c === null ? t.pc : t.pc + 1; k < program.length; k++) {
    const call = program[k]!;
    if (call.op === 'pwritev2' && ((call.flags.includes('RWF_ATOMIC') && !atomicTame) || !blockSizeAligned(s, call.offset, call.iov.reduce((a, b) => a + b, 0)))) return false;
  }
  return true;
}

/**
 * Whether every write of task q (in progress or to come) is a plain XFS write over blocks that
 * are written extents with no CoW staging now: such a write allocates nothing, and a covered
 * world never turns a written block back (no truncate or punch is covered).
 */
function overwritesOnly(w: World, s: Settings, q: number): boolean {
  if (s.fs.kind !== 'xfs') return false;
  const t = w.tasks[q]!;
  const c = t.cur;
  if (c !== null && c.sys === 'dio-write' && (c.req.atomic || !writtenNoCow(w.inodes[c.req.ino]!, c.req.blk, c.req.blk + c.req.nblk))) return false;
  const program = s.programs[q] ?? [];
  const bs = s.fs.blockSize;
  for (let k = c === null ? t.pc : t.pc + 1; k < program.length; k++) {
    const call = program[k]!;
    if (call.op !== 'pwritev2') continue;
    const ino = inoOfFd(w, s, q, call.fd);
    const inode = ino === undefined ? undefined : w.inodes[ino];
    const count = call.iov.reduce((a, b) => a + b, 0);
    if (inode === undefined || call.flags.includes('RWF_ATOMIC') || !writtenNoCow(inode, Math.floor(call.offset / bs), Math.ceil((call.offset + count) / bs))) return false;
  }
  return true;
}

/** The smaller of the size and the on-disk size: a write ending past either may move it (xfs_dio_write_end_io). */
const sizeBound = (w: World, ino: number): number => Math.min(w.inodes[ino]?.size ?? 0, w.inodes[ino]?.diskSize ?? 0);

/** Whether a write of task q (in progress or to come) may end past its file's size or on-disk size now. */
function mayExtend(w: World, s: Settings, q: number): boolean {
  const t = w.tasks[q]!;
  const c = t.cur;
  if (c !== null && c.sys === 'dio-write' && c.req.pos + c.req.count > sizeBound(w, c.req.ino)) return true;
  const program = s.programs[q] ?? [];
  for (let k = c === null ? t.pc : t.pc + 1; k < program.length; k++) {
    const call = program[k]!;
    if (call.op !== 'pwritev2') continue;
    const ino = inoOfFd(w, s, q, call.fd);
    if (ino === undefined || call.offset + call.iov.reduce((a, b) => a + b, 0) > sizeBound(w, ino)) return true;
  }
  return false;
}

/**
 * What an unfinished covered task q may touch from here on: `region`, narrowed where it is
 * cheap to know. A tame task (`tame`) writes only its own shared-holder and count cells and
 * reads the exclusive ones; a task none of whose writes can extend its file writes no size;
 * no covered task sets the reflink flag; a task whose writes are all plain XFS overwrites of
 * written blocks (`overwritesOnly`) writes no map, CoW fork, sequence count or free map;
 * with no folio cached anywhere (a covered world makes none) it writes no page-cache block;
 * no covered step writes a vma or a mapping's geometry (a sync may write its error state).
 */
function taskFuture(w: World, s: Settings, q: number): Footprint {
  const r = region(w, q);
  const extend = mayExtend(w, s, q);
  const cached = w.pageCache.some((pc) => pc.some((f) => f !== null));
  const isTame = tame(w, s, q);
  const noAlloc = overwritesOnly(w, s, q);
  const writes = r.writes.filter((c) => {
    if (noAlloc && (/^inodes\.\d+\.(map|cow|seq)$/.test(c) || c === 'free')) return false;
    if (!extend && /^inodes\.\d+\.(size|diskSize)$/.test(c)) return false;
    // Only a reflink copy sets the flag (a software atomic write uses the CoW fork without it).
    if (/^inodes\.\d+\.reflink$/.test(c)) return false;
    if (!cached && c.startsWith('pageCache.')) return false;
    if (c === 'vmas' || /^mappings\.\d+\.(folioBlocks|blockSize|maxFolioBlocks)$/.test(c)) return false;
    if (isTame && (c.includes('.iolock.ex.') || c.startsWith('inodes.') && c.endsWith('.invalidateLock'))) return false;
    return true;
  });
  const reads = isTame ? r.reads.filter((c) => !c.includes('.iolock.sh.') && !(c.includes('.dio.') && !c.endsWith(`.T${q}`))) : r.reads;
  return { reads, writes };
}

/**
 * What completing a direct request may touch (completeBio, wake: a covered world has no
 * writeback ioend and no conversion): the device, the error count, and the syscall state of
 * `owners` (woken, or failed).
 */
function deviceFuture(w: World, owners: Iterable<number>): Footprint {
  const writes = [...universe(w).filter((c) => c.startsWith('device.')), 'ioErrors'];
  const reads = [...writes, 'ioends', 'ext4IoEnds'];
  for (const o of owners) {
    writes.push(`tasks.${o}.cur.in`);
    reads.push(`tasks.${o}.cur.in`, `tasks.${o}.cur#`);
  }
  return { reads, writes };
}

/** A background commit (xfs_log_force / jbd2): reads the metadata, writes the journal and the device (cache flushed first). */
function journalFuture(w: World): Footprint {
  const u = universe(w);
  const device = u.filter((c) => c.startsWith('device.'));
  const meta = u.filter((c) => c.startsWith('inodes.') && !isLockCell(c));
  return { reads: [...meta, ...device, 'journal', 'free', 'dir', 'orphans'], writes: [...device, 'journal'] };
}

/** `initOf`: the initial world, asked for once, when the search first needs what is visible. */
export function specFootprints(s: Settings, initOf: () => World): Footprints<World, Action> {
  const n = specActors(s);
  const observer = (s.afterCrash?.length ?? 0) === 0;
  let visible: string[] | undefined;
  const visibleCells = (): string[] => (visible ??= universeOf(initOf()).filter((c) => !invisible(c)));
  const active = (w: World, q: number): boolean => !taskFinished(w, s, q);
  const next = (w: World, p: number): Footprint => {
    if (p >= n.device || !coveredWorld(w, s)) return TOP;
    return taskStep(w, s, p) ?? region(w, p);
  };
  const common = {
    actorCount: n.background + 1,
    actorOf: (a: Action) => actorNumber(a, s),
    next,
    future: (w: World, q: number) => futureWhile(w, q, -1),
    futureWhile: (w: World, q: number, p: number) => futureWhile(w, q, p),
  };
  // Getters, not values: most models built are never searched with the reduction.
  if (!observer) {
    return {
      ...common,
      get propertyReads() {
        return visibleCells();
      },
    };
  }
  return {
    ...common,
    observers: [n.power],
    get propertyReads() {
      return visibleCells();
    },
    get observerReads() {
      return visibleCells();
    },
  };

  function futureWhile(w: World, q: number, p: number): Footprint {
    if (!coveredWorld(w, s)) return TOP;
    if (q < n.device) return active(w, q) ? taskFuture(w, s, q) : NOTHING;
    if (q === n.device) {
      // Owners of requests in flight, and every other task that may still submit one.
      const owners = new Set<number>(w.device.inflight.map((b) => b.owner).filter((o) => o >= 0));
      for (let t = 0; t < n.device; t++) if (t !== p && active(w, t)) owners.add(t);
      return deviceFuture(w, owners);
    }
    if (q === n.journal) return s.backgroundCommit ? journalFuture(w) : NOTHING;
    if (q === n.power) return observer ? NOTHING : TOP;
    return NOTHING;
  }
}
