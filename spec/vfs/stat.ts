/**
 * statx's STATX_WRITE_ATOMIC fields and the atomic-write limits behind them (fs/stat.c
 * generic_fill_statx_atomic_writes; xfs_vn_getattr, ext4_getattr). Models Linux 6.18.
 */
import { ext4AtomicLimits } from '../fs/ext4/super.ts';
import { xfsAtomicLimits } from '../fs/xfs/xfs_iops.ts';
import { finishSyscall } from '../ghost.ts';
import { fdOf } from './fd.ts';
import type { StatxAtomic, Syscall } from './types.ts';
import type { Settings, Step, World } from '../world.ts';

/** The file system's atomic write limits (what statx reports and ->write_iter enforces). */
export function atomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  // FUSE has no atomic writes: fuse_file_open never sets FMODE_CAN_ATOMIC_WRITE.
  if (s.fs.kind === 'fuse') return { min: 0, max: 0, maxOpt: 0 };
  return s.fs.kind === 'xfs' ? xfsAtomicLimits(s) : ext4AtomicLimits(s);
}

/** statx(STATX_WRITE_ATOMIC): generic_fill_statx_atomic_writes. */
export function statxAtomic(s: Settings): StatxAtomic {
  const l = atomicLimits(s);
  if (l.min === 0) return { atomicWriteUnitMin: 0, atomicWriteUnitMax: 0, atomicWriteUnitMaxOpt: 0, atomicWriteSegmentsMax: 0, attrWriteAtomic: false };
  return { atomicWriteUnitMin: l.min, atomicWriteUnitMax: l.max, atomicWriteUnitMaxOpt: l.maxOpt, atomicWriteSegmentsMax: 1, attrWriteAtomic: true };
}

/** statx(STATX_WRITE_ATOMIC). */
export function statxEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'statx' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const stx = statxAtomic(s);
  return {
    fn: `statx → ${s.fs.kind === 'xfs' ? 'xfs_vn_getattr' : s.fs.kind === 'fuse' ? 'fuse_getattr' : 'ext4_getattr'}`,
    what: of === null ? '-EBADF' : `atomic unit min ${stx.atomicWriteUnitMin} max ${stx.atomicWriteUnitMax} segments ${stx.atomicWriteSegmentsMax}`,
    apply: (d) => finishSyscall(d, ti, of === null ? { op: 'statx', ret: 'EBADF', atomic: null } : { op: 'statx', ret: 0, atomic: stx }),
  };
}
