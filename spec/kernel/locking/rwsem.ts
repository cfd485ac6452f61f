/**
 * Reader-writer semaphores between tasks (kernel/locking/rwsem.c, Linux 6.18): i_rwsem (the
 * XFS IOLOCK) and mapping->invalidate_lock (the XFS MMAPLOCK). Waiters are not queued: a
 * blocked task simply has no enabled step until the semaphore is free, so the checker
 * explores every order in which waiters may get it.
 */
import { filtered, withMembers } from '../../cow.ts';

/** A reader-writer semaphore: an exclusive holder or sorted shared holders. */
export interface RwSem {
  excl: number | null;
  shared: number[];
}

export type LockMode = 'shared' | 'excl';

export function canLock(sem: RwSem, mode: LockMode): boolean {
  return mode === 'shared' ? sem.excl === null : sem.excl === null && sem.shared.length === 0;
}

export function lock(sem: RwSem, mode: LockMode, task: number): void {
  if (!canLock(sem, mode)) throw new Error(`T${task + 1} cannot take the lock ${mode}`);
  if (mode === 'excl') sem.excl = task;
  else sem.shared = [...sem.shared, task].sort((a, b) => a - b);
}

/** lock without a draft: a new semaphore (frozen) with `task` holding it. */
export function lockPure(sem: RwSem, mode: LockMode, task: number): RwSem {
  if (!canLock(sem, mode)) throw new Error(`T${task + 1} cannot take the lock ${mode}`);
  if (mode === 'excl') return withMembers(sem, { excl: task });
  return withMembers(sem, { shared: Object.freeze([...sem.shared, task].sort((a, b) => a - b)) as number[] });
}

/** unlock without a draft: a new semaphore (frozen) after `task` released it. */
export function unlockPure(sem: RwSem, mode: LockMode, task: number): RwSem {
  if (mode === 'excl') {
    if (sem.excl !== task) throw new Error(`T${task + 1} does not hold the lock excl`);
    return withMembers(sem, { excl: null });
  }
  if (!sem.shared.includes(task)) throw new Error(`T${task + 1} does not hold the lock shared`);
  return withMembers(sem, { shared: Object.freeze(filtered(sem.shared, (t) => t !== task)) as number[] });
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
