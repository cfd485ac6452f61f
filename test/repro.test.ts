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

test('--repro: no script for stores through mmap, and it says why', () => {
  const r = writepath('check', 'ext4-atomic-invalidate-failure-fall-back', '--repro', join(tmpdir(), 'writepath-never-written.sh'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no reproducer for ext4-atomic-invalidate-failure-fall-back: the program stores through mmap, which the helper does not do/);
});

test('--repro: a power-loss trace runs, shuts XFS down without a log flush, remounts, and compares what survived', async (t) => {
  const why = probe(['xfs']);
  if (why !== undefined) {
    t.skip(`reproducer run skipped: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'writepath-repro-loss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'loss.sh');
  const c = writepath('check', 'test/fixtures/repro/xfs-fsync-survives.ts', '--repro', script);
  assert.equal(c.code, 0, c.stderr);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /^# Note: power loss is emulated with the file system's shutdown ioctl without a log flush/m);
  assert.match(text, /^ {2}xfs_io -x -c shutdown "\$mnt"/m);
  assert.match(text, /^ {2}expect read 1 '"blocks":\["1\.0"\]' 'file 0 block 0 holds A\[0\]'$/m);
  const run = spawnSync('bash', [script], { encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /as the trace says: T1 call 3 \(fsync\) returns 0\nas the trace says: file 0 block 0 holds A\[0\]/);
  // Without fsync the allocation is still in XFS's in-memory log: the shutdown loses it, as the
  // trace's power loss does (a shutdown that flushed the log would keep A and fail here).
  const lost = join(dir, 'lost.sh');
  assert.equal(writepath('check', 'test/fixtures/repro/xfs-hole-write-lost.ts', '--repro', lost).code, 0);
  const hole = spawnSync('bash', [lost], { encoding: 'utf8' });
  assert.equal(hole.status, 0, `${hole.stdout}\n${hole.stderr}`);
  assert.match(hole.stdout, /as the trace says: T1 call 2 \(pwritev2\) returns 4096\nas the trace says: file 0 block 0 holds zero/);
  const refused = spawnSync('bash', [script], { encoding: 'utf8', env: { ...process.env, WRITEPATH_DIR: dir } });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /makes its own loop device .*: unset WRITEPATH_DIR/);
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
  assert.match(text, /^ {2}expect T1 1 '"ret":8192,' 'T1 call 2 \(pwritev2\) returns 8192'$/m);
  assert.match(text, /^ {2}expect T1 2 '"blocks":\["1\.0","1\.1","1002\.0"\]' 'T1 call 3 \(pread\) reads A\[0\], A\[1\], f0\.init\[2\]'$/m);
  assert.match(text, /^ {2}expect read 2 '"blocks":\["1\.1"\]' 'file 0 block 1 holds A\[1\]'$/m);
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
  assert.match(good.stdout, /the kernel did what the trace says in all 7 observations compared/);
  assert.equal(bad.status, 1, `${bad.stdout}\n${bad.stderr}`);
  assert.match(bad.stdout, /DIFFERS: T1 call 2 \(pwritev2\) returns 8192; the kernel: \{"i":1,"op":"pwritev2","ret":8192/);
  // Without WRITEPATH_DIR the script makes, mounts and removes its own loop device.
  const own = spawnSync('bash', [script], { encoding: 'utf8' });
  assert.equal(own.status, 0, `${own.stdout}\n${own.stderr}`);
  assert.match(own.stdout, /the kernel did what the trace says/);
});

test('--repro: a concurrent trace becomes a loop that tries the race, and says so', async (t) => {
  const why = probe(['xfs']);
  if (why !== undefined) {
    t.skip(`reproducer run skipped: ${why}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'writepath-repro-race-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'race.sh');
  const c = writepath('check', 'test/fixtures/repro/xfs-read-sees-write.ts', '--repro', script);
  assert.equal(c.code, 0, c.stderr);
  const text = readFileSync(script, 'utf8');
  assert.match(text, /user space cannot force that interleaving, so the tasks\n# are started together and the race is tried up to WRITEPATH_TRIES times/);
  assert.match(text, /^ {2}expect T2 1 '"blocks":\["1\.0"\]' 'T2 call 2 \(pread\) reads A\[0\]'$/m);
  // A race outcome the kernel never gives (T2 reading write 7) is tried WRITEPATH_TRIES times, then reported.
  const never = join(dir, 'never.sh');
  writeFileSync(never, text.replace(`'"blocks":["1.0"]'`, `'"blocks":["7.0"]'`));
  const r = await withLab(['xfs'], async (lab) => {
    const env = { ...process.env, WRITEPATH_DIR: lab.mounts[0]!.workdir, WRITEPATH_TRIES: '3' };
    return { race: spawnSync('bash', [script], { encoding: 'utf8', env: { ...env, WRITEPATH_TRIES: '100' } }), never: spawnSync('bash', [never], { encoding: 'utf8', env }) };
  });
  if ('skipped' in r) {
    t.skip(`reproducer run skipped: ${r.skipped}`);
    return;
  }
  assert.equal(r.value.race.status, 0, `${r.value.race.stdout}\n${r.value.race.stderr}`);
  assert.match(r.value.race.stdout, /as the trace says: T2 call 2 \(pread\) reads A\[0\]\nthe kernel did what the trace says in all 4 observations compared \(run \d+ of at most 100\)/);
  assert.equal(r.value.never.status, 1, r.value.never.stdout);
  assert.match(r.value.never.stdout, /DIFFERS: T2 call 2 \(pread\) reads A\[0\]; .*\nthe kernel did not do what the trace says in 3 runs/);
});

test('--repro: an XFS scenario with fs.allocsize mounts with -o allocsize= (the option its preallocation needs)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-repro-allocsize-'));
  try {
    const script = join(dir, 'u.sh');
    const c = writepath('check', 'xfs-uncached-per-page-2019', '--quiet', '--repro', script);
    assert.equal(c.code, 0, c.stderr);
    assert.match(readFileSync(script, 'utf8'), /^ {2}mkdir "\$work\/mnt" && mount -t xfs -o allocsize=16384 "\$dev" "\$work\/mnt"/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--repro: no script for a scenario on FUSE, and it says why', () => {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-repro-fuse-'));
  try {
    const out = join(dir, 'r.sh');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'check', 'fuse-mmap-race-no-wait', '--repro', out], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /reproducers set up XFS or ext4 on a loop device; this scenario is on fuse/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
