/**
 * A fingerprint table in a SharedArrayBuffer that several worker threads insert into at once,
 * without locks. Open addressing with linear probing over two Int32Array lanes (hi, lo). A
 * slot is claimed by a compare-and-swap of its hi lane from 0; the claimant then stores lo. A
 * thread that finds its hi already in a slot waits for that slot's lo to appear (a few
 * instructions at most) and compares it. Zero marks an empty lane, so a lane that hashes to 0
 * is stored as 1: a 2^-32 loss of hash space per lane, immaterial next to the 64-bit table.
 *
 * The table does not grow while workers insert: the coordinator grows it between BFS levels,
 * when no thread is inserting (see workers.ts), keeping the load at most one half when a level
 * starts; a worker that finds the table three quarters full stops the level ('maxStates'-like
 * stop with a hint), since linear probing degrades past that.
 */

/**
 * Slots, hi lanes and lo lanes in one SharedArrayBuffer. No shared counter: one would put every
 * insert of every thread on the same cache line; the coordinator counts the states it numbers.
 */
export class SharedTable {
  readonly hi: Int32Array;
  readonly lo: Int32Array;
  readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const slots = (buffer.byteLength - 8) / 8;
    this.hi = new Int32Array(buffer, 8, slots);
    this.lo = new Int32Array(buffer, 8 + slots * 4, slots);
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
    const H = this.hi;
    const L = this.lo;
    const mask = this.mask;
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & mask;
    for (;;) {
      // A plain read first: most probes meet a taken slot, and a compare-and-swap (or even an
      // atomic load) costs more. A stale 0 only sends us to the CAS, which sees the truth; a
      // non-zero value is final, since a slot is never emptied.
      let prev = H[i]!;
      if (prev === 0) {
        prev = Atomics.compareExchange(H, i, 0, h);
        if (prev === 0) {
          Atomics.store(L, i, l);
          return true;
        }
      }
      if (prev === h) {
        let seen = L[i]!;
        // The thread that claimed the slot is between its two stores.
        while (seen === 0) seen = Atomics.load(L, i);
        if (seen === l) return false;
      }
      i = (i + 1) & mask;
    }
  }

  has(hi: number, lo: number): boolean {
    const h = hi | 0 || 1;
    const l = lo | 0 || 1;
    let i = (l ^ Math.imul(h, 0x9e3779b1)) & this.mask;
    for (;;) {
      const cur = Atomics.load(this.hi, i);
      if (cur === 0) return false;
      if (cur === h) {
        let seen = Atomics.load(this.lo, i);
        while (seen === 0) seen = Atomics.load(this.lo, i);
        if (seen === l) return true;
      }
      i = (i + 1) & this.mask;
    }
  }

  /** A table twice the size with the same entries; only when no thread is inserting. */
  grown(): SharedTable {
    const t = SharedTable.create(this.capacity * 2);
    for (let i = 0; i <= this.mask; i++) {
      const h = this.hi[i]!;
      if (h !== 0) t.add(h, this.lo[i]!);
    }
    return t;
  }
}
