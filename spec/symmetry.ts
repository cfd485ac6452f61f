/**
 * Symmetry reduction for tasks with identical programs (the checker's `representative` hook;
 * the orbit method of Ip and Dill, "Better verification through symmetry", FMSD 9, 1996, and
 * Emerson and Sistla, FMSD 9, 1996). Tasks whose programs are equal (same calls, same
 * arguments, same write ids) are interchangeable: renaming them maps every run to a run, and
 * no property's verdict depends on a task's number. The representative of a world renames the
 * tasks of each such class so that their states come in a canonical order.
 *
 * A task's number appears in the world in these places, and nowhere else (the argument is in
 * proofs-notes/checker.md, "Symmetry reduction of the spec"):
 *   - `tasks[ti]` itself (its position);
 *   - lock holders: `inodes[*].iolock` and `inodes[*].invalidateLock` (`excl`, `shared`);
 *   - the owner of a request in flight: `device.inflight[*].owner` (-1: the flusher);
 *   - ghost records: `ghost.writes[*].task`, `ghost.wbErrOwed[*].task`, and the text of a
 *     step's own report, `ghost.flagged[*].what` ("... (T1) returns ...");
 *   - FUSE: `fuse.reqs[*].owner` (-1: writeback), `fuse.locked[*].task`.
 * `RENAMERS` lists every member of `World` with how a renaming applies to it, so adding a
 * member to `World` does not compile until someone says whether task numbers live there.
 * A task's own state (`Task`) holds no other task's number.
 *
 * Models Linux 6.18.
 */
import { freeze } from 'immer';
import { structuralFingerprinter } from '../checker/fingerprint.ts';
import type { RwSem } from './kernel/locking/rwsem.ts';
import type { Inode, Settings, World } from './types.ts';

/** perm[old] = new task number. */
type Perm = readonly number[];

const ren = (p: Perm, t: number): number => (t < 0 ? t : p[t]!);

function renameSem(p: Perm, s: RwSem): RwSem {
  if (s.excl === null && s.shared.length === 0) return s;
  return { excl: s.excl === null ? null : ren(p, s.excl), shared: s.shared.map((t) => ren(p, t)).sort((a, b) => a - b) };
}

function renameInode(p: Perm, i: Inode): Inode {
  const iolock = renameSem(p, i.iolock);
  const invalidateLock = renameSem(p, i.invalidateLock);
  return iolock === i.iolock && invalidateLock === i.invalidateLock ? i : { ...i, iolock, invalidateLock };
}

/**
 * How a renaming of tasks applies to each member of the world. The type makes this list
 * exhaustive: a new member of `World` must be added here.
 */
const RENAMERS: { [K in keyof World]: (p: Perm, v: World[K]) => World[K] } = {
  // Positions are permuted by `rename` itself (tasks[perm[i]] = tasks[i]).
  tasks: (_p, v) => v,
  inodes: (p, v) => v.map((i) => renameInode(p, i)),
  device: (p, v) => (v.inflight.length === 0 ? v : { ...v, inflight: v.inflight.map((b) => ({ ...b, owner: ren(p, b.owner) })) }),
  ghost: (p, v) => ({
    ...v,
    writes: v.writes.map((g) => ({ ...g, task: ren(p, g.task) })),
    // Built in task order by recordWritebackFailure and only searched (some/filter/find), never
    // read by position: kept in a canonical order so that renamed worlds compare equal.
    wbErrOwed: v.wbErrOwed.map((o) => ({ ...o, task: ren(p, o.task) })).sort((a, b) => a.task - b.task || a.fd - b.fd || a.ino - b.ino || a.bio - b.bio),
    // A step's own report may name its task ("RWF_UNCACHED write U (T1) returns ..."): the
    // renamed run would have written the other name.
    flagged: v.flagged.map((f) => (/\bT\d+\b/.test(f.what) ? { ...f, what: f.what.replace(/\bT(\d+)\b/g, (_m, d: string) => `T${ren(p, Number(d) - 1) + 1}`) } : f)),
  }),
  fuse: (p, v) => (v === null ? v : { ...v, reqs: v.reqs.map((r) => ({ ...r, owner: ren(p, r.owner) })), locked: v.locked.map((l) => ({ ...l, task: ren(p, l.task) })) }),
  // No task numbers in these.
  free: (_p, v) => v,
  journal: (_p, v) => v,
  pageCache: (_p, v) => v,
  mappings: (_p, v) => v,
  ioends: (_p, v) => v,
  ext4IoEnds: (_p, v) => v,
  powerLosses: (_p, v) => v,
  ioErrors: (_p, v) => v,
  userFaults: (_p, v) => v,
  crashed: (_p, v) => v,
  // Files by name and life after a power loss (vfs/namei.ts, fs/recovery.ts): no task numbers.
  dir: (_p, v) => v,
  orphans: (_p, v) => v,
  flushOnClose: (_p, v) => v,
  dead: (_p, v) => v,
  boot: (_p, v) => v,
  renames: (_p, v) => v,
  recovered: (_p, v) => v,
  // Mappings belong to tasks; only searched by (task, id), so kept in a canonical order.
  vmas: (p, v) => (v.length === 0 ? v : v.map((m) => ({ ...m, task: ren(p, m.task) })).sort((a, b) => a.task - b.task || a.id - b.id)),
  // The flusher's pass: no task numbers.
  wpc: (_p, v) => v,
};

/** The world with task `i` renamed to `perm[i]` everywhere. */
export function rename(w: World, perm: Perm): World {
  const out = {} as Record<keyof World, unknown>;
  for (const k of Object.keys(RENAMERS) as Array<keyof World>) {
    out[k] = (RENAMERS[k] as (p: Perm, v: unknown) => unknown)(perm, w[k]);
  }
  const tasks = new Array<World['tasks'][number]>(w.tasks.length);
  w.tasks.forEach((t, i) => (tasks[perm[i]!] = t));
  out.tasks = tasks;
  return out as World;
}

/** Classes of two or more tasks with equal programs (task numbers in increasing order). */
export function symmetricClasses(s: Settings): number[][] {
  const byProgram = new Map<string, number[]>();
  s.programs.forEach((p, ti) => {
    const k = JSON.stringify(p);
    const c = byProgram.get(k);
    if (c === undefined) byProgram.set(k, [ti]);
    else c.push(ti);
  });
  return [...byProgram.values()].filter((c) => c.length > 1);
}

/**
 * What orders a task within its class: its own state and what it holds or owns elsewhere
 * (locks, requests, ghost records), written without its own number. Two tasks with equal
 * signatures may still sit in either order; that costs reduction, never soundness (the
 * representative is always a renaming of the world, so always in its orbit).
 */
const hash = structuralFingerprinter();

function signature(w: World, ti: number): number {
  const holds = w.inodes.map((i) => [i.iolock.excl === ti ? 'x' : i.iolock.shared.includes(ti) ? 's' : '', i.invalidateLock.excl === ti ? 'x' : i.invalidateLock.shared.includes(ti) ? 's' : '']);
  const bios = w.device.inflight.filter((b) => b.owner === ti).map((b) => b.id);
  const writes = w.ghost.writes.flatMap((g, k) => (g.task === ti ? [k] : []));
  const owed = w.ghost.wbErrOwed.filter((o) => o.task === ti).map((o) => [o.fd, o.ino, o.bio, o.missed]);
  const fuse = w.fuse === null ? null : [w.fuse.reqs.filter((r) => r.owner === ti).map((r) => r.unique), w.fuse.locked.filter((l) => l.task === ti).map((l) => [l.ino, l.blk])];
  // The structural fingerprint (a task's frozen state is hashed once and cached by identity);
  // two different signatures with equal hashes only cost canonicity, never soundness.
  const fp = { hi: 0, lo: 0 };
  hash([w.tasks[ti], holds, bios, writes, owed, fuse], fp);
  return fp.hi * 4294967296 + (fp.lo >>> 0);
}

/** The representative of `w`: each class's tasks renamed into the order of their signatures. */
export function representativeFor(s: Settings): ((w: World) => World) | undefined {
  const classes = symmetricClasses(s);
  if (classes.length === 0) return undefined;
  const n = s.programs.length;
  return (w) => {
    const perm = Array.from({ length: n }, (_, i) => i);
    let identity = true;
    for (const c of classes) {
      const sorted = c.map((ti) => ({ ti, sig: signature(w, ti) })).sort((a, b) => a.sig - b.sig || a.ti - b.ti);
      sorted.forEach(({ ti }, k) => {
        perm[ti] = c[k]!;
        if (ti !== c[k]) identity = false;
      });
    }
    return identity ? w : freeze(rename(w, perm), true);
  };
}
