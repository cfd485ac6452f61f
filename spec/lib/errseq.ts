/**
 * errseq_t (lib/errseq.c, Linux 6.18): one 32-bit cell that records the latest writeback
 * error of a mapping so that any number of subscribers (open files) can each tell whether
 * a new error happened since they last looked.
 *
 * The value is kept as the kernel keeps it, a number with the kernel's layout, so that
 * equality of two samples means what it means in C: the low 12 bits hold the errno
 * (MAX_ERRNO = 4095), bit 12 is ERRSEQ_SEEN, the bits above are a counter that is bumped
 * only when a new error replaces one somebody has seen. 0 is "never an error".
 * The compare-and-swap loops are single steps here: the model runs one actor at a time,
 * and the kernel's loops retry until their update is one atomic change of the cell.
 */

/** An errseq_t value. */
export type Errseq = number;

const MAX_ERRNO = 4095;
/** ilog2(MAX_ERRNO) + 1 */
const ERRSEQ_SHIFT = 12;
export const ERRSEQ_SEEN = 1 << ERRSEQ_SHIFT;
const ERRNO_MASK = ERRSEQ_SEEN - 1;
const ERRSEQ_CTR_INC = 1 << (ERRSEQ_SHIFT + 1);

/** The errnos writeback records, by number (include/uapi/asm-generic/errno-base.h). */
export const ERRNO_NUMBER = { EIO: 5, ENOSPC: 28 } as const;
export type WbErrno = keyof typeof ERRNO_NUMBER;

function errnoName(n: number): WbErrno | null {
  for (const [k, v] of Object.entries(ERRNO_NUMBER)) if (v === n) return k as WbErrno;
  return null;
}

/**
 * errseq_set: store `err`, bumping the counter only if the previous value had been seen,
 * so that an error nobody looked at yet is not counted twice.
 */
export function errseqSet(old: Errseq, err: WbErrno): Errseq {
  let next = (old & ~(ERRNO_MASK | ERRSEQ_SEEN)) | ERRNO_NUMBER[err];
  if ((old & ERRSEQ_SEEN) !== 0) next += ERRSEQ_CTR_INC;
  return next >>> 0;
}

/**
 * errseq_sample: what a new subscriber (an open) starts from. An error nobody has seen
 * yet samples as 0, so the new subscriber will still report it ("errseq: Always report a
 * writeback error once", 2018).
 */
export function errseqSample(cur: Errseq): Errseq {
  return (cur & ERRSEQ_SEEN) === 0 ? 0 : cur;
}

/** errseq_check: the errno if the cell changed since `since`, else null. */
export function errseqCheck(cur: Errseq, since: Errseq): WbErrno | null {
  return cur === since ? null : errnoName(cur & ERRNO_MASK);
}

/**
 * errseq_check_and_advance: if the cell changed since the subscriber's cursor, mark it
 * seen, move the cursor to it and report its errno. Returns the new cell, the new cursor
 * and the error (null when nothing changed).
 */
export function errseqCheckAndAdvance(cur: Errseq, since: Errseq): { cell: Errseq; since: Errseq; err: WbErrno | null } {
  if (cur === since) return { cell: cur, since, err: null };
  const seen = (cur | ERRSEQ_SEEN) >>> 0;
  return { cell: seen, since: seen, err: errnoName(seen & ERRNO_MASK) };
}

/** For traces: `EIO (seen, ctr 1)`, or `0`. */
export function describeErrseq(e: Errseq): string {
  if (e === 0) return '0';
  const err = errnoName(e & ERRNO_MASK) ?? `errno ${e & ERRNO_MASK}`;
  const ctr = Math.floor(e / ERRSEQ_CTR_INC);
  return `${err} (${(e & ERRSEQ_SEEN) !== 0 ? 'seen' : 'unseen'}, ctr ${ctr})`;
}
