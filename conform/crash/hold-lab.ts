/**
 * Test fixture for stale crash-lab reaping: opens a crash lab, starts a recording whose
 * program never ends (no "end" line), and once the recording file system is mounted
 * prints {"dir"} and waits to be killed. test/conform-crash.test.ts SIGKILLs it (no
 * handler can run) and checks reapStaleCrashLabs leaves nothing behind.
 */
import { readFileSync } from 'node:fs';
import { openCrashLab, record } from './lab.ts';

const r = openCrashLab('ext4');
if (!r.ok) {
  console.log(JSON.stringify({ skip: r.skip }));
} else {
  void record(r.lab, 'par\nopen direct=1\n');
  const poll = setInterval(() => {
    const mounted = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .filter((l) => (l.split(' ')[1] ?? '').startsWith(`${r.lab.dir}/`));
    if (mounted.length >= 2) {
      clearInterval(poll);
      console.log(JSON.stringify({ dir: r.lab.dir }));
    }
  }, 50);
  setInterval(() => undefined, 1000);
}
