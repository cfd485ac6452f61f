/**
 * The world's fingerprint, member by member (the checker's `encode` hook, see
 * checker/types.ts). Same identity as the structural default — two worlds encode equally
 * exactly when their canonical JSON is equal, up to 64-bit hash collisions — but cheaper on
 * the spec's worlds, for the reasons the profile of issue 10 showed (bench/README.md):
 *
 * - The search fingerprints the successors of one state one after the other, and each shares
 *   most members with it (immer's structural sharing; a power loss's choices share their
 *   recovered part), but the world object itself is always new. The structural fingerprint
 *   re-hashes every member too small for its identity cache (under 48 words: the counters,
 *   the address spaces, the directory, the lists that are usually empty) and looks up every
 *   member's name, at every state. Here each member keeps the last object it saw and its
 *   hash, and the names are not hashed at all: the members come in one fixed order.
 * - Scalar members go into the hash as they are.
 *
 * `ENCODERS` names every member of `World` with how it is encoded, so adding a member to
 * `World` does not compile until it is added here (as symmetry.ts's RENAMERS): a member
 * left out would make different worlds look the same to the search, and it would silently
 * merge states.
 *
 * Models Linux 6.18.
 */
import { structuralFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import type { StateEncoder } from '../checker/types.ts';
import type { World } from './world.ts';
import type { Task } from './vfs/types.ts';

/** What a member encoder may use: the encoder's cache of member hashes. */
interface Memo {
  /**
   * Writes the structural hash of `v`, the object in slot `slot`; `pv` is what the hinted
   * parent world holds in that slot (undefined when there is none). Reused when `v` is the
   * parent's object or one the slot saw last, and only for frozen objects.
   */
  object(slot: number, v: object, pv: unknown, out: StateEncoder): void;
}

type MemberEncoder<V> = (v: V, pv: V | undefined, out: StateEncoder, memo: Memo, slot: number) => void;

const obj: MemberEncoder<object> = (v, pv, out, memo, slot) => memo.object(slot, v, pv, out);
/** A member that may be null: the tag keeps null apart from every object's hash. */
const nullable: MemberEncoder<object | null> = (v, pv, out, memo, slot) => {
  out.bool(v === null);
  if (v !== null) memo.object(slot, v, pv, out);
};
const int: MemberEncoder<number> = (v, _pv, out) => out.int(v);
const bool: MemberEncoder<boolean> = (v, _pv, out) => out.bool(v);

/**
 * How each member of a task is encoded (exhaustive as ENCODERS is). Nearly every transition
 * changes `tasks`, and usually one member of one task (its syscall's state): hashing the
 * array whole re-hashed both tasks, their files and results every time.
 */
const TASK_ENCODERS: { [K in keyof Task]-?: MemberEncoder<Task[K]> } = {
  pc: int,
  fds: obj,
  cur: nullable,
  results: obj,
};
const TASK_MEMBERS = Object.keys(TASK_ENCODERS) as Array<keyof Task>;

/** The tasks, task by task and member by member, each object member in a slot of its own (after the world's). */
const tasks: MemberEncoder<Task[]> = (ts, pts, out, memo) => {
  out.int(ts.length);
  const encoders = TASK_ENCODERS as Record<keyof Task, MemberEncoder<unknown>>;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    const pt = pts?.[i];
    for (let j = 0; j < TASK_MEMBERS.length; j++) {
      const k = TASK_MEMBERS[j]!;
      encoders[k](t[k], pt?.[k], out, memo, MEMBERS.length + i * TASK_MEMBERS.length + j);
    }
  }
};

/**
 * How each member of the world is encoded, in the order they are written. The type makes
 * the list exhaustive: a new member of `World` must be added here.
 */
const ENCODERS: { [K in keyof World]-?: MemberEncoder<World[K]> } = {
  device: obj,
  inodes: obj,
  free: obj,
  journal: obj,
  pageCache: obj,
  mappings: obj,
  ioends: obj,
  ext4IoEnds: obj,
  tasks,
  powerLosses: int,
  ioErrors: int,
  userFaults: int,
  crashed: bool,
  ghost: obj,
  fuse: nullable,
  dir: obj,
  orphans: obj,
  flushOnClose: obj,
  dead: obj,
  boot: (v, _pv, out) => {
    out.bool(v === null);
    if (v !== null) out.str(v);
  },
  renames: obj,
  recovered: nullable,
  vmas: obj,
  wpc: nullable,
};

const MEMBERS = Object.keys(ENCODERS) as Array<keyof World>;

/**
 * Objects remembered per slot besides the parent's: a state's successors share members with
 * each other too (the siblings that the same background commit or completion reaches).
 */
const WAYS = 4;

/** The world's `encode` hook, and where its successors come from (a hint: see worldEncoder). */
export interface WorldEncoder {
  encode(w: World, out: StateEncoder): void;
  /** The world whose successor is encoded next: `next(w, a)` says so before it returns. */
  from(w: World): void;
}

/**
 * A fresh encoder. A member that changed is hashed by the structural fingerprint (whose own
 * cache holds the large frozen sub-objects); an unchanged one is not hashed again:
 *
 * - The parent's. The search (BFS) fingerprints a state when it finds it and expands it much
 *   later, and a state has about two successors (xfs-sw-atomic-vs-atomic-merged: 40,794
 *   transitions from 19,584 states): a per-member slot of the last objects seen missed most
 *   members (issue 10k counted 35,000 device misses in 43,000 encodings). So every frozen world
 *   encoded keeps its members' hashes (one WeakMap entry per world, an Int32Array), and the
 *   model's `next` names the parent (`from`): a successor's member that is the parent's very
 *   object takes the parent's hash. A wrong or missing hint costs only the hashing.
 * - The slots: each keeps the last WAYS objects it saw with their hashes (no WeakMap per
 *   member: that made the collector's work grow with the states alive, issue 10c).
 *
 * Both are sound only for frozen objects, which cannot change under their identity (immer and
 * the pure steps freeze every world they build; a hand-made world may not be frozen).
 */
export function worldEncoder(): WorldEncoder {
  const hash = structuralFingerprinter();
  // Slot k's entries are k * WAYS .. k * WAYS + WAYS - 1, replaced in turn; slots are added
  // as tasks appear.
  let objs: Array<object | undefined> = [];
  let his = new Int32Array(0);
  let los = new Int32Array(0);
  let turn = new Uint8Array(0);
  const grow = (slots: number): void => {
    const n = Math.max(slots, 2 * turn.length);
    objs = objs.concat(new Array<undefined>(n * WAYS - objs.length).fill(undefined));
    const h = new Int32Array(n * WAYS);
    h.set(his);
    his = h;
    const l = new Int32Array(n * WAYS);
    l.set(los);
    los = l;
    const t = new Uint8Array(n);
    t.set(turn);
    turn = t;
  };
  grow(MEMBERS.length + 2 * TASK_MEMBERS.length);
  // Member hashes by world: [hi, lo] per slot, [0, 0] where none was kept (a hash is never
  // both zero).
  const kept = new WeakMap<World, Int32Array>();
  let parent: World | undefined;
  let parentHashes: Int32Array | undefined;
  let hashes: Int32Array | undefined;
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const memo: Memo = {
    object(slot, v, pv, out) {
      const frozen = Object.isFrozen(v);
      let hi: number;
      let lo: number;
      if (frozen && v === pv && parentHashes !== undefined && 2 * slot + 1 < parentHashes.length && (parentHashes[2 * slot] !== 0 || parentHashes[2 * slot + 1] !== 0)) {
        hi = parentHashes[2 * slot]!;
        lo = parentHashes[2 * slot + 1]!;
      } else {
        if (slot >= turn.length) grow(slot + 1);
        const base = slot * WAYS;
        let e = base;
        while (e < base + WAYS && objs[e] !== v) e++;
        if (e === base + WAYS) {
          hash(v, fp);
          e = base + turn[slot]!;
          turn[slot] = (turn[slot]! + 1) % WAYS;
          his[e] = fp.hi | 0;
          los[e] = fp.lo | 0;
          objs[e] = frozen ? v : undefined;
        }
        hi = his[e]!;
        lo = los[e]!;
      }
      if (frozen && hashes !== undefined) {
        hashes[2 * slot] = hi;
        hashes[2 * slot + 1] = lo;
      }
      out.int(hi);
      out.int(lo);
    },
  };
  const encoders = ENCODERS as Record<keyof World, MemberEncoder<unknown>>;
  return {
    from(w) {
      if (w === parent) return;
      parent = w;
      parentHashes = kept.get(w);
    },
    encode(w, out) {
      const p = parentHashes === undefined ? undefined : parent;
      hashes = Object.isFrozen(w) ? new Int32Array(2 * (MEMBERS.length + w.tasks.length * TASK_MEMBERS.length)) : undefined;
      for (let i = 0; i < MEMBERS.length; i++) {
        const k = MEMBERS[i]!;
        encoders[k](w[k], p?.[k], out, memo, i);
      }
      if (hashes !== undefined) kept.set(w, hashes);
      hashes = undefined;
    },
  };
}
