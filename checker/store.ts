/**
 * Compact storage for the search: the set of visited fingerprints and, for each stored state,
 * the link back to its parent.
 *
 * The visited set is an open-addressing (linear probing) hash table over one Uint32Array,
 * each slot's two fingerprint lanes side by side; it doubles when it is three quarters full. A JavaScript Set or Map
 * stops at 2^24 entries and costs tens of bytes per entry; this costs 8 bytes a slot.
 *
 * Parent links are what TLC keeps too: not the states, only enough to re-execute the path.
 * State i (numbered in discovery order) records the number of its parent and the index of
 * the action, in the parent's `actions()` list, that produced it. For an initial state the
 * parent is NO_PARENT and the action index is its index in `init()`.
 */

export const NO_PARENT = 0xffffffff;

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;
const MIN_CAPACITY = 1 << 12;

export class FingerprintSet {
  /** Slot i's hi lane at 2i, its lo lane at 2i + 1: a probe touches one cache line, not two. */
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  private limit: number;

  constructor(expected = 0) {
    let cap = MIN_CAPACITY;
    while (cap * 0.75 < expected) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * 0.75);
  }

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.mask + 1;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** Adds the fingerprint; returns false if it was already present. (0,0) is never passed. */
  add(hi: number, lo: number): boolean {
    const s = this.slots;
    const mask = this.mask;
    // lo is already well mixed; spreading by it avoids clustering on the table's low bits.
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const at = i << 1;
      const h = s[at]!;
      const l = s[at + 1]!;
      if (h === 0 && l === 0) {
        s[at] = hi;
        s[at + 1] = lo;
        if (++this.count > this.limit) this.grow();
        return true;
      }
      if (h === hi && l === lo) return false;
      i = (i + 1) & mask;
    }
  }

  has(hi: number, lo: number): boolean {
    const s = this.slots;
    const mask = this.mask;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const at = i << 1;
      const h = s[at]!;
      const l = s[at + 1]!;
      if (h === 0 && l === 0) return false;
      if (h === hi && l === lo) return true;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const s = new Uint32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const hi = old[j]!;
      const lo = old[j + 1]!;
      if (hi === 0 && lo === 0) continue;
      let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
      while (s[i << 1] !== 0 || s[(i << 1) + 1] !== 0) i = (i + 1) & mask;
      s[i << 1] = hi;
      s[(i << 1) + 1] = lo;
    }
    this.slots = s;
    this.mask = mask;
    this.limit = Math.floor(cap * 0.75);
  }
}

/** Parent links in fixed-size chunks, so growing never copies and never over-allocates by 2x. */
export class ParentLinks {
  private parents: Uint32Array[] = [];
  private actions: Uint16Array[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.parents.length * CHUNK * (4 + 2);
  }

  /** Records a new state; returns its number. */
  push(parent: number, actionIndex: number): number {
    if (actionIndex > 0xffff) {
      throw new RangeError(`a state has more than 65,536 enabled actions (index ${actionIndex}); the checker records action indexes in 16 bits`);
    }
    const id = this.count++;
    const c = id >>> CHUNK_BITS;
    if (c === this.parents.length) {
      this.parents.push(new Uint32Array(CHUNK));
      this.actions.push(new Uint16Array(CHUNK));
    }
    this.parents[c]![id & CHUNK_MASK] = parent;
    this.actions[c]![id & CHUNK_MASK] = actionIndex;
    return id;
  }

  /** Records `count` states at once, numbered in order: a level's output from one thread. */
  pushMany(parents: Uint32Array, actions: Uint16Array, count: number): void {
    let done = 0;
    while (done < count) {
      const id = this.count;
      const c = id >>> CHUNK_BITS;
      if (c === this.parents.length) {
        this.parents.push(new Uint32Array(CHUNK));
        this.actions.push(new Uint16Array(CHUNK));
      }
      const at = id & CHUNK_MASK;
      const n = Math.min(count - done, CHUNK - at);
      this.parents[c]!.set(parents.subarray(done, done + n), at);
      this.actions[c]!.set(actions.subarray(done, done + n), at);
      this.count += n;
      done += n;
    }
  }

  parent(id: number): number {
    return this.parents[id >>> CHUNK_BITS]![id & CHUNK_MASK]!;
  }

  action(id: number): number {
    return this.actions[id >>> CHUNK_BITS]![id & CHUNK_MASK]!;
  }

  /** The path from an initial state to `id`: [init index, action index, action index, ...]. */
  path(id: number): number[] {
    const rev: number[] = [];
    let cur = id;
    for (;;) {
      rev.push(this.action(cur));
      const p = this.parent(cur);
      if (p === NO_PARENT) break;
      cur = p;
    }
    return rev.reverse();
  }
}
