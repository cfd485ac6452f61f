/**
 * Bitstate (supertrace) hashing, after Holzmann: a visited "set" of m = 2^log2Bits bits where
 * each state sets k bits. A state whose k bits are all already set is taken as visited, so
 * states can be missed (never invented): the search is an under-approximation, useful when the
 * exact table would not fit. The k positions come from the 64-bit fingerprint by double hashing
 * (Kirsch and Mitzenmacher, "Less hashing, same performance", 2006).
 *
 * SPIN prints the "hash factor" m/n (bits per stored state; it calls more than 100 "best
 * coverage"). We print it too, with the expected coverage of Holzmann's analysis ("An analysis
 * of bitstate hashing", FMSD 13(3), 1998): the i-th new state is wrongly matched with
 * probability about (1 - e^(-k i / m))^k, and the expected coverage is one minus the mean of
 * that over the n states stored.
 */

export const MAX_LOG2_BITS = 32;

export class BitstateSet {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private count = 0;

  constructor(
    readonly log2Bits: number,
    readonly hashes = 3,
  ) {
    if (!Number.isInteger(log2Bits) || log2Bits < 10 || log2Bits > MAX_LOG2_BITS) throw new RangeError(`bitstate needs 10 <= log2Bits <= ${MAX_LOG2_BITS}, not ${log2Bits}`);
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > 8) throw new RangeError(`bitstate needs 1 to 8 hashes, not ${hashes}`);
    this.bits = new Uint32Array(2 ** (log2Bits - 5));
    this.mask = log2Bits === 32 ? 0xffffffff : 2 ** log2Bits - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.bits.byteLength;
  }

  get bitCount(): number {
    return 2 ** this.log2Bits;
  }

  /** Sets the state's k bits; true if at least one was clear (the state is taken as new). */
  add(hi: number, lo: number): boolean {
    let fresh = false;
    const step = (hi | 1) >>> 0;
    for (let i = 0; i < this.hashes; i++) {
      const pos = ((lo + Math.imul(i, step)) & this.mask) >>> 0;
      const w = pos >>> 5;
      const b = 1 << (pos & 31);
      const old = this.bits[w]!;
      if ((old & b) === 0) {
        fresh = true;
        this.bits[w] = old | b;
      }
    }
    if (fresh) this.count++;
    return fresh;
  }

  has(hi: number, lo: number): boolean {
    const step = (hi | 1) >>> 0;
    for (let i = 0; i < this.hashes; i++) {
      const pos = ((lo + Math.imul(i, step)) & this.mask) >>> 0;
      if ((this.bits[pos >>> 5]! & (1 << (pos & 31))) === 0) return false;
    }
    return true;
  }
}

/** Holzmann's expected coverage of a bitstate search that stored `n` states in `m` bits with `k` hashes. */
export function expectedCoverage(n: number, m: number, k: number): number {
  if (n === 0) return 1;
  // The mean over i in [0, n) of (1 - e^{-k i / m})^k, by the midpoint rule on 1,000 slices.
  const slices = Math.min(1000, n);
  let sum = 0;
  for (let j = 0; j < slices; j++) {
    const i = ((j + 0.5) / slices) * n;
    sum += (1 - Math.exp((-k * i) / m)) ** k;
  }
  return 1 - sum / slices;
}
