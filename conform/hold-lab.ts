/**
 * Test fixture for the harness's signal cleanup: opens a lab, starts a helper on each
 * file system, prints {"dir","devs","mnts"} as one JSON line, then waits to be killed.
 * test/conform-harness.test.ts sends it SIGTERM/SIGINT and checks nothing is left behind.
 */
import { openLab, startHelper } from './harness.ts';

const r = openLab();
if (!r.ok) {
  console.log(JSON.stringify({ skip: r.skip }));
} else {
  const helpers = r.lab.mounts.map((m) => startHelper(r.lab, m.kind));
  // Keep a program running so the file systems are busy when the signal arrives.
  void Promise.all(helpers.map((h) => h.run({ ops: [{ op: 'open', direct: true }, { op: 'pwritev2', fd: 0, off: 0, segs: [65536], flags: [], id: 1, misalign: 0 }] }))).then(() => {
    console.log(JSON.stringify({ dir: r.lab.dir, devs: r.lab.mounts.map((m) => m.dev), mnts: r.lab.mounts.map((m) => m.mnt), images: r.lab.mounts.map((m) => m.image) }));
  });
  setInterval(() => undefined, 1000);
}
