/**
 * Symmetry reduction for interchangeable tasks (the checker's `representative` hook;
 * the orbit method of Ip and Dill, "Better verification through symmetry", FMSD 9, 1996, and
 * Emerson and Sistla, FMSD 9, 1996). Tasks whose programs are equal (same calls, same
 * arguments, same write ids) are interchangeable: renaming them maps every run to a run, and
 * no property's verdict depends on a task's number. So are tasks whose programs differ only in
 * the names of the data they write, once those names are renamed with them (data symmetry:
 * `symmetryClasses`, `DataRenaming`). The representative of a world renames the tasks of each
 * such class (and their data) so that their states come in a canonical order.
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
  // Positions are permuted by `memberwise` itself (tasks[perm[i]] = tasks[i]).
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
  folioEnds: (_p, v) => v,
  readBios: (_p, v) => v,
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

/**
 * Renaming data ids (data symmetry). A write id lives in the world as the `id` of a program
 * call, a request, a ghost write or a result; inside data tokens (`A[0]`, and the runs of a
 * mixed token `{0:A[0] 512:zero}`); and in the text of a step's own report. This walks the
 * whole world, so no member or nested field can be missed; other strings (errnos, flags, file
 * names) are left alone because only those three forms are rewritten. A frozen object that
 * holds no renamed id is returned as it is, and each frozen object is mapped once per renaming
 * (successive states share most of their objects).
 */
class DataRenaming {
  private readonly memo = new WeakMap<object, unknown>();
  private readonly strings = new Map<string, string>();
  private readonly word: RegExp;

  constructor(private readonly ids: ReadonlyMap<string, string>) {
    const alt = [...ids.keys()].sort((a, b) => b.length - a.length).map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.word = new RegExp(`(?<![A-Za-z0-9_])(?:${alt.join('|')})(?![A-Za-z0-9_])`, 'g');
  }

  private token(t: string): string {
    const m = /^(.*)\[(\d+)\]$/.exec(t);
    const to = m === null ? undefined : this.ids.get(m[1]!);
    return to === undefined ? t : `${to}[${m![2]}]`;
  }

  private str(key: string, v: string): string {
    if (key === 'id') return this.ids.get(v) ?? v;
    if (key === 'what') return v.replace(this.word, (id) => this.ids.get(id) ?? id);
    let out = this.strings.get(v);
    if (out === undefined) {
      // A mixed token is its runs, "offset:token", separated by spaces, inside braces.
      out = v.startsWith('{') && v.endsWith('}') ? `{${v.slice(1, -1).split(' ').map((r) => r.replace(/^(\d+):(.*)$/, (_m, o: string, t: string) => `${o}:${this.token(t)}`)).join(' ')}}` : this.token(v);
      this.strings.set(v, out);
    }
    return out;
  }

  map(v: unknown, key = ''): unknown {
    if (typeof v === 'string') return this.str(key, v);
    if (v === null || typeof v !== 'object') return v;
    const frozen = Object.isFrozen(v);
    if (frozen && this.memo.has(v)) return this.memo.get(v);
    let out: unknown = v;
    if (Array.isArray(v)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < v.length; i++) {
        const x = this.map(v[i], key);
        if (x !== v[i]) (copy ??= v.slice())[i] = x;
      }
      if (copy !== null) out = copy;
    } else {
      let copy: Record<string, unknown> | null = null;
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        const y = this.map(x, k);
        if (y !== x) (copy ??= { ...(v as Record<string, unknown>) })[k] = y;
      }
      if (copy !== null) out = copy;
    }
    if (out !== v && frozen) Object.freeze(out);
    if (frozen) this.memo.set(v, out);
    return out;
  }
}

/**
 * The group's action on worlds for a scenario: `perm` renames tasks (perm[old] = new) and,
 * with them, the data ids they own (symmetryClasses' `ids`): task i's k-th id becomes task
 * perm[i]'s k-th id. Renamings are cached by permutation, so each keeps its memo.
 */
export function renamerFor(s: Settings): (w: World, perm: Perm) => World {
  const { ids } = symmetryClasses(s);
  const cache = new Map<string, (w: World) => World>();
  const renamingOf = (perm: Perm): ((w: World) => World) => {
    const key = perm.join(',');
    let r = cache.get(key);
    if (r === undefined) {
      const m = new Map<string, string>();
      perm.forEach((to, from) => ids[from]!.forEach((id, k) => (ids[to]![k] !== id ? m.set(id, ids[to]![k]!) : undefined)));
      r = memberwise(perm, m.size === 0 ? null : new DataRenaming(m));
      cache.set(key, r);
    }
    return r;
  };
  return (w, perm) => renamingOf(perm)(w);
}

/**
 * One renaming applied member by member, each renamed member frozen and remembered by the
 * identity of the member it came from: the successors of a state share most members with it
 * (and with each other), so each is renamed, frozen and hashed once per renaming.
 */
function memberwise(perm: Perm, data: DataRenaming | null): (w: World) => World {
  const memo = new WeakMap<object, unknown>();
  const one = <T>(v: T, f: (v: T) => T): T => {
    if (v === null || typeof v !== 'object' || !Object.isFrozen(v)) return f(v);
    let out = memo.get(v) as T | undefined;
    if (out === undefined) {
      out = freeze(f(v), true);
      memo.set(v, out);
    }
    return out;
  };
  const dataOf = <T>(v: T): T => (data === null ? v : (data.map(v) as T));
  return (w) => {
    const out = {} as Record<keyof World, unknown>;
    for (const k of Object.keys(RENAMERS) as Array<keyof World>) {
      if (k === 'tasks') continue;
      out[k] = one<unknown>(w[k], (v) => (RENAMERS[k] as (p: Perm, v: unknown) => unknown)(perm, dataOf(v)));
    }
    const tasks = new Array<World['tasks'][number]>(w.tasks.length);
    w.tasks.forEach((t, i) => (tasks[perm[i]!] = one(t, dataOf)));
    out.tasks = Object.freeze(tasks);
    return Object.freeze(out) as World;
  };
}

/**
 * The write ids a task's program names (`pwrite`'s and a store's `id`), in order of first use:
 * the data it writes is named after them (tokens `id[i]`, ghost writes, results).
 */
export function programIds(p: Settings['programs'][number]): string[] {
  const ids: string[] = [];
  for (const c of p) if ('id' in c && typeof c.id === 'string' && !ids.includes(c.id)) ids.push(c.id);
  return ids;
}

/**
 * A program with its own write ids replaced by their positions (`\u0000` + index, which no
 * id can spell): two tasks whose programs are equal up to the names of the data they write
 * have equal shapes. Only when the task owns its ids (no other task names them): otherwise
 * renaming one task's data would rename another's too, so the program is kept as it is.
 */
function programShape(p: Settings['programs'][number], owned: boolean): string {
  if (!owned) return JSON.stringify(p);
  const ids = programIds(p);
  return JSON.stringify(p.map((c) => ('id' in c && typeof c.id === 'string' ? { ...c, id: `\u0000${ids.indexOf(c.id)}` } : c)));
}

/**
 * Classes of two or more interchangeable tasks (task numbers in increasing order): tasks with
 * equal programs, and tasks whose programs are equal up to the names of the data they write
 * (data symmetry: three writers of A, B and C to one block are interchangeable once A, B and C
 * are renamed with them). `ids[ti]` are task ti's own write ids when its class is of the
 * second kind, else empty (nothing to rename but the task).
 */
export function symmetryClasses(s: Settings): { classes: number[][]; ids: string[][] } {
  const idsOf = s.programs.map(programIds);
  const users = new Map<string, number>();
  // A post-crash program that names an id is a user too: it is not renamed with the writers.
  for (const ids of [...idsOf, ...(s.afterCrash ?? []).map(programIds)]) for (const id of ids) users.set(id, (users.get(id) ?? 0) + 1);
  const owned = idsOf.map((ids) => ids.length > 0 && ids.every((id) => users.get(id) === 1));
  const byShape = new Map<string, number[]>();
  s.programs.forEach((p, ti) => {
    const k = programShape(p, owned[ti]!);
    const c = byShape.get(k);
    if (c === undefined) byShape.set(k, [ti]);
    else c.push(ti);
  });
  const classes = [...byShape.values()].filter((c) => c.length > 1);
  const ids = s.programs.map((_, ti) => (owned[ti]! && classes.some((c) => c.includes(ti)) ? idsOf[ti]! : []));
  return { classes, ids };
}

/** Classes of two or more interchangeable tasks (see `symmetryClasses`). */
export function symmetricClasses(s: Settings): number[][] {
  return symmetryClasses(s).classes;
}

/**
 * What orders a task within its class: its own state and what it holds or owns elsewhere
 * (locks, requests, ghost records), written without its own number. Two tasks with equal
 * signatures may still sit in either order; that costs reduction, never soundness (the
 * representative is always a renaming of the world, so always in its orbit).
 */
const hash = structuralFingerprinter();

function signature(w: World, ti: number, own: OwnData | null): number {
  const holds = w.inodes.map((i) => [i.iolock.excl === ti ? 'x' : i.iolock.shared.includes(ti) ? 's' : '', i.invalidateLock.excl === ti ? 'x' : i.invalidateLock.shared.includes(ti) ? 's' : '']);
  const bios = w.device.inflight.filter((b) => b.owner === ti).map((b) => b.id);
  const writes = w.ghost.writes.flatMap((g, k) => (g.task === ti ? [k] : []));
  const owed = w.ghost.wbErrOwed.filter((o) => o.task === ti).map((o) => [o.fd, o.ino, o.bio, o.missed]);
  const fuse = w.fuse === null ? null : [w.fuse.reqs.filter((r) => r.owner === ti).map((r) => r.unique), w.fuse.locked.filter((l) => l.task === ti).map((l) => [l.ino, l.blk])];
  // Data symmetry: the task's state with its own ids written as their positions (where its
  // data lies breaks ties: `dataSignature`).
  const t = own === null ? w.tasks[ti] : own.task(w.tasks[ti]!, ti);
  // The structural fingerprint (a task's frozen state is hashed once and cached by identity);
  // two different signatures with equal hashes only cost canonicity, never soundness.
  const fp = { hi: 0, lo: 0 };
  hash([t, holds, bios, writes, owed, fuse], fp);
  return fp.hi * 4294967296 + (fp.lo >>> 0);
}

/** Position hashes: where each data id occurs in a value (a sum over its occurrences). */
type Placements = ReadonlyMap<string, number>;
const NOWHERE: Placements = new Map();

const mix = (h: number, k: number): number => {
  let x = Math.imul(h ^ k, 0x9e3779b1);
  x ^= x >>> 15;
  return Math.imul(x, 0x85ebca6b) >>> 0;
};

function strHash(v: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The data ids of a scenario's interchangeable writers, for their signatures: each task's own
 * state with its ids replaced by their positions (so two writers in the same step look alike),
 * and, per id, a hash of the places in the world where it occurs (so "A on the media, B in the
 * cache" and "B on the media, A in the cache" sort the writers the same way). Both are kept by
 * the identity of frozen objects: successive states share most of them.
 */
class OwnData {
  private readonly normal: Array<WeakMap<object, unknown>>;
  private readonly placed = new WeakMap<object, Placements>();
  private readonly all: ReadonlySet<string>;

  constructor(private readonly ids: string[][]) {
    this.normal = ids.map(() => new WeakMap());
    this.all = new Set(ids.flat());
  }

  task(t: World['tasks'][number], ti: number): unknown {
    const memo = this.normal[ti]!;
    let out = memo.get(t);
    if (out === undefined) {
      const own = this.ids[ti]!;
      out = own.length === 0 ? t : new DataRenaming(new Map(own.map((id, k) => [id, `\u0000${k}`]))).map(t);
      memo.set(t, out);
    }
    return out;
  }

  /** Where task ti's data lies in `w`: its ids' placements, in the order of its program. */
  placement(w: World, ti: number): number {
    const at = this.of(w, '', false);
    return this.ids[ti]!.reduce((h, id, k) => mix(h + k, at.get(id) ?? 0), 0);
  }

  private leaf(key: string, v: string): Placements {
    if (key === 'id') return this.all.has(v) ? new Map([[v, 1]]) : NOWHERE;
    const out = new Map<string, number>();
    const add = (id: string, h: number) => out.set(id, ((out.get(id) ?? 0) + h) >>> 0);
    if (key === 'what') {
      for (const id of this.all) if (v.includes(id)) add(id, 2);
      return out.size === 0 ? NOWHERE : out;
    }
    const runs = v.startsWith('{') && v.endsWith('}') ? v.slice(1, -1).split(' ') : [v];
    for (const r of runs) {
      const m = /^(?:(\d+):)?(.*)\[(\d+)\]$/.exec(r);
      if (m !== null && this.all.has(m[2]!)) add(m[2]!, mix(Number(m[1] ?? 0) + 3, Number(m[3])));
    }
    return out.size === 0 ? NOWHERE : out;
  }

  private static add(out: Map<string, number> | null, kh: number, c: Placements): Map<string, number> | null {
    if (c.size === 0) return out;
    const m = out ?? new Map<string, number>();
    for (const [id, h] of c) m.set(id, ((m.get(id) ?? 0) + mix(h, kh)) >>> 0);
    return m;
  }

  /** `tasks` at the top: a task's number is what is being chosen, so positions there are not counted. */
  private of(v: unknown, key: string, anonymous: boolean): Placements {
    if (typeof v === 'string') return this.leaf(key, v);
    if (v === null || typeof v !== 'object') return NOWHERE;
    const frozen = Object.isFrozen(v);
    const cached = frozen ? this.placed.get(v) : undefined;
    if (cached !== undefined) return cached;
    let out: Map<string, number> | null = null;
    if (Array.isArray(v)) v.forEach((x, i) => (out = OwnData.add(out, anonymous ? 7 : i + 11, this.of(x, key, false))));
    else for (const k in v) out = OwnData.add(out, strHash(k), this.of((v as Record<string, unknown>)[k], k, key === '' && k === 'tasks'));
    const res: Placements = out ?? NOWHERE;
    if (frozen) this.placed.set(v, res);
    return res;
  }
}

/** Every permutation of the tasks that maps each class onto itself (perm[old] = new). */
export function symmetryGroup(classes: number[][], n: number): number[][] {
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((r) => [x, ...r])));
  let out: number[][] = [Array.from({ length: n }, (_, k) => k)];
  for (const c of classes)
    out = out.flatMap((p) =>
      perms(c).map((img) => {
        const q = [...p];
        c.forEach((ti, k) => (q[ti] = img[k]!));
        return q;
      }),
    );
  return out;
}

/**
 * The representative of `w`: each class's tasks renamed (with their data) into the order of
 * their signatures. Equal signatures leave two tasks in either order, which costs reduction,
 * never soundness: the representative is always a renaming of the world.
 */
export function representativeFor(s: Settings): ((w: World) => World) | undefined {
  const { classes, ids } = symmetryClasses(s);
  if (classes.length === 0) return undefined;
  const n = s.programs.length;
  const renameIn = renamerFor(s);
  const own = ids.some((x) => x.length > 0) ? new OwnData(ids) : null;
  return (w) => {
    const perm = Array.from({ length: n }, (_, i) => i);
    let identity = true;
    for (const c of classes) {
      const sorted = c.map((ti) => ({ ti, sig: signature(w, ti, own), data: 0 }));
      // Where each writer's data lies only matters between writers in the same state (both
      // done, say): computed for ties only.
      if (own !== null) for (const x of sorted) if (sorted.some((y) => y !== x && y.sig === x.sig)) x.data = own.placement(w, x.ti);
      sorted.sort((a, b) => a.sig - b.sig || a.data - b.data || a.ti - b.ti);
      sorted.forEach(({ ti }, k) => {
        perm[ti] = c[k]!;
        if (ti !== c[k]) identity = false;
      });
    }
    return identity ? w : renameIn(w, perm);
  };
}
