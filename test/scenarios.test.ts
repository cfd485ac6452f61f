/**
 * Every scenario under scenarios/ meets its expectation, as `npm run check` reports it: the
 * same loader, the same checker, the same options.
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
    const r = check(scenario.model, scenario.options);
    const detail = r.violations.map((v) => `${v.property}: ${v.message ?? ''}`).join('; ');
    assert.ok(meetsExpectation(r, scenario.expect), `expected ${describeExpectation(scenario.expect)}, got ${describeResult(r)} ${detail}`);
  });
}
