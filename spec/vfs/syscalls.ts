/**
 * The syscall layer: open, pwritev2, pread, fsync/fdatasync, statx and mmap stores; the
 * argument and flag validation in Linux's order (fs/read_write.c vfs_writev,
 * include/linux/fs.h kiocb_set_rw_flags, generic_atomic_write_valid, the file systems'
 * ->write_iter checks, v6.17); and each task's step: start the next syscall of its program
 * or advance the one in progress.
 */
import { match } from 'ts-pattern';
import { submitBio } from '../block/device.ts';
import { dioWriteStep } from '../fs/iomap/direct-io.ts';
import { ext4AtomicLimits, ext4DioWriteStart } from '../fs/ext4/file.ts';
import { xfsAtomicLimits, xfsDioWriteStart } from '../fs/xfs/xfs_file.ts';
import { beginWrite, endWrite, finishSyscall, ghostWrite, promiseFile, settleOwedErrors, task } from '../ghost.ts';
import { commitJournal } from '../fs/journal.ts';
import { canLock, lock } from '../kernel/locking/rwsem.ts';
import { anyDirty, anyWriteback, dirtyFolio, fileCheckAndAdvanceWbErr, filemapCheckErrors, filemapFdatawriteRange, mappingOf, folioAt } from '../mm/filemap.ts';
import { describeErrseq, errseqSample } from '../lib/errseq.ts';
import {
  writeToken,
  type DioWrite,
  type Errno,
  type Fsync,
  type Settings,
  type StatxAtomic,
  type Step,
  type Syscall,
  type World,
  type WriteReq,
} from '../types.ts';
import { blocksOf, fdOf, fsName, inodeOf, isPow2 } from './fd.ts';
import { bufferedWriteStep, newBufferedWrite } from '../fs/iomap/buffered-io.ts';
import { dioReadStep, preadEntry } from './read.ts';

/** The file system's atomic write limits (what statx reports and ->write_iter enforces). */
export function atomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  return s.fs.kind === 'xfs' ? xfsAtomicLimits(s) : ext4AtomicLimits(s);
}

/** statx(STATX_WRITE_ATOMIC): generic_fill_statx_atomic_writes (fs/stat.c, v6.17). */
export function statxAtomic(s: Settings): StatxAtomic {
  const l = atomicLimits(s);
  if (l.min === 0) return { atomicWriteUnitMin: 0, atomicWriteUnitMax: 0, atomicWriteUnitMaxOpt: 0, atomicWriteSegmentsMax: 0, attrWriteAtomic: false };
  return { atomicWriteUnitMin: l.min, atomicWriteUnitMax: l.max, atomicWriteUnitMaxOpt: l.maxOpt, atomicWriteSegmentsMax: 1, attrWriteAtomic: true };
}

export type WriteCheck = { kind: 'ret'; ret: number | Errno } | { kind: 'direct' | 'buffered'; req: WriteReq };

/**
 * Everything pwritev2 checks before any I/O, in the kernel's order:
 * fdget (EBADF), vfs_writev (FMODE_WRITE: EBADF; zero length: 0; rw_verify_area: EINVAL),
 * kiocb_set_rw_flags (RWF_NOWAIT, RWF_ATOMIC without FMODE_CAN_ATOMIC_WRITE, RWF_DONTCACHE:
 * EOPNOTSUPP), ->write_iter's atomic size bounds (EINVAL), generic_atomic_write_valid
 * (segments, power of two, natural alignment: EINVAL; not O_DIRECT: EOPNOTSUPP), direct
 * I/O sector alignment (EINVAL), ext4's buffered IOCB_NOWAIT (EOPNOTSUPP).
 */
export function checkPwritev2(w: World, s: Settings, ti: number, call: Extract<Syscall, { op: 'pwritev2' }>): WriteCheck {
  const of = fdOf(w, ti, call.fd);
  if (of === null || !of.write) return { kind: 'ret', ret: 'EBADF' };
  const count = call.iov.reduce((a, b) => a + b, 0);
  if (count === 0) return { kind: 'ret', ret: 0 };
  if (call.offset < 0) return { kind: 'ret', ret: 'EINVAL' };
  const atomic = call.flags.includes('RWF_ATOMIC');
  // FMODE_NOWAIT is set by both xfs_file_open and ext4_file_open; both set FOP_DONTCACHE.
  if (atomic && !of.canAtomic) return { kind: 'ret', ret: 'EOPNOTSUPP' };
  if (atomic) {
    const l = atomicLimits(s);
    if (count < l.min || count > l.max) return { kind: 'ret', ret: 'EINVAL' };
    if (call.iov.length !== 1) return { kind: 'ret', ret: 'EINVAL' };
    if (!isPow2(count)) return { kind: 'ret', ret: 'EINVAL' };
    if (call.offset % count !== 0) return { kind: 'ret', ret: 'EINVAL' };
    if (!of.direct) return { kind: 'ret', ret: 'EOPNOTSUPP' };
  }
  const nowait = call.flags.includes('RWF_NOWAIT');
  const sync = of.sync || call.flags.includes('RWF_SYNC');
  const dsync = sync || of.dsync || call.flags.includes('RWF_DSYNC');
  const { blk, nblk } = blocksOf(s, call.offset, count);
  if (blk + nblk > (w.inodes[of.ino]?.map.length ?? 0)) throw new Error(`pwritev2 beyond the ${w.inodes[of.ino]?.map.length} modelled blocks of file ${of.ino}`);
  const sm = s.fs.sectorSize - 1;
  const sectorAligned = ((call.offset | count) & sm) === 0;
  const segmentsAligned = call.iov.every((l) => (l & sm) === 0);
  const req: WriteReq = { id: call.id, fd: call.fd, ino: of.ino, pos: call.offset, count, blk, nblk, atomic, nowait, dsync, sync, sectorAligned, segmentsAligned, dontcache: call.flags.includes('RWF_DONTCACHE') };
  if (of.direct) {
    // xfs_file_dio_write checks pos and count up front; segments (and, on ext4, pos and
    // count too) only fail in iomap_dio_bio_iter, after locking and the NOWAIT checks.
    if (s.fs.kind === 'xfs' && !sectorAligned) return { kind: 'ret', ret: 'EINVAL' };
    return { kind: 'direct', req };
  }
  if (nowait && s.fs.kind === 'ext4') return { kind: 'ret', ret: 'EOPNOTSUPP' };
  return { kind: 'buffered', req };
}

function newDioWrite(w: World, s: Settings, req: WriteReq): DioWrite {
  const base = { sys: 'dio-write' as const, req, phase: 'lock' as const, held: false, done: 0, segs: [], wait: [], ioError: false, ret: null, failure: null, dioStarted: false, fua: true };
  if (s.fs.kind === 'xfs') return { ...base, ...xfsDioWriteStart(w, s, req) };
  const e = ext4DioWriteStart(w, s, req);
  return { ...base, lock: e.lock, forceWait: e.forceWait, nowaitRefusal: e.nowaitRefusal, xfsMode: 'hw', swCause: null };
}

/** The step that starts the next syscall of a task's program, or null while it must wait. */
function syscallEntry(w: World, s: Settings, ti: number, call: Syscall): Step | null {
  return match(call)
    .with({ op: 'open' }, (c): Step => {
      const canAtomic = atomicLimits(s).min > 0;
      return {
        fn: `do_sys_open → ${fsName(s)}_file_open`,
        what: `open file ${c.file} ${[c.access, ...c.flags].join('|')} → fd ${task(w, ti).fds.length}${canAtomic ? ' (FMODE_CAN_ATOMIC_WRITE)' : ''}`,
        apply: (d) => {
          const t = task(d, ti);
          t.fds.push({
            ino: c.file,
            read: c.access !== 'O_WRONLY',
            write: c.access !== 'O_RDONLY',
            direct: c.flags.includes('O_DIRECT'),
            dsync: c.flags.includes('O_DSYNC') || c.flags.includes('O_SYNC'),
            sync: c.flags.includes('O_SYNC'),
            canAtomic,
            // do_dentry_open: f_wb_err = filemap_sample_wb_err(mapping).
            wbErr: errseqSample(mappingOf(d, c.file).wbErr),
          });
          finishSyscall(d, ti, { op: 'open', ret: t.fds.length - 1 });
        },
      };
    })
    .with({ op: 'pwritev2' }, (c): Step => {
      const chk = checkPwritev2(w, s, ti, c);
      const of = fdOf(w, ti, c.fd);
      const count = c.iov.reduce((a, b) => a + b, 0);
      const { blk, nblk } = blocksOf(s, c.offset, count);
      const atomic = c.flags.includes('RWF_ATOMIC');
      const fn = `ksys_pwritev2 → ${of?.direct === true ? `${fsName(s)}_file_write_iter` : 'vfs_writev'}`;
      const what = `${c.id}: pwritev2(fd ${c.fd}, ${count} bytes @ ${c.offset}${c.iov.length > 1 ? ` in ${c.iov.length} segments` : ''}${c.flags.length > 0 ? `, ${c.flags.join('|')}` : ''})`;
      return match(chk)
        .with({ kind: 'ret' }, (r): Step => ({
          fn,
          what: `${what} → ${typeof r.ret === 'number' ? r.ret : `-${r.ret}`}`,
          apply: (d) => {
            beginWrite(d, ti, c.id, of?.ino ?? -1, blk, nblk, atomic);
            endWrite(d, ti, { id: c.id, ino: of?.ino ?? -1, blk, nblk, dsync: false }, r.ret);
          },
        }))
        .with({ kind: 'direct' }, (r): Step => ({
          fn,
          what: `${what}: direct`,
          apply: (d) => {
            beginWrite(d, ti, c.id, r.req.ino, r.req.blk, r.req.nblk, atomic);
            task(d, ti).cur = newDioWrite(w, s, r.req);
          },
        }))
        .with({ kind: 'buffered' }, (r): Step => ({
          fn,
          what: `${what}: buffered`,
          apply: (d) => {
            beginWrite(d, ti, c.id, r.req.ino, r.req.blk, r.req.nblk, atomic);
            task(d, ti).cur = newBufferedWrite(r.req, false);
          },
        }))
        .exhaustive();
    })
    .with({ op: 'pread' }, (c): Step => preadEntry(w, s, ti, c))
    .with({ op: 'fsync' }, { op: 'fdatasync' }, (c): Step => {
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
    })
    .with({ op: 'statx' }, (c): Step => {
      const of = fdOf(w, ti, c.fd);
      const stx = statxAtomic(s);
      return {
        fn: `statx → ${s.fs.kind === 'xfs' ? 'xfs_vn_getattr' : 'ext4_getattr'}`,
        what: of === null ? '-EBADF' : `atomic unit min ${stx.atomicWriteUnitMin} max ${stx.atomicWriteUnitMax} segments ${stx.atomicWriteSegmentsMax}`,
        apply: (d) => finishSyscall(d, ti, of === null ? { op: 'statx', ret: 'EBADF', atomic: null } : { op: 'statx', ret: 0, atomic: stx }),
      };
    })
    .with({ op: 'mmap-store' }, (c): Step | null => {
      const blk = Math.floor(c.offset / s.fs.blockSize);
      // The write fault runs under invalidate_lock shared, start to end, within this step.
      if (!canLock(inodeOf(w, c.file).invalidateLock, 'shared')) return null;
      return {
        fn: `${s.fs.kind === 'xfs' ? 'xfs_write_fault' : 'ext4_page_mkwrite'} → iomap_page_mkwrite`,
        what: `${c.id}: store into the mapped folio of file ${c.file} block ${blk} under invalidate_lock shared, folio dirty`,
        apply: (d) => {
          if (blk >= (d.inodes[c.file]?.map.length ?? 0)) throw new Error('mmap store beyond the modelled file');
          beginWrite(d, ti, c.id, c.file, blk, 1, false);
          dirtyFolio(d, c.file, blk, writeToken(c.id, 0));
          const g = ghostWrite(d, c.id);
          finishSyscall(d, ti, { op: 'mmap-store', id: c.id, ret: 0 });
          g.end = d.ghost.clock;
          g.ret = s.fs.blockSize;
        },
      };
    })
    .exhaustive();
}

function fsyncStep(w: World, s: Settings, ti: number, st: Fsync): Step | null {
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_fsync' : 'ext4_sync_file';
  const op = st.datasync ? 'fdatasync' : 'fsync';
  const cur = (d: World): Fsync => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'fsync') throw new Error('not in fsync');
    return c;
  };
  const nblk = inodeOf(w, st.ino).map.length;
  const finish = (d: World, ioError: boolean) => {
    finishSyscall(d, ti, { op, ret: ioError ? 'EIO' : 0 });
    if (!ioError) promiseFile(d, st.ino, st.start);
  };
  return match(st.phase)
    .with('writeback', (): Step | null => {
      // WB_SYNC_ALL waits for a dirty folio that is still under writeback before writing it again.
      for (let b = 0; b < nblk; b++) {
        const f = folioAt(w, st.ino, b);
        if (f !== null && f.dirty && f.writeback) return null;
      }
      return {
      fn: 'file_write_and_wait_range',
      what: anyDirty(w, st.ino, 0, nblk) ? 'write back dirty folios' : 'no dirty folios',
      apply: (d) => {
        const bios = filemapFdatawriteRange(d, st.ino, 0, nblk, ti);
        const c = cur(d);
        c.wait = bios ?? [];
        c.ioError = bios === null;
        c.phase = 'writeback-wait';
      },
      };
    })
    .with('writeback-wait', (): Step | null => {
      // __filemap_fdatawait_range waits for every folio under writeback, whoever started it.
      if (st.wait.length > 0 || anyWriteback(w, st.ino, 0, nblk)) return null;
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
    .with('commit', (): Step => {
      if (w.journal.dirty) {
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
          c.wait = [submitBio(d.device, { op: 'flush', owner: ti, blocks: [], atomic: false, fua: false, preflush: true, convert: [] })];
          c.phase = 'flush-wait';
        },
      };
    })
    .with('flush-wait', (): Step | null =>
      st.wait.length > 0 ? null : { fn, what: `flush done; return ${st.ioError ? '-EIO' : 0}`, apply: (d) => finish(d, cur(d).ioError) },
    )
    .exhaustive();
}

/**
 * The enabled steps of task `ti`: none if it is blocked or finished, usually one, several
 * where the kernel's behaviour depends on something the model does not track (timing).
 */
export function taskSteps(w: World, s: Settings, ti: number): Step[] {
  if (w.crashed) return [];
  const t = task(w, ti);
  const call = s.programs[ti]?.[t.pc];
  const steps: Step | Step[] | null =
    t.cur !== null
      ? match(t.cur)
          .with({ sys: 'dio-write' }, (st) => dioWriteStep(w, s, ti, st))
          .with({ sys: 'buffered-write' }, (st) => bufferedWriteStep(w, s, ti, st))
          .with({ sys: 'dio-read' }, (st) => dioReadStep(w, s, ti, st))
          .with({ sys: 'fsync' }, (st) => fsyncStep(w, s, ti, st))
          .exhaustive()
      : call === undefined
        ? null
        : syscallEntry(w, s, ti, call);
  return steps === null ? [] : Array.isArray(steps) ? steps : [steps];
}


export function taskFinished(w: World, s: Settings, ti: number): boolean {
  const t = task(w, ti);
  return t.cur === null && t.pc >= (s.programs[ti]?.length ?? 0);
}
