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

/** What a member encoder may use: the encoder's cache of member hashes. */
interface Memo {
  /** Writes the structural hash of object member number `slot`, reused while the member is the same (frozen) object. */
  object(slot: number, v: object, out: StateEncoder): void;
}

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
  device: obj,
  inodes: obj,
  free: obj,
  journal: obj,
  pageCache: obj,
  mappings: obj,
  ioends: obj,
  ext4IoEnds: obj,
  tasks: obj,
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
export function worldEncoder(): (w: World, out: StateEncoder) => void {
  const hash = structuralFingerprinter();
  const lastObj: Array<object | undefined> = MEMBERS.map(() => undefined);
  const lastHi = new Int32Array(MEMBERS.length);
  const lastLo = new Int32Array(MEMBERS.length);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  const memo: Memo = {
    object(slot, v, out) {
      if (lastObj[slot] !== v) {
        hash(v, fp);
        lastHi[slot] = fp.hi | 0;
        lastLo[slot] = fp.lo | 0;
        // Only a frozen member can be trusted not to change under its identity (immer and
        // the crash path freeze every world they build; a hand-made world may not be).
        lastObj[slot] = Object.isFrozen(v) ? v : undefined;
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
