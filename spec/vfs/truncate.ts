/**
 * ftruncate(2) and fallocate(2) in Linux 6.18: the VFS checks (fs/open.c do_sys_ftruncate, do_ftruncate,
 * ksys_fallocate, vfs_fallocate), then the file system's operation as a sequence of named
 * steps (a plan), each step the kernel code between two points where another actor may run:
 *
 *  - i_rwsem            inode_lock (do_truncate; xfs_file_fallocate's XFS_IOLOCK_EXCL; ext4_fallocate)
 *  - invalidate_lock    filemap_invalidate_lock (XFS_MMAPLOCK_EXCL), exclusive: no page
 *                       fault or page-cache fill of the file until unlock
 *  - inode_dio_wait     wait for direct I/O in flight (i_dio_count)
 *  - flush / flush_wait filemap_write_and_wait_range over the range, then wait
 *  - zero_eof           XFS: the zeroing beyond the cut (xfs_truncate_page) or from the old EOF
 *                       (xfs_zero_range), which does not wait for writeback, but growing may
 *                       flush a dirty range over a hole or unwritten extent and wait for it
 *                       (flush_wait) before the rest of its zeroing
 *  - zero_rest          XFS: xfs_zero_range after that flush
 *  - setsize            i_size change and truncate_pagecache (ext4: with its zeroing)
 *  - unmap              truncate_pagecache_range (PTEs unmapped, folios dropped); for a
 *                       truncate, zero range, also the extent change
 *  - free               a punch's freeing of the blocks of the range, after its
 *                       truncate_pagecache_range: a fill in between (no invalidate_lock
 *                       in the fault path) leaves a folio of a freed block cached
 *  - alloc              unwritten extents over the range (and ext4's size update)
 *  - itruncate          the transaction that sets the on-disk size and frees blocks past it
 *  - unlock             drop the locks and return
 *
 * Which steps, in which order, is the file system's (xfs_iops.ts, xfs_bmap_util.ts,
 * ext4/extents.ts): `sizeOpPlan`. Each step's work is in `sizeOpStepWork`.
 *
 * Models Linux 6.18.
 */
import { match } from 'ts-pattern';
import { beginWrite, finishSyscall, ghostWrite, noteWriteBytes, task } from '../ghost.ts';
import { canLock, lock, unlock } from '../kernel/locking/rwsem.ts';
import { commitJournal } from '../fs/journal.ts';
import { ext4FallocPlan, ext4SetattrPlan, ext4StepWork } from '../fs/ext4/extents.ts';
import { xfsFallocPlan, xfsStepWork } from '../fs/xfs/xfs_bmap_util.ts';
import { xfsSetattrPlan } from '../fs/xfs/xfs_iops.ts';
import { anyWriteback } from '../mm/filemap.ts';
import type { Errno, SizeOp, SizeOpKind, SizeOpStepName, Syscall } from './types.ts';
import type { Settings, Step, World } from '../world.ts';
import { fdOf, inodeOf } from './fd.ts';

/** What a file-system step does: its kernel function, a sentence, and the change (or null while it must wait). */
export interface SizeOpWork {
  fn: string;
  what: string;
  apply(w: World, st: SizeOp, ti: number): void;
  /** The step stays where it is (truncate_inode_pages_range's lookup before its wait). */
  stay?: true;
}

/** The file system's steps for this operation (the order its locks and flushes come in). */
export function sizeOpPlan(s: Settings, kind: SizeOpKind, keepSize: boolean, size: number, end: number): SizeOpStepName[] {
  if (s.fs.kind === 'ext4') return kind === 'truncate' ? ext4SetattrPlan(size, end) : ext4FallocPlan(kind);
  return kind === 'truncate' ? xfsSetattrPlan(s.fs.blockSize, size, end) : xfsFallocPlan(kind, keepSize, end > size);
}

/** The ghost id of a task's truncate or fallocate: its zeroes are named after it in traces. */
const opId = (call: string, ti: number, pc: number) => `${call}#T${ti + 1}.${pc + 1}`;

function fail(call: 'ftruncate' | 'fallocate', ti: number, what: string, ret: Errno): Step {
  return {
    fn: call === 'ftruncate' ? 'do_sys_ftruncate' : 'vfs_fallocate',
    what: `${what} → -${ret}`,
    apply: (d) => finishSyscall(d, ti, { op: call, ret }),
  };
}

function start(w: World, s: Settings, ti: number, call: 'ftruncate' | 'fallocate', fd: number, kind: SizeOpKind, keepSize: boolean, offset: number, len: number, what: string): Step {
  const of = fdOf(w, ti, fd);
  if (of === null) throw new Error('start of a size operation without an open file');
  const inode = inodeOf(w, of.ino);
  const end = kind === 'truncate' ? offset : offset + len;
  const blocks = inode.map.length;
  if (Math.ceil(end / s.fs.blockSize) > blocks) throw new Error(`${call} beyond the ${blocks} modelled blocks of file ${of.ino}`);
  return {
    fn: call === 'ftruncate' ? 'do_sys_ftruncate → do_truncate' : 'ksys_fallocate → vfs_fallocate',
    what,
    apply: (d) => {
      const t = task(d, ti);
      const id = opId(call, ti, t.pc);
      // The range the operation may leave as zeroes, for the properties (ghost.ts ghostToken).
      const i = inodeOf(d, of.ino);
      const bs = s.fs.blockSize;
      const [zs, ze] = zeroedBytes(kind, keepSize, offset, len, i.size, blocks, bs);
      const zb = Math.floor(zs / bs);
      beginWrite(d, ti, id, of.ino, zb, ze > zs ? Math.ceil(ze / bs) - zb : 0, false);
      ghostWrite(d, id).zeroes = true;
      // A range that cuts blocks in part zeroes only its bytes of them (sub-block data).
      if (ze > zs) noteWriteBytes(d, id, zs, ze - zs, bs);
      t.cur = {
        sys: 'size-op',
        call,
        kind,
        keepSize,
        fd,
        ino: of.ino,
        offset,
        len,
        steps: sizeOpPlan(s, kind, keepSize, i.size, end),
        at: 0,
        oldSize: i.size,
        wait: [],
        ioError: false,
        // xfs_file_sync_writes (O_SYNC or O_DSYNC); ext4_do_fallocate / ext4_zero_range test O_SYNC only.
        sync: s.fs.kind === 'xfs' ? of.sync || of.dsync : of.sync && kind !== 'punch',
        id,
        wbRange: [0, 0],
        ret: 0,
      };
    },
  };
}

/**
 * The bytes [start, end) an operation leaves reading as zeroes: a truncate down, those past
 * the new EOF; a truncate or allocation up, those between the old EOF and the new one; a
 * punch or zero range, its range (its partial blocks are zeroed in part: zeroBlockPart).
 */
export function zeroedBytes(kind: SizeOpKind, keepSize: boolean, offset: number, len: number, size: number, blocks: number, bs: number): [number, number] {
  const span = (a: number, b: number): [number, number] => (b > a ? [a, b] : [a, a]);
  return match(kind)
    .with('truncate', () => (offset < size ? span(offset, blocks * bs) : span(size, offset)))
    .with('allocate', () => (keepSize || offset + len <= size ? span(0, 0) : span(size, offset + len)))
    .with('punch', 'zero', () => span(offset, offset + len))
    .exhaustive();
}

/** ftruncate(fd, length): do_sys_ftruncate's and do_ftruncate's checks, then the file system's setattr. */
export function ftruncateEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'ftruncate' }>): Step {
  const what = `ftruncate(fd ${c.fd}, ${c.length})`;
  if (c.length < 0) return fail('ftruncate', ti, what, 'EINVAL');
  const of = fdOf(w, ti, c.fd);
  if (of === null) return fail('ftruncate', ti, what, 'EBADF');
  // do_ftruncate: a file not open for writing is EINVAL, not EBADF.
  if (!of.write) return fail('ftruncate', ti, what, 'EINVAL');
  return start(w, s, ti, 'ftruncate', c.fd, 'truncate', false, c.length, 0, what);
}

/** fallocate(fd, mode, offset, len): vfs_fallocate's checks in the kernel's order. */
export function fallocateEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'fallocate' }>): Step {
  const what = `fallocate(fd ${c.fd}, ${c.mode.length > 0 ? c.mode.join('|') : '0'}, ${c.offset}, ${c.len})`;
  const of = fdOf(w, ti, c.fd);
  // ksys_fallocate: fdget first.
  if (of === null) return fail('fallocate', ti, what, 'EBADF');
  if (c.offset < 0 || c.len <= 0) return fail('fallocate', ti, what, 'EINVAL');
  const keep = c.mode.includes('FALLOC_FL_KEEP_SIZE');
  const punch = c.mode.includes('FALLOC_FL_PUNCH_HOLE');
  const zero = c.mode.includes('FALLOC_FL_ZERO_RANGE');
  // The modes are exclusive; PUNCH_HOLE needs KEEP_SIZE.
  if ((punch && zero) || (punch && !keep)) return fail('fallocate', ti, what, 'EOPNOTSUPP');
  if (!of.write) return fail('fallocate', ti, what, 'EBADF');
  const kind: SizeOpKind = punch ? 'punch' : zero ? 'zero' : 'allocate';
  return start(w, s, ti, 'fallocate', c.fd, kind, keep, c.offset, c.len, what);
}

/** ext4_setattr zeroes inside its setsize and itruncate steps: its plans have no zero_eof or zero_rest. */
function noExt4Step(n: SizeOpStepName): never {
  throw new Error(`ext4 has no ${n} step in its truncate or fallocate plans`);
}

/** The current SizeOp of task ti in a draft. */
function cur(d: World, ti: number): SizeOp {
  const c = task(d, ti).cur;
  if (c === null || c.sys !== 'size-op') throw new Error('not in a truncate or fallocate');
  return c;
}

/** The next step of a truncate or fallocate in progress, or null while it waits. */
export function sizeOpStep(w: World, s: Settings, ti: number, st: SizeOp): Step | null {
  const name = st.steps[st.at];
  if (name === undefined) throw new Error(`${st.call}: no step ${st.at}`);
  const inode = inodeOf(w, st.ino);
  const xfs = s.fs.kind === 'xfs';
  const advance = (d: World) => void cur(d, ti).at++;
  return match(name)
    .with('i_rwsem', (): Step | null =>
      canLock(inode.iolock, 'excl')
        ? {
            fn: xfs ? 'xfs_ilock' : 'inode_lock',
            what: `take ${xfs ? 'XFS_IOLOCK_EXCL' : 'i_rwsem'} exclusive`,
            apply: (d) => {
              const i = inodeOf(d, st.ino);
              lock(i.iolock, 'excl', ti);
              // i_size is stable from here on: the steps that depend on it are chosen now.
              const c = cur(d, ti);
              c.oldSize = i.size;
              c.steps = sizeOpPlan(s, c.kind, c.keepSize, i.size, c.kind === 'truncate' ? c.offset : c.offset + c.len);
              c.at = 1;
            },
          }
        : null,
    )
    .with('invalidate_lock', (): Step | null =>
      canLock(inode.invalidateLock, 'excl')
        ? { fn: xfs ? 'xfs_ilock' : 'filemap_invalidate_lock', what: `take ${xfs ? 'XFS_MMAPLOCK_EXCL' : 'invalidate_lock'} exclusive: no page fault or page-cache fill until unlock`, apply: (d) => (lock(inodeOf(d, st.ino).invalidateLock, 'excl', ti), advance(d)) }
        : null,
    )
    .with('inode_dio_wait', (): Step | null => (inode.dioCount > 0 ? null : { fn: 'inode_dio_wait', what: 'no direct I/O in flight', apply: advance }))
    .with('flush_wait', (): Step | null => {
      const [blk, n] = st.wbRange;
      if (st.wait.length > 0 || anyWriteback(w, st.ino, blk, n)) return null;
      return {
        fn: 'filemap_write_and_wait_range',
        what: st.ioError ? 'writeback of the range failed: return -EIO' : 'writeback of the range done',
        apply: (d) => {
          const c = cur(d, ti);
          if (c.ioError) {
            c.ret = 'EIO';
            c.at = c.steps.indexOf('unlock');
          } else c.at++;
        },
      };
    })
    .with('unlock', (): Step => {
      const holdsMmap = st.steps.includes('invalidate_lock');
      const commit = st.sync && st.call === 'fallocate' && st.ret === 0;
      const ret = st.ret;
      return {
        fn: xfs ? 'xfs_iunlock' : 'inode_unlock',
        what: `${commit ? `${xfs ? 'xfs_log_force_inode' : 'ext4_handle_sync'}: commit (O_SYNC/O_DSYNC file); ` : ''}unlock; return ${ret === 0 ? 0 : `-${ret}`}`,
        apply: (d) => {
          const i = inodeOf(d, st.ino);
          if (holdsMmap) unlock(i.invalidateLock, 'excl', ti);
          unlock(i.iolock, 'excl', ti);
          if (commit) commitJournal(d);
          const g = ghostWrite(d, st.id);
          finishSyscall(d, ti, { op: st.call, ret });
          g.end = d.ghost.clock;
          g.ret = ret;
        },
      };
    })
    .with('flush', 'zero_eof', 'zero_rest', 'setsize', 'unmap', 'alloc', 'itruncate', 'free', (n): Step | null => {
      const work = xfs ? xfsStepWork(w, s, st, n) : n === 'zero_eof' || n === 'zero_rest' ? noExt4Step(n) : ext4StepWork(w, s, st, n);
      if (work === null) return null;
      return {
        fn: work.fn,
        what: work.what,
        apply: (d) => {
          const c = cur(d, ti);
          const at = c.at;
          work.apply(d, c, ti);
          // A step that failed jumps to 'unlock' itself.
          if (c.at === at && work.stay !== true) c.at++;
        },
      };
    })
    .exhaustive();
}
