/**
 * The buffered write (iomap_write_iter for XFS, generic_perform_write for ext4, and a direct
 * write's ENOTBLK fallback): copy into folios under the exclusive lock, one block per step;
 * a buffered RWF_ATOMIC write (the seed 000 RFC) copies its whole folio per step
 * (buffered-atomic.ts).
 *
 * Models Linux 6.18 (fs/iomap/buffered-io.c, fs/ext4/file.c, mm/filemap.c).
 */
import { match } from 'ts-pattern';
import { xfsNowaitTimestampRefusal } from '../xfs/xfs_file.ts';
import { endWrite, settleOwedErrors, task } from '../../ghost.ts';
import { atomicCopySteps } from './buffered-atomic.ts';
import { commitJournal, markDirty, orderedDataPending } from '../journal.ts';
import { canLock, lock, unlock } from '../../kernel/locking/rwsem.ts';
import { anyDirty, anyWriteback, dirtyFolio, fileCheckAndAdvanceWbErr, filemapCheckErrors, filemapFdatawriteRange, filemapFdatawriteRangeKick, folioAt, invalidateInodePages2Range, setFolioFlag, writebackFolio } from '../../mm/filemap.ts';
import { writeToken, type BufferedWrite, type BufIomap, type Settings, type Step, type World, type WriteReq } from '../../types.ts';
import { fdOf, inodeOf } from '../../vfs/fd.ts';
import { mappingOf } from '../../mm/filemap.ts';
import { xfsBufferedWriteIomapBegin, xfsBufferedWriteIomapEnd, xfsIomapValid, xfsReserveDelalloc } from '../xfs/xfs_iomap.ts';
import { ext4DaWriteBegin, ext4DaWriteEnd, ext4DaWriteEndPlan, ext4FdatawriteRange } from '../ext4/inode.ts';

/**
 * Why an XFS buffered IOMAP_NOWAIT write would block at file block `blk`, or null:
 * a delalloc reservation for a hole (xfs_buffered_write_iomap_begin), or a read of a
 * partly overwritten block that is not cached (__iomap_write_begin).
 */
function xfsBufferedNowaitStall(w: World, s: Settings, req: WriteReq, blk: number): string | null {
  const m = inodeOf(w, req.ino).map[blk];
  if (folioAt(w, req.ino, blk) !== null) return null;
  if (m === undefined || m.kind === 'hole') return `block ${blk} needs a delalloc reservation`;
  if (m.kind === 'delalloc') return null;
  const bs = s.fs.blockSize;
  const whole = req.pos <= blk * bs && req.pos + req.count >= (blk + 1) * bs;
  return whole || m.kind === 'unwritten' ? null : `block ${blk} must be read before a partial overwrite`;
}

/** Buffered write (and a direct write's ENOTBLK fallback): copy into folios under the exclusive lock. */
export function bufferedWriteStep(w: World, s: Settings, ti: number, st: BufferedWrite): Step | Step[] | null {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_buffered_write' : 'ext4_buffered_write_iter';
  const cur = (d: World): BufferedWrite => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'buffered-write') throw new Error('not in a buffered write');
    return c;
  };
  const lockName = s.fs.kind === 'xfs' ? 'IOLOCK excl' : 'inode_lock';
  // ->writepages of a data-integrity flush: ext4_writepages on ext4, the iomap path otherwise.
  // ext4 leaves a folio under writeback for after folio_wait_writeback (the 'writeback-wait' phase).
  const fdatawrite = (d: World, blk: number, n: number): number[] | null => (s.fs.kind === 'ext4' ? ext4FdatawriteRange(d, s, req.ino, blk, n, ti, true, true) : filemapFdatawriteRange(d, req.ino, blk, n, ti));
  return match(st.phase)
    .with('lock', (): Step | Step[] | null => {
      const free = canLock(inode.iolock, 'excl');
      if (!free && req.nowait) {
        return { fn, what: `${lockName} busy and IOCB_NOWAIT: -EAGAIN`, apply: (d) => endWrite(d, ti, req, 'EAGAIN') };
      }
      if (free && req.nowait && s.fs.kind === 'xfs' && req.pos > inode.size) {
        // xfs_file_write_checks: zeroing the gap beyond EOF would block.
        return { fn: 'xfs_file_write_checks', what: 'write starts beyond EOF and IOCB_NOWAIT: -EAGAIN', apply: (d) => endWrite(d, ti, req, 'EAGAIN') };
      }
      if (!free) return null;
      return [
        {
          fn,
          what: `take ${lockName}`,
          apply: (d) => {
            lock(inodeOf(d, req.ino).iolock, 'excl', ti);
            cur(d).phase = 'copy';
          },
        },
        ...xfsNowaitTimestampRefusal(s, req, (d) => endWrite(d, ti, req, 'EAGAIN')),
      ];
    })
    .with('copy', (): Step | Step[] => {
      // Only the RFC lets an atomic write in here other than as a direct write's fallback.
      if (req.atomic && !st.fallback) {
        const blk = req.blk + st.copied;
        const it = xfsIterStep(w, s, ti, st, blk, cur);
        return it ?? atomicCopySteps(w, s, ti, st, cur);
      }
      const blk = req.blk + st.next;
      const t = writeToken(req.id, st.next);
      const bs = s.fs.blockSize;
      const nowaitStall = s.fs.kind === 'xfs' && req.nowait ? xfsBufferedNowaitStall(w, s, req, blk) : null;
      // fault_in_iov_iter_readable cannot bring in the user page this block's bytes come from.
      const fault = req.badPage === st.next ? `user page ${st.next} cannot be faulted in` : null;
      // ext4: ext4_da_write_begin with ext4_da_get_block_prep, under the folio lock.
      const da = s.fs.kind === 'ext4' && fault === null ? ext4DaWriteBegin(w, s, req, blk) : null;
      const enospc = da?.err === 'ENOSPC' ? `ext4_da_write_begin: ${da.what}` : null;
      const stall = nowaitStall ?? fault ?? enospc;
      if (stall !== null) {
        // iomap_write_iter stops at the folio that would block or fault: a short write, or -EAGAIN / -EFAULT.
        const copied = st.next === 0 ? 0 : blk * bs - req.pos;
        const err = nowaitStall !== null ? 'EAGAIN' : enospc !== null ? 'ENOSPC' : 'EFAULT';
        return {
          fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
          what: `${stall}${nowaitStall !== null ? ' and IOMAP_NOWAIT' : ''}: ${copied > 0 ? `stop after ${copied} bytes` : `-${err}`}`,
          apply: (d) => {
            const c = cur(d);
            if (copied === 0) {
              if (c.iomap !== null) xfsBufferedWriteIomapEnd(d, req.ino, c.iomap, blk);
              unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
              endWrite(d, ti, req, err);
              return;
            }
            c.short = copied;
            if (c.iomap !== null) xfsBufferedWriteIomapEnd(d, req.ino, c.iomap, blk);
            if (!req.dsync) {
              c.phase = 'unlock';
              return;
            }
            const bios = fdatawrite(d, req.blk, st.next);
            c.wait = bios ?? [];
            c.ioError = bios === null;
            c.phase = 'writeback-wait';
          },
        };
      }
      if (s.fs.kind === 'xfs') {
        const it = xfsIterStep(w, s, ti, st, blk, cur);
        if (it !== null) return it;
      }
      const last = st.next + 1 === req.nblk;
      const perCall = req.dontcache && s.knobs.uncached === 'per-call-fix';
      const flush = last && (st.fallback || req.dsync || perCall);
      const existed = folioAt(w, req.ino, blk) !== null;
      // The 2019 actor writes out and drops a folio it created once the copy has passed its end.
      const perPage = req.dontcache && s.knobs.uncached === 'per-page-2019' && !existed && !flush && req.pos + req.count >= (blk + 1) * bs;
      const zeroOrRead = s.fs.kind === 'xfs' && st.iomap !== null ? writeBeginFill(w, s, req, st.iomap, blk) : null;
      const staleUncached = req.dontcache && st.iomap !== null && st.iomap.seq !== inode.seq ? uncachedStale(req, st.iomap, blk, inode.seq) : null;
      const daEnd = da === null ? null : ext4DaWriteEndPlan(w, s, req, blk, da);
      const copyWhat = da === null || daEnd === null ? `copy ${t} into folio ${blk}, mark it dirty` : `ext4_da_write_begin: folio ${blk} locked; ${da.what}; copy ${t}; ${daEnd.what}`;
      return {
        fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
        what: `${zeroOrRead === null ? '' : `iomap_write_begin: ${zeroOrRead.what}; `}${copyWhat}${flush ? `; ${st.fallback ? 'filemap_write_and_wait_range' : perCall && !req.dsync ? 'RWF_UNCACHED: filemap_write_and_wait_range' : 'generic_write_sync'} writes back the range` : ''}${perPage ? '; RWF_UNCACHED: write_drop_cached_pages writes the folio out' : ''}`,
        apply: (d) => {
          if (zeroOrRead?.stale != null) d.ghost.flagged.push({ property: 'stale-iomap', what: zeroOrRead.stale });
          if (staleUncached !== null) d.ghost.flagged.push({ property: 'uncached-iomap-stable', what: staleUncached });
          clearFolioAtomic(d, req, blk);
          const dontcache = req.dontcache && s.knobs.uncached === 'dontcache-6.18';
          if (da !== null && daEnd !== null) ext4DaWriteEnd(d, req, blk, t, da, daEnd, dontcache);
          else dirtyFolio(d, req.ino, blk, t, dontcache);
          const c = cur(d);
          if (existed && perCall) c.dropCache = false;
          c.next++;
          const ino = inodeOf(d, req.ino);
          const end = Math.min(req.pos + req.count, (blk + 1) * s.fs.blockSize);
          if (da === null && end > ino.size) {
            ino.size = end;
            markDirty(d, req.ino);
          }
          if (perPage) {
            c.wait = writebackFolio(d, req.ino, blk, ti) ?? [];
            c.phase = 'uncached-page-wait';
            return;
          }
          if (!last) return;
          if (flush) {
            const bios = fdatawrite(d, req.blk, req.nblk);
            c.wait = bios ?? [];
            c.ioError = bios === null;
            c.phase = 'writeback-wait';
          } else c.phase = 'unlock';
        },
      };
    })
    .with('uncached-page-wait', (): Step | null => {
      const blk = req.blk + st.next - 1;
      if (st.wait.length > 0 || folioAt(w, req.ino, blk)?.writeback === true) return null;
      return {
        fn: 'write_drop_cached_pages',
        what: `folio ${blk} written back: remove_mapping drops it; the actor goes on with its cached iomap`,
        apply: (d) => {
          const c = cur(d);
          if (folioAt(d, req.ino, blk)?.dirty === false) invalidateInodePages2Range(d, req.ino, blk, 1);
          // The 2019 patch ignores the writeback's result (the error is in the mapping).
          c.ioError = false;
          c.phase = c.next < req.nblk ? 'copy' : 'unlock';
        },
      };
    })
    .with('writeback-wait', (): Step | null => {
      if (st.wait.length > 0 || anyWriteback(w, req.ino, req.blk, req.nblk)) return null;
      if (s.fs.kind === 'ext4' && !st.ioError && anyDirty(w, req.ino, req.blk, req.nblk)) {
        // WB_SYNC_ALL: mpage_prepare_extent_to_map waited (folio_wait_writeback) for a folio
        // that was under writeback and dirty again; now write it.
        return {
          fn: 'filemap_write_and_wait_range → ext4_writepages',
          what: 'folio_wait_writeback done: write back the folios that were under writeback',
          apply: (d) => {
            const bios = fdatawrite(d, req.blk, req.nblk);
            const c = cur(d);
            c.wait = bios ?? [];
            c.ioError = bios === null;
          },
        };
      }
      // jbd2 data=ordered: the commit below first waits for the transaction's ordered data.
      if (req.dsync && orderedDataPending(w) !== null) return null;
      if (req.dontcache && s.knobs.uncached === 'per-call-fix' && !st.fallback) return perCallFlushDone(w, s, ti, st, cur);
      return {
        fn: st.fallback ? 'filemap_write_and_wait_range' : 'generic_write_sync',
        what: `${st.fallback ? 'invalidate_mapping_pages' : ''}${req.dsync ? `${st.fallback ? '; ' : ''}commit the journal` : ''}` || 'writeback done',
        apply: (d) => {
          if (st.fallback) invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
          if (req.dsync) {
            // generic_write_sync → vfs_fsync_range: ->fsync reports a writeback error of the
            // file since this fd's last sample, whoever's writeback it was (the flusher's too).
            const c = cur(d);
            const of = fdOf(d, ti, req.fd);
            if (of !== null) {
              const err = s.knobs.wbErrReporting === 'as-eio' ? filemapCheckErrors(d, req.ino) : fileCheckAndAdvanceWbErr(d, of);
              if (err !== null) c.ioError = true;
              settleOwedErrors(d, ti, req.fd, c.ioError);
            }
            commitJournal(d);
          }
          cur(d).phase = 'unlock';
        },
      };
    })
    .with('unlock', (): Step => {
      const ret = st.ioError ? 'EIO' : (st.short ?? req.count);
      const kick = req.dontcache && s.knobs.uncached === 'dontcache-6.18' && !req.dsync && typeof ret === 'number';
      return {
        fn,
        what: `${s.fs.kind === 'xfs' ? 'xfs_iunlock' : 'inode_unlock'}; ${kick ? 'generic_write_sync: IOCB_DONTCACHE, filemap_fdatawrite_range_kick starts writeback of the range; ' : ''}return ${typeof ret === 'number' ? ret : `-${ret}`}`,
        apply: (d) => {
          unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
          if (st.flushError && typeof ret === 'number') {
            d.ghost.flagged.push({ property: 'uncached-flush-errors', what: `RWF_UNCACHED write ${req.id} (T${ti + 1}) returns ${ret} although the writeback of its range it waited for failed: its data is not on disk` });
          }
          if (kick && s.fs.kind === 'ext4') ext4FdatawriteRange(d, s, req.ino, req.blk, req.nblk, -1, false);
          else if (kick) filemapFdatawriteRangeKick(d, req.ino, req.blk, req.nblk);
          endWrite(d, ti, st.short === null ? req : { ...req, nblk: st.next }, ret);
        },
      };
    })
    .exhaustive();
}

/**
 * iomap_iter / iomap_write_iter for XFS, before the copy into folio `blk`: call
 * ->iomap_begin when no cached iomap covers the block, or, with the validity cookie
 * checked, drop a stale one (IOMAP_F_STALE) so that iomap_iter maps again. Null when the
 * cached iomap is used as it is.
 */
export function xfsIterStep(w: World, s: Settings, ti: number, st: BufferedWrite, blk: number, cur: (d: World) => BufferedWrite): Step | null {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const io = st.iomap;
  if (io === null || blk < io.blk || blk >= io.blk + io.nblk) {
    const plan = xfsBufferedWriteIomapBegin(inode, req, blk);
    const m = plan.iomap;
    const prealloc = plan.reserve.filter((b) => b >= req.blk + req.nblk);
    return {
      fn: 'iomap_iter → xfs_buffered_write_iomap_begin',
      what: `map blocks ${m.blk}-${m.blk + m.nblk - 1}: ${m.type}${m.isNew ? ' (IOMAP_F_NEW: reserved now' : ''}${prealloc.length > 0 ? `, speculative preallocation of blocks ${prealloc.join(',')}` : ''}${m.isNew ? ')' : ''}`,
      apply: (d) => {
        const ino = inodeOf(d, req.ino);
        xfsReserveDelalloc(ino, plan.reserve);
        cur(d).iomap = { ...m, seq: ino.seq };
      },
    };
  }
  if (s.knobs.iomapValid === 'checked' && !xfsIomapValid(inode, io)) {
    return {
      fn: 'iomap_write_begin → xfs_iomap_valid',
      what: `folio ${blk} locked; cookie ${io.seq} ≠ if_seq ${inode.seq}: IOMAP_F_STALE, unlock the folio, map again`,
      apply: (d) => void (cur(d).iomap = null),
    };
  }
  return null;
}

/**
 * __iomap_write_begin for a block the write covers only in part and whose folio is not
 * uptodate: zero the rest (iomap_block_needs_zeroing: not IOMAP_MAPPED, or IOMAP_F_NEW, or
 * at/after EOF) or read it from the mapped block. Judged against the extent map as it is
 * now: a different decision from a stale iomap is a stale-iomap use. Null when the write
 * covers the whole block or the folio is uptodate (nothing to fill).
 */
function writeBeginFill(w: World, s: Settings, req: WriteReq, io: BufIomap, blk: number): { what: string; stale: string | null } | null {
  const bs = s.fs.blockSize;
  const whole = req.pos <= blk * bs && req.pos + req.count >= (blk + 1) * bs;
  if (whole || folioAt(w, req.ino, blk)?.uptodate === true) return null;
  const inode = inodeOf(w, req.ino);
  const pastEof = blk * bs >= inode.size;
  const p = io.p === null ? null : io.p + (blk - io.blk);
  const used = io.type !== 'written' || io.isNew || pastEof ? 'zero' : `read p${p}`;
  const now = inode.map[blk];
  const right = now === undefined || now.kind !== 'written' || pastEof ? 'zero' : `read p${now.p}`;
  const what = used === 'zero' ? `block ${blk} is ${io.type}${io.isNew ? ' (new)' : ''} in the iomap: zero the part the write does not cover` : `${used} for the part the write does not cover`;
  if (used === right) return { what, stale: null };
  const stale = `write ${req.id} used a stale iomap at file ${req.ino} block ${blk}: the iomap (cookie ${io.seq}) says ${io.type}${io.isNew ? ' (IOMAP_F_NEW)' : ''}, so __iomap_write_begin will ${used === 'zero' ? 'zero' : used} the part of the block the write does not cover, but the extent is now ${now?.kind ?? 'gone'}${now !== undefined && 'p' in now ? ` p${now.p}` : ''} (if_seq ${inode.seq}) and the right action is to ${right}`;
  return { what, stale };
}

/** A fresh buffered write (or a direct write's ENOTBLK fallback when `fallback`). */
export function newBufferedWrite(req: WriteReq, fallback: boolean): BufferedWrite {
  return { sys: 'buffered-write', req, phase: 'lock', next: 0, fallback, short: null, iomap: null, dropCache: true, flushError: false, wait: [], ioError: false, copied: 0, tries: 0 };
}

/**
 * The RFC: a write without IOMAP_ATOMIC clears PG_atomic on the folio it copies into. If the
 * folio still holds an atomic write's data that writeback has not sent (some block dirty)
 * and this write covers only part of the folio, that atomic write will not be written back
 * atomically: the usage error the RFC's commit message describes.
 */
function clearFolioAtomic(d: World, req: WriteReq, blk: number): void {
  const f = folioAt(d, req.ino, blk);
  if (f === null || !f.atomic) return;
  const partial = req.blk > f.head || req.blk + req.nblk < f.head + f.nr;
  const pending = Array.from({ length: f.nr }, (_, i) => folioAt(d, req.ino, f.head + i)).filter((x) => x?.dirty === true);
  if (partial && pending.length > 0) {
    d.ghost.flagged.push({
      property: 'atomic-overwritten-before-writeback',
      what: `non-atomic write ${req.id} copies into block ${blk} of PG_atomic folio ${req.ino}:${f.head}-${f.head + f.nr - 1} whose atomic data (${pending.map((x) => x?.t).join(', ')}) has not been written back: PG_atomic is cleared, so that RWF_ATOMIC write will be written back as ordinary data (a user-space usage error in the RFC's terms)`,
    });
  }
  setFolioFlag(d, req.ino, blk, 'atomic', false);
}

function uncachedStale(req: WriteReq, io: BufIomap, blk: number, seq: number): string {
  return `RWF_UNCACHED write ${req.id} copies into folio ${blk} through the iomap it got from ->iomap_begin (${io.type} blocks ${io.blk}-${io.blk + io.nblk - 1}, cookie ${io.seq}), but writeback has changed the extent map since (if_seq ${seq}): the cached iomap is stale`;
}

/**
 * The 2019 per-call variant, after ->iomap_end: filemap_write_and_wait_range over the range
 * is done (its filemap_check_errors consumes AS_EIO), the error is returned or ignored as
 * the knob says, and the range is invalidated when no folio was cached before the write.
 */
function perCallFlushDone(w: World, s: Settings, ti: number, st: BufferedWrite, cur: (d: World) => BufferedWrite): Step {
  const req = st.req;
  const failed = st.ioError || mappingOf(w, req.ino).asEio;
  const returned = req.dsync || s.knobs.uncachedFlushError === 'returned';
  return {
    fn: 'iomap_apply: RWF_UNCACHED filemap_write_and_wait_range',
    what: `writeback done${failed ? `, failed: ${returned ? 'return -EIO' : 'error ignored'}` : ''}${st.dropCache ? '; invalidate_inode_pages2_range' : '; folios were cached before: keep them'}${req.dsync ? '; commit the journal' : ''}`,
    apply: (d) => {
      const c = cur(d);
      const err = filemapCheckErrors(d, req.ino) !== null || c.ioError;
      c.flushError = err && !returned;
      c.ioError = err && returned;
      if (c.dropCache) invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
      if (req.dsync) commitJournal(d);
      c.phase = 'unlock';
    },
  };
}
