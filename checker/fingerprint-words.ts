/** The compact contract's fingerprint: a state's int32 slots, hashed as bytes where they are. */
import { finishHash, laneA, laneB, type Fingerprint } from './hash.ts';

/** Hashes `width` int32 slots of `words` starting at `offset` (the compact contract's states). */
export function fingerprintWords(words: Int32Array, offset: number, width: number, out: Fingerprint): void {
  // Most compact models hold bytes (BEEM's do): when every slot is in 0..255, four slots are
  // packed into each hashed word, a quarter of the hashing. Other states hash a word per slot
  // from another seed; which way a state goes depends on the state alone, so equal states
  // always get equal fingerprints. The byte way is tried first, in one pass that also finds
  // whether every slot is a byte. Hasher's reset, word and finish on locals (laneA, laneB), not
  // its fields: the compact search's hottest call (a sixth of its time through the Hasher).
  const end = offset + width;
  let any = 0;
  let a = 0x9e3779b9;
  let b = 0x7f4a7c15;
  let n = 0;
  let i = offset;
  for (;;) {
    let w = 0;
    if (i + 3 < end) {
      const x = words[i]!;
      const y = words[i + 1]!;
      const z = words[i + 2]!;
      const v = words[i + 3]!;
      any |= x | y | z | v;
      w = x | (y << 8) | (z << 16) | (v << 24);
      i += 4;
    } else {
      // The last, partial word (a whole zero word when width is a multiple of four).
      for (let sh = 0; i < end; i++, sh += 8) {
        any |= words[i]!;
        w |= words[i]! << sh;
      }
      i = end + 1;
    }
    a = laneA(a, w);
    b = laneB(b, a, w);
    n++;
    if (i > end) break;
  }
  if ((any & ~255) !== 0) {
    a = 0x165667b1;
    b = 0x27d4eb2f;
    n = 0;
    for (i = offset; i < end; i++) {
      const w = words[i]!;
      a = laneA(a, w);
      b = laneB(b, a, w);
      n++;
    }
  }
  finishHash(a, b, n, out);
}
