/**
 * The syscall layer: open, pwritev2, pread, fsync/fdatasync, statx and mmap stores; the
 * argument and flag validation in Linux's order (fs/read_write.c vfs_writev,
 * include/linux/fs.h kiocb_set_rw_flags, generic_atomic_write_valid, the file systems'
 * ->write_iter checks, v6.17); and each task's step: start the next syscall of its program
 * or advance the one in progress.
 */
import { match } from 'ts-pattern';
import { deviceRead, submitBio } from './device.ts';
import { dioWriteStep } from './dio.ts';
import { ext4AtomicLimits, ext4DioWriteStart } from './fs-ext4.ts';
import { xfsAtomicLimits, xfsDioWriteStart, xfsNowaitTimestampRefusal } from './fs-xfs.ts';
import { beginWrite, endWrite, finishSyscall, ghostWrite, promiseFile, task } from './ghost.ts';
import { commitJournal, markDirty } from './journal.ts';
import { canLock, lock, unlock } from './locks.ts';
import { anyDirty, dirtyFolio, filemapFdatawriteRange, folioAt, invalidateInodePages2Range } from './pagecache.ts';
import {
  writeToken,
  ZERO,
  type BufferedWrite,
  type DioRead,
  type DioWrite,
  type Errno,
  type Fsync,
  type Inode,
  type OpenFile,
  type Settings,
  type StatxAtomic,
  type Step,
  type Syscall,
  type Token,
  type World,
  type WriteReq,
} from './types.ts';

const fsName = (s: Settings) => s.fs.kind;

function inodeOf(w: World, ino: number): Inode {
  const i = w.inodes[ino];
  if (i === undefined) throw new Error(`no inode ${ino}`);
  return i;
}

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

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** The blocks a byte range touches. */
function blocksOf(s: Settings, pos: number, count: number): { blk: number; nblk: number } {
  const bs = s.fs.blockSize;
  const blk = Math.floor(pos / bs);
  return { blk, nblk: count === 0 ? 0 : Math.ceil((pos + count) / bs) - blk };
}

function fdOf(w: World, ti: number, fd: number): OpenFile | null {
  return task(w, ti).fds[fd] ?? null;
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
  const req: WriteReq = { id: call.id, fd: call.fd, ino: of.ino, pos: call.offset, count, blk, nblk, atomic, nowait, dsync, sync, sectorAligned, segmentsAligned };
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
            const bw: BufferedWrite = { sys: 'buffered-write', req: r.req, phase: 'lock', next: 0, fallback: false, short: null, wait: [], ioError: false };
            task(d, ti).cur = bw;
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

/** pread: validation, then a buffered read in one step or a direct read state machine. */
function preadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pread' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const fn = `ksys_pread64 → ${s.fs.kind}_file_read_iter`;
  const what = `pread(fd ${c.fd}, ${c.len} bytes @ ${c.offset})`;
  const fail = (ret: Errno | 0): Step => ({
    fn,
    what: `${what} → ${ret === 0 ? 0 : `-${ret}`}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, { op: 'pread', ret, file: of?.ino ?? -1, data: [], firstBlock: 0, start: d.ghost.clock, end: d.ghost.clock + 1 });
    },
  });
  if (of === null || !of.read) return fail('EBADF');
  if (c.len === 0) return fail(0);
  if (c.offset < 0) return fail('EINVAL');
  const size = inodeOf(w, of.ino).size;
  if (of.direct) {
    if (c.offset >= size) return fail(0);
    if ((c.offset | c.len) & (s.fs.sectorSize - 1)) return fail('EINVAL');
    return {
      fn,
      what: `${what}: direct`,
      apply: (d) => {
        d.ghost.clock++;
        const r: DioRead = { sys: 'dio-read', fd: c.fd, ino: of.ino, pos: c.offset, len: c.len, phase: 'lock', wait: [], ioError: false, start: d.ghost.clock };
        task(d, ti).cur = r;
      },
    };
  }
  return {
    fn: `${fn} → filemap_read`,
    what,
    apply: (d) => {
      d.ghost.clock++;
      const start = d.ghost.clock;
      const n = Math.max(0, Math.min(c.len, size - c.offset));
      const { blk, nblk } = blocksOf(s, c.offset, n);
      const data = Array.from({ length: nblk }, (_, i) => folioAt(d, of.ino, blk + i)?.t ?? readBlock(d, of.ino, blk + i));
      finishSyscall(d, ti, { op: 'pread', ret: n, file: of.ino, data, firstBlock: blk, start, end: d.ghost.clock + 1 });
    },
  };
}

/** What a read of file block `blk` returns from the device, through the extent map. */
export function readBlock(w: World, ino: number, blk: number): Token {
  const m = inodeOf(w, ino).map[blk];
  return m !== undefined && m.kind === 'written' ? deviceRead(w.device, m.p) : ZERO;
}

function dioReadStep(w: World, s: Settings, ti: number, st: DioRead): Step | null {
  const inode = inodeOf(w, st.ino);
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_dio_read' : 'ext4_dio_read_iter';
  const cur = (d: World): DioRead => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'dio-read') throw new Error('not in a direct read');
    return c;
  };
  const { blk, nblk } = blocksOf(s, st.pos, st.len);
  return match(st.phase)
    .with('lock', (): Step | null => {
      if (!canLock(inode.iolock, 'shared')) return null;
      const dirty = anyDirty(w, st.ino, blk, nblk);
      return {
        fn,
        what: `take ${s.fs.kind === 'xfs' ? 'IOLOCK shared' : 'inode_lock_shared'}${dirty ? '; kiocb_write_and_wait writes back dirty folios' : ''}`,
        apply: (d) => {
          lock(inodeOf(d, st.ino).iolock, 'shared', ti);
          const c = cur(d);
          const bios = dirty ? filemapFdatawriteRange(d, st.ino, blk, nblk, ti) : [];
          c.wait = bios ?? [];
          c.ioError = bios === null;
          c.phase = dirty ? 'flush-wait' : 'read';
        },
      };
    })
    .with('flush-wait', (): Step | null =>
      st.wait.length > 0 ? null : { fn: 'kiocb_write_and_wait', what: 'writeback done', apply: (d) => void (cur(d).phase = 'read') },
    )
    .with('read', (): Step => {
      const n = Math.max(0, Math.min(st.len, inode.size - st.pos));
      const rb = blocksOf(s, st.pos, n);
      const data = Array.from({ length: rb.nblk }, (_, i) => readBlock(w, st.ino, rb.blk + i));
      const ret = st.ioError ? 'EIO' : n;
      return {
        fn: 'iomap_dio_rw',
        what: `read {${data.join(',')}}; unlock; return ${typeof ret === 'number' ? ret : `-${ret}`}`,
        apply: (d) => {
          unlock(inodeOf(d, st.ino).iolock, 'shared', ti);
          finishSyscall(d, ti, { op: 'pread', ret, file: st.ino, data: st.ioError ? [] : data, firstBlock: rb.blk, start: st.start, end: d.ghost.clock + 1 });
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
    .with('writeback', (): Step => ({
      fn: 'file_write_and_wait_range',
      what: anyDirty(w, st.ino, 0, nblk) ? 'write back dirty folios' : 'no dirty folios',
      apply: (d) => {
        const bios = filemapFdatawriteRange(d, st.ino, 0, nblk, ti);
        const c = cur(d);
        c.wait = bios ?? [];
        c.ioError = bios === null;
        c.phase = 'writeback-wait';
      },
    }))
    .with('writeback-wait', (): Step | null =>
      st.wait.length > 0 ? null : { fn: 'file_write_and_wait_range', what: 'writeback done', apply: (d) => void (cur(d).phase = 'commit') },
    )
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
function bufferedWriteStep(w: World, s: Settings, ti: number, st: BufferedWrite): Step | Step[] | null {
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
            markDirty(d);
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
