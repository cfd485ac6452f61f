/** Reader-writer semaphores between tasks: i_rwsem (the XFS IOLOCK) and invalidate_lock. */
import type { LockMode, RwSem } from './types.ts';

export function canLock(sem: RwSem, mode: LockMode): boolean {
  return mode === 'shared' ? sem.excl === null : sem.excl === null && sem.shared.length === 0;
}

export function lock(sem: RwSem, mode: LockMode, task: number): void {
  if (!canLock(sem, mode)) throw new Error(`T${task + 1} cannot take the lock ${mode}`);
  if (mode === 'excl') sem.excl = task;
  else sem.shared = [...sem.shared, task].sort((a, b) => a - b);
}

export function unlock(sem: RwSem, mode: LockMode, task: number): void {
  if (mode === 'excl') {
    if (sem.excl !== task) throw new Error(`T${task + 1} does not hold the lock excl`);
    sem.excl = null;
  } else {
    if (!sem.shared.includes(task)) throw new Error(`T${task + 1} does not hold the lock shared`);
    sem.shared = sem.shared.filter((t) => t !== task);
  }
}
