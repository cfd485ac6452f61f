/**
 * The loop device's request size (/sys/block/loopN/queue/max_sectors_kb). A direct write
 * larger than it goes out as several requests, and racing writes interleave at that
 * granularity. The setting belongs to the loop device, not to the file attached to it:
 * it survives `losetup -d` and the next user of /dev/loopN inherits it. So every change
 * is undone in a finally, and once more from the process's exit handler.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';

const changed = new Map<string, string>();
let hooked = false;

function sysfs(dev: string): string {
  return `/sys/block/${basename(dev)}/queue/max_sectors_kb`;
}

export function readRequestKiB(dev: string): number {
  return Number(readFileSync(sysfs(dev), 'utf8').trim());
}

/** The largest request the device allows (max_hw_sectors_kb). */
export function maxRequestKiB(dev: string): number {
  return Number(readFileSync(`/sys/block/${basename(dev)}/queue/max_hw_sectors_kb`, 'utf8').trim());
}

function restoreAll(): void {
  for (const [path, v] of changed) {
    try {
      if (existsSync(path)) writeFileSync(path, v);
    } catch {
      // The device is gone or refused: nothing more to undo here.
    }
  }
  changed.clear();
}

/** Runs fn with the device's max_sectors_kb set to `kib`, then puts the old value back. */
export async function withRequestKiB<T>(dev: string, kib: number, fn: () => Promise<T>): Promise<T> {
  const path = sysfs(dev);
  const old = readFileSync(path, 'utf8').trim();
  if (!hooked) {
    hooked = true;
    process.on('exit', restoreAll);
    // A signal ends the process without 'exit': undo, then let the signal do its work.
    const onSignal = (sig: NodeJS.Signals): void => {
      restoreAll();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      hooked = false;
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  if (!changed.has(path)) changed.set(path, old);
  writeFileSync(path, String(kib));
  try {
    return await fn();
  } finally {
    writeFileSync(path, old);
    changed.delete(path);
  }
}
