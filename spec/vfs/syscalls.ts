/**
 * Each task's step: start the next syscall of its program (open, pwritev2, pread, fsync,
 * fdatasync, statx, an mmap store) or advance the one in progress. Models Linux 6.18; the
 * syscalls themselves live where the kernel has them (vfs/open, vfs/read_write, vfs/read,
 * vfs/sync, vfs/stat, mm/memory, fs/iomap/*).
 */
import { match } from 'ts-pattern';
import { bufferedWriteStep } from '../fs/iomap/buffered-io.ts';
import { dioWriteStep } from '../fs/iomap/direct-io.ts';
import { fuseCloseEntry, fuseFsyncEntry, fuseMmapStoreEntry, fuseReadEntry, fuseSysStep, fuseWriteEntry } from '../fs/fuse/file.ts';
import { task } from '../ghost.ts';
import { mincoreEntry, mmapLoadEntry, mmapStoreEntry } from '../mm/memory.ts';
import { mmapEntry, munmapEntry } from '../mm/mmap.ts';
import { msyncEntry } from '../mm/msync.ts';
import { openEntry } from './open.ts';
import { closeEntry, openatEntry, renameEntry, unlinkEntry } from './namei.ts';
import { bufferedReadStep, dioReadStep, preadEntry } from './read.ts';
import { pwritev2Entry } from './read_write.ts';
import { statxEntry } from './stat.ts';
import { fsyncEntry, fsyncStep } from './sync.ts';
import { fallocateEntry, ftruncateEntry, sizeOpStep } from './truncate.ts';
import type { Program, Syscall, SysState } from './types.ts';
import type { Settings, Step, World } from '../world.ts';

export { atomicLimits, statxAtomic } from './stat.ts';
export { checkPwritev2 } from './read_write.ts';

type CallOf<K extends Syscall['op']> = Extract<Syscall, { op: K }>;

/**
 * Each call's entry, by its op. A table rather than ts-pattern's `match`, which builds its
 * seventeen matchers at every call: this runs for every task between two syscalls in every
 * state expanded (issue 10u). The mapped type keeps it exhaustive as `.exhaustive()` did.
 */
const ENTRIES: { [K in Syscall['op']]: (w: World, s: Settings, ti: number, c: CallOf<K>) => Step | null } = {
  open: openEntry,
  pwritev2: pwritev2Entry,
  pread: preadEntry,
  fsync: fsyncEntry,
  fdatasync: fsyncEntry,
  statx: statxEntry,
  'mmap-store': mmapStoreEntry,
  mincore: mincoreEntry,
  openat: openatEntry,
  close: closeEntry,
  unlink: unlinkEntry,
  rename: renameEntry,
  ftruncate: ftruncateEntry,
  fallocate: fallocateEntry,
  mmap: mmapEntry,
  'mmap-load': mmapLoadEntry,
  msync: msyncEntry,
  munmap: (w, _s, ti, c) => munmapEntry(w, ti, c),
};

/** The step that starts the next syscall of a task's program, or null while it must wait. */
function syscallEntry(w: World, s: Settings, ti: number, call: Syscall): Step | null {
  if (s.fs.kind === 'fuse') return fuseSyscallEntry(w, s, ti, call);
  return (ENTRIES[call.op] as (w: World, s: Settings, ti: number, c: Syscall) => Step | null)(w, s, ti, call);
}

/**
 * The enabled steps of task `ti`: none if it is blocked or finished, usually one, several
 * where the kernel's behaviour depends on something the model does not track (timing).
 */
/** FUSE's entry points (fs/fuse/file.c); open and statx are the VFS's. */
function fuseSyscallEntry(w: World, s: Settings, ti: number, call: Syscall): Step | null {
  return match(call)
    .with({ op: 'open' }, (c) => openEntry(w, s, ti, c))
    .with({ op: 'pwritev2' }, (c) => fuseWriteEntry(w, s, ti, c))
    .with({ op: 'pread' }, (c) => fuseReadEntry(w, s, ti, c))
    .with({ op: 'fsync' }, { op: 'fdatasync' }, (c) => fuseFsyncEntry(w, s, ti, c))
    .with({ op: 'statx' }, (c) => statxEntry(w, s, ti, c))
    .with({ op: 'mmap-store' }, (c) => {
      if (c.map !== undefined) throw new Error(`scenario ${s.name}: FUSE models only the shorthand mmap store (validation refuses the rest)`);
      return fuseMmapStoreEntry(w, s, ti, c);
    })
    // FUSE's folios live in the same page cache: mincore sees them the same way.
    .with({ op: 'mincore' }, (c) => mincoreEntry(w, s, ti, c))
    .with({ op: 'close' }, (c) => fuseCloseEntry(w, s, ti, c))
    // Refused at validation (validate.ts): FUSE's names (FUSE_CREATE / RENAME / UNLINK), SETATTR, FALLOCATE and mappings other than the shorthand store are not modelled.
    .with({ op: 'openat' }, { op: 'unlink' }, { op: 'rename' }, { op: 'ftruncate' }, { op: 'fallocate' }, { op: 'mmap' }, { op: 'mmap-load' }, { op: 'msync' }, { op: 'munmap' }, (c) => {
      throw new Error(`scenario ${s.name}: ${c.op} is not modelled for FUSE (validation refuses it)`);
    })
    .exhaustive();
}

type SysOf<K extends SysState['sys']> = Extract<SysState, { sys: K }>;

/**
 * The steps of the syscall in progress, by its kind. A table rather than ts-pattern's `match`,
 * which builds its matchers at every call: this runs for every task of every state expanded
 * (3% of xfs-sw-atomic-vs-atomic-merged's search, issue 10k). The mapped type keeps it
 * exhaustive as `.exhaustive()` did.
 */
const SYS_STEPS: { [K in SysState['sys']]: (w: World, s: Settings, ti: number, st: SysOf<K>) => Step | Step[] | null } = {
  'dio-write': dioWriteStep,
  'buffered-write': bufferedWriteStep,
  'dio-read': dioReadStep,
  fsync: fsyncStep,
  'buffered-read': bufferedReadStep,
  'fuse-write': fuseSysStep,
  'fuse-read': fuseSysStep,
  'fuse-dio-read': fuseSysStep,
  'fuse-fsync': fuseSysStep,
  'fuse-dio-write': fuseSysStep,
  'fuse-close': fuseSysStep,
  'size-op': sizeOpStep,
};

export function taskSteps(w: World, s: Settings, ti: number): Step[] {
  if (w.crashed || (w.boot !== null && w.boot !== 'running')) return [];
  const t = task(w, ti);
  const steps: Step | Step[] | null =
    t.cur !== null ? (SYS_STEPS[t.cur.sys] as (w: World, s: Settings, ti: number, st: SysState) => Step | Step[] | null)(w, s, ti, t.cur) : nextCallEntry(w, s, ti, t.pc);
  return steps === null ? [] : Array.isArray(steps) ? steps : [steps];
}

function nextCallEntry(w: World, s: Settings, ti: number, pc: number): Step | null {
  const call = programOf(w, s, ti)[pc];
  return call === undefined ? null : syscallEntry(w, s, ti, call);
}

export function taskFinished(w: World, s: Settings, ti: number): boolean {
  const t = task(w, ti);
  return t.cur === null && t.pc >= programOf(w, s, ti).length;
}

/** The program task `ti` runs now: its program, or after a power loss its post-crash program. */
export function programOf(w: World, s: Settings, ti: number): Program {
  return (w.boot === null ? s.programs[ti] : s.afterCrash?.[ti]) ?? [];
}
