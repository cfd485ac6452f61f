/**
 * Golden tests: the text trace and the Mermaid diagram of one counterexample per part of the
 * spec (ext4 and XFS direct I/O) and of a model with no trace hooks. Labels and views change
 * as the spec grows: regenerate with `UPDATE_GOLDEN=1 node --import tsx --test
 * test/trace-golden.test.ts` and read the diff before committing it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, meetsExpectation } from '../checker/index.ts';
import { loadScenarioFile } from '../cli/load.ts';
import { formatMermaid } from '../cli/mermaid.ts';
import { docFor, formatViolation, type Outcome } from '../cli/report.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN = join(root, 'test', 'golden');
const plain = { ok: (s: string) => s, bad: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };

function golden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`${path} is missing: run with UPDATE_GOLDEN=1 to write it`);
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `${name} differs from the golden file (UPDATE_GOLDEN=1 regenerates it)`);
}

async function outcome(file: string): Promise<Outcome> {
  const [loaded] = await loadScenarioFile(join(root, file));
  assert.ok(loaded !== undefined);
  const result = check(loaded.scenario.model, loaded.scenario.options);
  // The file name as a user in the project's root would see it, whatever the test's cwd.
  return { loaded: { ...loaded, file }, result, met: meetsExpectation(result, loaded.scenario.expect) };
}

const CASES = [
  { golden: 'ext4-mixed-mapping', file: 'scenarios/ext4-atomic-mixed-mapping-convert-at-completion.ts' },
  { golden: 'xfs-uncommitted-conversion', file: 'scenarios/xfs-atomic-over-uncommitted-conversion.ts' },
  { golden: 'ext4-invalidate-fall-back-concurrent', file: 'scenarios/ext4-atomic-invalidate-failure-fall-back.ts' },
  { golden: 'broken-mutex', file: 'test/fixtures/scenarios/mutex.ts' },
];

for (const c of CASES) {
  test(`golden: text trace and Mermaid of ${c.file}`, async () => {
    const o = await outcome(c.file);
    const v = o.result.violations[0];
    assert.ok(v !== undefined, `${c.file} has no counterexample`);
    golden(`${c.golden}.txt`, `${formatViolation(o, v, plain)}\n`);
    golden(`${c.golden}.mmd`, formatMermaid(docFor(o, v, false)));
  });
}

test('golden: --verbose shows the ghost history the default view hides', async () => {
  const o = await outcome('scenarios/xfs-atomic-over-uncommitted-conversion.ts');
  const v = o.result.violations[0]!;
  const quiet = formatViolation(o, v, plain);
  const verbose = formatViolation(o, v, plain, true);
  assert.doesNotMatch(quiet, /ghost/);
  assert.match(verbose, /^\s+ghost\.writes\[id="P"\]\.id = P$/m, "ghost writes are keyed by their id");
  golden('xfs-uncommitted-conversion.verbose.txt', `${verbose}\n`);
});
