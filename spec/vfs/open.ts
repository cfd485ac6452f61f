/** open(2): do_sys_open and the file systems' ->open (xfs_file_open, ext4_file_open). Models Linux 6.18 (fs/open.c). */
import { finishSyscall, settleOwedErrors, task } from '../ghost.ts';
import { errseqSample } from '../lib/errseq.ts';
import { mappingOf } from '../mm/filemap.ts';
import { fsName } from './fd.ts';
import { atomicLimits } from './stat.ts';
import type { Syscall } from './types.ts';
import type { Settings, Step, World } from '../world.ts';

/** do_sys_open → the file system's ->open: a new fd, FMODE_CAN_ATOMIC_WRITE, and the f_wb_err sample. */
export function openEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'open' }>): Step {
  const canAtomic = atomicLimits(s).min > 0;
  return {
    fn: `do_sys_open → ${s.fs.kind === 'fuse' ? 'fuse_open' : `${fsName(s)}_file_open`}`,
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
        closed: false,
      });
      finishSyscall(d, ti, { op: 'open', ret: t.fds.length - 1 });
    },
  };
}
