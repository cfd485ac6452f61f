/**
 * pwritev2 (fs/read_write.c do_pwritev, vfs_writev; include/linux/fs.h kiocb_set_rw_flags;
 * generic_atomic_write_valid; the file systems' ->write_iter checks): validation in
 * Linux 6.18's order, then the direct or buffered write state machine.
 */
import { match } from 'ts-pattern';
import { ext4DioWriteStart } from '../fs/ext4/file.ts';
import { xfsDioWriteStart } from '../fs/xfs/xfs_file.ts';
import { beginWrite, endWrite, ghostWrite, noteWriteBytes, task, withTask, type GhostWrite } from '../ghost.ts';
import { frozen, withMembers } from '../cow.ts';
import { freeze } from 'immer';
import { blocksOf, fdOf, fsName, isPow2 } from './fd.ts';
import { atomicLimits } from './stat.ts';
import { newBufferedWrite } from '../fs/iomap/buffered-io.ts';
import type { DioWrite } from '../fs/iomap/types.ts';
import type { Errno, Syscall, WriteReq } from './types.ts';
import type { Settings, Step, World } from '../world.ts';

export type WriteCheck = { kind: 'ret'; ret: number | Errno } | { kind: 'direct' | 'buffered'; req: WriteReq };

/**
 * Everything pwritev2 checks before any I/O, in the kernel's order:
 * fdget (EBADF), vfs_writev (FMODE_WRITE: EBADF; zero length: 0; rw_verify_area: EINVAL),
 * kiocb_set_rw_flags (RWF_NOWAIT, RWF_ATOMIC without FMODE_CAN_ATOMIC_WRITE, RWF_DONTCACHE:
 * EOPNOTSUPP), ->write_iter's atomic size bounds (EINVAL), generic_atomic_write_valid
 * (segments, power of two, natural alignment: EINVAL; not O_DIRECT: EOPNOTSUPP unless the
 * bufferedAtomic knob takes the seed 000 RFC on XFS), direct
 * I/O sector alignment (EINVAL), ext4's buffered IOCB_NOWAIT (EOPNOTSUPP).
 */
export function checkPwritev2(w: World, s: Settings, ti: number, call: Extract<Syscall, { op: 'pwritev2' }>): WriteCheck {
  // do_pwritev rejects a negative offset before it looks up the fd.
  if (call.offset < 0) return { kind: 'ret', ret: 'EINVAL' };
  const of = fdOf(w, ti, call.fd);
  if (of === null || !of.write) return { kind: 'ret', ret: 'EBADF' };
  const count = call.iov.reduce((a, b) => a + b, 0);
  if (count === 0) return { kind: 'ret', ret: 0 };
  const atomic = call.flags.includes('RWF_ATOMIC');
  // FMODE_NOWAIT is set by both xfs_file_open and ext4_file_open; both set FOP_DONTCACHE.
  if (atomic && !of.canAtomic) return { kind: 'ret', ret: 'EOPNOTSUPP' };
  if (atomic) {
    const l = atomicLimits(s);
    if (count < l.min || count > l.max) return { kind: 'ret', ret: 'EINVAL' };
    if (call.iov.length !== 1) return { kind: 'ret', ret: 'EINVAL' };
    if (!isPow2(count)) return { kind: 'ret', ret: 'EINVAL' };
    if (call.offset % count !== 0) return { kind: 'ret', ret: 'EINVAL' };
    // The seed 000 RFC lets XFS take it through the page cache (knob bufferedAtomic).
    if (!of.direct && !(s.knobs.bufferedAtomic === 'rfc-2024' && s.fs.kind === 'xfs')) return { kind: 'ret', ret: 'EOPNOTSUPP' };
  }
  const nowait = call.flags.includes('RWF_NOWAIT');
  const sync = of.sync || call.flags.includes('RWF_SYNC');
  const dsync = sync || of.dsync || call.flags.includes('RWF_DSYNC');
  const { blk, nblk } = blocksOf(s, call.offset, count);
  if (blk + nblk > (w.inodes[of.ino]?.map.length ?? 0)) throw new Error(`pwritev2 beyond the ${w.inodes[of.ino]?.map.length} modelled blocks of file ${of.ino}`);
  const req: WriteReq = { id: call.id, fd: call.fd, ino: of.ino, pos: call.offset, count, blk, nblk, atomic, nowait, dsync, sync, iov: call.iov, dontcache: call.flags.includes('RWF_DONTCACHE'), badPage: call.badPage ?? null };
  if (of.direct) {
    // xfs_file_dio_write checks pos and count up front; segments (and, on ext4, pos and
    // count too) only fail in iomap_dio_bio_iter, per mapping, after locking and the
    // NOWAIT checks.
    if (s.fs.kind === 'xfs' && ((call.offset | count) & (s.fs.sectorSize - 1)) !== 0) return { kind: 'ret', ret: 'EINVAL' };
    return { kind: 'direct', req };
  }
  if (nowait && s.fs.kind === 'ext4') return { kind: 'ret', ret: 'EOPNOTSUPP' };
  return { kind: 'buffered', req };
}

/** The direct write's state as ->write_iter starts, or -EAGAIN when it refuses before locking. */
function newDioWrite(w: World, s: Settings, req: WriteReq): DioWrite | 'EAGAIN' {
  const base = { sys: 'dio-write' as const, req, phase: 'lock' as const, held: false, done: 0, segs: [], iomap: null, wait: [], ioError: false, ret: null, failure: null, dioStarted: false, fua: true };
  if (s.fs.kind === 'ext4') return { ...base, ...ext4DioWriteStart(w, req), xfsMode: 'hw', swCause: null };
  const x = xfsDioWriteStart(w, s, req);
  return x === 'EAGAIN' ? x : { ...base, ...x };
}

/** ksys_pwritev2: validation, then a direct write (->write_iter) or a buffered write. */
export function pwritev2Entry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pwritev2' }>): Step {
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
        noteWriteBytes(d, c.id, c.offset, count, s.fs.blockSize);
        endWrite(d, ti, { id: c.id, ino: of?.ino ?? -1, blk, nblk, dsync: false }, r.ret);
      },
    }))
    .with({ kind: 'direct' }, (r): Step => {
      const dio = newDioWrite(w, s, r.req);
      return {
        fn,
        what: `${what}: direct${dio === 'EAGAIN' ? '; xfs_file_dio_write_unaligned: extending sub-block write and IOCB_NOWAIT: -EAGAIN' : ''}`,
        apply: (d) => {
          beginWrite(d, ti, c.id, r.req.ino, r.req.blk, r.req.nblk, atomic);
          noteWriteBytes(d, c.id, c.offset, count, s.fs.blockSize);
          if (dio === 'EAGAIN') endWrite(d, ti, r.req, 'EAGAIN');
          else task(d, ti).cur = dio;
        },
        // The direct write starts: the same without a draft (noteWriteBytes finds the first
        // ghost write of that id, so only when there is none yet).
        ...(dio !== 'EAGAIN' && !w.ghost.writes.some((g) => g.id === c.id)
          ? { next: (x: World) => withTask(beginWritePure(x, ti, c.id, r.req, atomic, c.offset, count, s.fs.blockSize), ti, { cur: freeze(dio, true) }) }
          : {}),
      };
    })
    .with({ kind: 'buffered' }, (r): Step => ({
      fn,
      what: `${what}: buffered`,
      apply: (d) => {
        beginWrite(d, ti, c.id, r.req.ino, r.req.blk, r.req.nblk, atomic);
        noteWriteBytes(d, c.id, c.offset, count, s.fs.blockSize);
        if (atomic) ghostWrite(d, c.id).path = 'buffered-rfc';
        task(d, ti).cur = newBufferedWrite(r.req, false);
      },
    }))
    .exhaustive();
}

/** beginWrite and noteWriteBytes without a draft (issue 10k): the clock moves on and a new ghost write, frozen, is appended. */
function beginWritePure(w: World, ti: number, id: string, req: WriteReq, atomic: boolean, pos: number, count: number, bs: number): World {
  const clock = w.ghost.clock + 1;
  const g: GhostWrite = { id, task: ti, ino: req.ino, blk: req.blk, nblk: req.nblk, atomic, start: clock, end: null, ret: null, path: 'none', swCause: null, bios: [] };
  if (pos % bs !== 0 || count % bs !== 0) g.bytes = { pos, count };
  return withMembers(w, { ghost: withMembers(w.ghost, { clock, writes: frozen([...w.ghost.writes, freeze(g, true)]) }) });
}
