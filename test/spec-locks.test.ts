/**
 * spec/locks.ts, the reader-writer semaphores (i_rwsem / the XFS IOLOCK, invalidate_lock),
 * against a reference: random lock and unlock sequences of three tasks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canLock, lock, unlock } from '../spec/kernel/locking/rwsem.ts';
import type { LockMode, RwSem } from '../spec/index.ts';

test('random lock/unlock sequences behave as a reader-writer semaphore', () => {
  const op = fc.record({ kind: fc.constantFrom('lock' as const, 'unlock' as const), mode: fc.constantFrom<LockMode>('shared', 'excl'), task: fc.nat(2) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const sem: RwSem = { excl: null, shared: [] };
      // Reference: who holds the lock, and how.
      let writer: number | null = null;
      const readers = new Set<number>();
      for (const o of ops) {
        const free: boolean = o.mode === 'shared' ? writer === null : writer === null && readers.size === 0;
        assert.equal(canLock(sem, o.mode), free, `canLock ${o.mode} with writer ${writer} readers ${[...readers]}`);
        if (o.kind === 'lock') {
          const canTake = free && !(o.mode === 'shared' && readers.has(o.task));
          if (!free) {
            assert.throws(() => lock(sem, o.mode, o.task), new RegExp(`^Error: T${o.task + 1} cannot take the lock ${o.mode}$`));
            continue;
          }
          if (!canTake) continue; // a task never takes the same shared lock twice in the spec
          lock(sem, o.mode, o.task);
          if (o.mode === 'excl') writer = o.task;
          else readers.add(o.task);
        } else {
          const holds = o.mode === 'excl' ? writer === o.task : readers.has(o.task);
          if (!holds) {
            assert.throws(() => unlock(sem, o.mode, o.task), new RegExp(`^Error: T${o.task + 1} does not hold the lock ${o.mode}$`));
            continue;
          }
          unlock(sem, o.mode, o.task);
          if (o.mode === 'excl') writer = null;
          else readers.delete(o.task);
        }
        assert.equal(sem.excl, writer);
        // Shared holders are kept sorted: the same holders are the same state, whatever the order they came in.
        assert.deepEqual(sem.shared, [...readers].sort((a, b) => a - b));
      }
    }),
    { numRuns: 500 },
  );
});

test('shared holders are sorted whatever the order of arrival', () => {
  const sem: RwSem = { excl: null, shared: [] };
  lock(sem, 'shared', 2);
  lock(sem, 'shared', 0);
  lock(sem, 'shared', 1);
  assert.deepEqual(sem.shared, [0, 1, 2]);
  assert.equal(canLock(sem, 'excl'), false);
  unlock(sem, 'shared', 1);
  assert.deepEqual(sem.shared, [0, 2]);
  unlock(sem, 'shared', 0);
  unlock(sem, 'shared', 2);
  assert.equal(canLock(sem, 'excl'), true);
  lock(sem, 'excl', 1);
  assert.equal(canLock(sem, 'shared'), false);
});
