/**
 * msync (mm/msync.c, Linux 6.18). MS_SYNC on a shared file mapping is vfs_fsync_range(file,
 * start, end, datasync=1) over the mapped range: the file system's ->fsync writes back and
 * waits for the range's dirty folios (each cleaned with folio_mkclean, so later stores fault
 * again), forces the log if the inode's metadata changed, flushes the cache, and reports a
 * writeback error through the file's f_wb_err. MS_ASYNC does nothing since 2.6.19: dirty
 * folios are already known to writeback (->page_mkwrite dirtied them).
 */
import { finishSyscall, task } from '../ghost.ts';
import { fdOf } from '../vfs/fd.ts';
import type { Fsync, Syscall } from '../vfs/types.ts';
import type { Settings, Step, World } from '../world.ts';
import { vmaOf } from './rmap.ts';

export function msyncEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'msync' }>): Step {
  const v = vmaOf(w, ti, c.map);
  const fn = `msync(${c.flags})`;
  if (v === null) return { fn, what: `mapping ${c.map} is not mapped: -ENOMEM`, apply: (d) => finishSyscall(d, ti, { op: 'msync', ret: 'ENOMEM' }) };
  if (c.flags === 'MS_ASYNC') return { fn, what: 'MS_ASYNC: nothing to do (the folios are already dirty), 0', apply: (d) => finishSyscall(d, ti, { op: 'msync', ret: 0 }) };
  if (fdOf(w, ti, v.fd) === null) throw new Error(`mapping ${c.map} of T${ti + 1} has no open file`);
  return {
    fn: `${fn} → vfs_fsync_range(datasync) → ${s.fs.kind === 'xfs' ? 'xfs_file_fsync' : 'ext4_sync_file'}`,
    what: `file_write_and_wait_range over file ${v.ino} blocks ${v.blk}-${v.blk + v.nblk - 1}`,
    apply: (d) => {
      d.ghost.clock++;
      const fs: Fsync = { sys: 'fsync', msync: { blk: v.blk, nblk: v.nblk }, fd: v.fd, ino: v.ino, datasync: true, phase: 'writeback', wait: [], ioError: false, start: d.ghost.clock };
      task(d, ti).cur = fs;
    },
  };
}
