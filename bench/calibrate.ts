/**
 * A fixed amount of work, timed by this process's CPU clock, so that a bench run can say how
 * steady CPU time was around it: the same loops take the same CPU time on a quiet machine, and
 * on this project's VM they do not (bench/README.md, issue 10n: a random-read loop over 16 MiB
 * took 66 to 387 ms of CPU in runs minutes apart, the register-only loop 348 to 1,794 ms).
 * Prints one JSON line: { aluMs, memMs }.
 */

/** Register-only arithmetic: no memory traffic. */
function alu(n: number): number {
  let x = 1;
  for (let i = 0; i < n; i++) x = (Math.imul(x, 0x9e3779b1) + i) | 0;
  return x;
}

const table = new Uint32Array(1 << 22);

/** Random reads over 16 MiB, the size of peterson.4's fingerprint table: cache- and memory-bound. */
function mem(n: number): number {
  let x = 1;
  let s = 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    s = (s + table[(x >>> 10) & ((1 << 22) - 1)]!) | 0;
  }
  return s;
}

function cpuMs(f: () => number): number {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return Math.round((d.user + d.system) / 1000);
}

// Warm both loops up, so that the timed calls run optimised code.
alu(1e7);
mem(1e6);
process.stdout.write(`${JSON.stringify({ aluMs: cpuMs(() => alu(3e8)), memMs: cpuMs(() => mem(2e7)) })}\n`);
