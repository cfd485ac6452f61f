/**
 * The world's fingerprint, member by member (the checker's `encode` hook, see
 * checker/types.ts). Same identity as the structural default — two worlds encode equally
 * exactly when their canonical JSON is equal, up to 64-bit hash collisions — but cheaper on
 * the spec's worlds, for two reasons the profile of issue 10 showed (bench/README.md):
 *
 * - A successor shares most of its members with its parent (immer's structural sharing; a
 *   power loss shares its recovered part among all its choices), but the world object itself
 *   is always new. The structural fingerprint re-hashes every member that is too small for
 *   its identity cache (under 48 words: the counters, the address spaces, the directory, the
 *   lists that are usually empty) and looks up every member's name, for every state. Here
 *   each member's hash is kept by the member's identity, whatever its size, and the names
 *   are not hashed at all: the members come in one fixed order.
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

/** What a member encoder may use: the encoder's own cache of member hashes. */
interface Memo {
  /** Writes the structural hash of a (frozen) object member, cached by its identity. */
  object(v: object, out: StateEncoder): void;
}

type MemberEncoder<V> = (v: V, out: StateEncoder, memo: Memo) => void;

const obj: MemberEncoder<object> = (v, out, memo) => memo.object(v, out);
/** A member that may be null: the tag keeps null apart from every object's hash. */
const nullable: MemberEncoder<object | null> = (v, out, memo) => {
  out.bool(v === null);
  if (v !== null) memo.object(v, out);
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
};

const MEMBERS = Object.keys(ENCODERS) as Array<keyof World>;

/**
 * A fresh `encode` for one search: its caches hold member hashes by identity (weakly: the
 * members of states the search dropped take their entries with them).
 */
export function worldEncoder(): (w: World, out: StateEncoder) => void {
  // Members that change are re-hashed through the structural fingerprint; its own identity
  // cache is let down to small objects too (an inode's lock, a task's current call), which
  // costs a little memory and saves re-hashing them inside every changed member.
  const hash = structuralFingerprinter(16);
  const cache = new WeakMap<object, Fingerprint>();
  const memo: Memo = {
    object(v, out) {
      let fp = cache.get(v);
      if (fp === undefined) {
        fp = { hi: 0, lo: 0 };
        hash(v, fp);
        // Only a frozen member can be trusted not to change under its identity (immer and
        // the crash path freeze every world they build; a hand-made world may not be).
        if (Object.isFrozen(v)) cache.set(v, fp);
      }
      out.int(fp.hi | 0);
      out.int(fp.lo | 0);
    },
  };
  const encoders = ENCODERS as Record<keyof World, MemberEncoder<unknown>>;
  return (w, out) => {
    for (let i = 0; i < MEMBERS.length; i++) {
      const k = MEMBERS[i]!;
      encoders[k](w[k], out, memo);
    }
  };
}
