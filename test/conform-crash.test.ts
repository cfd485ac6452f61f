/**
 * Crash-state conformance (conform/crash/): the log format, the crash-state generator
 * and the spec's post-crash oracle on their own, then a bounded run on the recording
 * device and through file-system shutdown (skipped, with the reason, where the machine
 * has no root, loop devices or FUSE).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundsAt, crashStates, imageKey, LogError, parseLog, programWindow } from '../conform/crash/states.ts';
import type { LogRec } from '../conform/crash/states.ts';
import { allowedAt, contentKey, crashOracle, formatCrashRows, newerOnDevice, runCrash, runCrashProgram } from '../conform/crash/run.ts';
import type { CrashOracleResult } from '../conform/crash/run.ts';
import type { MultiProgram } from '../conform/concurrent/program.ts';
import { formatShutdownRows, runShutdown, shutdownText } from '../conform/crash/shutdown.ts';
import { crashProbe, reapStaleCrashLabs, withCrashLab } from '../conform/crash/lab.ts';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
import { CRASH_PROGRAMS, uncommittedConversion } from '../conform/crash/programs.ts';

function rec(kind: number, off: number, body: Buffer): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0x474c5057, 0);
  h.writeUInt32LE(kind, 4);
  h.writeBigUInt64LE(BigInt(off), 8);
  h.writeBigUInt64LE(BigInt(body.length), 16);
  return Buffer.concat([h, body]);
}
const W = (off: number, fill: string): Buffer => rec(1, off, Buffer.alloc(512, fill));
const F = (): Buffer => rec(2, 0, Buffer.alloc(0));
const M = (t: string): Buffer => rec(3, 0, Buffer.from(`${t}\n`));

test('the recording log parses, and a damaged one is refused', () => {
  const log = parseLog(Buffer.concat([W(0, 'a'), F(), M('b 0 1')]));
  assert.deepEqual(log.map((r) => r.kind), ['W', 'F', 'M']);
  assert.equal(log[2]?.kind === 'M' && log[2].text, 'b 0 1');
  assert.throws(() => parseLog(Buffer.concat([W(0, 'a')]).subarray(0, 30)), LogError);
  const bad = W(0, 'a');
  bad.writeUInt32LE(1, 0);
  assert.throws(() => parseLog(bad), /magic/);
});

// W0 F | b0 W3 W4 e0 F W7 | x: the program window is from the first mark to x.
const LOG: LogRec[] = parseLog(Buffer.concat([W(0, 'a'), F(), M('b 0 0'), W(512, 'b'), W(1024, 'c'), M('e 0 0'), F(), W(1536, 'd'), M('x -1 0')]));

test('marks bound how many syscalls had returned at each crash point', () => {
  const b = boundsAt(LOG, 1);
  assert.deepEqual(b[2], [[0, 0]], 'before the first mark nothing ran');
  assert.deepEqual(b[3], [[0, 1]], 'after "b 0 0": op 0 may or may not have returned');
  assert.deepEqual(b[6], [[1, 1]], 'after "e 0 0": it has');
  assert.deepEqual(programWindow(LOG), { from: 2, to: 8 });
});

test('crash states: the flushed writes plus every subset of the unflushed ones, one state per distinct image', () => {
  const states = crashStates(LOG, 1);
  const sets = states.map((s) => s.writes.join(',')).sort();
  // Before the second flush: W0 is durable, W3 and W4 each may or may not be there.
  // After it: W0, W3, W4 durable; W7 may or may not be there.
  assert.deepEqual(sets, ['0', '0,3', '0,3,4', '0,3,4,7', '0,4'].sort());
  const only0 = states.find((s) => s.writes.join(',') === '0');
  assert.ok(only0 !== undefined);
  assert.ok(only0.points.some((p) => JSON.stringify(p.bounds) === '[[0,1]]') && only0.points.some((p) => JSON.stringify(p.bounds) === '[[1,1]]'), 'one image, several crash points');
  assert.equal(imageKey(LOG, [0, 3]), imageKey(LOG, [0, 3]));
  assert.notEqual(imageKey(LOG, [0, 3]), imageKey(LOG, [0, 4]));
});

test('the spec: a software atomic write over an uncommitted conversion never comes back torn; a plain one may', () => {
  const torn = { size: 8192, blocks: ['W2[0]', 'zero'] };
  const atomic = crashOracle(uncommittedConversion('xfs', true));
  assert.ok(atomic.ok);
  assert.ok(!allowedAt(atomic.oracle, [[0, 3]]).has(contentKey(torn)));
  const plain = crashOracle(uncommittedConversion('xfs', false));
  assert.ok(plain.ok);
  assert.ok(allowedAt(plain.oracle, [[3, 3]]).has(contentKey(torn)));
  assert.ok(!allowedAt(plain.oracle, [[0, 0]]).has(contentKey(torn)), 'not before the write started');
});

test('newer data on the device than the file shows is found per block, in program order', () => {
  const p = uncommittedConversion('ext4', false);
  assert.deepEqual(newerOnDevice(p, new Set(['W2[1]', 'W2[0]', 'f0.init[0]']), { size: 8192, blocks: ['W2[0]', 'zero'] }), ['W2[1]']);
  assert.deepEqual(newerOnDevice(p, new Set(['W1[0]']), { size: 8192, blocks: ['f0.init[0]', 'W2[1]'] }), [], 'P is older than what block 1 shows');
  assert.match(shutdownText(p, 2), /pwritev2 t=0 fd=0 off=4096[^\n]*\nshutdown fd=0 how=2\nend\n$/);
});

test('bounded crash run: the uncommitted-conversion programs on the recording device, and shutdown crash states, all allowed by the spec', async (t) => {
  const why = crashProbe(['xfs', 'ext4']);
  if (why !== undefined) {
    t.skip(`crash conformance skipped: ${why}`);
    return;
  }
  const programs = CRASH_PROGRAMS.filter((p) => p.name.endsWith('plain-over-uncommitted-conversion'));
  assert.equal(programs.length, 2);
  const r = await runCrash(programs, { fullSubsetsUpTo: 4, samples: 4, seed: 1, maxStates: 6, requestKiB: 4 });
  if (r.skipped.length > 0) {
    t.skip(`crash conformance skipped: ${r.skipped.join('; ')}`);
    return;
  }
  for (const l of formatCrashRows(r.rows).split('\n')) t.diagnostic(l);
  for (const row of r.rows) {
    assert.equal(row.unmodelled, undefined);
    assert.ok(row.records.W > 0 && row.records.F > 0 && row.records.M > 0, `${row.program}: the device saw writes, flushes and marks`);
    assert.ok(row.states > 0, `${row.program}: crash states were mounted`);
    assert.equal(row.unmountable, 0);
    assert.equal(row.disagreements, 0, `${row.program}: ${[...row.seen.values()].map((s) => JSON.stringify(s.content)).join(' ')}`);
  }
  const s = await runShutdown(programs, () => undefined);
  for (const l of formatShutdownRows(s.rows).split('\n')) t.diagnostic(l);
  assert.equal(s.rows.length, 2);
  for (const row of s.rows) {
    assert.equal(row.cuts.length, 3);
    assert.equal(row.disagreements, 0, `${row.program}: ${row.cuts.map((c) => c.content).join(' · ')}`);
  }
});

test('a crash lab whose owner was SIGKILLed is reaped: file systems, loop devices, logdev and its FUSE mount, directory', async (t) => {
  const why = crashProbe(['ext4']);
  if (why !== undefined) {
    t.skip(`crash lab reaping skipped: ${why}`);
    return;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, '..', 'conform', 'crash', 'hold-lab.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`fixture exited with ${String(c)}`)));
  });
  const info = JSON.parse(line) as { dir?: string; skip?: string };
  if (info.skip !== undefined || info.dir === undefined) {
    child.kill('SIGKILL');
    t.skip(`crash lab reaping skipped: ${info.skip ?? 'no lab'}`);
    return;
  }
  const dir = info.dir;
  const under = (): string[] => readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => (l.split(' ')[1] ?? '').startsWith(`${dir}/`));
  assert.ok(under().length >= 2, 'the recording file system and the FUSE mount are up');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.ok(existsSync(dir), 'SIGKILL ran no handler');
  const reaped = reapStaleCrashLabs();
  assert.ok(reaped.includes(dir));
  assert.deepEqual(under(), []);
  assert.ok(!existsSync(dir));
  assert.ok(!spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout.includes(dir), 'no loop device left');
});

test('a crash state outside the oracle is a disagreement, and the program is shrunk (an oracle that wrongly forbids write 2 from ever surviving)', async (t) => {
  const why = crashProbe(['xfs']);
  if (why !== undefined) {
    t.skip(`crash shrinking skipped: ${why}`);
    return;
  }
  const forbidW2 = (p: MultiProgram): CrashOracleResult => {
    const r = crashOracle(p);
    if (!r.ok) return r;
    const byReturned = new Map([...r.oracle.byReturned].map(([k, m]) => [k, new Map([...m].filter(([, c]) => !c.blocks.some((b) => b.startsWith('W2['))))]));
    return { ok: true, oracle: { ...r.oracle, byReturned } };
  };
  const r = await withCrashLab('xfs', (lab) => runCrashProgram(lab, uncommittedConversion('xfs', false), { fullSubsetsUpTo: 3, samples: 2, seed: 1, maxStates: 6, requestKiB: 4 }, () => undefined, forbidW2));
  if ('skipped' in r) {
    t.skip(`crash shrinking skipped: ${r.skipped}`);
    return;
  }
  assert.ok(r.value.disagreements > 0, 'write 2 survives some crash state');
  const s = r.value.shrunk;
  assert.ok(s !== undefined, 'the program was shrunk');
  assert.deepEqual(s.tasks.map((ops) => ops.map((o) => (o.op === 'pwritev2' ? `w${o.id}` : o.op))), [['open', 'w2']], 'P is not needed; A is');
  assert.ok(s.disagreements > 0);
});
