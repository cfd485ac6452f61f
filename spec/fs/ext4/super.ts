/** ext4's atomic-write limits (fs/ext4/super.c ext4_atomic_write_init, Linux 6.18; the RFC allowed up to the device max). */
import type { Settings } from '../../world.ts';

/** s_awu_min / s_awu_max. */
export function ext4AtomicLimits(s: Settings): { min: number; max: number; maxOpt: number } {
  const bs = s.fs.blockSize;
  const d = s.device;
  if (d.atomicUnitMax < bs || d.atomicUnitMin === 0 || d.atomicUnitMin > bs * Math.max(1, s.fs.clusterBlocks)) return { min: 0, max: 0, maxOpt: 0 };
  const min = Math.max(bs, d.atomicUnitMin);
  if (s.knobs.ext4AtomicAlloc !== 'bigalloc-zero-and-commit') return { min, max: d.atomicUnitMax, maxOpt: 0 };
  const max = s.fs.clusterBlocks > 1 ? Math.min(s.fs.clusterBlocks * bs, d.atomicUnitMax) : bs;
  return { min, max, maxOpt: 0 };
}
