/**
 * Lock exclusion between tasks, as Linux 6.18 guarantees it, checked in every reachable
 * state and on every transition of multi-task spec models.
 *
 * The kernel's rule (kernel/locking/rwsem.c, include/linux/rwsem.h): an rw_semaphore has
 * either one writer or any number of readers, never both. down_write() returns only when
 * the count shows no reader and no writer (rwsem_write_trylock: cmpxchg from
 * RWSEM_UNLOCKED_VALUE); down_read() only while no writer holds it (RWSEM_WRITER_LOCKED
 * clear). So an exclusive holder is never admitted while shared holders remain, and two
 * exclusive sections never overlap: the owner changes only through "unlocked". XFS's
 * IOLOCK is i_rwsem (xfs_ilock → down_write/down_read_nested on VFS_I(ip)->i_rwsem), ext4
 * uses inode_lock / inode_lock_shared on the same semaphore.
 *
 * The models mix the lock modes the file systems take: aligned direct writes and direct
 * reads (shared), sub-block direct writes and buffered writes (exclusive).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../checker/index.ts';
import { BS, buildModel, DEVICES, open, pread, pwrite, settings, type RwSem, type Syscall, type World } from '../spec/index.ts';

type Fs = 'xfs' | 'ext4';

function model(fs: Fs, programs: Syscall[][]) {
  return buildModel(
    settings({
      name: `locks-${fs}`,
      fs: { kind: fs, physBlocks: 10 },
      device: DEVICES.loop,
      files: [{ blocks: [{ written: 0 }, { written: 1 }, 'hole'] }],
      programs,
      maxPowerLosses: 0,
      backgroundCommit: false,
      properties: [],
    }),
  );
}

/** Every semaphore of the world, named for messages. */
function sems(w: World): Array<[string, RwSem]> {
  return w.inodes.flatMap((i, ino): Array<[string, RwSem]> => [
    [`inode ${ino} i_rwsem`, i.iolock],
    [`inode ${ino} invalidate_lock`, i.invalidateLock],
  ]);
}

/** Why one state breaks the rw_semaphore rule, or null. */
function stateViolation(w: World): string | null {
  for (const [name, s] of sems(w)) {
    if (s.excl !== null && s.shared.length > 0) return `${name}: exclusive holder T${s.excl + 1} admitted while T${s.shared.map((t) => t + 1).join(',T')} hold it shared`;
    if (new Set(s.shared).size !== s.shared.length) return `${name}: a task holds it shared twice`;
  }
  // A task between syscalls holds no lock (every syscall drops what it took).
  for (const [ti, t] of w.tasks.entries()) {
    if (t.cur !== null) continue;
    for (const [name, s] of sems(w)) if (s.excl === ti || s.shared.includes(ti)) return `${name}: T${ti + 1} holds it after its syscall returned`;
  }
  return null;
}

/** Why one transition breaks the rule (an exclusive owner replaced without an unlock), or null. */
function transitionViolation(a: World, b: World): string | null {
  const before = sems(a);
  const after = sems(b);
  for (const [k, [name, s]] of before.entries()) {
    const t = after[k]?.[1];
    if (t === undefined) continue;
    if (s.excl !== null && t.excl !== null && s.excl !== t.excl) return `${name}: exclusive section of T${s.excl + 1} overlaps T${t.excl + 1}'s (owner changed without an unlock)`;
    if (s.excl === null && t.excl !== null && s.shared.length > 0) return `${name}: T${t.excl + 1} took it exclusive while T${s.shared.map((x) => x + 1).join(',T')} held it shared`;
    const joined = t.shared.filter((x) => !s.shared.includes(x));
    if (joined.length > 0 && s.excl !== null) return `${name}: T${joined.map((x) => x + 1).join(',T')} took it shared while T${s.excl + 1} held it exclusive`;
  }
  return null;
}

/** Breadth-first over every reachable state; returns the first violation, the states seen, and whether two tasks were ever both waiting on or holding the lock. */
function explore(m: ReturnType<typeof model>): { violation: string | null; states: number; contended: boolean } {
  const seen = new Set<string>();
  let frontier = m.init();
  for (const s of frontier) seen.add(canonicalJson(s));
  let contended = false;
  while (frontier.length > 0) {
    const nextFrontier: World[] = [];
    for (const s of frontier) {
      const v = stateViolation(s);
      if (v !== null) return { violation: v, states: seen.size, contended };
      const holders = s.inodes.some((i) => (i.iolock.excl !== null ? 1 : 0) + i.iolock.shared.length >= 1) && s.tasks.filter((t) => t.cur !== null).length >= 2;
      contended ||= holders;
      for (const a of m.actions(s)) {
        const t = m.next(s, a);
        const tv = transitionViolation(s, t);
        if (tv !== null) return { violation: `${tv} by ${m.label?.(a) ?? '?'}`, states: seen.size, contended };
        const k = canonicalJson(t);
        if (!seen.has(k)) {
          seen.add(k);
          nextFrontier.push(t);
        }
      }
    }
    frontier = nextFrontier;
  }
  return { violation: null, states: seen.size, contended };
}

const sharedThenExcl: Array<[string, Fs, Syscall[][]]> = [
  [
    'XFS: aligned direct write (IOLOCK shared) vs sub-block direct write (IOLOCK excl) vs direct read (shared)',
    'xfs',
    [
      [open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)],
      [open(0, 'O_DIRECT'), pwrite('B', 0, 2 * BS, 512)],
      [open(0, 'O_DIRECT'), pread(0, 0, BS)],
    ],
  ],
  ['XFS: two sub-block direct writes into a hole (both IOLOCK excl)', 'xfs', [[open(0, 'O_DIRECT'), pwrite('A', 0, 2 * BS, 512)], [open(0, 'O_DIRECT'), pwrite('B', 0, 2 * BS + 512, 512)]]],
  ['XFS: buffered write (IOLOCK excl) vs aligned direct write (shared)', 'xfs', [[open(0), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, BS, BS)]]],
  [
    'ext4: overwrite (i_rwsem shared) vs extending direct write (exclusive) vs direct read (shared)',
    'ext4',
    [
      [open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)],
      [open(0, 'O_DIRECT'), pwrite('B', 0, 2 * BS, BS)],
      [open(0, 'O_DIRECT'), pread(0, 0, BS)],
    ],
  ],
  ['ext4: two extending direct writes (both exclusive)', 'ext4', [[open(0, 'O_DIRECT'), pwrite('A', 0, 2 * BS, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 2 * BS, 512)]]],
];

describe('lock exclusion between tasks (rw_semaphore, Linux 6.18)', () => {
  for (const [name, fs, programs] of sharedThenExcl) {
    it(`${name}: no state admits a writer with readers, no transition overlaps two writers`, () => {
      const r = explore(model(fs, programs));
      assert.equal(r.violation, null, r.violation ?? '');
      // The model must actually reach the interesting states (two tasks inside syscalls with the lock taken).
      assert.ok(r.contended, 'the tasks never contended for the lock');
      assert.ok(r.states > 10, `only ${r.states} states`);
    });
  }

  it('the checks see a violation when one is there (a world where a writer and a reader hold i_rwsem)', () => {
    const m = model('xfs', [[open(0, 'O_DIRECT')], [open(0, 'O_DIRECT')]]);
    const [w0] = m.init();
    assert.ok(w0 !== undefined);
    const bad: World = { ...w0, inodes: w0.inodes.map((i) => ({ ...i, iolock: { excl: 0, shared: [1] } })), tasks: w0.tasks.map((t) => ({ ...t, cur: null })) };
    assert.match(stateViolation(bad) ?? '', /admitted while/);
    const a: World = { ...w0, inodes: w0.inodes.map((i) => ({ ...i, iolock: { excl: 0, shared: [] } })) };
    const b: World = { ...w0, inodes: w0.inodes.map((i) => ({ ...i, iolock: { excl: 1, shared: [] } })) };
    assert.match(transitionViolation(a, b) ?? '', /overlaps/);
  });
});
