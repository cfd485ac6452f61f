/**
 * Buffered RWF_ATOMIC as the seed 000 RFC posts it (John Garry, "fs: iomap: buffered atomic
 * write support", April 2024; not in Linux 6.18, which refuses it with -EOPNOTSUPP): the
 * copy of one atomic write into its folio, with IOMAP_ATOMIC.
 *
 * The write's whole range is one folio (iomap_get_folio's safety check: the length must be
 * the mapping's folio size). One step is iomap_write_begin (folio locked), the copy
 * (copy_folio_from_iter_atomic) and iomap_write_end, then the unlock. The environment may
 * make the copy stop at any page boundary inside the user buffer (a user page that is not
 * resident, Matthew Wilcox's objection); a `badPage` of the syscall stops it every time.
 * What happens then is the knob bufferedAtomicShortCopy.
 *
 * Models fs/iomap/buffered-io.c (iomap_write_iter, __iomap_write_end) of Linux 6.18 with
 * the RFC's changes.
 */
import { endWrite } from '../../ghost.ts';
import { markDirty } from '../journal.ts';
import { unlock } from '../../kernel/locking/rwsem.ts';
import { filemapFdatawriteRange, filemapGetFolio, folioAt, folioSpan, setFolioFlag } from '../../mm/filemap.ts';
import { writeToken, type BufferedWrite, type Settings, type Step, type World } from '../../types.ts';
import { inodeOf } from '../../vfs/fd.ts';
import { xfsBufferedWriteIomapEnd } from '../xfs/xfs_iomap.ts';

/** The proposal's bound: "go three times around, and if it's still not readable as a chunk, -EFAULT". */
export const ATOMIC_COPY_TRIES = 3;

type Cur = (d: World) => BufferedWrite;

/** Where the copy from block `from` of the chunk can stop (blocks copied from its start), and why. */
function copyOutcomes(w: World, s: Settings, st: BufferedWrite, from: number): Array<{ to: number; why: 'bad' | 'fault' | null }> {
  const n = st.req.nblk;
  const bad = st.req.badPage;
  const stop = bad !== null && bad >= from && bad < n ? bad : null;
  const out: Array<{ to: number; why: 'bad' | 'fault' | null }> = [stop === null ? { to: n, why: null } : { to: stop, why: 'bad' }];
  if (w.userFaults < (s.userFaults ?? 0)) for (let k = from + 1; k < (stop ?? n); k++) out.push({ to: k, why: 'fault' });
  return out;
}

/** The folio copy steps of a buffered atomic write (one per place the environment can make the copy stop). */
export function atomicCopySteps(w: World, s: Settings, ti: number, st: BufferedWrite, cur: Cur): Step | Step[] {
  const req = st.req;
  const span = folioSpan(w, req.ino, req.blk);
  if (span.head !== req.blk || span.nr !== req.nblk) {
    return {
      fn: 'iomap_write_iter → iomap_get_folio',
      what: `IOMAP_ATOMIC: the write is ${req.nblk} blocks but the mapping's folios are ${span.nr}: -EINVAL`,
      apply: (d) => finish(d, ti, cur, 0, 'EINVAL'),
    };
  }
  const retry = s.knobs.bufferedAtomicShortCopy !== 'short-copy';
  const from = retry ? 0 : st.copied;
  // fault_in_iov_iter_readable at the top of the loop: the page the copy resumes at cannot be read.
  if (!retry && req.badPage === from && from < req.nblk) {
    return {
      fn: 'iomap_write_iter',
      what: `fault_in_iov_iter_readable: user page ${from} cannot be faulted in: ${from > 0 ? `return ${from * s.fs.blockSize} (a short atomic write)` : '-EFAULT'}`,
      apply: (d) => finish(d, ti, cur, from, from > 0 ? from * s.fs.blockSize : 'EFAULT'),
    };
  }
  return copyOutcomes(w, s, st, from).map((o) => copyStep(w, s, ti, st, cur, from, o.to, o.why));
}

function copyStep(w: World, s: Settings, ti: number, st: BufferedWrite, cur: Cur, from: number, to: number, why: 'bad' | 'fault' | null): Step {
  const req = st.req;
  const n = req.nblk;
  const retry = s.knobs.bufferedAtomicShortCopy !== 'short-copy';
  const blocks = Array.from({ length: n }, (_, i) => folioAt(w, req.ino, req.blk + i));
  const uptodate = blocks.every((f) => f?.uptodate === true);
  const full = to === n;
  // __iomap_write_end: a short copy into a folio that is not uptodate counts as no copy.
  const kept = full || uptodate;
  // Without the bound nothing is counted: the retry comes back to the same state.
  const bounded = s.knobs.bufferedAtomicShortCopy === 'clear-dirty-then-retry';
  const tries = bounded ? st.tries + 1 : st.tries;
  const stopped = why === null ? '' : why === 'bad' ? `user page ${to} cannot be read: ` : `user page ${to} faults: `;
  const copied = `copy_folio_from_iter_atomic copies ${full ? 'all' : `${to - from} of ${n - from}`} blocks`;
  const what = retry
    ? full
      ? `${copied}; iomap_write_end: uptodate, now dirty, PG_atomic; unlock`
      : bounded
        ? `${stopped}${copied}; the folio stays clean (try ${tries} of ${ATOMIC_COPY_TRIES})${tries >= ATOMIC_COPY_TRIES ? ': -EFAULT' : ', retry the whole chunk'}`
        : `${stopped}${copied}; the folio stays clean, retry the whole chunk (no bound)`
    : full
      ? `${copied}; iomap_write_end: uptodate, dirty, PG_atomic; unlock`
      : kept
        ? `${stopped}${copied}; iomap_write_end: the folio is uptodate, so the copied blocks are dirtied (PG_atomic); unlock, then fault_in_iov_iter_readable and copy the rest`
        : `${stopped}${copied}; iomap_write_end: short copy into a folio that is not uptodate counts as 0 bytes; unlock; retry with bytes = copied: iomap_get_folio's IOMAP_ATOMIC check, length ≠ folio size: ${from > 0 ? `return ${from * s.fs.blockSize}` : '-EINVAL'}`;
  return {
    fn: `iomap_write_iter (IOMAP_ATOMIC${retry ? ', clear dirty after iomap_write_begin' : ''})`,
    what: `folio ${req.ino}:${req.blk}-${req.blk + n - 1}: ${what}`,
    apply: (d) => {
      const c = cur(d);
      if (why === 'fault') d.userFaults++;
      filemapGetFolio(d, req.ino, req.blk);
      if (retry) for (let i = 0; i < n; i++) setDirty(d, req.ino, req.blk + i, false);
      // The bytes land in the folio whatever iomap_write_end then decides.
      if (kept) for (let i = from; i < to; i++) copyBlock(d, req.ino, req.blk + i, writeToken(req.id, i), !retry || full);
      if (full || (kept && !retry && to > from)) setFolioFlag(d, req.ino, req.blk, 'atomic', true);
      if (full) {
        c.copied = n;
        grow(d, s, req.ino, req.pos + req.count);
        if (req.dsync) {
          const bios = filemapFdatawriteRange(d, req.ino, req.blk, n, ti);
          c.wait = bios ?? [];
          c.ioError = bios === null;
          c.next = n;
          c.phase = 'writeback-wait';
        } else {
          c.next = n;
          c.phase = 'unlock';
        }
        return;
      }
      if (retry) {
        c.tries = tries;
        if (bounded && tries >= ATOMIC_COPY_TRIES) finish(d, ti, cur, 0, 'EFAULT');
        return;
      }
      if (kept) {
        c.copied = to;
        grow(d, s, req.ino, req.pos + to * s.fs.blockSize);
        return;
      }
      // iomap_write_iter: `bytes = copied; goto retry` asks for a folio of fewer bytes than
      // the atomic folio, which the RFC's length check in iomap_get_folio refuses.
      finish(d, ti, cur, from, from > 0 ? from * s.fs.blockSize : 'EINVAL');
    },
  };
}

function setDirty(d: World, ino: number, blk: number, v: boolean): void {
  const f = folioAt(d, ino, blk);
  if (f !== null) f.dirty = v;
}

function copyBlock(d: World, ino: number, blk: number, t: string, dirty: boolean): void {
  const f = folioAt(d, ino, blk);
  if (f === null) throw new Error(`no folio at ${ino}:${blk}`);
  f.t = t;
  f.uptodate = true;
  if (dirty) f.dirty = true;
}

/** i_size_write when the copy extends the file. */
function grow(d: World, s: Settings, ino: number, end: number): void {
  const inode = inodeOf(d, ino);
  if (end <= inode.size) return;
  inode.size = end;
  markDirty(d, ino);
}

/** End the write early: ->iomap_end punches the delalloc not used, unlock, return. */
function finish(d: World, ti: number, cur: Cur, copiedBlocks: number, ret: number | 'EFAULT' | 'EINVAL'): void {
  const c = cur(d);
  const req = c.req;
  if (c.iomap !== null) xfsBufferedWriteIomapEnd(d, req.ino, c.iomap, req.blk + copiedBlocks);
  unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
  endWrite(d, ti, { ...req, nblk: copiedBlocks }, ret);
}

