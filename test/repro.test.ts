/**
 * A reproducer generated from a single-task counterexample, run on a real XFS loop device (the
 * conformance harness's lab): the kernel must do what the trace says (exit 0), and a script
 * whose expectation is edited must report the difference (exit 1). Skips with a line saying why
 * where loop devices cannot be made (not root, no loop module, no mkfs.xfs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probe, withLab } from '../conform/harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function writepath(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'writepath.js'), ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('--repro: no script for a concurrent or power-loss trace, and it says why', () => {
  const r = writepath('check', 'xfs-atomic-over-uncommitted-conversion', '--repro', join(tmpdir(), 'writepath-never-written.sh'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no reproducer for xfs-atomic-over-uncommitted-conversion: the trace has a power loss/);
});

test('--repro: the script runs on a real XFS loop device and observes what the trace says', async (t) => {
  const why = probe(['xfs']);
  if (why !== undefined) {
    t.skip(`reproducer run skipped: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'writepath-repro-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'repro.sh');
  const c = writepath('check', 'test/fixtures/repro/xfs-atomic-lands.ts', '--repro', script);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /reproducer: .*repro\.sh/);
  const text = readFileSync(script, 'utf8');
  // The trace's return values and block contents, in the kernel's terms.
  assert.match(text, /^check \d+ '"ret":8192,' 'call 2 \(pwritev2\) returns 8192'$/m);
  assert.match(text, /^check \d+ '"blocks":\["1\.0","1\.1","1002\.0"\]' 'call 3 \(pread\) reads A\[0\], A\[1\], f0\.init\[2\]'$/m);
  const wrong = join(dir, 'wrong.sh');
  writeFileSync(wrong, text.replace(`'"ret":8192,'`, `'"ret":4096,'`));
  const r = await withLab(['xfs'], async (lab) => {
    const env = { ...process.env, WRITEPATH_DIR: lab.mounts[0]!.workdir };
    return {
      good: spawnSync('bash', [script], { encoding: 'utf8', env }),
      bad: spawnSync('bash', [wrong], { encoding: 'utf8', env }),
    };
  });
  if ('skipped' in r) {
    t.skip(`reproducer run skipped: ${r.skipped}`);
    return;
  }
  const { good, bad } = r.value;
  assert.equal(good.status, 0, `${good.stdout}\n${good.stderr}`);
  assert.match(good.stdout, /as the trace says: file 0 block 1 holds A\[1\]/);
  assert.match(good.stdout, /the kernel did what the trace says/);
  assert.equal(bad.status, 1, `${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stdout, /DIFFERS: call 2 \(pwritev2\) returns 8192; the kernel: \{"i":6,"op":"pwritev2","ret":8192/);
  // Without WRITEPATH_DIR the script makes, mounts and removes its own loop device.
  const own = spawnSync('bash', [script], { encoding: 'utf8' });
  assert.equal(own.status, 0, `${own.stdout}\n${own.stderr}`);
  assert.match(own.stdout, /the kernel did what the trace says/);
});
