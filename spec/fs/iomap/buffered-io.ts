/**
 * The buffered write (iomap_write_iter for XFS, generic_perform_write for ext4, and a direct
 * write's ENOTBLK fallback): copy into folios under the exclusive lock, one block per step;
 * a buffered RWF_ATOMIC write (the seed 000 RFC) copies its whole folio per step
 * (buffered-atomic.ts).
 *
 * Models Linux 6.18 (fs/iomap/buffered-io.c, fs/ext4/file.c, mm/filemap.c).
 */
import { match } from 'ts-pattern';
import { xfsFileWriteZeroEof, xfsFileWriteZeroEofPlan, xfsFileWriteZeroEofRest, xfsFileWriteZeroEofWhat, xfsNowaitTimestampRefusal } from '../xfs/xfs_file.ts';
import { endWrite, endWritePure, ghostWrite, noteWriteBytes, settleOwedErrors, task } from '../../ghost.ts';
import { atomicCopySteps } from './buffered-atomic.ts';
import { commitJournal, markDirty, orderedDataPending } from '../journal.ts';
import { canLock, lock, unlock, unlockPure } from '../../kernel/locking/rwsem.ts';
import { anyWriteback, dirtyFolio, foliosDirty, folioSetNoIfs, fileCheckAndAdvanceWbErr, filemapCheckErrors, filemapGetFolio, newFolioSpan, writeBeginBlocks, filemapFdatawriteRange, filemapFdatawriteRangeKick, folioAt, invalidateInodePages2Range, setFolioFlag, writebackFolio } from '../../mm/filemap.ts';
import { deviceRead } from '../../block/device.ts';
import { overlay, writeToken, ZERO, type Token, type BufferedWrite, type BufIomap, type Settings, type Step, type World, type WriteReq } from '../../types.ts';
import { fdOf, inodeOf, withInode } from '../../vfs/fd.ts';
import { anyLocked } from '../../mm/filemap.ts';
import { mappingOf } from '../../mm/filemap.ts';
import { xfsBufferedWriteIomapBegin, xfsBufferedWriteIomapEnd, xfsIomapValid, xfsReserveDelalloc } from '../xfs/xfs_iomap.ts';
import { ext4DaWriteBeginSpan, ext4DaWriteEnd, ext4DaWriteEndPlan, ext4FdatawriteRange, type Ext4DaPlan } from '../ext4/inode.ts';

/**
 * Why an XFS buffered IOMAP_NOWAIT write would block at file block `blk`, or null:
 * a delalloc reservation for a hole (xfs_buffered_write_iomap_begin), or a read of a
 * partly overwritten block that is not cached (__iomap_write_begin).
 */
function xfsBufferedNowaitStall(w: World, s: Settings, req: WriteReq, blk: number): string | null {
  const m = inodeOf(w, req.ino).map[blk];
  // __filemap_get_folio(FGP_NOWAIT): folio_trylock fails on a folio under read I/O.
  if (folioAt(w, req.ino, blk)?.locked === true) return `folio ${blk} is locked for read I/O`;
  if (folioAt(w, req.ino, blk) !== null) return null;
  if (m === undefined || m.kind === 'hole') return `block ${blk} needs a delalloc reservation`;
  if (m.kind === 'delalloc') return null;
  const bs = s.fs.blockSize;
  const whole = req.pos <= blk * bs && req.pos + req.count >= (blk + 1) * bs;
  // iomap_block_needs_zeroing: a block at/after EOF is zeroed, not read.
  const pastEof = blk * bs >= inodeOf(w, req.ino).size;
  return whole || pastEof || m.kind === 'unwritten' ? null : `block ${blk} must be read before a partial overwrite`;
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
      const zeroEof = s.fs.kind === 'xfs' ? xfsFileWriteZeroEofPlan(w, s, req.ino, req.pos) : null;
      // The old EOF block's folio under a fault's read I/O: the zeroing would wait in folio_lock (taken here before the IOLOCK, which no one observes).
      if (zeroEof?.waits === true) return null;
      // A zeroing that flushes holds XFS_MMAPLOCK_EXCL across its wait (taken here before the IOLOCK too).
      if (zeroEof?.flushAt != null && !canLock(inode.invalidateLock, 'excl')) return null;
      return [
        {
          fn,
          what: `take ${lockName}${zeroEof !== null ? `; ${xfsFileWriteZeroEofWhat(w, req.ino, zeroEof)}` : ''}`,
          apply: (d) => {
            lock(inodeOf(d, req.ino).iolock, 'excl', ti);
            const flush = zeroEof === null ? null : xfsFileWriteZeroEof(d, req.ino, zeroEof, ti);
            const c = cur(d);
            if (flush === null) {
              c.phase = 'copy';
              return;
            }
            lock(inodeOf(d, req.ino).invalidateLock, 'excl', ti);
            c.wait = flush.wait;
            c.ioError = flush.ioError;
            c.zeroRest = flush.range;
            c.phase = 'zero-flush-wait';
          },
        },
        ...xfsNowaitTimestampRefusal(s, req, (d) => endWrite(d, ti, req, 'EAGAIN')),
      ];
    })
    .with('zero-flush-wait', (): Step | null => {
      const range = st.zeroRest;
      if (range === undefined) throw new Error('zero-flush-wait without a range');
      if (st.wait.length > 0 || anyWriteback(w, req.ino, range[0], range[1])) return null;
      const rest = xfsFileWriteZeroEofRest(st.ioError, range);
      return {
        fn: rest.fn,
        what: `${rest.what}${st.ioError ? `; drop ${lockName}; return -EIO` : ''}`,
        apply: (d) => {
          rest.apply(d, req.ino);
          const i = inodeOf(d, req.ino);
          unlock(i.invalidateLock, 'excl', ti);
          const c = cur(d);
          delete c.zeroRest;
          if (c.ioError) {
            unlock(i.iolock, 'excl', ti);
            endWrite(d, ti, req, 'EIO');
            return;
          }
          c.phase = 'copy';
        },
      };
    })
    .with('copy', (): Step | Step[] | null => {
      // iomap_write_begin / write_begin_get_folio: folio_lock waits while a read's I/O holds it.
      const at = req.blk + (req.atomic && !st.fallback ? st.copied : st.next);
      if (folioAt(w, req.ino, at)?.locked === true && !(s.fs.kind === 'xfs' && req.nowait)) return null;
      // Only the RFC lets an atomic write in here other than as a direct write's fallback.
      if (req.atomic && !st.fallback) {
        const blk = req.blk + st.copied;
        const it = xfsIterStep(w, s, ti, st, blk, cur);
        return it ?? atomicCopySteps(w, s, ti, st, cur);
      }
      const blk = req.blk + st.next;
      const t = writeToken(req.id, st.next);
      const bs = s.fs.blockSize;
      const span = bytesInBlock(req.pos, req.count, blk, bs);
      const fault = st.retry === undefined ? userFault(req, blk, bs, span) : null;
      const nowaitStall = s.fs.kind === 'xfs' && req.nowait ? xfsBufferedNowaitStall(w, s, req, blk) : null;
      // fault_in_iov_iter_readable cannot bring in the user page this block's first byte comes from.
      const faultFirst = fault !== null && fault.at === span.from ? `user page ${req.badPage} cannot be faulted in` : null;
      // ext4: ext4_da_write_begin → ext4_block_write_begin calls ext4_da_get_block_prep for
      // every buffer of the folio the step copies into, under the folio lock; one failing
      // reservation fails the whole write_begin (nothing of this folio is copied).
      const stopEarly = st.retry !== undefined ? span.from + st.retry : fault !== null ? fault.at : null;
      const single = span.from > 0 || span.to < bs || stopEarly !== null;
      const das = s.fs.kind === 'ext4' && faultFirst === null ? ext4DaWriteBeginSpan(w, s, req, blk, copySpan(w, s, req, st, blk, req.dontcache && s.knobs.uncached === 'per-page-2019', single).blocks) : null;
      const da = das?.[0] ?? null;
      const failed = das?.find((x) => x.err === 'ENOSPC');
      const enospc = failed !== undefined ? `ext4_da_write_begin: ${failed.what}` : null;
      const stall = nowaitStall ?? faultFirst ?? enospc;
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
            stopShort(d, ti, c, copied, blk, fdatawrite);
          },
        };
      }
      if (s.fs.kind === 'xfs') {
        const it = xfsIterStep(w, s, ti, st, blk, cur);
        if (it !== null) return it;
      }
      const folio = folioAt(w, req.ino, blk);
      // copy_folio_from_iter_atomic stops inside the block at the bad user page (or the retry's length).
      const stopAt = st.retry !== undefined ? span.from + st.retry : fault !== null ? fault.at : null;
      const to = stopAt ?? span.to;
      const partial = span.from > 0 || span.to < bs;
      if (stopAt !== null && st.retry === undefined && folio?.uptodate !== true && !partial) return refusedShortCopy(w, s, ti, st, blk, stopAt - span.from, cur);
      const perPageVariant = req.dontcache && s.knobs.uncached === 'per-page-2019';
      // A block the copy covers in part, or where it stops short, is a copy step of its own.
      const cs = copySpan(w, s, req, st, blk, perPageVariant, partial || stopAt !== null);
      const k = cs.blocks;
      const fill = writeBeginFill(w, s, req, st.iomap, blk, span.from, to);
      const base = folio !== null && folio.uptodate ? folio.t : (fill?.base ?? ZERO);
      const data = overlay(base, t, span.from, to, bs);
      const dontcache = req.dontcache && s.knobs.uncached === 'dontcache-6.18';
      if (stopAt !== null) return shortCopyStep(w, s, ti, st, blk, { from: span.from, to }, fill, data, { want: cs.want, da, fdatawrite }, cur);
      const last = st.next + k === req.nblk;
      const perCall = req.dontcache && s.knobs.uncached === 'per-call-fix';
      const flush = last && (st.fallback || req.dsync || perCall);
      const existed = folio !== null;
      // The 2019 actor writes out and drops a folio it created once the copy has passed its end.
      const perPage = perPageVariant && !existed && !flush && req.pos + req.count >= (blk + 1) * bs;
      const staleUncached = req.dontcache && st.iomap !== null && st.iomap.seq !== inode.seq ? uncachedStale(req, st.iomap, blk, inode.seq) : null;
      const toks = k === 1 ? [data] : Array.from({ length: k }, (_, i) => writeToken(req.id, st.next + i));
      const into = k === 1 ? describeCopy(blk, span.from, to, bs, data) : `folio ${cs.head}-${cs.head + cs.nr - 1}${k < cs.nr ? ` (blocks ${blk}-${blk + k - 1})` : ''}`;
      const copiedToks = k === 1 ? t : Array.from({ length: k }, (_, i) => writeToken(req.id, st.next + i)).join(',');
      // ext4_da_do_write_end once for the folio: i_disksize follows the last copied buffer.
      const lastDa = das?.[k - 1] ?? null;
      const daEnd = lastDa === null ? null : ext4DaWriteEndPlan(w, s, req, blk + k - 1, lastDa);
      const copyWhat = da === null || daEnd === null ? `copy ${copiedToks} into ${into}, mark it dirty` : `ext4_da_write_begin: folio ${cs.head} locked; ${(das ?? []).slice(0, k).map((x) => x.what).join('; ')}; copy ${copiedToks} into ${into}; ${daEnd.what}`;
      const fillWhat = fill === null || da !== null ? '' : `${fill.fn}: ${fill.what}; `;
      return {
        fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
        what: `${fillWhat}${copyWhat}${flush ? `; ${st.fallback ? 'filemap_write_and_wait_range' : perCall && !req.dsync ? 'RWF_UNCACHED: filemap_write_and_wait_range' : 'generic_write_sync'} writes back the range` : ''}${perPage ? '; RWF_UNCACHED: write_drop_cached_pages writes the folio out' : ''}`,
        apply: (d) => {
          if (fill?.stale != null) d.ghost.flagged.push({ property: 'stale-iomap', what: fill.stale });
          if (staleUncached !== null) d.ghost.flagged.push({ property: 'uncached-iomap-stable', what: staleUncached });
          // __filemap_get_folio(FGP_WRITEBEGIN | fgf_set_order(len)): one folio, locked for the whole copy.
          filemapGetFolio(d, req.ino, blk, dontcache, cs.want);
          for (let i = 0; i < k; i++) {
            clearFolioAtomic(d, req, blk + i);
            // ext4: each buffer keeps its own state (delalloc reservation per block); the sizes move once, after the last.
            const dai = das?.[i] ?? null;
            if (dai !== null && daEnd !== null) ext4DaWriteEnd(d, req, blk + i, toks[i] ?? t, dai, i === k - 1 ? daEnd : { size: null, disksize: false, what: '' }, dontcache);
            else dirtyFolio(d, req.ino, blk + i, toks[i] ?? t, dontcache);
          }
          // __iomap_write_begin attaches no iomap_folio_state when the copy covers the folio whole.
          if (s.fs.kind === 'xfs' && blk === cs.head && k === cs.nr && (!existed || folio?.noIfs === true)) folioSetNoIfs(d, req.ino, cs.head, cs.nr);
          const c = cur(d);
          if (existed && perCall) c.dropCache = false;
          c.next += k;
          if (da === null) growSize(d, req.ino, k === 1 ? blk * bs + to : Math.min(req.pos + req.count, (blk + k) * bs));
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
      if (st.wait.length > 0 || folioAt(w, req.ino, blk)?.writeback === true || folioAt(w, req.ino, blk)?.locked === true) return null;
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
      // invalidate_inode_pages2_range locks every folio it drops: it waits for a read's I/O.
      if (st.wait.length > 0 || anyWriteback(w, req.ino, req.blk, req.nblk) || anyLocked(w, req.ino, req.blk, req.nblk)) return null;
      if (s.fs.kind === 'ext4' && !st.ioError && foliosDirty(w, req.ino, req.blk, req.nblk)) {
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
          // A short plain write wrote exactly its first `short` bytes: the ghost judges those.
          if (st.short !== null && !req.atomic) noteShortWrite(d, s, req, st.short);
          endWrite(d, ti, st.short === null ? req : { ...req, nblk: st.next }, ret);
        },
        // Most buffered writes end here: the plain return without a draft (not a kick, a short write or a flagged flush error).
        ...(!kick && st.short === null && !(st.flushError && typeof ret === 'number')
          ? { next: (x: World) => endWritePure(withInode(x, req.ino, { iolock: unlockPure(inodeOf(x, req.ino).iolock, 'excl', ti) }), ti, req, ret) }
          : {}),
      };
    })
    .exhaustive();
}

/**
 * The blocks one copy step fills, from `blk`: those of the one folio iomap_write_begin locks
 * for it (existing, or created at fgf_set_order(len) with len the bytes left of the write
 * and, for XFS, of the iomap), copied in one copy_folio_from_iter_atomic under its lock —
 * no other actor can see the folio in between. The step stops before a block whose user
 * page faults or that an IOMAP_NOWAIT write would stall on (handled block by block, as
 * before), and before the first block of a folio that is not created yet. The 2019
 * RWF_UNCACHED actor predates large folios: one block per step.
 */
function copySpan(w: World, s: Settings, req: WriteReq, st: BufferedWrite, blk: number, perPage: boolean, single: boolean): { blocks: number; head: number; nr: number; want: number } {
  const bs = s.fs.blockSize;
  const pos = Math.max(req.pos, blk * bs);
  const io = st.iomap;
  const ioEnd = s.fs.kind === 'xfs' && io !== null ? (io.blk + io.nblk) * bs : Number.POSITIVE_INFINITY;
  const want = perPage ? 1 : writeBeginBlocks(Math.min(req.pos + req.count, ioEnd) - pos, bs);
  const f = folioAt(w, req.ino, blk);
  const { head, nr } = f !== null ? { head: f.head, nr: f.nr } : newFolioSpan(w, req.ino, blk, want);
  let k = 1;
  while (
    !perPage &&
    !single &&
    blk + k < head + nr &&
    // A block the write covers only in part gets its own step (write_begin fills the rest).
    (blk + k + 1) * bs <= req.pos + req.count &&
    st.next + k < req.nblk &&
    (blk + k) * bs < ioEnd &&
    userFault(req, blk + k, bs, bytesInBlock(req.pos, req.count, blk + k, bs)) === null &&
    (s.fs.kind !== 'xfs' || !req.nowait || xfsBufferedNowaitStall(w, s, req, blk + k) === null)
  )
    k++;
  return { blocks: k, head, nr, want };
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
    const plan = xfsBufferedWriteIomapBegin(s.fs, inode, req, blk);
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

/** What write_begin puts in the part of a block the copy does not cover, and what it says. */
interface Fill {
  fn: string;
  what: string;
  /** The block's content before the copy: zeroes, or what the read brought in. */
  base: Token;
  /** A stale-iomap use to report, or null. */
  stale: string | null;
}

/**
 * Read-modify-write of a block the copy covers only in part (bytes [from, to)) whose folio
 * block is not uptodate. XFS, __iomap_write_begin: zero the rest
 * (iomap_block_needs_zeroing: not IOMAP_MAPPED, or IOMAP_F_NEW, or the block starts at/after
 * EOF) or read the block in from where the iomap maps it. The decision and the block read
 * come from the iomap the write holds: judged against the extent map as it is now, a
 * different decision is a stale-iomap use, and the data it brings in is in the block.
 * ext4, ext4_block_write_begin: a block mapped written is read in (at any size); a new or
 * unwritten one is zeroed (folio_zero_segments). Null when the copy covers the whole
 * block or the folio block is uptodate (nothing to fill).
 */
function writeBeginFill(w: World, s: Settings, req: WriteReq, io: BufIomap | null, blk: number, from: number, to: number): Fill | null {
  const bs = s.fs.blockSize;
  if ((from === 0 && to === bs) || folioAt(w, req.ino, blk)?.uptodate === true) return null;
  const inode = inodeOf(w, req.ino);
  const now = inode.map[blk];
  if (s.fs.kind === 'ext4' || io === null) {
    const p = now?.kind === 'written' ? now.p : null;
    const base = p === null ? ZERO : deviceRead(w.device, p);
    const what = p === null ? `block ${blk} is ${now?.kind ?? 'hole'}: zero the part the write does not cover` : `read p${p} (${base}) for the part the write does not cover`;
    return { fn: s.fs.kind === 'ext4' ? 'ext4_block_write_begin' : 'iomap_write_begin', what, base, stale: null };
  }
  const pastEof = blk * bs >= inode.size;
  const p = io.p === null ? null : io.p + (blk - io.blk);
  const zero = io.type !== 'written' || io.isNew || pastEof || p === null;
  const used = zero ? 'zero' : `read p${p}`;
  const base = zero ? ZERO : deviceRead(w.device, p);
  const right = now === undefined || now.kind !== 'written' || pastEof ? 'zero' : `read p${now.p}`;
  const what = zero ? `block ${blk} is ${io.type}${io.isNew ? ' (new)' : ''}${pastEof && io.type === 'written' && !io.isNew ? ' at/after EOF' : ''} in the iomap: zero the part the write does not cover` : `${used} for the part the write does not cover (${base})`;
  if (used === right) return { fn: 'iomap_write_begin', what, base, stale: null };
  const stale = `write ${req.id} used a stale iomap at file ${req.ino} block ${blk}: the iomap (cookie ${io.seq}) says ${io.type}${io.isNew ? ' (IOMAP_F_NEW)' : ''}, so __iomap_write_begin will ${used === 'zero' ? 'zero' : used} the part of the block the write does not cover, but the extent is now ${now?.kind ?? 'gone'}${now !== undefined && 'p' in now ? ` p${now.p}` : ''} (if_seq ${inode.seq}) and the right action is to ${right}`;
  return { fn: 'iomap_write_begin', what, base, stale };
}

/** Bytes [from, to) of file block `blk` that the byte range [pos, pos + count) covers (block offsets). */
export function bytesInBlock(pos: number, count: number, blk: number, bs: number): { from: number; to: number } {
  const b0 = blk * bs;
  return { from: Math.max(pos, b0) - b0, to: Math.min(pos + count, b0 + bs) - b0 };
}

/** User pages are 4 KiB: `badPage` k is bytes [k·4096, (k+1)·4096) of the user buffer. */
const USER_PAGE = 4096;

/**
 * Where in block `blk` (block offset) the copy from the user buffer meets the page that
 * can never be read (Syscall badPage), when that is inside this block's part of the write.
 */
function userFault(req: WriteReq, blk: number, bs: number, span: { from: number; to: number }): { at: number } | null {
  if (req.badPage === null) return null;
  const b0 = blk * bs + span.from - req.pos;
  const b1 = b0 + span.to - span.from;
  const f = req.badPage * USER_PAGE;
  if (f <= b0 && b0 < f + USER_PAGE) return { at: span.from };
  return f > b0 && f < b1 ? { at: span.from + f - b0 } : null;
}

/** i_size_write when the copy ends beyond EOF (iomap_write_iter after iomap_write_end). */
function growSize(d: World, ino: number, end: number): void {
  const inode = inodeOf(d, ino);
  if (end <= inode.size) return;
  inode.size = end;
  markDirty(d, ino);
}

/** "folio 3" for a whole-block copy (the trace as before sub-block data), else the bytes and the block's new content. */
function describeCopy(blk: number, from: number, to: number, bs: number, data: string): string {
  return from === 0 && to === bs ? `folio ${blk}` : `bytes ${from}-${to - 1} of folio ${blk} → ${data}`;
}

/**
 * The write ends short after `copied` bytes, its last folio copied: ->iomap_end punches the
 * delalloc it did not use from block `unused` on; an O_DSYNC write still writes back what
 * it copied.
 */
type Fdatawrite = (d: World, blk: number, n: number) => number[] | null;

function stopShort(d: World, ti: number, c: BufferedWrite, copied: number, unused: number, fdatawrite: Fdatawrite): void {
  const req = c.req;
  c.short = copied;
  if (c.iomap !== null) xfsBufferedWriteIomapEnd(d, req.ino, c.iomap, unused);
  if (!req.dsync) {
    c.phase = 'unlock';
    return;
  }
  const bios = fdatawrite(d, req.blk, c.next);
  c.wait = bios ?? [];
  c.ioError = bios === null;
  c.phase = 'writeback-wait';
}

/**
 * copy_folio_from_iter_atomic stopped inside block `blk` at a user page that cannot be read
 * (or this is the retry of such a copy, with its length): the block holds the write's
 * bytes up to there over what __iomap_write_begin read or zeroed, iomap_write_end marks
 * it uptodate and dirty (the folio is uptodate: the copy covers the block only in part,
 * so write_begin filled the rest). The next iteration's fault_in_iov_iter_readable fails
 * at once: the write returns the bytes copied so far.
 */
function shortCopyStep(w: World, s: Settings, ti: number, st: BufferedWrite, blk: number, got: { from: number; to: number }, fill: Fill | null, data: string, how: { want: number; da: Ext4DaPlan | null; fdatawrite: Fdatawrite }, cur: (d: World) => BufferedWrite): Step {
  const req = st.req;
  const bs = s.fs.blockSize;
  const copied = blk * bs + got.to - req.pos;
  return {
    fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
    what: `${fill === null ? '' : `${fill.fn}: ${fill.what}; `}${st.retry !== undefined ? 'retry: ' : ''}copy ${writeToken(req.id, st.next)} into ${describeCopy(blk, got.from, got.to, bs, data)}${st.retry === undefined ? `, stopping at user page ${req.badPage}` : ''}, mark it dirty; fault_in_iov_iter_readable fails on user page ${req.badPage}: stop after ${copied} bytes`,
    apply: (d) => {
      if (fill?.stale != null) d.ghost.flagged.push({ property: 'stale-iomap', what: fill.stale });
      const dontcache = req.dontcache && s.knobs.uncached === 'dontcache-6.18';
      filemapGetFolio(d, req.ino, blk, dontcache, how.want);
      clearFolioAtomic(d, req, blk);
      // ext4: ext4_da_write_begin reserved the block; ext4_da_do_write_end moves i_size to what was copied.
      if (how.da !== null) ext4DaWriteEnd(d, req, blk, data, how.da, ext4DaWriteEndPlan(w, s, { ...req, count: copied }, blk, how.da), dontcache);
      else dirtyFolio(d, req.ino, blk, data, dontcache);
      const c = cur(d);
      delete c.retry;
      c.next++;
      if (how.da === null) growSize(d, req.ino, blk * bs + got.to);
      stopShort(d, ti, c, copied, blk + 1, how.fdatawrite);
    },
  };
}

/**
 * Linux 6.18's answer to a copy that stops inside a block the write covers whole, in a
 * folio that is not uptodate (write_begin read nothing in): __iomap_write_end (ext4:
 * block_write_end) treats the short copy as zero bytes written, since marking part of a
 * block uptodate is impossible and a read_folio could destroy it; iomap_write_failed drops
 * the page cache the failed write created beyond EOF; iomap_write_iter retries the same
 * position with `bytes = copied`, which now covers the block only in part.
 */
function refusedShortCopy(w: World, s: Settings, ti: number, st: BufferedWrite, blk: number, copied: number, cur: (d: World) => BufferedWrite): Step {
  const req = st.req;
  const bs = s.fs.blockSize;
  const beyondEof = blk * bs >= inodeOf(w, req.ino).size;
  return {
    fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
    what: `copy_folio_from_iter_atomic stops at user page ${req.badPage} after ${copied} bytes of folio ${blk}; ${s.fs.kind === 'xfs' ? '__iomap_write_end' : 'block_write_end'}: short copy into a !uptodate folio counts as 0 bytes${beyondEof ? '; iomap_write_failed drops the folio beyond EOF' : ''}; retry with ${copied} bytes`,
    // The folio __filemap_get_folio created holds nothing valid (not uptodate): the model
    // keeps only uptodate folios, and a folio not uptodate reads from disk as no folio does.
    apply: (d) => void (cur(d).retry = copied),
  };
}

/** Ghost: a short write covers the blocks and bytes it wrote, not those it asked for. */
function noteShortWrite(d: World, s: Settings, req: WriteReq, written: number): void {
  const g = ghostWrite(d, req.id);
  const bs = s.fs.blockSize;
  g.nblk = Math.ceil((req.pos + written) / bs) - req.blk;
  delete g.bytes;
  noteWriteBytes(d, req.id, req.pos, written, bs);
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
