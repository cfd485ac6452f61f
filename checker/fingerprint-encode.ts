/** The fingerprinter for a model's `encode` hook (fingerprint.ts chooses it when a model has one). */
import type { StateEncoder } from './types.ts';
import { HASH, f64, Hasher, hashString, u32, type Fingerprinter } from './hash.ts';

// The tags as this module's own consts, not imported bindings (see HASH in hash.ts).
const { TAG_BYTES, TAG_FALSE, TAG_NUM, TAG_TRUE } = HASH;

/**
 * The fingerprinter for a model's `encode` hook: the words it writes go straight into one
 * streaming hasher, with no key string built and no object walked. Each value carries a type
 * tag, so `int(1)` then `str("")` and `str("1")` differ.
 *
 * Integers in 0..255 (a model's pcs, counters, flags: most of what it encodes) are packed four
 * to a word and hashed as a run — TAG_BYTES, the run's length, its packed words — when the run
 * ends (another kind of value, 64 bytes, or the state's end): a quarter of a word each, where
 * TAG_NUM and the value were two. Every item begins with its tag and says its own length, so
 * the words decode to one sequence of values only: different encodings stay apart.
 */
export function encoderFingerprinter<S>(encode: (state: S, out: StateEncoder) => void): Fingerprinter<S> {
  const h = new Hasher();
  // The run of bytes not hashed yet: its whole packed words, the word being filled, its length.
  const run = new Int32Array(RUN_MAX >> 2);
  let pending = 0;
  let runLength = 0;
  const flush = (): void => {
    h.word(TAG_BYTES);
    h.word(runLength);
    const whole = runLength >> 2;
    for (let i = 0; i < whole; i++) h.word(run[i]!);
    if ((runLength & 3) !== 0) h.word(pending);
    pending = 0;
    runLength = 0;
  };
  const enc: StateEncoder = {
    int(n: number): void {
      if ((n & 255) === n) {
        pending |= n << ((runLength & 3) << 3);
        runLength++;
        if ((runLength & 3) === 0) {
          run[(runLength >> 2) - 1] = pending;
          pending = 0;
          if (runLength === RUN_MAX) flush();
        }
        return;
      }
      if (runLength > 0) flush();
      if ((n | 0) === n) {
        h.word(TAG_NUM);
        h.word(n);
      } else enc.num(n);
    },
    num(n: number): void {
      // -0 is 0, as in canonical JSON; a whole double is the same number as the int.
      if ((n | 0) === n) {
        enc.int(n | 0);
        return;
      }
      if (runLength > 0) flush();
      f64[0] = n;
      h.word(TAG_NUM ^ 0x2b992ddf);
      h.word(u32[0]!);
      h.word(u32[1]!);
    },
    str(s: string): void {
      if (runLength > 0) flush();
      hashString(h, s);
    },
    bool(b: boolean): void {
      if (runLength > 0) flush();
      h.word(b ? TAG_TRUE : TAG_FALSE);
    },
  };
  return (state, out) => {
    h.reset(0x9e3779b9, 0x7f4a7c15);
    pending = 0;
    runLength = 0;
    encode(state, enc);
    if (runLength > 0) flush();
    h.finish(out);
  };
}

/** The longest run of bytes the encode fingerprinter packs before hashing it (a multiple of 4). */
const RUN_MAX = 64;
