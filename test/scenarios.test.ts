/**
 * Every scenario under scenarios/ meets its expectation, as `npm run check` reports it: the
 * same loader, the same checker, the same options. And with the view (the spec's ghost clock
 * renumbered, spec/clock-view.ts; on by default in `writepath check`) each gives the same
 * verdict: the same status, the same violated properties, BFS counterexamples of the same
 * length, never more states.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { check, describeExpectation, describeResult, meetsExpectation } from '../checker/index.ts';
import { loadTargets } from '../cli/load.ts';

const { scenarios: loaded, problems } = existsSync('scenarios') ? await loadTargets([], 'scenarios') : { scenarios: [], problems: [] };

test('there are scenarios to check, and every file loads', () => {
  assert.ok(loaded.length > 0, 'no scenario under scenarios/');
  assert.deepEqual(problems, []);
});

for (const { file, scenario } of loaded) {
  test(`scenario ${scenario.name} (${file}): ${describeExpectation(scenario.expect)}`, () => {
    const r = check(scenario.model, { ...scenario.options, view: false });
    const detail = r.violations.map((v) => `${v.property}: ${v.message ?? ''}`).join('; ');
    assert.ok(meetsExpectation(r, scenario.expect), `expected ${describeExpectation(scenario.expect)}, got ${describeResult(r)} ${detail}`);
    if (scenario.model.canonical === undefined) return;
    const v = check(scenario.model, { ...scenario.options, view: true });
    assert.equal(v.status, r.status, `with the view: ${describeResult(v)}`);
    const verdict = (x: typeof r) => x.violations.map((y) => `${y.kind}:${y.property}:${y.trace.length}`).sort();
    assert.deepEqual(verdict(v), verdict(r), 'with the view: other violations or counterexample lengths');
    assert.ok(v.distinctStates <= r.distinctStates, `with the view: more states (${v.distinctStates} > ${r.distinctStates})`);
  });
}
