/**
 * SPIN's exact search on the same BEEM models, in the same benchmark run, where SPIN is
 * installed: Debian's package (`apt-get install spin`, or without root `apt-get download spin
 * && dpkg -x spin_*.deb DIR` and SPIN=DIR/usr/bin/spin). The Promela comes from our own
 * translations (bench/beem/*.ts); `spin -o1` keeps SPIN from removing dead variables, so the
 * state vector is the DVE model's and the counts agree (checked in test/checker-compact.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SpinRun {
  states: number;
  transitions: number;
  elapsedMs: number;
  statesPerSecond: number;
  /** CPU time of pan (user + system), from the shell's `times`. */
  cpuMs: number;
  memoryMiB: number;
}

/** The spin binary: $SPIN, else `spin` on the PATH; undefined if neither runs. */
export function findSpin(): string | undefined {
  for (const candidate of [process.env.SPIN, 'spin']) {
    if (candidate === undefined || candidate === '') continue;
    const r = spawnSync(candidate, ['-V'], { encoding: 'utf8' });
    if (r.status === 0 && /Spin Version/.test(r.stdout)) return candidate;
  }
  return undefined;
}

export function runSpin(spin: string, promela: string): SpinRun | string {
  const dir = mkdtempSync(join(tmpdir(), 'writepath-spin-'));
  try {
    writeFileSync(join(dir, 'model.pml'), promela);
    const gen = spawnSync(spin, ['-o1', '-a', 'model.pml'], { cwd: dir, encoding: 'utf8' });
    if (gen.status !== 0) return `spin -a failed: ${gen.stdout}${gen.stderr}`;
    const cc = spawnSync('cc', ['-O2', '-DNOREDUCE', '-DSAFETY', '-o', 'pan', 'pan.c'], { cwd: dir, encoding: 'utf8' });
    if (cc.status !== 0) return `cc failed: ${cc.stderr}`;
    const t0 = performance.now();
    // `times` after pan prints the children's user and system time on its second line.
    const pan = spawnSync('sh', ['-c', './pan -m5000000 -w24; times'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 });
    const wall = performance.now() - t0;
    const out = pan.stdout;
    const num = (re: RegExp): number | undefined => {
      const m = re.exec(out);
      return m === null ? undefined : Number(m[1]);
    };
    const states = num(/(\d+) states, stored/);
    const transitions = num(/(\d+) transitions \(= stored\+matched\)/);
    const elapsed = num(/pan: elapsed time ([\d.e+]+) seconds/);
    const memory = num(/([\d.]+)\s+total actual memory usage/);
    if (states === undefined || transitions === undefined) return `pan printed no counts: ${out.slice(0, 400)}`;
    const elapsedMs = elapsed !== undefined && elapsed > 0 ? elapsed * 1000 : wall;
    const times = out.trim().split('\n').pop() ?? '';
    const secs = [...times.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
    const cpuMs = secs.length === 2 ? (secs[0]! + secs[1]!) * 1000 : NaN;
    return { states, transitions, elapsedMs, statesPerSecond: Math.round(states / (elapsedMs / 1000)), cpuMs, memoryMiB: memory ?? 0 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
