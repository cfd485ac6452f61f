import { test } from 'node:test';
import assert from 'node:assert/strict';
import { check, type Model } from '../checker/index.ts';
import { asObjectModel } from '../checker/compact.ts';
import { loadCheckerBeforeIssue10, BEFORE_ISSUE_10 } from '../bench/before-10.ts';
import { petersonObject } from '../bench/beem/peterson-object.ts';
import { hanoi } from '../bench/beem/hanoi.ts';
import { peterson } from '../bench/beem/peterson.ts';
import { hanoiObject } from '../bench/beem/hanoi-object.ts';
import { elevator2Object } from '../bench/beem/elevator2-object.ts';

test('the bench baseline: the checker before issue 10, from git, finds the same states and transitions as today on the object models', async (t) => {
  const old = await loadCheckerBeforeIssue10();
  if (typeof old === 'string') {
    // Only a missing git or commit is a reason to skip; an extraction or import that fails is a bug.
    assert.match(old, /git is not installed|is not in/, old);
    t.skip(old);
    return;
  }
  try {
    const models: Array<() => Model<unknown, unknown>> = [
      () => petersonObject(2) as unknown as Model<unknown, unknown>,
      () => asObjectModel(hanoi(4)) as unknown as Model<unknown, unknown>,
      () => asObjectModel(peterson(2)) as unknown as Model<unknown, unknown>,
      () => hanoiObject(4) as unknown as Model<unknown, unknown>,
      () => elevator2Object(3) as unknown as Model<unknown, unknown>,
    ];
    for (const m of models) {
      const before = old.check(m());
      const now = check(m());
      assert.equal(before.status, 'ok');
      // Today's result carries the peak RSS; the old checker's did not: this is the old code.
      assert.equal('peakRssBytes' in before, false);
      assert.equal('peakRssBytes' in now, true);
      assert.equal(before.distinctStates, now.distinctStates, `${now.distinctStates} states today`);
      assert.equal(before.transitions, now.transitions);
      assert.deepEqual(before.coverage, now.coverage);
    }
  } finally {
    old.cleanup();
  }
  assert.match(BEFORE_ISSUE_10, /^[0-9a-f]{40}$/);
});
