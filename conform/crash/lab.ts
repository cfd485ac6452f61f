/**
 * The crash lab: a file system on a recording block device, and a way to mount any crash
 * state of it.
 *
 * Why a loop device over a FUSE file. This kernel has loop and FUSE but no device-mapper
 * (so no dm-log-writes), NBD or ublk. A loop device forwards each write to its backing
 * file (vfs_iter_write) and each REQ_OP_FLUSH as vfs_fsync of it; loop does not
 * advertise FUA, so the block layer turns a REQ_FUA write into a write and a flush. With
 * the backing file on our own FUSE file system (conform/crash/logdev.c: direct_io, one
 * thread), every write and flush the file system sends to the loop device arrives at our
 * process, in order, where it is logged with its data. The loop device reports a
 * volatile write cache ("write back"), so the file systems issue flushes as on real
 * hardware.
 *
 * Recording: mkfs on a plain image file, copy it (the base), serve it through logdev,
 * attach a loop device to MNT/disk, mount, run the program with the helper writing marks
 * to MNT/mark, unmount, detach. A crash state is the base with some of the logged writes
 * applied; it is mounted (log recovery runs) on a plain loop device and read back.
 *
 * Everything lives in a lab directory of its own (writepath-crash-*) and is undone in a
 * finally: unmount, detach, stop logdev, remove the directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR, buildHelper, HelperProcess, probe } from '../harness.ts';
import type { FsKind } from '../harness.ts';
import type { LogRec } from './states.ts';
import { withRequestKiB } from '../concurrent/request-size.ts';
import { alive, claimLab, readPid, staleLabs } from '../lab-owner.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const LOGDEV_SRC = join(HERE, 'logdev.c');

/** Small images keep crash-state copies cheap; mkfs.xfs needs its test override below 300 MB. */
const IMAGE_BYTES = 64 * 1024 * 1024;

interface Cmd {
  ok: boolean;
  out: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Cmd {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : r.error.message}`.trim() };
}

function must(cmd: string, args: string[], env: Record<string, string> = {}): string {
  const r = run(cmd, args, env);
  if (!r.ok) throw new Error(`\`${[cmd, ...args].join(' ')}\` failed: ${r.out}`);
  return r.out;
}

export type Built = { ok: true; path: string } | { ok: false; reason: string };

/** Compiles logdev.c against libfuse3 (cached by source hash), or says why it cannot. */
export function buildLogdev(): Built {
  const pc = run('pkg-config', ['--cflags', '--libs', 'fuse3']);
  if (!pc.ok) return { ok: false, reason: 'libfuse3 not found (pkg-config fuse3 failed): install libfuse3-dev and fuse3 (conform/setup.sh)' };
  const src = readFileSync(LOGDEV_SRC);
  const out = join(BUILD_DIR, `logdev-${createHash('sha256').update(src).update(pc.out).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return { ok: true, path: out };
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const flags = pc.out.split(/\s+/).filter((x) => x !== '');
  const r = run('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', ...flags.filter((f) => f.startsWith('-I')), '-o', tmp, LOGDEV_SRC, ...flags.filter((f) => !f.startsWith('-I'))]);
  if (!r.ok) return { ok: false, reason: `building logdev: ${r.out}` };
  renameSync(tmp, out);
  return { ok: true, path: out };
}

/** Why this machine cannot record crash states, or undefined. */
export function crashProbe(kinds: readonly FsKind[]): string | undefined {
  const why = probe(kinds);
  if (why !== undefined) return why;
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse (the kernel has no FUSE)';
  if (!existsSync('/proc/filesystems') || !/\bfuse\b/.test(readFileSync('/proc/filesystems', 'utf8'))) return 'the kernel has no fuse file system';
  if (run('sh', ['-c', 'command -v fusermount3']).ok === false) return 'fusermount3 not found (install fuse3: conform/setup.sh)';
  return undefined;
}

export interface CrashLab {
  dir: string;
  kind: FsKind;
  helperPath: string;
  logdevPath: string;
  closed: boolean;
  /** Undo steps, run in reverse by closeCrashLab. */
  undo: Array<() => void>;
}

function isMounted(mnt: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === mnt);
}

function umount(mnt: string): void {
  for (let i = 0; i < 30 && isMounted(mnt); i++) {
    if (run('umount', [mnt]).ok) return;
    spawnSync('sleep', ['0.1']);
  }
  if (isMounted(mnt)) run('umount', ['-l', mnt]);
}

const openLabs = new Set<CrashLab>();
let hooked = false;

export function closeCrashLab(lab: CrashLab): void {
  if (lab.closed) return;
  lab.closed = true;
  for (const u of lab.undo.reverse()) {
    try {
      u();
    } catch {
      // Keep undoing the rest.
    }
  }
  rmSync(lab.dir, { recursive: true, force: true });
  openLabs.delete(lab);
}

const LAB_PREFIX = 'writepath-crash-';

/**
 * Undoes crash labs whose owner died without running its handlers (SIGKILL, OOM):
 * kills their logdev servers, unmounts everything under the lab (deepest first, the
 * FUSE mount with fusermount3), detaches loop devices backed by files in it, removes it.
 * Labs of live processes are never touched. Returns the directories reaped.
 */
export function reapStaleCrashLabs(): string[] {
  const reaped: string[] = [];
  for (const dir of staleLabs(LAB_PREFIX)) {
    // File systems first (their loop devices may sit on logdev's FUSE file), then the
    // loop devices, then the logdev servers and their FUSE mounts.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => (f[1] ?? '').startsWith(`${dir}/`));
    for (const [, m] of mounts.filter((f) => !(f[2] ?? '').startsWith('fuse'))) if (m !== undefined && !run('umount', [m]).ok) run('umount', ['-l', m]);
    for (const l of must('losetup', ['-a']).split('\n')) {
      const dev = l.split(':')[0] ?? '';
      if (dev !== '' && l.includes(`(${dir}/`)) detach(dev);
    }
    for (const rec of readdirSync(dir).filter((n) => n.startsWith('rec-'))) {
      const lp = readPid(join(dir, rec, 'logdev.pid'));
      if (lp !== null && alive(lp)) {
        try {
          process.kill(lp, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
    for (const [, m] of mounts.filter((f) => (f[2] ?? '').startsWith('fuse'))) if (m !== undefined && !run('fusermount3', ['-u', m]).ok) run('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
    reaped.push(dir);
  }
  return reaped;
}

export type CrashLabResult = { ok: true; lab: CrashLab } | { ok: false; skip: string };

export function openCrashLab(kind: FsKind): CrashLabResult {
  const why = crashProbe([kind]);
  if (why !== undefined) return { ok: false, skip: why };
  const helper = buildHelper();
  if (!helper.ok) return { ok: false, skip: helper.reason };
  const logdev = buildLogdev();
  if (!logdev.ok) return { ok: false, skip: logdev.reason };
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const l of [...openLabs]) closeCrashLab(l);
    });
    const onSignal = (sig: NodeJS.Signals): void => {
      for (const l of [...openLabs]) closeCrashLab(l);
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      hooked = false;
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  reapStaleCrashLabs();
  const lab: CrashLab = { dir: mkdtempSync(join(tmpdir(), LAB_PREFIX)), kind, helperPath: helper.path, logdevPath: logdev.path, closed: false, undo: [] };
  claimLab(lab.dir);
  openLabs.add(lab);
  return { ok: true, lab };
}

export async function withCrashLab<T>(kind: FsKind, fn: (lab: CrashLab) => Promise<T>): Promise<{ skipped: string } | { value: T }> {
  const r = openCrashLab(kind);
  if (!r.ok) return { skipped: r.skip };
  try {
    return { value: await fn(r.lab) };
  } finally {
    closeCrashLab(r.lab);
  }
}

/** mkfs on a plain image file. */
function mkfs(kind: FsKind, image: string): void {
  const fd = openSync(image, 'w');
  ftruncateSync(fd, IMAGE_BYTES);
  closeSync(fd);
  // TEST_DEV/TEST_DIR/QA_CHECK_FS: mkfs.xfs's own override of its 300 MB minimum (for fstests).
  if (kind === 'xfs') must('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', image], { TEST_DEV: '1', TEST_DIR: '1', QA_CHECK_FS: '1' });
  else must('mkfs.ext4', ['-q', '-F', '-b', '4096', image]); // 4 KiB blocks as the spec (small images default to 1 KiB)
}

function attach(image: string): string {
  return must('losetup', ['--find', '--show', image]).split('\n')[0]?.trim() ?? '';
}

function detach(dev: string): void {
  for (let i = 0; i < 20; i++) {
    if (run('losetup', ['-d', dev]).ok) return;
    spawnSync('sleep', ['0.1']);
  }
}

function mountOpts(kind: FsKind): string[] {
  // nouuid: every crash image is a copy of one file system.
  return kind === 'xfs' ? ['-o', 'nouuid'] : [];
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Recording {
  base: string;
  log: string;
  /** The program's output lines. */
  lines: string[];
}

/**
 * Makes a file system, serves it through logdev, mounts it through a loop device and
 * runs `programText` with the helper (marks on); returns the base image and the log.
 */
export async function record(lab: CrashLab, programText: string, requestKiB?: number): Promise<Recording> {
  const dir = mkdtempSync(join(lab.dir, 'rec-'));
  const image = join(dir, 'image');
  const base = join(dir, 'base');
  const log = join(dir, 'log');
  const fuseMnt = join(dir, 'fuse');
  const mnt = join(dir, 'mnt');
  mkdirSync(fuseMnt);
  mkdirSync(mnt);
  mkfs(lab.kind, image);
  copyFileSync(image, base);
  const undo: Array<() => void> = [];
  const child: ChildProcess = spawn(lab.logdevPath, [fuseMnt, image, log], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (child.pid !== undefined) writeFileSync(join(dir, 'logdev.pid'), `${child.pid}\n`);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  undo.push(() => {
    if (isMounted(fuseMnt)) run('fusermount3', ['-u', fuseMnt]);
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  lab.undo.push(() => undo.reverse().forEach((u) => u()));
  try {
    await waitFor(() => isMounted(fuseMnt) || child.exitCode !== null, 10_000, 'logdev to mount');
    if (child.exitCode !== null) throw new Error(`logdev exited: ${stderr}`);
    const dev = attach(join(fuseMnt, 'disk'));
    undo.push(() => detach(dev));
    const go = async (): Promise<string[]> => {
      must('mount', ['-t', lab.kind, ...mountOpts(lab.kind), dev, mnt]);
      undo.push(() => umount(mnt));
      mkdirSync(join(mnt, 'w'));
      const h = new HelperProcess(lab.helperPath, join(mnt, 'w'), { WP_MARK: join(fuseMnt, 'mark') });
      try {
        const out = await h.runLines(programText);
        await h.end();
        return out;
      } finally {
        h.kill();
        umount(mnt);
      }
    };
    // A smaller request size splits the program's writes into more, smaller log records.
    const lines = requestKiB === undefined ? await go() : await withRequestKiB(dev, requestKiB, go);
    detach(dev);
    run('fusermount3', ['-u', fuseMnt]);
    await waitFor(() => child.exitCode !== null, 10_000, 'logdev to exit');
    return { base, log, lines };
  } finally {
    for (const u of undo.reverse()) u();
    undo.length = 0;
  }
}

/** The base image with the chosen log writes applied, in log order. */
export function materialize(base: string, log: readonly LogRec[], writes: readonly number[], out: string): void {
  // COPYFILE_FICLONE where the file system can (a cheap clone), else a copy.
  copyFileSync(base, out, constants.COPYFILE_FICLONE);
  const fd = openSync(out, 'r+');
  try {
    for (const i of writes) {
      const r = log[i];
      if (r !== undefined && r.kind === 'W') writeSync(fd, r.data, 0, r.data.length, r.off);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Mounts an image (log recovery runs), runs `readText` with the helper in its w/
 * directory (so p0-f is the recorded program's file), unmounts. Returns the output lines,
 * or the mount's error when the image does not mount.
 */
export async function mountAndRead(lab: CrashLab, image: string, readText: string): Promise<{ ok: true; lines: string[] } | { ok: false; error: string }> {
  // A just-freed loop device can still be going away when losetup hands it out again;
  // the mount then fails with "can't read superblock" (EXT4-fs: unable to read
  // superblock) on an image that mounts fine on the next try. An image is unmountable
  // only when it fails on three fresh attachments.
  let last: { ok: true; lines: string[] } | { ok: false; error: string } = { ok: false, error: 'not tried' };
  for (let attempt = 0; attempt < 3; attempt++) {
    last = await mountAndReadOnce(lab, image, readText);
    if (last.ok) return last;
  }
  return last;
}

async function mountAndReadOnce(lab: CrashLab, image: string, readText: string): Promise<{ ok: true; lines: string[] } | { ok: false; error: string }> {
  const mnt = mkdtempSync(join(lab.dir, 'm-'));
  const dev = attach(image);
  try {
    const m = run('mount', ['-t', lab.kind, ...mountOpts(lab.kind), dev, mnt]);
    if (!m.ok) return { ok: false, error: m.out };
    try {
      const h = new HelperProcess(lab.helperPath, join(mnt, 'w'));
      try {
        const lines = await h.runLines(readText);
        await h.end();
        return { ok: true, lines };
      } finally {
        h.kill();
      }
    } finally {
      umount(mnt);
    }
  } finally {
    detach(dev);
    rmSync(mnt, { recursive: true, force: true });
  }
}

/**
 * A cheaper source of crash states: make a file system on a plain image, run the
 * program (whose last op shuts the file system down without flushing its log), unmount.
 * The image is then what the shut-down file system left on the device; mountAndRead
 * recovers it. Nothing in the device cache is lost (the loop device's cache is the
 * host's page cache), so these are a subset of the power-loss crash states.
 */
export async function runToShutdown(lab: CrashLab, programText: string): Promise<{ image: string; lines: string[] }> {
  const dir = mkdtempSync(join(lab.dir, 'sd-'));
  const image = join(dir, 'image');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  mkfs(lab.kind, image);
  const dev = attach(image);
  try {
    must('mount', ['-t', lab.kind, ...mountOpts(lab.kind), dev, mnt]);
    try {
      mkdirSync(join(mnt, 'w'));
      const h = new HelperProcess(lab.helperPath, join(mnt, 'w'));
      try {
        const lines = await h.runLines(programText);
        await h.end();
        return { image, lines };
      } finally {
        h.kill();
      }
    } finally {
      umount(mnt);
    }
  } finally {
    detach(dev);
  }
}
