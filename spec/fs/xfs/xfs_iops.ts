/** XFS atomic-write limits (fs/xfs/xfs_iops.c xfs_get_atomic_write_min/max/max_opt, Linux 6.18). */
import type { Settings } from '../../world.ts';

/** Whether the device can do a one-block hardware atomic write (xfs_inode_can_hw_atomic_write). */
function hwCapable(s: Settings): boolean {
  const d = s.device;
  return d.atomicUnitMax >= s.fs.blockSize && d.atomicUnitMin <= s.fs.blockSize && d.atomicUnitMin > 0;
}

/** bt_awu_max: the largest hardware atomic write. */
export function xfsHwAtomicMax(s: Settings): number {
  return hwCapable(s) ? s.device.atomicUnitMax : 0;
}

/** xfs_get_atomic_write_min/max/max_opt (xfs_iops.c). */
export function xfsAtomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  const bs = s.fs.blockSize;
  const min = hwCapable(s) || s.fs.reflink ? bs : 0;
  const max = s.fs.reflink ? s.fs.swAtomicMax : hwCapable(s) ? bs : 0;
  const maxOpt = max > bs ? Math.min(max, xfsHwAtomicMax(s)) : 0;
  return { min, max, maxOpt };
}
