/**
 * bench/spec-independence.ts measures what partial-order reduction could cut from the spec;
 * these check the pieces its figures rest on: the paths a step changes, the paths the
 * properties read, and that power loss, which disables every other step, never lets an
 * actor's steps stand alone unless it is taken as an observer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actions } from '../spec/model.ts';
import type { World } from '../spec/types.ts';
import { load } from '../bench/spec-independence.ts';
import { changed, examiner, propertyReads } from '../bench/spec-independence-examine.ts';

test('changed names each changed leaf, a changed array length and an added key', () => {
  const a = { x: [1, 2], y: { p: 1 }, z: 'same' };
  const b = { x: [1, 3, 4], y: { p: 1, q: 2 }, z: 'same' };
  const out: Array<readonly (string | number)[]> = [];
  changed(a, b, [], out);
  const paths = out.map((p) => p.join('.')).sort();
  assert.deepEqual(paths, ['x.1', 'x.2', 'x.length', 'y.#keys', 'y.q']);
  const none: Array<readonly (string | number)[]> = [];
  changed(a, a, [], none);
  assert.deepEqual(none, []);
});

test('the properties read the tasks’ results and not the journal', async () => {
  const m = await load('torn-2-readers');
  const w = m.init()[0]!;
  const reads = propertyReads(w, m.settings).map((p) => p.join('.'));
  assert.ok(reads.some((p) => p.startsWith('tasks.0.results')), reads.join(' '));
  assert.ok(!reads.some((p) => p.startsWith('journal')), reads.join(' '));
});

test('power loss as an actor leaves no ample actor; as an observer it does, and then never in the set', async () => {
  const m = await load('two-writers-one-reader');
  const s = m.settings;
  // The first states of a breadth-first walk: the ones before any power loss have it enabled.
  const seen: World[] = [];
  const queue = m.init();
  while (queue.length > 0 && seen.length < 150) {
    const w = queue.shift()!;
    seen.push(w);
    for (const a of actions(w, s)) if (a.kind !== 'power-loss') queue.push(m.next(w, a));
  }
  const ex = examiner(m, seen);
  let withLoss = 0;
  let observerPicks = 0;
  for (const w of seen) {
    const e = ex.examine(w);
    if (!e.acts.some((a) => a.kind === 'power-loss')) continue;
    withLoss++;
    for (const vis of ['value', 'reads', 'static'] as const) assert.equal(ex.pick(e, vis, 'view', false), undefined);
    const P = ex.pick(e, 'static', 'view', true);
    if (P === undefined) continue;
    observerPicks++;
    assert.notEqual(P, 'power');
    // Every pair of P's step and another actor's (power loss aside) was found to commute.
    e.acts.forEach((a, i) => {
      if (e.actor[i] !== P) return;
      e.acts.forEach((b, j) => {
        if (e.actor[j] !== P && b.kind !== 'power-loss') assert.ok(e.commuteView[i]![j], `${i} ${j}`);
      });
    });
  }
  assert.ok(withLoss > 100, `${withLoss}`);
  assert.ok(observerPicks > 0);
});
