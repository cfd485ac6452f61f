/**
 * The ghost clock as a view (the checker's `canonical` hook, its `view` option; TLC's VIEW).
 *
 * The ghost clock ticks at every syscall boundary, and the world keeps copies of its values
 * (a write's start and end, an obligation's `since`, a call's start, a read's start and end,
 * a rename's `at`, `recovered.clock`). Nothing reads a value except to compare it with
 * another stored value (or to copy it), and a new tick is above every value present. So two
 * worlds that differ only in clock values, and agree on the outcome of every comparison the
 * spec can ever make between their values, are bisimilar. The canonical form renumbers the
 * values by the least numbering that keeps those comparisons (ties included) and forgets the
 * others, e.g. the order of two write starts with no end between them when nothing compares
 * two starts. The argument and the list of comparisons are in proofs-notes/checker.md, "The
 * ghost clock as a view".
 *
 * Models Linux 6.18.
 */
import type { Syscall } from './vfs/types.ts';
import type { Settings, World } from './world.ts';

/** What a stored clock value is: the comparisons the spec makes depend on it. */
export const ROLE = {
  /** A write's (truncate's, store's) start; an obligation's `since` (a copy of one). */
  writeStart: 0,
  /** A write's end (its return tick). */
  writeEnd: 1,
  /** A read's, fsync's or msync's start (in its state while it runs, then in a read's result). */
  callStart: 2,
  /** A read's end in its result (its return tick). */
  readEnd: 3,
  /** A rename's tick. */
  rename: 4,
  /** `recovered.clock`: the clock when recovery finished. */
  recovered: 5,
  /** The clock itself: steps copy it into an end or `recovered.clock`. */
  clock: 6,
} as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];
const ROLES = 7;

/** Which roles are compared (symmetric), as a ROLES × ROLES table. */
export type Comparisons = Uint8Array;

/** Whether a call may make a durability promise: promise (compares starts) or promiseFile (also ends). */
function promises(c: Syscall): boolean {
  if (c.op === 'fsync' || c.op === 'fdatasync' || c.op === 'msync') return true;
  if (c.op === 'open' || c.op === 'openat') return c.flags.some((f) => f === 'O_DSYNC' || f === 'O_SYNC');
  if (c.op === 'pwritev2') return c.flags.some((f) => f === 'RWF_DSYNC' || f === 'RWF_SYNC');
  return false;
}

/**
 * The pairs of roles the spec compares in scenario `s` (the list, with where each comparison
 * is made, is in proofs-notes/checker.md). The clock is compared with everything, because
 * its copies become ends and `recovered.clock`.
 */
export function comparisonsFor(s: Settings): Comparisons {
  const t = new Uint8Array(ROLES * ROLES);
  const pair = (a: Role, b: Role) => void (t[a * ROLES + b] = t[b * ROLES + a] = 1);
  const { writeStart: WS, writeEnd: WE, callStart: TS, readEnd: RE, rename: RN, recovered: RC } = ROLE;
  // Tears, durability, zeroers, read-consistency, write-order, FUSE's `older`; promiseFile's end >= fsync start.
  pair(WS, WE);
  pair(WE, TS);
  pair(WS, RE);
  // rename-old-or-new's `judged`; recovered-reads.
  pair(RN, RN);
  pair(RN, WS);
  pair(RC, WS);
  if (s.properties.includes('monotonic-reads')) {
    pair(RE, TS);
    pair(WS, TS);
  }
  const programs = [...s.programs, ...(s.afterCrash ?? [])];
  if (programs.some((p) => p.some(promises))) {
    // promise: an obligation's since against a write's start; promiseFile: the latest end.
    pair(WS, WS);
    pair(WE, WE);
  }
  for (let r = 0; r < ROLES; r++) pair(ROLE.clock, r as Role);
  return t;
}

/** The stored clock values of one world: where each is (a fresh copy, to be renumbered) and its role. */
class Slots {
  objs: Array<Record<string, unknown>> = [];
  keys: string[] = [];
  vals: number[] = [];
  roles: Role[] = [];
  reset(): void {
    this.objs.length = this.keys.length = this.vals.length = this.roles.length = 0;
  }
  put<T extends object>(o: T, k: keyof T & string, role: Role): void {
    const r = o as unknown as Record<string, unknown>;
    this.objs.push(r);
    this.keys.push(k);
    this.vals.push(r[k] as number);
    this.roles.push(role);
  }
}

type Walker<V> = (v: V, slots: Slots) => V;

/**
 * Where each member of the world keeps clock values, copying what it changes (null: none).
 * The type makes the list exhaustive: a new member of `World` does not compile until it is
 * said whether clock values live there (as symmetry.ts's RENAMERS does for task numbers).
 */
const CLOCKS: { [K in keyof World]-?: Walker<World[K]> | null } = {
  ghost: (g, sl) => {
    const writes = g.writes.map((x) => {
      const y = { ...x };
      sl.put(y, 'start', ROLE.writeStart);
      if (y.end !== null) sl.put(y, 'end', ROLE.writeEnd);
      return y;
    });
    const obligations = g.obligations.map((o) => {
      const y = { ...o };
      sl.put(y, 'since', ROLE.writeStart);
      return y;
    });
    const out = { ...g, writes, obligations };
    sl.put(out, 'clock', ROLE.clock);
    return out;
  },
  tasks: (ts, sl) =>
    ts.map((t) => {
      let cur = t.cur;
      if (cur !== null && 'start' in cur) {
        cur = { ...cur };
        sl.put(cur, 'start', ROLE.callStart);
      }
      const timed = t.results.some((r) => r.op === 'pread' || r.op === 'mmap-load');
      const results = !timed
        ? t.results
        : t.results.map((r) => {
            if (r.op !== 'pread' && r.op !== 'mmap-load') return r;
            const y = { ...r };
            sl.put(y, 'start', ROLE.callStart);
            sl.put(y, 'end', ROLE.readEnd);
            return y;
          });
      return cur === t.cur && results === t.results ? t : { ...t, cur, results };
    }),
  renames: (rs, sl) =>
    rs.map((r) => {
      const y = { ...r };
      sl.put(y, 'at', ROLE.rename);
      return y;
    }),
  recovered: (r, sl) => {
    if (r === null) return r;
    const y = { ...r };
    sl.put(y, 'clock', ROLE.recovered);
    return y;
  },
  device: null,
  inodes: null,
  free: null,
  journal: null,
  pageCache: null,
  mappings: null,
  ioends: null,
  ext4IoEnds: null,
  folioEnds: null,
  readBios: null,
  powerLosses: null,
  ioErrors: null,
  userFaults: null,
  crashed: null,
  fuse: null,
  dir: null,
  orphans: null,
  flushOnClose: null,
  dead: null,
  boot: null,
  vmas: null,
  wpc: null,
};

const MEMBERS = (Object.keys(CLOCKS) as Array<keyof World>).filter((k) => CLOCKS[k] !== null);

function walk<K extends keyof World>(out: World, w: World, k: K, sl: Slots): void {
  out[k] = (CLOCKS[k] as unknown as Walker<World[K]>)(w[k], sl);
}

/**
 * The least numbering (from 1) that keeps the order and the ties of every compared pair:
 * level(v) = max(1, level(u) + 1 for every compared u below v), equal for compared ties. It
 * is the least solution of those constraints, so it depends only on which compared pairs
 * are below, equal or above, never on the values themselves.
 */
export function levels(vals: readonly number[], roles: readonly Role[], cmp: Comparisons): number[] {
  const n = vals.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => vals[a]! - vals[b]!);
  const out = new Array<number>(n).fill(0);
  // The highest level given so far to each role: what a value above them must exceed.
  const top = new Array<number>(ROLES).fill(0);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && vals[order[j]!] === vals[order[i]!]) j++;
    for (let k = i; k < j; k++) {
      const m = order[k]!;
      let l = 1;
      for (let r = 0; r < ROLES; r++) if (cmp[roles[m]! * ROLES + r] === 1 && top[r]! + 1 > l) l = top[r]! + 1;
      out[m] = l;
    }
    // Compared ties share one level (the highest their members need).
    for (let changed = j - i > 1; changed; ) {
      changed = false;
      for (let a = i; a < j; a++)
        for (let b = a + 1; b < j; b++) {
          const x = order[a]!;
          const y = order[b]!;
          if (cmp[roles[x]! * ROLES + roles[y]!] === 1 && out[x] !== out[y]) {
            out[x] = out[y] = Math.max(out[x]!, out[y]!);
            changed = true;
          }
        }
    }
    for (let k = i; k < j; k++) {
      const m = order[k]!;
      if (out[m]! > top[roles[m]!]!) top[roles[m]!] = out[m]!;
    }
    i = j;
  }
  return out;
}

/** A member's last canonical copy: reused while the member and its levels are the same. */
interface Kept {
  input: unknown;
  levels: number[];
  output: unknown;
}

const sameLevels = (a: readonly number[], b: readonly number[], from: number, to: number): boolean => {
  if (a.length !== to - from) return false;
  for (let i = from; i < to; i++) if (a[i - from] !== b[i]) return false;
  return true;
};

/**
 * The canonical form of worlds of scenario `s`: clock values renumbered by `levels`. A
 * member whose input object and levels are those of the last call gets the same (frozen)
 * copy back, so that the world's encoder (encode.ts, one slot per member) does not hash it
 * again: the successors of one state mostly share it.
 */
export function clockViewFor(s: Settings, cmp: Comparisons = comparisonsFor(s)): (w: World) => World {
  const sl = new Slots();
  const kept: Array<Kept | undefined> = MEMBERS.map(() => undefined);
  const bounds: number[] = [];
  return (w) => {
    sl.reset();
    bounds.length = 0;
    const out = { ...w };
    for (const k of MEMBERS) {
      bounds.push(sl.vals.length);
      walk(out, w, k, sl);
    }
    bounds.push(sl.vals.length);
    const lv = levels(sl.vals, sl.roles, cmp);
    MEMBERS.forEach((k, m) => {
      const from = bounds[m]!;
      const to = bounds[m + 1]!;
      const last = kept[m];
      if (last !== undefined && last.input === w[k] && sameLevels(last.levels, lv, from, to)) {
        (out as unknown as Record<string, unknown>)[k] = last.output;
        return;
      }
      for (let i = from; i < to; i++) sl.objs[i]![sl.keys[i]!] = lv[i];
      // Never written again after this: frozen, so the encoder may keep its hash.
      const o = Object.freeze(out[k]);
      if (Object.isFrozen(w[k])) kept[m] = { input: w[k], levels: lv.slice(from, to), output: o };
    });
    return out;
  };
}
