/** i_rwsem (the XFS IOLOCK) as a reader-writer lock between tasks. */
import type { Inode, LockMode } from './types.ts';

export function canLock(ino: Inode, mode: LockMode): boolean {
  return mode === 'shared' ? ino.iolock.excl === null : ino.iolock.excl === null && ino.iolock.shared.length === 0;
}

export function lock(ino: Inode, mode: LockMode, task: number): void {
  if (!canLock(ino, mode)) throw new Error(`T${task + 1} cannot take i_rwsem ${mode}`);
  if (mode === 'excl') ino.iolock.excl = task;
  else ino.iolock.shared = [...ino.iolock.shared, task].sort((a, b) => a - b);
}

export function unlock(ino: Inode, mode: LockMode, task: number): void {
  if (mode === 'excl') {
    if (ino.iolock.excl !== task) throw new Error(`T${task + 1} does not hold i_rwsem excl`);
    ino.iolock.excl = null;
  } else {
    if (!ino.iolock.shared.includes(task)) throw new Error(`T${task + 1} does not hold i_rwsem shared`);
    ino.iolock.shared = ino.iolock.shared.filter((t) => t !== task);
  }
}
