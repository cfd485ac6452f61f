/** The trace commands and options as a user runs them: explain, the text trace, files and mistakes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writepath.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('explain: description, programs, knobs with their variants, properties and bound', () => {
  const r = writepath('explain', 'xfs-sw-atomic-vs-atomic-posted');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^xfs-sw-atomic-vs-atomic-posted \(scenarios\/xfs-sw-atomic-vs-atomic-posted\.ts\)$/m);
  assert.match(r.stdout, /^expected: holds$/m);
  assert.match(r.stdout, /^ {2}T2 {4}1\. open\(file 0, O_RDWR\|O_DIRECT\)$/m);
  assert.match(r.stdout, /^ {2}knob xfsSwAtomicRetry +posted-v4 {2}\(variants: \[posted-v4\], proposed-excl, merged-6\.16; Linux merged merged-6\.16\)$/m);
  assert.match(r.stdout, /^ {2}atomic-untorn \(invariant\): After a power loss/m);
  assert.match(r.stdout, /^bound: 2 task\(s\), 6 physical blocks, up to 1 power loss\(es\)/m);
});

test('explain: a model without an about() hook still shows its properties', () => {
  const r = writepath('explain', 'test/fixtures/scenarios/mutex.ts');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}mutual-exclusion \(invariant\)$/m);
});

test('mistakes: exit 2 with one clear line, no stack trace', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-cli-trace-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: Array<[string[], RegExp]> = [
    [['explain'], /explain needs a scenario/],
    [['explain', 'no-such-scenario'], /no-such-scenario: no such file, and no scenario under scenarios\/ has that name/],
    [['replay'], /replay needs exactly one trace file/],
    [['replay', join(dir, 'missing.json')], /missing\.json: cannot read/],
    [['check', 'test/fixtures/scenarios/mutex.ts', '--trace-out'], /--trace-out.*argument missing|needs a file name/],
    [['check', 'test/fixtures/scenarios/mutex.ts', '--html', join(dir, 'no', 'such', 'dir', 'x.html')], /x\.html: cannot write/],
    [['list', '--verbose'], /list takes no --verbose/],
  ];
  for (const [args, re] of cases) {
    const r = writepath(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('several counterexamples: each gets its own file, named after scenario and property', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-many-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const r = writepath('check', 'ext4-atomic-fragmented-fall-back-to-unaligned', '--all', '--mermaid', join(dir, 'c.mmd'), '--html', join(dir, 'c.html'));
  assert.equal(r.code, 0, r.stderr);
  for (const p of ['atomic-one-request', 'atomic-untorn']) {
    for (const ext of ['mmd', 'html']) assert.ok(existsSync(join(dir, `c-ext4-atomic-fragmented-fall-back-to-unaligned-${p}.${ext}`)), `${p}.${ext}`);
  }
  const html = readFileSync(join(dir, 'c-ext4-atomic-fragmented-fall-back-to-unaligned-atomic-untorn.html'), 'utf8');
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'no external assets');
});

test('check --verbose: the ghost history appears; without it, it does not', () => {
  const quiet = writepath('check', 'xfs-atomic-over-uncommitted-conversion');
  const loud = writepath('check', 'xfs-atomic-over-uncommitted-conversion', '--verbose');
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(loud.code, 0, loud.stderr);
  assert.doesNotMatch(quiet.stdout, /ghost/);
  assert.match(loud.stdout, /^\s+ghost\.obligations = \[\]$/m);
});

test('check --json: every step of a trace carries its action index, and re-executing them gives the same states', async () => {
  const r = writepath('check', '--json', 'xfs-atomic-over-uncommitted-conversion');
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { results: Array<{ violations: Array<{ trace: Array<{ label: string; index: number; state: unknown }> }> }> };
  const trace = doc.results[0]!.violations[0]!.trace;
  assert.ok(trace.every((s) => Number.isInteger(s.index) && s.index >= 0));
  const { replayRecorded, defaultLabel } = await import('../checker/index.ts');
  const { loadScenarioFile } = await import('../cli/load.ts');
  const [l] = await loadScenarioFile(join(root, 'scenarios/xfs-atomic-over-uncommitted-conversion.ts'));
  const model = l!.scenario.model;
  const out = replayRecorded(model, trace, (a) => (model.label ?? defaultLabel)(a));
  assert.equal(out.mismatch, undefined);
  assert.equal(out.trace.length, trace.length);
});
