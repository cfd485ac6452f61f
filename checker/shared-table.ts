/**
 * A fingerprint table in a SharedArrayBuffer that several worker threads insert into at once,
 * without locks. Open addressing with linear probing over slots of two Int32 lanes (hi, lo),
 * side by side so that a probe touches one cache line. A
 * slot is claimed by a compare-and-swap of its hi lane from 0; the claimant then stores lo. A
 * thread that finds its hi already in a slot waits for that slot's lo to appear (a few
 * instructions at most) and compares it. Zero marks an empty lane, so a lane that hashes to 0
 * is stored as 1: a 2^-32 loss of hash space per lane, immaterial next to the 64-bit table.
 *
 * The table does not grow while workers insert: it grows between BFS levels, when no thread is
 * inserting (see workers.ts; the coordinator alone, or every thread copying chunks, `copyInto`), so that even if every transition of the level
 * found a new state the load would stay under three quarters; a thread that finds the table
 * three quarters full anyway stops the level ('maxStates'-like stop with a hint), since linear
 * probing degrades past that. It starts small: a table much larger than the states it holds
 * costs a cache miss on nearly every probe.
 */

/**
 * Slots in one SharedArrayBuffer, slot i's hi lane at 2i and its lo lane at 2i + 1. No shared
 * counter: one would put every insert of every thread on the same cache line; the coordinator
 * counts the states it numbers.
 */
export class SharedTable {
  readonly lanes: Int32Array;
  readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - 8) / 8;
    this.lanes = new Int32Array(buffer, 8, slots * 2);
    this.mask = slots - 1;
  }

  static create(slots: number): SharedTable {
    if ((slots & (slots - 1)) !== 0) throw new RangeError(`table slots must be a power of two, not ${slots}`);
    return new SharedTable(new SharedArrayBuffer(8 + slots * 8));
  }

  get capacity(): number {
    return this.mask + 1;
  }


  get byteLength(): number {
    return this.buffer.byteLength;
  }

  /** Inserts; true if the fingerprint was not there. Safe to call from many threads at once. */
  add(hi: number, lo: number): boolean {
    const h = hi | 0 || 1;
    const l = lo | 0 || 1;
    const A = this.lanes;
    const mask = this.mask;
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    for (;;) {
      const at = i << 1;
      // A plain read first: most probes meet a taken slot, and a compare-and-swap (or even an
      // atomic load) costs more. A stale 0 only sends us to the CAS, which sees the truth; a
      // non-zero value is final, since a slot is never emptied.
      let prev = A[at]!;
      if (prev === 0) {
        prev = Atomics.compareExchange(A, at, 0, h);
        if (prev === 0) {
          Atomics.store(A, at + 1, l);
          return true;
        }
      }
      if (prev === h) {
        let seen = A[at + 1]!;
        // The thread that claimed the slot is between its two stores.
        while (seen === 0) seen = Atomics.load(A, at + 1);
        if (seen === l) return false;
      }
      i = (i + 1) & mask;
    }
  }

  has(hi: number, lo: number): boolean {
    const h = hi | 0 || 1;
    const l = lo | 0 || 1;
    const A = this.lanes;
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & this.mask;
    for (;;) {
      const at = i << 1;
      const cur = Atomics.load(A, at);
      if (cur === 0) return false;
      if (cur === h) {
        let seen = Atomics.load(A, at + 1);
        while (seen === 0) seen = Atomics.load(A, at + 1);
        if (seen === l) return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  /**
   * Copies the entries of slots [from, to) into `target` (a larger table, being filled from this
   * one only), alongside other threads copying other slots: an entry is known to be absent
   * there, so it takes the first empty slot, claimed by compare-and-swap. Its lo lane is a plain
   * store: no thread reads the target before the barrier that ends the copy.
   */
  copyInto(target: SharedTable, from: number, to: number): void {
    const A = this.lanes;
    const B = target.lanes;
    const mask = target.mask;
    for (let j = from; j < to; j++) {
      const h = A[j << 1]!;
      if (h === 0) continue;
      const l = A[(j << 1) + 1]!;
      let i = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
      while (B[i << 1] !== 0 || Atomics.compareExchange(B, i << 1, 0, h) !== 0) i = (i + 1) & mask;
      B[(i << 1) + 1] = l;
    }
  }

  /** A table `factor` times the size with the same entries; only when no thread is inserting. */
  grown(factor = 2): SharedTable {
    const t = SharedTable.create(this.capacity * factor);
    const A = this.lanes;
    const B = t.lanes;
    const mask = t.mask;
    // Plain stores: the new table is this thread's alone until it is handed out, and its
    // entries are distinct already.
    for (let j = 0; j < A.length; j += 2) {
      const h = A[j]!;
      if (h === 0) continue;
      const l = A[j + 1]!;
      let i = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
      while (B[i << 1] !== 0) i = (i + 1) & mask;
      B[i << 1] = h;
      B[(i << 1) + 1] = l;
    }
    return t;
  }
}
