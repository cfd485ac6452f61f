/**
 * `writepath check --progress` (issue 8's progress property), end to end: a retry without a
 * bound is a livelock the ordinary search cannot see (every state repeats, none is a
 * deadlock); the cycle search reports it as a violation of 'progress' with the prefix and
 * the cycle marked, in text and in --json, exit 1. The bounded retry has none. Misuse: exit 2.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { canonicalJson } from '../checker/trace.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCENARIO = 'scenarios/xfs-buffered-atomic-persistent-fault.ts';
const UNBOUNDED = ['--knob', 'bufferedAtomicShortCopy=retry-without-bound'];

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writepath.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--progress: the bounded retry (three tries, then -EFAULT) has no cycle: holds, exit 0', () => {
  const r = writepath('check', SCENARIO, '--progress', '--quiet');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok\s+xfs-buffered-atomic-persistent-fault\s+holds\s+holds\s/m);
});

test('without --progress the unbounded retry is not seen: every state repeats, none is a deadlock', () => {
  const r = writepath('check', SCENARIO, ...UNBOUNDED, '--quiet');
  assert.equal(r.code, 0, r.stdout + r.stderr);
});

test('--progress: the unbounded retry is a livelock, printed as the prefix then the marked cycle, exit 1', () => {
  const r = writepath('check', SCENARIO, ...UNBOUNDED, '--progress');
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAIL\s+xfs-buffered-atomic-persistent-fault\s+holds\s+violates progress\s/m);
  assert.match(r.stdout, /── livelock "progress" violated in xfs-buffered-atomic-persistent-fault/);
  // The prefix ends with the first short copy (step 5); the cycle is the retry, back to step 5.
  assert.match(r.stdout, /^5  T1  iomap_write_iter .*retry the whole chunk \(no bound\)$/m);
  assert.match(r.stdout, /⟲ cycle: steps 6\.\.6 repeat forever\n6  T1  iomap_write_iter .*\(no bound\)/);
  assert.match(r.stdout, /⟲ back to the state of step 5\n/);
  assert.match(r.stdout, /violated \(a livelock\): progress — no reachable cycle/);
});

test('--progress --json: the violation has kind livelock, loopStart, and a trace whose last state is the loop start', () => {
  const r = writepath('check', SCENARIO, ...UNBOUNDED, '--progress', '--json');
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { results: Array<{ met: boolean; status: string; violations: Array<{ property: string; kind: string; loopStart: number; trace: Array<{ label: string; state: unknown }> }> }> };
  const res = doc.results[0]!;
  assert.equal(res.met, false);
  assert.equal(res.status, 'violation');
  const v = res.violations[0]!;
  assert.equal(v.property, 'progress');
  assert.equal(v.kind, 'livelock');
  assert.equal(v.loopStart, 5);
  assert.equal(v.trace.length, 7);
  assert.equal(canonicalJson(v.trace[6]!.state), canonicalJson(v.trace[5]!.state), 'the cycle returns to its first state');
  assert.notEqual(canonicalJson(v.trace[4]!.state), canonicalJson(v.trace[5]!.state));
});

test('--progress misuse is a usage error, exit 2, no stack trace; --help documents it', () => {
  for (const extra of [['--strategy', 'random'], ['--bitstate', '20']]) {
    const r = writepath('check', SCENARIO, '--progress', ...extra);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--progress cannot be combined with --(strategy random|bitstate)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const h = writepath('check', '--help');
  assert.match(h.stdout + h.stderr, /--progress\s+also look for non-progress cycles/);
});

test('a livelock written with --trace-out is refused by replay (exit 2), not judged "now holds"', () => {
  const file = join(tmpdir(), `writepath-livelock-${process.pid}.itf.json`);
  try {
    const c = writepath('check', 'scenarios/xfs-buffered-atomic-retry-without-bound.ts', '--quiet', '--trace-out', file);
    assert.equal(c.code, 0, c.stdout + c.stderr);
    const r = writepath('replay', file);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /violation-kind livelock: only invariant and deadlock violations can be replayed \(re-run writepath check --progress\)/);
  } finally {
    rmSync(file, { force: true });
  }
});
