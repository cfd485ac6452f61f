/**
 * Trace files: every counterexample of every scenario written as ITF validates against the
 * format and replays to the same violation; a file edited so that it no longer fits fails with
 * exit 2 naming the step; shrinking keeps the violation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, check, shrinkTrace, validateItf, validateTrace, violates, type Model, type TraceStep } from '../checker/index.ts';
import { traceToItf } from '../cli/itf-file.ts';
import { loadScenarioFile, scenarioFiles } from '../cli/load.ts';
import { replayFile } from '../cli/replay.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writepath.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('every counterexample of every scenario: valid ITF that replays to the same violation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-itf-'));
  const cwd = process.cwd();
  process.chdir(root);
  t.after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });
  let written = 0;
  for (const file of [...scenarioFiles('scenarios'), 'test/fixtures/scenarios/mutex.ts']) {
    for (const l of await loadScenarioFile(file)) {
      // A scenario expected to hold has no counterexample (scenarios.test.ts checks it holds).
      if (l.scenario.expect === 'holds') continue;
      // Every counterexample found in the first 5,000 states: that holds the shortest one of
      // every property each scenario violates, and keeps the test to seconds.
      const result = check(l.scenario.model, { ...l.scenario.options, stopAtFirst: false, maxStates: 5000 });
      for (const v of result.violations.filter((x) => x.trace.length > 0)) {
        const itf = traceToItf(l.scenario.model, v.trace, { scenario: l.scenario.name, file: l.file, property: v.property, kind: v.kind, message: v.message });
        const text = JSON.stringify(itf);
        assert.deepEqual(validateItf(JSON.parse(text)), [], `${l.scenario.name} ${v.property}`);
        const path = join(dir, `${l.scenario.name}-${v.property}.json`);
        writeFileSync(path, text);
        if (v.kind === 'livelock') {
          // A livelock's ITF does not record where its loop starts: replay refuses it, by name.
          await assert.rejects(replayFile(path), /violation-kind livelock: only invariant and deadlock violations can be replayed/);
          continue;
        }
        const r = await replayFile(path);
        assert.equal(r.result.mismatch, undefined, `${l.scenario.name} ${v.property}: ${r.result.mismatch?.problem}`);
        assert.ok(r.stillViolated, `${l.scenario.name}: ${v.property} no longer violated on replay`);
        assert.equal(canonicalJson(r.result.trace.at(-1)!.state), canonicalJson(v.trace.at(-1)!.state));
        written++;
      }
    }
  }
  assert.ok(written >= 8, `only ${written} counterexamples`);
});

test('replay: the CLI says the violation still occurs (exit 1), holds on a cut trace (exit 0), and names the first step that no longer fits (exit 2)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 't.json');
  const c = writepath('check', 'xfs-atomic-over-uncommitted-conversion', '--trace-out', file);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /trace file: .*t\.json/);
  const doc = JSON.parse(readFileSync(file, 'utf8')) as { '#meta': Record<string, unknown>; vars: string[]; states: Array<Record<string, unknown> & { '#meta': Record<string, unknown> }> };
  const steps = doc.states.length - 1;
  const r = writepath('replay', file);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, new RegExp(`all ${steps} steps fit`));
  assert.match(r.stdout, /the violation of atomic-untorn still occurs/);
  assert.match(r.stdout, new RegExp(`^${steps}  │  │      power  power-loss`, 'm'));

  // What the file says about itself: format, tool version, scenario, knobs, property, per-state action.
  const meta = doc['#meta'];
  assert.equal(meta.format, 'ITF');
  assert.equal(meta['writepath-version'], (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version);
  assert.equal(meta.scenario, 'xfs-atomic-over-uncommitted-conversion');
  assert.equal(meta['scenario-file'], 'scenarios/xfs-atomic-over-uncommitted-conversion.ts');
  assert.equal(meta.property, 'atomic-untorn');
  assert.equal((meta.settings as Record<string, string>)['knob xfsSwAtomicRetry'], 'merged-6.16');
  // The state variables are the World's fields (the exact list follows the spec).
  for (const v of ['device', 'tasks', 'journal', 'ghost']) assert.ok(doc.vars.includes(v), v);
  assert.deepEqual(doc.states[0]!['#meta'], { index: 0, action: 'init', 'action-index': 0 });
  assert.deepEqual(doc.states[steps]!['#meta'], { index: steps, action: doc.states[steps]!['#meta'].action, 'action-index': doc.states[steps]!['#meta']['action-index'], actor: 'power' });
  assert.match(String(doc.states[steps]!['#meta'].action), /^power-loss: /);
  const write = (name: string, d: unknown): string => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(d));
    return p;
  };
  const cut = { ...doc, states: doc.states.slice(0, -1) };
  const ok = writepath('replay', write('cut.json', cut));
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /atomic-untorn now holds at the end of the trace/);

  const wrongAction = structuredClone(doc);
  wrongAction.states[5]!['#meta']['action-index'] = 7;
  const a = writepath('replay', write('action.json', wrongAction));
  assert.equal(a.code, 2);
  assert.match(a.stderr, /step 5 \(".*"\) no longer fits scenario xfs-atomic-over-uncommitted-conversion: .* \(action 7\) is not enabled here/);

  // A label the spec no longer has (a renamed kernel function) at the right index.
  const renamed = structuredClone(doc);
  const at = doc.states.findIndex((st) => String(st['#meta'].action).startsWith('T1 kiocb_invalidate_pages'));
  assert.ok(at > 0, 'the trace runs kiocb_invalidate_pages');
  renamed.states[at]!['#meta'].action = 'T1 kiocb_invalidate_pages_renamed: invalidate';
  const l = writepath('replay', write('renamed.json', renamed));
  assert.equal(l.code, 2);
  assert.match(l.stderr, new RegExp(`step ${at} \\("T1 kiocb_invalidate_pages_renamed: invalidate"\\) no longer fits .*\\(action \\d+\\) is not enabled here; enabled now: T1 kiocb_invalidate_pages`));

  const wrongState = structuredClone(doc);
  wrongState.states[6]!.powerLosses = { '#bigint': '9' };
  const s = writepath('replay', write('state.json', wrongState));
  assert.equal(s.code, 2);
  assert.match(s.stderr, /step 6 .* leads to a different state: powerLosses: recorded 9, now 0/);

  const notItf = structuredClone(doc) as Record<string, unknown>;
  delete notItf.vars;
  const n = writepath('replay', write('notitf.json', notItf));
  assert.equal(n.code, 2);
  assert.match(n.stderr, /notitf\.json: not a valid ITF trace: vars: must be an array of strings/);
  assert.doesNotMatch(n.stderr, /at .*\.ts:\d+/, 'no stack trace');
});

/** Two actors: "noise" counts n up to 4 and plays no part; "bug" counts x, and x must stay below 2. */
const noisy: Model<{ n: number; x: number }, 'noise' | 'bug'> = {
  name: 'noisy',
  init: () => [{ n: 0, x: 0 }],
  actions: (s) => [...(s.n < 4 ? (['noise'] as const) : []), ...(s.x < 3 ? (['bug'] as const) : [])],
  next: (s, a) => (a === 'noise' ? { ...s, n: s.n + 1 } : { ...s, x: s.x + 1 }),
  invariants: { 'x-below-2': (s) => s.x < 2 },
  actor: (a) => a,
};

test('shrink: a depth-first counterexample loses the actor that plays no part, stays a real execution and still violates', () => {
  const v = check(noisy, { strategy: 'dfs' }).violations[0]!;
  assert.ok(v.trace.length - 1 > 2, 'DFS takes the noise first');
  const r = shrinkTrace(noisy, v.trace, v.property, v.kind);
  assert.deepEqual(r.before, { steps: v.trace.length - 1, actors: 2 });
  assert.deepEqual(r.after, { steps: 2, actors: 1 });
  assert.deepEqual(r.trace.map((s) => s.label), ['init', 'bug', 'bug']);
  assert.equal(validateTrace(noisy, r.trace), undefined);
  assert.ok(violates(noisy, v.property, v.kind, r.trace.at(-1)!.state));
});

test('shrink: steps go one by one when no whole actor can (noise between the bug steps, actor hook absent)', () => {
  const { actor: _drop, ...anonymous } = noisy;
  const path = ['noise', 'bug', 'noise', 'noise', 'bug'] as const;
  let s = anonymous.init()[0]!;
  const trace: Array<TraceStep<{ n: number; x: number }, 'noise' | 'bug'>> = [{ action: null, label: 'init', state: s }];
  for (const a of path) {
    s = anonymous.next(s, a);
    trace.push({ action: a, label: a, state: s });
  }
  const r = shrinkTrace(anonymous, trace, 'x-below-2', 'invariant');
  assert.deepEqual(r.trace.map((x) => x.label), ['init', 'bug', 'bug']);
});

test('shrink: steps of an actor that plays no part go, and the CLI says how much', () => {
  const r = writepath('check', 'test/fixtures/scenarios/mutex.ts', '--strategy', 'dfs', '--shrink');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /broken-mutex mutual-exclusion: shrink: \d+ → 4 steps|no step or actor can go \(4 steps/);
});

test('replay --shrink: a depth-first trace file shrinks on replay and the shrunk file replays too', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-shrink-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const long = join(dir, 'long.json');
  const short = join(dir, 'short.json');
  assert.equal(writepath('check', 'test/fixtures/shrink/noisy.ts', '--trace-out', long).code, 0);
  const r = writepath('replay', long, '--shrink', '--trace-out', short);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^shrink: 6 → 2 steps \(−67%\), 2 → 1 actors/m);
  assert.match(r.stdout, /^2  bug  bug$/m, "one lane left");
  const again = writepath('replay', short);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stdout, /all 2 steps fit/);
});
