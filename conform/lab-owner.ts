/**
 * Lab directories and their owners. A lab (loop devices, mounts, servers) lives in a directory
 * under the temporary directory with the owning process's pid in `owner.pid`; a process killed
 * without running its handlers (SIGKILL, out of memory) leaves its lab behind, and the next
 * lab opened with the same prefix reaps it. Labs of live processes are never touched.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OWNER_FILE = 'owner.pid';

/** Whether process `pid` exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A pid read from `file`, or null when there is none or it is not a pid. */
export function readPid(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Marks `dir` as this process's lab. */
export function claimLab(dir: string): void {
  writeFileSync(join(dir, OWNER_FILE), `${process.pid}\n`);
}

/** The lab directories named `prefix…` whose owner has died. */
export function staleLabs(prefix: string): string[] {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  return names
    .map((n) => join(tmpdir(), n))
    .filter((dir) => {
      const pid = readPid(join(dir, OWNER_FILE));
      return pid !== null && !alive(pid);
    });
}
