/**
 * The world's fingerprint, member by member (Linux 6.18's world; the checker's `encode` hook, see
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
 * - The members that change on most transitions (device, inodes, journal, tasks, ghost; issue
 *   10m) are encoded by their type, field by field in a fixed order (`typedMembers`), not by
 *   the structural walk: no member names, no for-in, a tag only where a value may be of two
 *   kinds (null or not, absent or not, a union's case, an array's length), and the parts a step
 *   did not touch (the other task, its open files, the request, a ghost write) found again by
 *   identity. The syscall states other than a direct write, and the results, are hashed
 *   structurally inside them.
 *
 * `ENCODERS` names every member of `World` with how it is encoded, so adding a member to
 * `World` does not compile until it is added here (as symmetry.ts's RENAMERS): a member
 * left out would make different worlds look the same to the search, and it would silently
 * merge states. The typed encoders are exhaustive the same way (`Fields<T>`), down to every
 * field of the types they write out; a field a world holds that its type does not declare is
 * what they cannot see, and `worldEncoder({ strict: true })` refuses it (test/spec-encode.test.ts
 * runs it on every world of its searches).
 *
 * Models Linux 6.18.
 */
import { encoderFingerprinter, structuralFingerprinter, type Fingerprint } from '../checker/fingerprint.ts';
import type { StateEncoder } from '../checker/types.ts';
import type { Bio, BioBlock, CacheEntry, Device } from './block/types.ts';
import type { DioWrite, IomapSeg, MappedIomap } from './fs/iomap/types.ts';
import type { CowMapping, Inode, InodeMeta, Journal, Mapping, Metadata } from './fs/types.ts';
import type { Ghost, GhostWrite, Obligation, OwedError } from './ghost.ts';
import type { RwSem } from './kernel/locking/rwsem.ts';
import type { OpenFile, SysState, Task, WriteReq } from './vfs/types.ts';
import type { World } from './world.ts';

/** What a member encoder may use: the encoder's cache of member hashes. */
interface Memo {
  /** Writes the structural hash of object member number `slot`, reused while the member is the same (frozen) object. */
  object(slot: number, v: object, out: StateEncoder): void;
  /** The same with the member's own typed encoding (`typedMembers`) hashed instead. */
  typed<K extends TypedMember>(k: K, slot: number, v: World[K], out: StateEncoder): void;
}

/** The members encoded by their type rather than by the structural walk. */
type TypedMember = 'device' | 'inodes' | 'journal' | 'tasks' | 'ghost';

type MemberEncoder<V> = (v: V, out: StateEncoder, memo: Memo, slot: number) => void;

const obj: MemberEncoder<object> = (v, out, memo, slot) => memo.object(slot, v, out);
/** A member that may be null: the tag keeps null apart from every object's hash. */
const nullable: MemberEncoder<object | null> = (v, out, memo, slot) => {
  out.bool(v === null);
  if (v !== null) memo.object(slot, v, out);
};
const int: MemberEncoder<number> = (v, out) => out.int(v);
const bool: MemberEncoder<boolean> = (v, out) => out.bool(v);

/**
 * How each member of the world is encoded, in the order they are written. The type makes
 * the list exhaustive: a new member of `World` must be added here.
 */
const ENCODERS: { [K in keyof World]-?: MemberEncoder<World[K]> } = {
  device: (v, out, memo, slot) => memo.typed('device', slot, v, out),
  inodes: (v, out, memo, slot) => memo.typed('inodes', slot, v, out),
  free: obj,
  journal: (v, out, memo, slot) => memo.typed('journal', slot, v, out),
  pageCache: obj,
  mappings: obj,
  ioends: obj,
  ext4IoEnds: obj,
  folioEnds: obj,
  readBios: obj,
  tasks: (v, out, memo, slot) => memo.typed('tasks', slot, v, out),
  powerLosses: int,
  ioErrors: int,
  userFaults: int,
  crashed: bool,
  ghost: (v, out, memo, slot) => memo.typed('ghost', slot, v, out),
  fuse: nullable,
  dir: obj,
  orphans: obj,
  flushOnClose: obj,
  dead: obj,
  boot: (v, out) => {
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
 * A fresh `encode`. The search fingerprints the successors of one state one after the other,
 * and they share most members with it: each member keeps the last object it saw with that
 * object's hash, and an identical (frozen) object is not hashed again. One slot per member, no
 * WeakMap: a WeakMap entry per member object made the garbage collector's work grow with the
 * states alive, which cost more than the hashing saved. A member that changed is hashed by the
 * structural fingerprint, whose own cache still holds the large frozen sub-objects.
 */
export function worldEncoder(options: { strict?: boolean } = {}): (w: World, out: StateEncoder) => void {
  const hash = structuralFingerprinter();
  const lastObj: Array<object | undefined> = MEMBERS.map(() => undefined);
  const lastHi = new Int32Array(MEMBERS.length);
  const lastLo = new Int32Array(MEMBERS.length);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const typed = typedMembers(options.strict === true);
  const typedHash: { [K in TypedMember]: (v: World[K], out: Fingerprint) => void } = {
    device: encoderFingerprinter(typed.device),
    inodes: encoderFingerprinter(typed.inodes),
    journal: encoderFingerprinter(typed.journal),
    tasks: encoderFingerprinter(typed.tasks),
    ghost: encoderFingerprinter(typed.ghost),
  };
  const remember = (slot: number, v: object, out: StateEncoder): void => {
    lastHi[slot] = fp.hi | 0;
    lastLo[slot] = fp.lo | 0;
    // Only a frozen member can be trusted not to change under its identity (immer and
    // the crash path freeze every world they build; a hand-made world may not be).
    lastObj[slot] = Object.isFrozen(v) ? v : undefined;
    out.int(lastHi[slot]!);
    out.int(lastLo[slot]!);
  };
  const memo: Memo = {
    object(slot, v, out) {
      if (lastObj[slot] !== v) {
        hash(v, fp);
        remember(slot, v, out);
        return;
      }
      out.int(lastHi[slot]!);
      out.int(lastLo[slot]!);
    },
    typed(k, slot, v, out) {
      if (lastObj[slot] !== v) {
        typedHash[k](v, fp);
        remember(slot, v, out);
        return;
      }
      out.int(lastHi[slot]!);
      out.int(lastLo[slot]!);
    },
  };
  const encoders = ENCODERS as Record<keyof World, MemberEncoder<unknown>>;
  return (w, out) => {
    for (let i = 0; i < MEMBERS.length; i++) {
      const k = MEMBERS[i]!;
      encoders[k](w[k], out, memo, i);
    }
  };
}

// ---- members encoded by their type (issue 10m) ---------------------------------------------

/** Writes a value of type V into the stream: a prefix-free code, given where in the world it sits. */
type Enc<V> = (v: V, out: StateEncoder) => void;

/**
 * Every member of T with its encoder, in the order they are written. The mapped type makes the
 * list exhaustive (a member added to T does not compile until it is listed here), and an
 * optional member must be given an encoder that takes undefined (`opt`).
 */
type Fields<T> = { [K in keyof T]-?: Enc<{} extends Pick<T, K> ? T[K] | undefined : T[K]> };

const tInt: Enc<number> = (v, out) => out.int(v);
const str: Enc<string> = (v, out) => out.str(v);
const flag: Enc<boolean> = (v, out) => out.bool(v);
/** A number or a string (a return value or an errno): their tags in the stream tell them apart. */
const numOrStr: Enc<number | string> = (v, out) => (typeof v === 'number' ? out.int(v) : out.str(v));

/** Null or a value: a tag first, as canonical JSON writes null apart from every value. */
function orNull<V>(e: Enc<V>): Enc<V | null> {
  return (v, out) => {
    out.bool(v === null);
    if (v !== null) e(v, out);
  };
}

/** An optional member: a tag for absent (undefined, which canonical JSON leaves out) first. */
function opt<V>(e: Enc<V>): Enc<V | undefined> {
  return (v, out) => {
    out.bool(v === undefined);
    if (v !== undefined) e(v, out);
  };
}

/** An array: its length, then its elements. */
function arrayOf<V>(e: Enc<V>): Enc<readonly V[]> {
  return (v, out) => {
    out.int(v.length);
    for (let i = 0; i < v.length; i++) e(v[i]!, out);
  };
}

function pair<A, B>(a: Enc<A>, b: Enc<B>): Enc<readonly [A, B]> {
  return (v, out) => {
    a(v[0], out);
    b(v[1], out);
  };
}

/**
 * An object of type T, member by member in the order of `fields`, no names hashed. `strict`
 * (for tests) also refuses an object with a member `fields` does not list, which the encoding
 * would not see: the type says what a world holds, this checks that the worlds agree.
 */
function recordOf<T>(fields: Fields<T>, strict: boolean): Enc<T> {
  const keys = Object.keys(fields) as Array<keyof T>;
  const encs = keys.map((k) => fields[k] as Enc<unknown>);
  const listed = new Set<string>(keys.map(String));
  const kinds = Uint8Array.from(encs, fieldKind);
  return (v, out) => {
    if (strict) {
      for (const k of Object.keys(v as object)) {
        if (!listed.has(k) && (v as Record<string, unknown>)[k] !== undefined) throw new Error(`encode: member "${k}" is not in the encoder of an object with ${[...listed].join(', ')}`);
      }
    }
    // A scalar field written here rather than through its encoder: one call less per field,
    // which counts while this runs interpreted, the first thousands of states of a fresh process.
    for (let i = 0; i < keys.length; i++) {
      switch (kinds[i]) {
        case INT:
          out.int(v[keys[i]!] as number);
          break;
        case BOOL:
          out.bool(v[keys[i]!] as boolean);
          break;
        case STR:
          out.str(v[keys[i]!] as string);
          break;
        case TAG:
          break;
        default:
          encs[i]!(v[keys[i]!], out);
      }
    }
  };
}

const CALL = 0;
const INT = 1;
const BOOL = 2;
const STR = 3;
const TAG = 4;

/** How `recordOf` writes a field: the scalar encoders by what they write, any other by a call. */
function fieldKind(e: Enc<never>): number {
  if (e === (tInt as Enc<never>)) return INT;
  if (e === (flag as Enc<never>)) return BOOL;
  if (e === (str as Enc<never>)) return STR;
  if (e === (tag as Enc<never>)) return TAG;
  return CALL;
}

/**
 * A union told apart by the string member `d`: the case's number first (its place in `cases`,
 * which the union's type fixes), then the case's own encoding, whose `d` member is `tag`: the
 * number has said it. Numbers rather than the names hashed as strings, twice (issue 10p).
 */
function union<V extends { [P in D]: string }, D extends keyof V>(d: D, cases: { [C in V[D]]: Enc<Extract<V, { [P in D]: C }>> }): Enc<V> {
  const byName = new Map<string, { n: number; e: Enc<V> }>(Object.entries(cases as unknown as Record<string, Enc<V>>).map(([name, e], n) => [name, { n, e }]));
  return (v, out) => {
    const c = byName.get(v[d]);
    if (c === undefined) throw new Error(`encode: no case "${v[d]}" for member ${String(d)}`);
    out.int(c.n);
    c.e(v, out);
  };
}

/**
 * A string of a fixed set (a phase, a lock mode, a cause): its number in `values`, whose keys
 * the type makes exactly T's. Hashed as a string it cost a tag, a length and a word per two
 * characters; as a number it is one byte of the stream (issue 10p).
 */
function oneOf<T extends string>(values: { [K in T]: true }): Enc<T> {
  const n = new Map<string, number>(Object.keys(values).map((k, i) => [k, i]));
  return (v, out) => {
    const i = n.get(v);
    if (i === undefined) throw new Error(`encode: "${v}" is not one of ${[...n.keys()].join(', ')}`);
    out.int(i);
  };
}

/** A union's discriminant inside one of its cases: written already, as the case's number, by `union`. */
const tag: Enc<string> = () => undefined;

/**
 * The encoders of the members that change on most transitions, built per `worldEncoder()` (each
 * keeps its own caches). `memo` hashes a sub-object apart and keeps the last few objects it saw
 * with their hashes: a frozen one seen again (a task the step did not touch, the other task's
 * open files) costs identity comparisons. `structural` is the structural fingerprint of a value
 * whose type is not written out here (the rarer syscall states, the results).
 */
function typedMembers(strict: boolean): { device: Enc<Device>; inodes: Enc<Inode[]>; journal: Enc<Journal>; tasks: Enc<Task[]>; ghost: Enc<Ghost> } {
  function memo<V extends object>(e: Enc<V>, ways = 4): Enc<V> {
    const fp = encoderFingerprinter(e);
    const objs: Array<V | undefined> = new Array<V | undefined>(ways).fill(undefined);
    const his = new Int32Array(ways);
    const los = new Int32Array(ways);
    const h: Fingerprint = { hi: 0, lo: 0 };
    let victim = 0;
    return (v, out) => {
      for (let i = 0; i < ways; i++) {
        if (objs[i] === v) {
          out.int(his[i]!);
          out.int(los[i]!);
          return;
        }
      }
      fp(v, h);
      const hi = h.hi | 0;
      const lo = h.lo | 0;
      // Only a frozen object cannot change under its identity (see worldEncoder).
      if (Object.isFrozen(v)) {
        objs[victim] = v;
        his[victim] = hi;
        los[victim] = lo;
        victim = (victim + 1) % ways;
      }
      out.int(hi);
      out.int(lo);
    };
  }
  const record = <T>(fields: Fields<T>): Enc<T> => recordOf(fields, strict);
  const structuralHash = structuralFingerprinter();
  const sh: Fingerprint = { hi: 0, lo: 0 };
  const structural = memo<object>((v, out) => {
    structuralHash(v, sh);
    out.int(sh.hi | 0);
    out.int(sh.lo | 0);
  });

  const swCause = oneOf<NonNullable<DioWrite['swCause']>>({ 'iomap_begin refused hw': true, 'too big for hw': true, 'EAGAIN from invalidation': true });
  const rwsem = record<RwSem>({ excl: orNull(tInt), shared: arrayOf(tInt) });
  const mapping = union<Mapping, 'kind'>('kind', {
    hole: record({ kind: tag }),
    delalloc: record({ kind: tag }),
    unwritten: record({ kind: tag, p: tInt }),
    written: record({ kind: tag, p: tInt }),
  });
  const cowMapping = union<CowMapping, 'kind'>('kind', {
    none: record({ kind: tag }),
    staging: record({ kind: tag, p: tInt, real: flag }),
  });
  const inode = memo(
    record<Inode>({ size: tInt, map: arrayOf(mapping), cow: arrayOf(cowMapping), diskSize: tInt, seq: tInt, iolock: rwsem, invalidateLock: rwsem, dioCount: tInt, reflink: flag }),
  );
  const inodeMeta = record<InodeMeta>({ size: tInt, map: arrayOf(mapping), cow: arrayOf(cowMapping) });
  const journal = record<Journal>({
    committed: memo(record<Metadata>({ inodes: arrayOf(inodeMeta), free: arrayOf(flag) })),
    dirtyInodes: arrayOf(tInt),
    ordered: arrayOf(pair(tInt, tInt)),
    dir: arrayOf(pair(str, tInt)),
    orphans: arrayOf(tInt),
    namesDirty: flag,
  });

  const bio = record<Bio>({
    id: tInt,
    op: oneOf<Bio['op']>({ write: true, flush: true }),
    owner: tInt,
    blocks: arrayOf(record<BioBlock>({ p: tInt, t: str })),
    atomic: flag,
    fua: flag,
    preflush: flag,
    convert: arrayOf(pair(tInt, tInt)),
  });
  const device = record<Device>({
    media: memo(arrayOf(str)),
    cache: arrayOf(record<CacheEntry>({ p: tInt, t: str, bio: tInt, atomic: flag })),
    inflight: arrayOf(memo(bio, 8)),
  });

  const ghostWrite = memo(
    record<GhostWrite>({
      id: str,
      task: tInt,
      ino: tInt,
      blk: tInt,
      nblk: tInt,
      atomic: flag,
      start: tInt,
      end: orNull(tInt),
      ret: orNull(numOrStr),
      path: oneOf<GhostWrite['path']>({ hw: true, 'sw-cow': true, 'buffered-fallback': true, 'buffered-rfc': true, none: true }),
      swCause: orNull(swCause),
      bios: arrayOf(record<{ atomic: boolean; p: number; n: number }>({ atomic: flag, p: tInt, n: tInt })),
      bytes: opt(record<{ pos: number; count: number }>({ pos: tInt, count: tInt })),
      zeroes: opt(flag),
      mkwrites: opt(tInt),
    }),
    8,
  );
  const ghost = record<Ghost>({
    clock: tInt,
    writes: arrayOf(ghostWrite),
    obligations: arrayOf(record<Obligation>({ ino: tInt, blk: tInt, t: str, since: tInt })),
    lost: arrayOf(record<{ ino: number; blk: number; t: string }>({ ino: tInt, blk: tInt, t: str })),
    wbErrOwed: arrayOf(record<OwedError>({ task: tInt, fd: tInt, ino: tInt, bio: tInt, missed: flag })),
    flagged: arrayOf(record<{ property: string; what: string }>({ property: str, what: str })),
  });

  const openFile = record<OpenFile>({ ino: tInt, read: flag, write: flag, direct: flag, dsync: flag, sync: flag, canAtomic: flag, wbErr: tInt, raPrevPos: opt(tInt), closed: flag });
  const writeReq = memo(
    record<WriteReq>({ id: str, fd: tInt, ino: tInt, pos: tInt, count: tInt, blk: tInt, nblk: tInt, atomic: flag, nowait: flag, dsync: flag, sync: flag, iov: arrayOf(tInt), dontcache: flag, badPage: orNull(tInt) }),
  );
  const seg = record<IomapSeg>({ blk: tInt, nblk: tInt, p: tInt, type: oneOf<IomapSeg['type']>({ written: true, unwritten: true, cow: true, mixed: true }) });
  const dioWrite = record<DioWrite>({
    sys: tag,
    req: writeReq,
    phase: oneOf<DioWrite['phase']>({
      lock: true,
      checks: true,
      'zero-flush-wait': true,
      'dio-wait': true,
      invalidate: true,
      'invalidate-wait': true,
      'iomap-begin': true,
      'bio-iter': true,
      'zero-wait': true,
      'io-wait': true,
      sync: true,
      'sync-wait': true,
      unlock: true,
    }),
    lock: oneOf<DioWrite['lock']>({ shared: true, excl: true }),
    demote: flag,
    overwriteOnly: flag,
    held: flag,
    forceWait: flag,
    xfsMode: oneOf<DioWrite['xfsMode']>({ hw: true, sw: true }),
    swCause: orNull(swCause),
    done: tInt,
    segs: arrayOf(seg),
    iomap: orNull(record<MappedIomap>({ fn: str, seg, atomicBio: flag, fua: flag })),
    wait: arrayOf(tInt),
    ioError: flag,
    ret: orNull(numOrStr),
    failure: orNull(oneOf<NonNullable<DioWrite['failure']>>({ invalidate: true, iomap_begin: true, lock: true, bio: true })),
    dioStarted: flag,
    fua: flag,
    zeroRest: opt(arrayOf(tInt)),
  });
  const sysState = union<SysState, 'sys'>('sys', {
    'dio-write': dioWrite,
    'buffered-write': structural,
    'dio-read': structural,
    fsync: structural,
    'fuse-write': structural,
    'fuse-read': structural,
    'fuse-dio-read': structural,
    'fuse-fsync': structural,
    'fuse-dio-write': structural,
    'fuse-close': structural,
    'buffered-read': structural,
    'size-op': structural,
  });
  const task = memo(record<Task>({ pc: tInt, fds: memo(arrayOf(openFile)), cur: orNull(sysState), results: structural }));
  return { device, inodes: arrayOf(inode), journal, tasks: arrayOf(task), ghost };
}
