/** The command line, run as a user runs it: exit codes, output, --json, and mistakes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writepath.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('check: scenarios that meet their expectations exit 0 with a table and the expected trace', () => {
  const r = writepath('check', 'test/fixtures/scenarios');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^\s+scenario\s+expected\s+result\s+states\s+depth\s+time\s+states\/s$/m);
  assert.match(r.stdout, /^ok\s+peterson-2\s+holds\s+holds\s+20\s+6\s/m);
  assert.match(r.stdout, /^ok\s+broken-mutex\s+violates mutual-exclusion\s+violates mutual-exclusion\s+9\s+4\s/m);
  assert.match(r.stdout, /2 scenarios, all as expected/);
  // The fixtures give no reduction hooks: the line says so.
  assert.match(r.stdout, /^reductions: none \(2 scenarios\)$/m);
  // The trace shows each step's label and only what changed.
  assert.match(r.stdout, /violated in broken-mutex .* — as expected/);
  assert.match(r.stdout, /^3  P0\n\s+pc\[0\]: 1 → 2\n\s+flag\[0\]: false → true$/m);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when NO_COLOR is set or not a terminal');
});

test('check: a scenario that does not meet its expectation exits 1', () => {
  const r = writepath('check', 'test/fixtures/bad/wrong-expectation.ts');
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^FAIL\s+broken-mutex-claimed-safe\s+holds\s+violates mutual-exclusion/m);
  assert.match(r.stdout, /1 scenario, 1 not as expected/);
});

test('check --json: one document with every result', () => {
  const r = writepath('check', '--json', 'test/fixtures/scenarios');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as {
    tool: string;
    summary: { scenarios: number; asExpected: number; notAsExpected: number };
    results: Array<{ name: string; file: string; met: boolean; status: string; distinctStates: number; transitions: number; coverage: Record<string, number>; violations: Array<{ property: string; kind: string; trace: Array<{ label: string; state: unknown }> }> }>;
  };
  assert.equal(doc.tool, 'writepath');
  assert.deepEqual(doc.summary, { scenarios: 2, asExpected: 2, notAsExpected: 0 });
  const byName = Object.fromEntries(doc.results.map((x) => [x.name, x]));
  assert.equal(byName['peterson-2']!.status, 'ok');
  assert.equal(byName['peterson-2']!.distinctStates, 20);
  assert.equal(byName['peterson-2']!.transitions, 34);
  assert.equal(byName['peterson-2']!.file, join('test', 'fixtures', 'scenarios', 'peterson.ts'));
  const v = byName['broken-mutex']!.violations[0]!;
  assert.equal(v.property, 'mutual-exclusion');
  assert.deepEqual(v.trace.map((s) => s.label), ['init', 'P0', 'P1', 'P0', 'P1']);
});

test('check --strategy dfs --max-states: options reach the search', () => {
  const r = writepath('check', '--json', '--max-states', '5', '--strategy', 'dfs', 'test/fixtures/scenarios/peterson.ts');
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { results: Array<{ status: string; incompleteReason: string; distinctStates: number }> };
  assert.equal(doc.results[0]!.status, 'incomplete');
  assert.equal(doc.results[0]!.incompleteReason, 'maxStates');
  assert.equal(doc.results[0]!.distinctStates, 5);
});

test('a scenario file with an error gives a clear message naming the file, and exit 2', () => {
  const cases: Array<[string, RegExp]> = [
    ['test/fixtures/bad/throws-on-load.ts', /^writepath: test\/fixtures\/bad\/throws-on-load\.ts:1:7: does not load: this scenario file is broken$/m],
    ['test/fixtures/bad/no-default.ts', /^writepath: test\/fixtures\/bad\/no-default\.ts: has no default export/m],
    ['test/fixtures/bad/unknown-property.ts', /unknown-property\.ts: scenario "typo" expects a violation of "mutual-exclsion", which is none of its properties/],
    ['no/such/file.ts', /^writepath: no\/such\/file\.ts: no such file/m],
  ];
  for (const [file, message] of cases) {
    const r = writepath('check', file);
    assert.equal(r.code, 2, file);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace for a user mistake');
  }
});

test('usage errors exit 2 with a message', () => {
  for (const args of [['check', '--bogus'], ['check', '--strategy', 'sideways'], ['check', '--max-states', '-3'], ['check', '--time-limit', 'soon'], ['frobnicate'], ['list', '--max-states', '3']]) {
    const r = writepath(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /^writepath: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const help = writepath('help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /writepath check \[SCENARIO\.\.\.\]/);
});

test('a scenario can be named instead of its file; list shows every scenario', () => {
  const list = writepath('list');
  assert.equal(list.code, 0, list.stderr);
  const first = /^(\S+)\s+(holds|violates \S+)\s+\((scenarios\/\S+)\)$/m.exec(list.stdout);
  assert.ok(first, list.stdout);
  const r = writepath('check', '--json', first[1]!);
  assert.notEqual(r.code, 2, r.stderr);
  const doc = JSON.parse(r.stdout) as { results: Array<{ name: string; file: string }> };
  assert.deepEqual(doc.results.map((x) => [x.name, x.file]), [[first[1], first[3]]]);
});

test('check stores states by the clock view unless --no-view; list refuses --no-view', () => {
  const run = (...extra: string[]) => {
    const r = writepath('check', '--json', 'xfs-buffered-read-vs-direct-write', ...extra);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { results: Array<{ status: string; met: boolean; distinctStates: number }> }).results[0]!;
  };
  const viewed = run();
  const plain = run('--no-view');
  assert.equal(viewed.status, plain.status);
  assert.ok(viewed.met && plain.met);
  assert.ok(viewed.distinctStates < plain.distinctStates, `${viewed.distinctStates} states with the view, ${plain.distinctStates} without`);
  const list = writepath('list', '--no-view');
  assert.equal(list.code, 2);
  assert.match(list.stderr, /list takes no --no-view/);
});

test('check reduces the spec by partial order by default, with symmetry too; --no-por turns it off and the output says which ran', () => {
  const run = (name: string, ...extra: string[]) => {
    const r = writepath('check', '--json', name, ...extra);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { results: Array<{ status: string; met: boolean; distinctStates: number; reductions?: string[] }> }).results[0]!;
  };
  const reduced = run('xfs-sw-atomic-vs-plain-merged');
  const plain = run('xfs-sw-atomic-vs-plain-merged', '--no-por');
  assert.equal(reduced.status, plain.status);
  assert.ok(reduced.met && plain.met);
  assert.ok(reduced.distinctStates < plain.distinctStates, `${reduced.distinctStates} states by default, ${plain.distinctStates} with --no-por`);
  assert.deepEqual(reduced.reductions, ['partial-order', 'view']);
  assert.deepEqual(plain.reductions, ['view']);
  // --por is the default now: the same search.
  assert.equal(run('xfs-sw-atomic-vs-plain-merged', '--por').distinctStates, reduced.distinctStates);
  // A scenario with symmetry (two atomic writers): both reductions, fewer states than symmetry alone.
  const both = run('xfs-sw-atomic-vs-atomic-merged');
  const sym = run('xfs-sw-atomic-vs-atomic-merged', '--no-por');
  assert.deepEqual(both.reductions, ['partial-order', 'symmetry', 'view']);
  assert.deepEqual(sym.reductions, ['symmetry', 'view']);
  assert.equal(both.status, sym.status);
  assert.ok(both.met && sym.met);
  assert.ok(both.distinctStates < sym.distinctStates, `${both.distinctStates} states with both, ${sym.distinctStates} with symmetry alone`);
  const text = writepath('check', '--quiet', 'xfs-sw-atomic-vs-atomic-merged');
  assert.match(text.stdout, /^reductions: partial-order, symmetry, view$/m);
  const bothFlags = writepath('check', 'xfs-sw-atomic-vs-plain-merged', '--por', '--no-por');
  assert.equal(bothFlags.code, 2);
  assert.match(bothFlags.stderr, /--por and --no-por contradict each other/);
  const workers = writepath('check', 'xfs-sw-atomic-vs-plain-merged', '--por', '--workers', '2');
  assert.equal(workers.code, 2);
  assert.match(workers.stderr, /--por: the parallel search \(--workers\) does no partial-order reduction/);
  assert.doesNotMatch(workers.stderr, /\n\s+at /, 'no stack trace');
});
