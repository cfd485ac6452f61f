/**
 * XFS's direct-write entry points (fs/xfs/xfs_file.c, Linux 6.18): the IOLOCK mode each of
 * xfs_file_dio_write_aligned / _unaligned / _atomic starts with, xfs_file_write_checks
 * under the lock, the retries after iomap_dio_rw (the unaligned exclusive retry, the
 * software atomic retry in the three variants of the `xfsSwAtomicRetry` knob, seed 003),
 * and xfs_dio_write_end_io.
 */
import { freeBlock, setCow, setMapping } from '../allocator.ts';
import { markDirty, markDirtyPure } from '../journal.ts';
import { copied, frozen, keepIfSame, withAt, withMembers } from '../../cow.ts';
import type { CowMapping, Mapping } from '../types.ts';
import type { DioWrite, DioWriteCheck } from '../iomap/types.ts';
import type { WriteReq } from '../../vfs/types.ts';
import type { Settings, Step, World } from '../../world.ts';
import { xfsHwAtomicMax, xfsZeroRangePlan, xfsZeroRangeRest, xfsZeroRangeFlushWhat, xfsZeroRangeStart, type XfsZeroFlush, type XfsZeroRange } from './xfs_iops.ts';

type XfsStart = Pick<DioWrite, 'lock' | 'demote' | 'overwriteOnly' | 'forceWait' | 'xfsMode' | 'swCause'>;

const unalignedIo = (s: Settings, req: WriteReq) => req.pos % s.fs.blockSize !== 0 || req.count % s.fs.blockSize !== 0;

/**
 * How a direct write starts, before the IOLOCK (xfs_file_dio_write): the lock mode it asks
 * for, or -EAGAIN for a NOWAIT sub-block write that extends the file (it would need the
 * exclusive lock at once). i_size is read unlocked here, as the kernel does.
 */
export function xfsDioWriteStart(w: World, s: Settings, req: WriteReq): XfsStart | 'EAGAIN' {
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const plain = { demote: false, overwriteOnly: false, forceWait: false, xfsMode: 'hw' as const, swCause: null };
  if (!req.atomic && unalignedIo(s, req)) {
    // xfs_file_dio_write_unaligned: extending writes go exclusive at once; otherwise a
    // shared IOMAP_DIO_OVERWRITE_ONLY attempt, retried exclusive on -EAGAIN.
    if (req.pos > inode.size || req.pos + req.count >= inode.size) return req.nowait ? 'EAGAIN' : { ...plain, lock: 'excl', forceWait: true };
    return { ...plain, lock: 'shared', overwriteOnly: true };
  }
  if (!req.atomic) return { ...plain, lock: 'shared', demote: true };
  const tooBig = req.count > xfsHwAtomicMax(s);
  if (s.knobs.xfsSwAtomicRetry === 'posted-v4' || !tooBig) return { ...plain, lock: 'shared', demote: true };
  return xfsSwMode(s, 'too big for hw');
}

function xfsSwMode(s: Settings, cause: DioWrite['swCause']): XfsStart {
  const excl = s.knobs.xfsSwAtomicRetry !== 'merged-6.16';
  return { lock: excl ? 'excl' : 'shared', demote: !excl, overwriteOnly: false, forceWait: excl, xfsMode: 'sw', swCause: cause };
}

/**
 * xfs_file_write_checks with the IOLOCK held (and, for a sub-block write, the reflink
 * bounce of xfs_file_dio_write_unaligned first). Zeroing past EOF needs the exclusive lock:
 * a shared holder upgrades and starts over, a NOWAIT write gets -EAGAIN.
 */
export function xfsDioWriteChecks(w: World, s: Settings, st: DioWrite): DioWriteCheck {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  if (!req.atomic && unalignedIo(s, req) && inode.reflink) return { kind: 'error', err: 'ENOTBLK', why: 'sub-block direct write to a reflink inode (cannot unshare part of a block)' };
  if (req.pos > inode.size) {
    if (req.nowait) return { kind: 'error', err: 'EAGAIN', why: 'xfs_file_write_zero_eof: zeroing the gap past EOF would block' };
    if (st.lock === 'shared') return { kind: 'upgrade', why: 'xfs_file_write_zero_eof needs IOLOCK excl' };
  }
  return { kind: 'ok', forceWait: st.forceWait, demote: st.demote && st.lock === 'excl' };
}

/**
 * After iomap_dio_rw returned: the retry the XFS entry point makes, or null.
 *  - xfs_file_dio_write_unaligned: -EAGAIN from the shared overwrite-only attempt (not
 *    NOWAIT) retries exclusively, with inode_dio_wait.
 *  - xfs_file_dio_write_atomic: posted-v4 retries in software mode on any -EAGAIN
 *    (seed 003); the later variants only on -ENOPROTOOPT.
 */
export function xfsDioWriteRetry(s: Settings, st: DioWrite): XfsStart | null {
  if (st.overwriteOnly) return st.ret === 'EAGAIN' && !st.req.nowait ? { lock: 'excl', demote: false, overwriteOnly: false, forceWait: true, xfsMode: 'hw', swCause: null } : null;
  if (!st.req.atomic || st.xfsMode === 'sw') return null;
  if (s.knobs.xfsSwAtomicRetry === 'posted-v4') {
    if (st.ret !== 'EAGAIN' || st.req.nowait) return null;
    return xfsSwMode(s, st.failure === 'invalidate' ? 'EAGAIN from invalidation' : 'iomap_begin refused hw');
  }
  return st.ret === 'ENOPROTOOPT' ? xfsSwMode(s, 'iomap_begin refused hw') : null;
}

/**
 * xfs_dio_write_end_io: remap CoW staging blocks into the data fork (one transaction for an
 * atomic write, xfs_reflink_end_atomic_cow; per extent otherwise, xfs_reflink_end_cow),
 * convert unwritten extents, update the size. Returns the kernel function names run.
 */
export function xfsDioWriteEndIo(w: World, st: DioWrite): string {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const done: string[] = [];
  if (st.segs.some((g) => g.type === 'cow')) {
    for (let b = req.blk; b < req.blk + st.done; b++) {
      const c = inode.cow[b];
      if (c === undefined || c.kind !== 'staging') continue;
      const old = inode.map[b];
      if (old !== undefined && (old.kind === 'written' || old.kind === 'unwritten')) freeBlock(w.free, old.p);
      setMapping(inode, b, { kind: 'written', p: c.p });
      setCow(inode, b, { kind: 'none' });
      markDirty(w, req.ino);
    }
    done.push(req.atomic ? 'xfs_reflink_end_atomic_cow' : 'xfs_reflink_end_cow');
  }
  for (const g of st.segs) {
    if (g.type !== 'unwritten') continue;
    for (let i = 0; i < g.nblk; i++) {
      const m = inode.map[g.blk + i];
      if (m !== undefined && m.kind === 'unwritten' && m.p === g.p + i) {
        setMapping(inode, g.blk + i, { kind: 'written', p: m.p });
        markDirty(w, req.ino);
      }
    }
    if (!done.includes('xfs_iomap_write_unwritten')) done.push('xfs_iomap_write_unwritten');
  }
  const end = req.pos + req.count;
  if (end > inode.size) {
    inode.size = end;
    markDirty(w, req.ino);
    done.push('xfs_setfilesize');
  }
  // xfs_dio_write_end_io: i_size_write, then xfs_setfilesize logs the same size (di_size).
  if (end > inode.diskSize) inode.diskSize = Math.min(end, inode.size);
  return done.length > 0 ? done.join(' + ') : 'nothing to do';
}

/**
 * xfsDioWriteEndIo without a draft (issue 10d): the same remap, conversion and size update
 * on local copies of the inode's extent arrays and the free map, kept by identity where they
 * did not change. Each setMapping / setCow of the draft form bumps if_seq once here too.
 */
export function xfsDioWriteEndIoPure(w: World, st: DioWrite): World {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const map = copied(inode.map);
  const cow = copied(inode.cow);
  const free = copied(w.free);
  let seq = inode.seq;
  let dirty = false;
  if (st.segs.some((g) => g.type === 'cow')) {
    for (let b = req.blk; b < req.blk + st.done; b++) {
      const c = cow[b];
      if (c === undefined || c.kind !== 'staging') continue;
      const old = map[b];
      if (old !== undefined && (old.kind === 'written' || old.kind === 'unwritten')) {
        if (free[old.p] === true) throw new Error(`allocator: double free of p${old.p}`);
        free[old.p] = true;
      }
      map[b] = frozen<Mapping>({ kind: 'written', p: c.p });
      cow[b] = NO_COW;
      seq += 2;
      dirty = true;
    }
  }
  for (const g of st.segs) {
    if (g.type !== 'unwritten') continue;
    for (let i = 0; i < g.nblk; i++) {
      const m = map[g.blk + i];
      if (m !== undefined && m.kind === 'unwritten' && m.p === g.p + i) {
        map[g.blk + i] = frozen<Mapping>({ kind: 'written', p: m.p });
        seq++;
        dirty = true;
      }
    }
  }
  const end = req.pos + req.count;
  const size = Math.max(inode.size, end);
  if (end > inode.size) dirty = true;
  const diskSize = end > inode.diskSize ? Math.min(end, size) : inode.diskSize;
  const next = { map: keepIfSame(inode.map, map), cow: keepIfSame(inode.cow, cow), seq, size, diskSize };
  const same = next.map === inode.map && next.cow === inode.cow && seq === inode.seq && size === inode.size && diskSize === inode.diskSize;
  const x = same ? w : withMembers(w, { inodes: withAt(w.inodes, req.ino, withMembers(inode, next)), free: keepIfSame(w.free, free) });
  return dirty ? markDirtyPure(x, req.ino) : x;
}

const NO_COW: CowMapping = frozen({ kind: 'none' });

/**
 * xfs_file_write_checks → kiocb_modified: with IOCB_NOWAIT, a write whose timestamps need
 * updating gets -EAGAIN. Whether they do depends on the clock (the conformance run saw the
 * same program succeed and fail), so a NOWAIT write on XFS may take either branch.
 */
export function xfsNowaitTimestampRefusal(s: Settings, req: WriteReq, refuse: (d: World) => void): Step[] {
  if (s.fs.kind !== 'xfs' || !req.nowait) return [];
  return [{ fn: 'xfs_file_write_checks', what: 'kiocb_modified: timestamps need updating and IOCB_NOWAIT: -EAGAIN', apply: refuse }];
}

/**
 * xfs_file_write_zero_eof, the part after the IOLOCK is exclusive and direct I/O drained: a
 * write (direct or buffered) that starts past i_size zeroes [i_size, pos) first, with
 * xfs_zero_range → iomap_zero_range under XFS_MMAPLOCK_EXCL, i.e. through the page cache
 * even for O_DIRECT: the same walk as a growing truncate's (xfsZeroRangePlan). The old EOF
 * block's folio, when it holds data, is read in if needed, its tail zeroed and dirtied, and
 * it stays cached after the write (mincore shows it resident); written blocks past it are
 * zeroed too; holes and unwritten extents (and delalloc past the EOF block, converted to
 * unwritten) are skipped while the page cache over the range is clean, and when it is not,
 * iomap_zero_iter_flush_and_stale writes the range back and waits (xfsFileWriteZeroEof
 * returns that flush). Null when the write does not start past EOF.
 */
export function xfsFileWriteZeroEofPlan(w: World, s: Settings, ino: number, pos: number): XfsZeroRange | null {
  const isize = w.inodes[ino]?.size ?? 0;
  return pos > isize ? xfsZeroRangePlan(w, s, ino, isize, pos) : null;
}

/** The step text of the zeroing xfsFileWriteZeroEofPlan planned. */
export function xfsFileWriteZeroEofWhat(w: World, ino: number, p: XfsZeroRange): string {
  return `xfs_file_write_zero_eof: iomap_zero_range(${p.from}, ${p.to - p.from}) through the page cache${xfsZeroRangeFlushWhat(w, ino, p)}`;
}

/** The zeroing xfsFileWriteZeroEofPlan planned, up to its flush; the flush to wait for, or null. */
export function xfsFileWriteZeroEof(d: World, ino: number, p: XfsZeroRange, ti: number): XfsZeroFlush | null {
  return xfsZeroRangeStart(d, ino, p, p.to, ti).flush;
}

/** The end of xfs_file_write_zero_eof's flush wait: its text and, when the writeback did not fail, the zeroing after it. */
export function xfsFileWriteZeroEofRest(ioError: boolean, [from, n]: [number, number]): { fn: string; what: string; apply: (d: World, ino: number) => void } {
  return {
    fn: 'xfs_file_write_zero_eof: xfs_zero_range',
    what: ioError
      ? 'filemap_write_and_wait_range: the writeback failed: -EIO; drop XFS_MMAPLOCK_EXCL'
      : `writeback of blocks ${from}-${from + n - 1} done; iomap_zero_range goes on there (holes and unwritten extents skipped, written blocks zeroed); drop XFS_MMAPLOCK_EXCL`,
    apply: (d, ino) => {
      if (!ioError) xfsZeroRangeRest(d, ino, [from, n]);
    },
  };
}
