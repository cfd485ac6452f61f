/**
 * The buffered write as far as part 1 needs it (an atomic direct write's ENOTBLK fallback,
 * plain buffered writes in conformance programs): copy into folios under the exclusive lock.
 *
 * Models Linux 6.18 (fs/iomap/buffered-io.c, fs/ext4/file.c, mm/filemap.c).
 */
import { match } from 'ts-pattern';
import { xfsNowaitTimestampRefusal } from '../xfs/xfs_file.ts';
import { endWrite, task } from '../../ghost.ts';
import { commitJournal, markDirty } from '../journal.ts';
import { canLock, lock, unlock } from '../../kernel/locking/rwsem.ts';
import { dirtyFolio, filemapFdatawriteRange, folioAt, invalidateInodePages2Range } from '../../mm/filemap.ts';
import { writeToken, type BufferedWrite, type Settings, type Step, type World, type WriteReq } from '../../types.ts';
import { inodeOf } from '../../vfs/fd.ts';

/**
 * Why an XFS buffered IOMAP_NOWAIT write would block at file block `blk`, or null:
 * a delalloc reservation for a hole (xfs_buffered_write_iomap_begin), or a read of a
 * partly overwritten block that is not cached (__iomap_write_begin).
 */
function xfsBufferedNowaitStall(w: World, s: Settings, req: WriteReq, blk: number): string | null {
  const m = inodeOf(w, req.ino).map[blk];
  if (folioAt(w, req.ino, blk) !== null) return null;
  if (m === undefined || m.kind === 'hole' || m.kind === 'delalloc') return `block ${blk} needs a delalloc reservation`;
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
    .with('copy', (): Step => {
      const blk = req.blk + st.next;
      const t = writeToken(req.id, st.next);
      const bs = s.fs.blockSize;
      const stall = s.fs.kind === 'xfs' && req.nowait ? xfsBufferedNowaitStall(w, s, req, blk) : null;
      if (stall !== null) {
        // iomap_write_iter stops at the folio that would block: a short write, or -EAGAIN.
        const copied = st.next === 0 ? 0 : blk * bs - req.pos;
        return {
          fn: 'iomap_write_iter',
          what: `${stall} and IOMAP_NOWAIT: ${copied > 0 ? `stop after ${copied} bytes` : '-EAGAIN'}`,
          apply: (d) => {
            const c = cur(d);
            if (copied === 0) {
              unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
              endWrite(d, ti, req, 'EAGAIN');
              return;
            }
            c.short = copied;
            if (!req.dsync) {
              c.phase = 'unlock';
              return;
            }
            const bios = filemapFdatawriteRange(d, req.ino, req.blk, st.next, ti);
            c.wait = bios ?? [];
            c.ioError = bios === null;
            c.phase = 'writeback-wait';
          },
        };
      }
      const last = st.next + 1 === req.nblk;
      const flush = last && (st.fallback || req.dsync);
      return {
        fn: s.fs.kind === 'xfs' ? 'iomap_write_iter' : 'generic_perform_write',
        what: `copy ${t} into folio ${blk}, mark it dirty${flush ? `; ${st.fallback ? 'filemap_write_and_wait_range' : 'generic_write_sync'} writes back the range` : ''}`,
        apply: (d) => {
          dirtyFolio(d, req.ino, blk, t);
          const c = cur(d);
          c.next++;
          const ino = inodeOf(d, req.ino);
          const end = Math.min(req.pos + req.count, (blk + 1) * s.fs.blockSize);
          if (end > ino.size) {
            ino.size = end;
            markDirty(d, req.ino);
          }
          if (!last) return;
          if (flush) {
            const bios = filemapFdatawriteRange(d, req.ino, req.blk, req.nblk, ti);
            c.wait = bios ?? [];
            c.ioError = bios === null;
            c.phase = 'writeback-wait';
          } else c.phase = 'unlock';
        },
      };
    })
    .with('writeback-wait', (): Step | null => {
      if (st.wait.length > 0) return null;
      return {
        fn: st.fallback ? 'filemap_write_and_wait_range' : 'generic_write_sync',
        what: `${st.fallback ? 'invalidate_mapping_pages' : ''}${req.dsync ? `${st.fallback ? '; ' : ''}commit the journal` : ''}` || 'writeback done',
        apply: (d) => {
          if (st.fallback) invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
          if (req.dsync) commitJournal(d);
          cur(d).phase = 'unlock';
        },
      };
    })
    .with('unlock', (): Step => {
      const ret = st.ioError ? 'EIO' : (st.short ?? req.count);
      return {
        fn,
        what: `${s.fs.kind === 'xfs' ? 'xfs_iunlock' : 'inode_unlock'}; return ${typeof ret === 'number' ? ret : `-${ret}`}`,
        apply: (d) => {
          unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
          endWrite(d, ti, st.short === null ? req : { ...req, nblk: st.next }, ret);
        },
      };
    })
    .exhaustive();
}
