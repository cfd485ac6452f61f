/**
 * spec/model.ts keeps each task's enabled steps for the last few worlds it was asked about, by
 * the world's and the settings' identity. A world asked about under other settings, or after it
 * left the cache, must get the steps a fresh computation gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, type Model, type Scenario } from '../checker/index.ts';
import { actions, describeCompletion } from '../spec/model.ts';
import type { Settings, World } from '../spec/types.ts';

test('steps cache: the same world under two settings, and after eviction, gets freshly computed actions', async () => {
  const mod = (await import('../scenarios/xfs-sw-atomic-vs-atomic-merged.ts')) as { default: Scenario<World, unknown> & { model: { settings: Settings } } };
  const s1 = mod.default.model.settings;
  // The same worlds as if ext4 held them: other steps (or an error, compared as such).
  const s2: Settings = { ...s1, fs: { ...s1.fs, kind: 'ext4' } };
  const reached: World[] = [];
  const m = mod.default.model as Model<World, unknown>;
  check({ ...m, next: (w, a) => {
    const t = m.next(w, a);
    reached.push(t);
    return t;
  } } as Model<World, unknown>, { maxStates: 1500, sanity: 'off' });
  // A copy of the world and of the settings are other identities, never in the cache: what a
  // fresh computation gives.
  const outcome = (w: World, s: Settings): string => {
    try {
      return JSON.stringify(actions(w, s));
    } catch (e) {
      return `threw ${String(e)}`;
    }
  };
  const fresh = (w: World, s: Settings): string => outcome(Object.freeze(structuredClone(w)), { ...s });
  const asked = outcome;
  let differ = 0;
  for (const w of reached) {
    const a1 = asked(w, s1);
    const a2 = asked(w, s2);
    assert.deepEqual(a1, fresh(w, s1));
    assert.deepEqual(a2, fresh(w, s2));
    if (a1 !== a2 && !a2.startsWith('threw')) differ++;
  }
  assert.ok(differ > 10, `only ${differ} worlds where the two settings give different actions`);
});

test('completion labels: a request kept by identity across states is described as it is in each state', async () => {
  const mod = (await import('../scenarios/xfs-sw-atomic-vs-atomic-merged.ts')) as { default: Scenario<World, unknown> & { model: { settings: Settings } } };
  const s = mod.default.model.settings;
  const m = mod.default.model as Model<World, unknown>;
  const reached: World[] = [];
  check({ ...m, next: (w, a) => {
    const t = m.next(w, a);
    reached.push(t);
    return t;
  } } as Model<World, unknown>, { maxStates: 1500, sanity: 'off' });
  let compared = 0;
  for (const w of reached) {
    for (const a of actions(w, s)) {
      if (a.kind !== 'dev-complete') continue;
      const b = w.device.inflight.find((x) => x.id === a.bio);
      assert.ok(b !== undefined);
      assert.equal(a.what, describeCompletion(b), `bio#${a.bio} in a state reached`);
      compared++;
    }
  }
  // Requests with the same id and other blocks (A's and B's) are in flight in different states.
  assert.ok(compared > 1000, `only ${compared} completions compared`);
});
