/**
 * The ghost clock as a view (spec/clock-view.ts), checked state by state: on reachable worlds
 * of scenarios of every family, whenever two worlds have the same canonical form, every
 * property, `done` and the multiset of their successors' canonical forms are the same (so
 * "same canonical form" is a bisimulation on what was explored). And the canonical form
 * itself: the least numbering, ties kept, the clock on top.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BS, buildModel, fsync, open, openat, pread, pwrite, rename, type Action, type Settings, type World } from '../spec/index.ts';
import { clockViewFor, levels, ROLE, type Role } from '../spec/clock-view.ts';
import { loadTargets } from '../cli/load.ts';
import { fp, reachable } from './helpers/worlds.ts';

const { scenarios } = await loadTargets([], 'scenarios');
function settingsNamed(name: string): Settings {
  const l = scenarios.find((x) => x.scenario.name === name || x.file.endsWith(`/${name}.ts`));
  if (l === undefined) throw new Error(`no scenario ${name}`);
  return (l.scenario.model as unknown as { settings: Settings }).settings;
}


/**
 * Groups the reachable worlds by canonical form and asserts that the members of each group
 * agree on every property, `done` and the multiset of successors' canonical forms. Returns
 * how many worlds were compared with another of their group.
 */
function checkBisimulation(s: Settings, limit: number, canonical: (w: World) => World = clockViewFor(s)): { worlds: number; merged: number } {
  const m = buildModel(s);
  const props = { ...m.invariants, ...m.sometimes };
  const worlds = reachable(m, limit);
  const groups = new Map<string, { sig: string; w: World }>();
  let merged = 0;
  for (const w of worlds) {
    const v = fp(canonical(w));
    const sig = JSON.stringify({
      props: Object.entries(props).map(([n, holds]) => [n, holds(w)]),
      done: m.done!(w),
      next: m
        .actions(w)
        .map((a) => fp(canonical(m.next(w, a))))
        .sort(),
    });
    const g = groups.get(v);
    if (g === undefined) {
      groups.set(v, { sig, w });
      continue;
    }
    merged++;
    assert.equal(sig, g.sig, `two reachable worlds with one canonical form differ (clock ${g.w.ghost.clock} vs ${w.ghost.clock}; writes ${JSON.stringify(g.w.ghost.writes.map((x) => [x.id, x.start, x.end]))} vs ${JSON.stringify(w.ghost.writes.map((x) => [x.id, x.start, x.end]))})`);
  }
  return { worlds: worlds.length, merged };
}

/** A scenario with other programs: the single-task scenarios get concurrent tasks, or nothing would interleave. */
const withPrograms = (name: string, programs: Settings['programs'], more: Partial<Settings> = {}): Settings => ({ ...settingsNamed(name), programs, ...more });
const dread = [open(0, 'O_DIRECT'), pread(0, 0, BS)];

const CASES: Array<[string, () => Settings, number]> = [
  ['two direct writes and a direct read, power loss', () => withPrograms('plain-dio-torn-by-power-loss', [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS)], [open(0, 'O_DIRECT'), pwrite('V', 0, 0, BS)], dread]), 4000],
  ['XFS software atomic vs plain direct write', () => settingsNamed('xfs-sw-atomic-vs-plain-merged'), 4000],
  ['buffered read vs direct write (read-consistency)', () => settingsNamed('xfs-buffered-read-vs-direct-write'), 4000],
  ['ext4 buffered writes, fsync, power loss (promiseFile)', () => withPrograms('ext4-buffered-fsync-power-loss', [[open(0), pwrite('W', 0, 0, 2 * BS), fsync(0)], [open(0), pwrite('V', 0, 0, BS)], [open(0), pread(0, 0, BS)]]), 4000],
  ['a direct write then fsync, another direct write of the block (promiseFile picks the latest end), whole', () => withPrograms('xfs-dsync-write-eio', [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS), fsync(0)], [open(0, 'O_DIRECT'), pwrite('V', 0, 0, BS)]], { maxIoErrors: 0 }), 6000],
  ['two RWF_DSYNC direct writes of one block (promise keeps the later start), whole', () => withPrograms('xfs-dsync-write-eio', [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS, 'RWF_DSYNC')], [open(0, 'O_DIRECT'), pwrite('V', 0, 0, BS, 'RWF_DSYNC')]], { maxIoErrors: 0 }), 6000],
  ['two RWF_DSYNC writes and a read (promise)', () => withPrograms('xfs-dsync-write-eio', [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, 2 * BS, 'RWF_DSYNC')], [open(0, 'O_DIRECT'), pwrite('V', 0, 0, BS, 'RWF_DSYNC')], dread]), 4000],
  ['punch hole vs buffered write and the flusher', () => settingsNamed('xfs-punch-hole-vs-buffered-write-flusher'), 4000],
  ['replace via truncate, post-crash reads (recovered.clock)', () => settingsNamed('xfs-replace-via-truncate'), 4000],
  ['rename over a file written meanwhile (renames at)', () => withPrograms('ext4-rename-over-auto-da-alloc', [[openat('f.tmp', 'O_CREAT'), pwrite('W', 0, 0, BS), rename('f.tmp', 'f')], [openat('f'), pwrite('V', 0, 0, BS)]]), 4000],
  ['post-crash read (recovered-reads)', () => settingsNamed('ext4-write-power-loss-post-crash-read'), 4000],
  ['FUSE direct read during a write (monotonic-reads)', () => settingsNamed('fuse-dio-read-during-write'), 4000],
  ['FUSE RWF_DSYNC write, power loss', () => settingsNamed('fuse-dsync-write-power-loss'), 4000],
];

for (const [what, settings, limit] of CASES) {
  test(`clock view is a bisimulation on reachable worlds: ${what}`, () => {
    const r = checkBisimulation(settings(), limit);
    if (what.endsWith('whole')) assert.ok(r.worlds < limit, `${r.worlds} worlds: the whole state space must be explored`);
    assert.ok(r.merged > 0, `the view merged no two of ${r.worlds} worlds: the check compared nothing`);
  });
}

test('levels: the least numbering from 1 that keeps compared pairs, ties included, and forgets the rest', () => {
  const { writeStart: WS, writeEnd: WE, clock: CLK } = ROLE;
  const cmp = new Uint8Array(49);
  const pair = (a: Role, b: Role) => void (cmp[a * 7 + b] = cmp[b * 7 + a] = 1);
  pair(WS, WE);
  for (let r = 0; r < 7; r++) pair(CLK, r as Role);
  // Two starts (3, 5) with no end between: one number; the end 8 above; the clock ties with it.
  assert.deepEqual(levels([3, 5, 8, 8], [WS, WS, WE, CLK], cmp), [1, 1, 2, 2]);
  // An end between the starts keeps them apart.
  assert.deepEqual(levels([3, 4, 5, 9], [WS, WE, WS, CLK], cmp), [1, 2, 3, 4]);
  // Compared starts keep their order.
  pair(WS, WS);
  assert.deepEqual(levels([3, 5, 8, 8], [WS, WS, WE, CLK], cmp), [1, 2, 3, 3]);
  // Only the comparisons matter, not the values.
  assert.deepEqual(levels([10, 20, 30, 31], [WS, WS, WE, CLK], cmp), [1, 2, 3, 4]);
});

test('the canonical form depends on the world only, not on what was asked before (its per-member reuse)', () => {
  for (const [, settings] of CASES.slice(0, 4)) {
    const s = settings();
    const worlds = reachable(buildModel(s), 1500);
    const shared = clockViewFor(s);
    const forward = worlds.map((w) => fp(shared(w)));
    const backward = [...worlds].reverse().map((w) => fp(shared(w))).reverse();
    const fresh = worlds.map((w) => fp(clockViewFor(s)(w)));
    assert.deepEqual(forward, fresh, 'the shared canonical form differs from a fresh one');
    assert.deepEqual(backward, fresh, 'the canonical form depends on the order of the calls');
  }
});
