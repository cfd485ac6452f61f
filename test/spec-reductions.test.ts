/**
 * Symmetry reduction of the spec (spec/symmetry.ts). Two kinds of test:
 *  - the preconditions of the orbit method, checked state by state on reachable worlds:
 *    renaming tasks with equal programs commutes with the transitions (the successors of a
 *    renamed world are the renamed successors), leaves every property and `done` unchanged,
 *    and the representative is a renaming that does not depend on the orbit member given;
 *  - verdicts: scenarios (with two identical reader tasks added) give the same status, the
 *    same violated properties and BFS counterexamples of the same length with and without it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, type Model } from '../checker/index.ts';
import { buildModel, fsync, open, pread, pwrite, type Action, type Settings, type World } from '../spec/index.ts';
import { renamerFor, representativeFor, symmetricClasses, symmetryGroup } from '../spec/symmetry.ts';
import { BS } from '../spec/scenario.ts';
import stale from '../scenarios/xfs-stale-iomap-validity-none.ts';
import torn from '../scenarios/plain-dio-torn-by-power-loss.ts';
import fuseEio from '../scenarios/fuse-wt-uptodate-page-write-eio-after-write.ts';
import uncached from '../scenarios/xfs-uncached-flush-eio-ignored.ts';
import swAtomic from '../scenarios/xfs-sw-atomic-vs-atomic-merged-power-loss.ts';
import ext4Flusher from '../scenarios/ext4-buffered-flusher-power-loss.ts';
import { loadTargets } from '../cli/load.ts';
import type { CheckOptions, Scenario } from '../checker/types.ts';
import { fp, reachable } from './helpers/worlds.ts';

const settingsOf = (sc: Scenario<World, Action>): Settings => (sc.model as unknown as { settings: Settings }).settings;

/** The scenario with two identical reader tasks added (one block from the start of file 0). */
function withReaders(sc: Scenario<World, Action>, direct: boolean, programs?: Settings['programs']): Settings {
  const s = { ...settingsOf(sc), ...(programs === undefined ? {} : { programs }) };
  const reader = [open(0, ...(direct ? (['O_DIRECT'] as const) : [])), pread(0, 0, BS)];
  return { ...s, programs: [...s.programs, reader, reader] };
}


function swaps(classes: number[][], n: number): number[][] {
  const out: number[][] = [];
  for (const c of classes)
    for (let i = 0; i < c.length; i++)
      for (let j = i + 1; j < c.length; j++) {
        const p = Array.from({ length: n }, (_, k) => k);
        p[c[i]!] = c[j]!;
        p[c[j]!] = c[i]!;
        out.push(p);
      }
  return out;
}

function checkPreconditions(s: Settings, limit: number): number {
  const m = buildModel(s);
  const classes = symmetricClasses(s);
  assert.ok(classes.length > 0, 'the test scenario must have tasks with equal programs');
  const rep = representativeFor(s)!;
  const props = { ...m.invariants, ...m.sometimes };
  const worlds = reachable(m, limit);
  let checked = 0;
  const all = symmetryGroup(classes, s.programs.length);
  const rename = renamerFor(s);
  for (const w of worlds) {
    // The representative is a member of the world's orbit (a renaming of it, nothing else).
    const orbit = new Set(all.map((p) => fp(rename(w, p))));
    assert.ok(orbit.has(fp(rep(w))), 'the representative is not a renaming of the world');
    const succ = m.actions(w).map((a) => m.next(w, a));
    for (const p of swaps(classes, s.programs.length)) {
      const v = rename(w, p);
      for (const [name, holds] of Object.entries(props)) assert.equal(holds(v), holds(w), `property ${name} changes under renaming ${p} in a reachable world`);
      assert.equal(m.done!(v), m.done!(w), 'done() changes under renaming');
      const mine = succ.map((t) => fp(rename(t, p))).sort();
      const theirs = m
        .actions(v)
        .map((a) => fp(m.next(v, a)))
        .sort();
      assert.deepEqual(theirs, mine, `renaming ${p} does not commute with the transitions (${m.actions(v).length} vs ${succ.length} actions)`);
      assert.equal(fp(rep(v)), fp(rep(w)), 'the representative depends on which member of the orbit it is given');
      checked++;
    }
  }
  return checked;
}

test('symmetry: renaming identical tasks commutes with the transitions and keeps every property (xfs buffered, 2 readers)', () => {
  assert.ok(checkPreconditions(withReaders(stale, false), 400) > 300);
});

test('symmetry: the same on a direct write with a power loss and direct readers', () => {
  assert.ok(checkPreconditions(withReaders(torn, true), 400) > 300);
});

test('symmetry: the same with two identical fsync tasks (requests they own, writeback errors owed to them)', () => {
  const s = settingsOf(uncached);
  const syncer = [open(0), fsync(0)];
  assert.ok(checkPreconditions({ ...s, programs: [...s.programs, syncer, syncer] }, 400) > 300);
});

test('symmetry: the same on FUSE (requests and their owners)', () => {
  assert.ok(checkPreconditions(withReaders(fuseEio, false), 400) > 300);
});

/** `settings` with its programs replaced by these. */
const withPrograms = (sc: Scenario<World, Action>, programs: Settings['programs']): Settings => ({ ...settingsOf(sc), programs });

test('data symmetry: writers of different data with otherwise equal programs form a class, and own their ids', () => {
  const s = withPrograms(torn, [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, BS)], [open(0, 'O_DIRECT'), pread(0, 0, BS)]]);
  assert.deepEqual(symmetricClasses(s), [[0, 1]]);
  // Two tasks writing the same id are not data-symmetric with a third writing another (renaming
  // A would rename both): only the two identical programs form a class.
  const shared = withPrograms(torn, [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, BS)]]);
  assert.deepEqual(symmetricClasses(shared), [[0, 1]]);
  // A post-crash program that writes A again: A is not A's writer's alone, so A's writer is
  // not interchangeable with B's (the post-crash program would not be renamed with them).
  const after = { ...withPrograms(torn, [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, BS)]]), afterCrash: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)]] };
  assert.deepEqual(symmetricClasses(after), []);
  // Different offsets: different shapes.
  const apart = withPrograms(torn, [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, BS, BS)]]);
  assert.deepEqual(symmetricClasses(apart), []);
});

test('data symmetry: renaming two O_DIRECT writers with their data commutes with the transitions (power loss, reader)', () => {
  const s = withPrograms(torn, [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)], [open(0, 'O_DIRECT'), pwrite('B', 0, 0, BS)], [open(0, 'O_DIRECT'), pread(0, 0, BS)]]);
  assert.ok(checkPreconditions(s, 400) > 300);
});

test('data symmetry: the same for XFS software atomic writes (CoW staging, remap, power loss)', () => {
  assert.ok(checkPreconditions(settingsOf(swAtomic), 400) > 300);
});

test('data symmetry: the same for ext4 buffered sub-block writers (mixed tokens in folios and blocks, flusher, power loss)', () => {
  const s = withPrograms(ext4Flusher, [[open(0), pwrite('A', 0, 100, 512)], [open(0), pwrite('B', 0, 100, 512)], [open(0), pread(0, 0, BS)]]);
  assert.ok(checkPreconditions(s, 400) > 300);
});

test('data symmetry: the same for FUSE writers (requests carrying data)', () => {
  const s = withPrograms(fuseEio, [[open(0), pwrite('A', 0, 0, BS)], [open(0), pwrite('B', 0, 0, BS)]]);
  assert.ok(checkPreconditions(s, 400) > 300);
});

test('symmetry: every scenario with interchangeable tasks gives the same verdict, violated properties and counterexample lengths with it, and fewer states', async () => {
  const { scenarios } = await loadTargets([], 'scenarios');
  let n = 0;
  for (const { scenario } of scenarios) {
    const m = scenario.model as Model<World, Action>;
    if (m.representative === undefined) continue;
    n++;
    const full = check(m, scenario.options);
    const reduced = check(m, { ...scenario.options, symmetry: true });
    const summary = (r: typeof full) => ({ status: r.status, violations: r.violations.map((v) => `${v.property}@${v.trace.length}`).sort() });
    assert.deepEqual(summary(reduced), summary(full), `${scenario.name}: verdicts differ`);
    for (const v of reduced.violations) assert.ok(!(v.message ?? '').includes('warning'), `${scenario.name}: a trace of the reduced search does not replay: ${v.message}`);
    assert.ok(reduced.distinctStates < full.distinctStates, `${scenario.name}: no reduction (${reduced.distinctStates} vs ${full.distinctStates})`);
  }
  assert.ok(n >= 5, `only ${n} scenarios have interchangeable tasks`);
});

test('symmetry: scenarios give the same verdicts, violated properties and shortest counterexample lengths with and without it', () => {
  const cases: Array<[Settings, CheckOptions]> = [
    // Two invariant violations (uncached-flush-errors, read-consistency), complete search.
    [withReaders(uncached, false), { stopAtFirst: false }],
    // A one-block plain write cannot tear: the sometimes-property torn-reachable is violated.
    [withReaders(torn, true, [[open(0, 'O_DIRECT'), pwrite('W', 0, 0, BS)]]), { stopAtFirst: false }],
    // The same with the search stopping at the first (shortest) violation.
    [withReaders(uncached, false), { stopAtFirst: true }],
  ];
  for (const [s, options] of cases) {
    const m = buildModel(s);
    assert.ok(m.representative !== undefined);
    const full = check(m, options);
    const reduced = check(m, { ...options, symmetry: true });
    const summary = (r: typeof full) => ({ status: r.status, violations: r.violations.map((v) => `${v.property}@${v.trace.length}`).sort() });
    assert.deepEqual(summary(reduced), summary(full), `${s.name}: verdicts differ`);
    assert.ok(full.violations.length > 0, `${s.name}: the case is meant to show a violation`);
    for (const v of reduced.violations) assert.ok(!(v.message ?? '').includes('warning'), `${s.name}: a trace of the reduced search does not replay: ${v.message}`);
    assert.ok(reduced.distinctStates < full.distinctStates, `${s.name}: no reduction (${reduced.distinctStates} vs ${full.distinctStates})`);
    // Composed with the clock view (spec/clock-view.ts), as `writepath check` runs them.
    const both = check(m, { ...options, symmetry: true, view: true });
    assert.deepEqual(summary(both), summary(full), `${s.name}: verdicts differ with symmetry and the view`);
    for (const v of both.violations) assert.ok(!(v.message ?? '').includes('warning'), `${s.name}: a trace with symmetry and the view does not replay: ${v.message}`);
    assert.ok(both.distinctStates <= reduced.distinctStates, `${s.name}: the view added states (${both.distinctStates} vs ${reduced.distinctStates})`);
  }
});

test('symmetry: a scenario without identical programs gives no representative (the CLI leaves it off)', () => {
  assert.equal(buildModel(settingsOf(stale)).representative, undefined);
});
