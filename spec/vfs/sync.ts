/**
 * fsync / fdatasync (fs/sync.c vfs_fsync_range; xfs_file_fsync, ext4_sync_file):
 * file_write_and_wait_range, the log force when the inode has uncommitted metadata, a
 * cache flush otherwise, and file_check_and_advance_wb_err. Models Linux 6.18.
 */
import { match } from 'ts-pattern';
import { submitBio } from '../block/device.ts';
import { commitJournal, inodeMetaDirty, orderedDataPending } from '../fs/journal.ts';
import { ext4FdatawriteRange } from '../fs/ext4/inode.ts';
import { finishSyscall, promiseFile, settleOwedErrors, task } from '../ghost.ts';
import { describeErrseq } from '../lib/errseq.ts';
import { anyWriteback, foliosDirty, fileCheckAndAdvanceWbErr, filemapCheckErrors, filemapFdatawriteRange, folioAt, mappingOf } from '../mm/filemap.ts';
import { fdOf, inodeOf } from './fd.ts';
import type { Fsync, Syscall } from './types.ts';
import type { Settings, Step, World } from '../world.ts';

/** fsync / fdatasync → vfs_fsync_range → the file system's ->fsync. */
export function fsyncEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'fsync' | 'fdatasync' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const fn = `${c.op} → ${s.fs.kind === 'xfs' ? 'xfs_file_fsync' : 'ext4_sync_file'}`;
  if (of === null) return { fn, what: 'bad fd: -EBADF', apply: (d) => finishSyscall(d, ti, { op: c.op, ret: 'EBADF' }) };
  return {
    fn,
    what: 'file_write_and_wait_range',
    apply: (d) => {
      d.ghost.clock++;
      const fs: Fsync = { sys: 'fsync', fd: c.fd, ino: of.ino, datasync: c.op === 'fdatasync', phase: 'writeback', wait: [], ioError: false, start: d.ghost.clock };
      task(d, ti).cur = fs;
    },
  };
}

export function fsyncStep(w: World, s: Settings, ti: number, st: Fsync): Step | null {
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_fsync' : 'ext4_sync_file';
  const op = st.datasync ? 'fdatasync' : 'fsync';
  const cur = (d: World): Fsync => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'fsync') throw new Error('not in fsync');
    return c;
  };
  // msync(MS_SYNC) syncs only the mapping's range (vfs_fsync_range's start and end).
  const { blk: first, nblk } = st.msync ?? { blk: 0, nblk: inodeOf(w, st.ino).map.length };
  const finish = (d: World, ioError: boolean) => {
    const ret = ioError ? 'EIO' : 0;
    finishSyscall(d, ti, st.msync !== undefined ? { op: 'msync', ret } : { op, ret });
    if (!ioError) promiseFile(d, st.ino, st.start, st.msync);
  };
  return match(st.phase)
    .with('writeback', (): Step | null => {
      // WB_SYNC_ALL waits for a dirty folio that is still under writeback before writing it again.
      for (let blk = first; blk < first + nblk; blk++) {
        const f = folioAt(w, st.ino, blk);
        if (f !== null && f.writeback && foliosDirty(w, st.ino, blk, 1)) return null;
      }
      return {
        fn: 'file_write_and_wait_range',
        what: foliosDirty(w, st.ino, first, nblk) ? 'write back dirty folios' : 'no dirty folios',
        apply: (d) => {
          // ->writepages: ext4_writepages on ext4 (fs/ext4/inode.ts), the iomap path otherwise.
          const bios = s.fs.kind === 'ext4' ? ext4FdatawriteRange(d, s, st.ino, first, nblk, ti) : filemapFdatawriteRange(d, st.ino, first, nblk, ti);
          const c = cur(d);
          c.wait = bios ?? [];
          c.ioError = bios === null;
          c.phase = 'writeback-wait';
        },
      };
    })
    .with('writeback-wait', (): Step | null => {
      // __filemap_fdatawait_range waits for every folio under writeback, whoever started it.
      if (st.wait.length > 0 || anyWriteback(w, st.ino, first, nblk)) return null;
      const legacy = s.knobs.wbErrReporting === 'as-eio';
      return {
        fn: legacy ? 'filemap_fdatawait → filemap_check_errors' : 'file_write_and_wait_range → file_check_and_advance_wb_err',
        what: `writeback done; ${legacy ? `AS_EIO ${mappingOf(w, st.ino).asEio ? 'set: test and clear it' : 'clear'}` : `wb_err ${describeErrseq(mappingOf(w, st.ino).wbErr)}, this file's f_wb_err ${describeErrseq(fdOf(w, ti, st.fd)?.wbErr ?? 0)}`}`,
        apply: (d) => {
          const c = cur(d);
          const of = fdOf(d, ti, st.fd);
          if (of === null) throw new Error(`fsync on closed fd ${st.fd}`);
          const err = legacy ? filemapCheckErrors(d, st.ino) : fileCheckAndAdvanceWbErr(d, of);
          if (err !== null) c.ioError = true;
          settleOwedErrors(d, ti, st.fd, c.ioError);
          c.phase = 'commit';
        },
      };
    })
    .with('commit', (): Step | null => {
      // ext4_fsync_journal → jbd2_complete_transaction: the commit waits for its ordered data.
      if (inodeMetaDirty(w, st.ino) && orderedDataPending(w) !== null) return null;
      if (inodeMetaDirty(w, st.ino)) {
        return {
          fn,
          what: `${s.fs.kind === 'xfs' ? 'xfs_log_force_seq' : 'jbd2_complete_transaction'}: commit (cache flushed first); return ${st.ioError ? '-EIO' : 0}`,
          apply: (d) => {
            commitJournal(d);
            finish(d, cur(d).ioError);
          },
        };
      }
      if (!s.device.writeCache) return { fn, what: `write-through device; return ${st.ioError ? '-EIO' : 0}`, apply: (d) => finish(d, cur(d).ioError) };
      return {
        fn,
        what: 'blkdev_issue_flush: submit REQ_PREFLUSH',
        apply: (d) => {
          const c = cur(d);
          c.wait = submitBio(d.device, { op: 'flush', owner: ti, blocks: [], atomic: false, fua: false, preflush: true, convert: [] });
          c.phase = 'flush-wait';
        },
      };
    })
    .with('flush-wait', (): Step | null =>
      st.wait.length > 0 ? null : { fn, what: `flush done; return ${st.ioError ? '-EIO' : 0}`, apply: (d) => finish(d, cur(d).ioError) },
    )
    .exhaustive();
}

