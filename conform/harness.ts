/**
 * The conformance harness: real XFS (reflink) and ext4 file systems on loop devices in a
 * temporary directory, the native helper built from conform/helper.c, and a helper process
 * started in each (conform/helper-process.ts runs programs on it and parses its answers).
 *
 * Cleanup is unconditional: closeLab() (synchronous, idempotent) kills the helpers,
 * unmounts, detaches the loop devices and removes the temporary directory. withLab()
 * calls it in a finally; every open lab is also closed on SIGINT/SIGTERM and at process
 * exit. When the machine cannot make loop devices the result is a skip reason (a value),
 * never an exception.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync, openSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claimLab, staleLabs } from './lab-owner.ts';
import { HelperProcess } from './helper-process.ts';

export { HelperProcess };

export type FsKind = 'xfs' | 'ext4';
export const FS_KINDS: readonly FsKind[] = ['xfs', 'ext4'];

const HERE = dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = join(HERE, 'build');
const HELPER_SRC = join(HERE, 'helper.c');

/** Size of each sparse image file. mkfs.xfs (xfsprogs >= 5.19) refuses file systems under 300 MB. */
const IMAGE_BYTES = 512 * 1024 * 1024;

interface Cmd {
  ok: boolean;
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when the program could not be started at all (e.g. ENOENT). */
  spawnError?: string;
}

function run(cmd: string, args: string[], timeoutMs = 120_000): Cmd {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  const out: Cmd = { ok: r.status === 0, status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  if (r.error !== undefined) out.spawnError = r.error.message;
  return out;
}

function describe(cmd: string, args: string[], r: Cmd): string {
  const why = r.spawnError ?? (r.stderr.trim() || r.stdout.trim() || `exit status ${String(r.status)}`);
  return `\`${[cmd, ...args].join(' ')}\` failed: ${why}`;
}

function which(prog: string): string | undefined {
  for (const d of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin', '/usr/bin', '/bin'])) {
    if (d !== '' && existsSync(join(d, prog))) return join(d, prog);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// The helper binary

export type Built = { ok: true; path: string } | { ok: false; reason: string };

/** Compiles conform/helper.c with the machine's cc into conform/build/, cached by source hash. */
export function buildHelper(): Built {
  const cc = which('cc') ?? which('gcc') ?? which('clang');
  if (cc === undefined) return { ok: false, reason: 'no C compiler (cc, gcc or clang) on PATH; install build-essential (conform/setup.sh)' };
  const src = readFileSync(HELPER_SRC);
  const hash = createHash('sha256').update(src).update(cc).digest('hex').slice(0, 16);
  const out = join(BUILD_DIR, `helper-${hash}`);
  if (existsSync(out)) return { ok: true, path: out };
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  // -pthread: concurrent programs run each task in its own thread.
  const args = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-pthread', '-o', tmp, HELPER_SRC];
  const r = run(cc, args);
  if (!r.ok) return { ok: false, reason: `building the helper: ${describe(cc, args, r)}` };
  renameSync(tmp, out);
  return { ok: true, path: out };
}

// ---------------------------------------------------------------------------------------
// Labs: a temporary directory with mounted file systems

export interface MountedFs {
  kind: FsKind;
  image: string;
  dev: string;
  mnt: string;
  /** Where programs create their files. */
  workdir: string;
}

export interface Lab {
  dir: string;
  helperPath: string;
  mounts: MountedFs[];
  helpers: HelperProcess[];
  closed: boolean;
}

const openLabs = new Set<Lab>();
let handlersInstalled = false;

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals): void => {
    for (const lab of [...openLabs]) closeLab(lab);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const lab of [...openLabs]) closeLab(lab);
  });
}

/** Why this machine cannot run the harness, or undefined when it can (checked before touching anything). */
export function probe(kinds: readonly FsKind[] = FS_KINDS): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not root: making loop devices and mounting needs root';
  if (!existsSync('/dev/loop-control')) {
    const m = run('modprobe', ['loop']);
    if (!existsSync('/dev/loop-control')) return `no loop device support: /dev/loop-control missing and ${describe('modprobe', ['loop'], m)}`;
  }
  if (which('losetup') === undefined) return 'losetup not found (util-linux)';
  const fsList = existsSync('/proc/filesystems') ? readFileSync('/proc/filesystems', 'utf8') : '';
  for (const k of kinds) {
    const mkfs = k === 'xfs' ? 'mkfs.xfs' : 'mkfs.ext4';
    if (which(mkfs) === undefined) return `${mkfs} not found (install ${k === 'xfs' ? 'xfsprogs' : 'e2fsprogs'}: run conform/setup.sh)`;
    if (!new RegExp(`\\b${k}\\b`).test(fsList)) {
      run('modprobe', [k]);
      const again = readFileSync('/proc/filesystems', 'utf8');
      if (!new RegExp(`\\b${k}\\b`).test(again)) return `the kernel has no ${k} file system (not in /proc/filesystems, modprobe ${k} failed)`;
    }
  }
  return undefined;
}

export type LabResult = { ok: true; lab: Lab } | { ok: false; skip: string };

const LAB_PREFIX = 'writepath-conform-';

/**
 * Removes labs left behind by harness processes that died without running their handlers
 * (SIGKILL, out of memory): a lab directory whose owner.pid names a dead process has its
 * mounts unmounted, its loop devices detached and the directory removed. Labs of live
 * processes are never touched. Returns the directories reaped.
 */
export function reapStaleLabs(): string[] {
  const reaped: string[] = [];
  for (const dir of staleLabs(LAB_PREFIX)) {
    const mounts = FS_KINDS.map((kind) => ({ kind, image: join(dir, `${kind}.img`), mnt: join(dir, `${kind}-mnt`) }))
      .filter((m) => existsSync(m.image))
      .flatMap((m) => {
        const devs = loopBackedBy(m.image);
        return (devs.length === 0 ? [''] : devs).map((dev) => ({ ...m, dev, workdir: join(m.mnt, 'w') }));
      });
    const lab: Lab = { dir, helperPath: '', mounts, helpers: [], closed: false };
    closeLab(lab);
    reaped.push(dir);
  }
  return reaped;
}

/** Makes and mounts one file system per kind. On any failure everything made so far is undone. */
export function openLab(kinds: readonly FsKind[] = FS_KINDS): LabResult {
  const why = probe(kinds);
  if (why !== undefined) return { ok: false, skip: why };
  const built = buildHelper();
  if (!built.ok) return { ok: false, skip: built.reason };
  installHandlers();
  reapStaleLabs();
  const lab: Lab = { dir: mkdtempSync(join(tmpdir(), LAB_PREFIX)), helperPath: built.path, mounts: [], helpers: [], closed: false };
  openLabs.add(lab);
  claimLab(lab.dir);
  try {
    for (const kind of kinds) {
      const image = join(lab.dir, `${kind}.img`);
      const fd = openSync(image, 'w');
      ftruncateSync(fd, IMAGE_BYTES);
      closeSync(fd);
      const lo = run('losetup', ['--find', '--show', image]);
      if (!lo.ok) throw new SkipError(`cannot attach a loop device: ${describe('losetup', ['--find', '--show', image], lo)}`);
      const dev = lo.stdout.trim();
      const mnt = join(lab.dir, `${kind}-mnt`);
      mkdirSync(mnt);
      const m: MountedFs = { kind, image, dev, mnt, workdir: join(mnt, 'w') };
      // Recorded before mkfs so that closeLab detaches it whatever happens next.
      lab.mounts.push(m);
      const mkfsArgs = kind === 'xfs' ? ['-q', '-f', '-m', 'reflink=1', dev] : ['-q', '-F', dev];
      const mkfs = run(kind === 'xfs' ? 'mkfs.xfs' : 'mkfs.ext4', mkfsArgs);
      if (!mkfs.ok) throw new SkipError(`cannot make ${kind}: ${describe(`mkfs.${kind}`, mkfsArgs, mkfs)}`);
      const mount = run('mount', ['-t', kind, dev, mnt]);
      if (!mount.ok) throw new SkipError(`cannot mount ${kind}: ${describe('mount', ['-t', kind, dev, mnt], mount)}`);
      mkdirSync(m.workdir);
    }
  } catch (e) {
    closeLab(lab);
    if (e instanceof SkipError) return { ok: false, skip: e.message };
    throw e;
  }
  return { ok: true, lab };
}

class SkipError extends Error {}

function isMounted(mnt: string): boolean {
  if (!existsSync('/proc/mounts')) return false;
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === mnt);
}

/** Undoes everything openLab did. Synchronous (it runs from signal and exit handlers) and idempotent. */
export function closeLab(lab: Lab): string[] {
  const problems: string[] = [];
  if (lab.closed) return problems;
  lab.closed = true;
  for (const h of lab.helpers) h.kill();
  for (const m of [...lab.mounts].reverse()) {
    if (isMounted(m.mnt)) {
      let u = run('umount', [m.mnt]);
      for (let i = 0; !u.ok && i < 20 && isMounted(m.mnt); i++) {
        spawnSync('sleep', ['0.1']);
        u = run('umount', [m.mnt]);
      }
      if (isMounted(m.mnt)) {
        const lazy = run('umount', ['-l', m.mnt]);
        if (!lazy.ok) problems.push(describe('umount', ['-l', m.mnt], lazy));
      }
    }
    if (m.dev !== '') {
      const d = run('losetup', ['-d', m.dev]);
      if (!d.ok && loopBackedBy(m.image).length > 0) problems.push(describe('losetup', ['-d', m.dev], d));
    }
  }
  try {
    rmSync(lab.dir, { recursive: true, force: true });
  } catch (e) {
    problems.push(`removing ${lab.dir}: ${e instanceof Error ? e.message : String(e)}`);
  }
  openLabs.delete(lab);
  return problems;
}

/** Loop devices whose backing file is `image` (per `losetup -j`). */
export function loopBackedBy(image: string): string[] {
  const r = run('losetup', ['-j', image]);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(':')[0] ?? '');
}

export type WithLab<T> = { skipped: string } | { value: T };

/** Runs fn with a lab; always closes the lab (on return, on a thrown error, on a signal). */
export async function withLab<T>(kinds: readonly FsKind[], fn: (lab: Lab) => Promise<T>): Promise<WithLab<T>> {
  const r = openLab(kinds);
  if (!r.ok) return { skipped: r.skip };
  try {
    return { value: await fn(r.lab) };
  } finally {
    closeLab(r.lab);
  }
}

// ---------------------------------------------------------------------------------------
/** Starts a helper on the lab's file system of this kind (killed by closeLab). */
export function startHelper(lab: Lab, kind: FsKind): HelperProcess {
  const m = lab.mounts.find((x) => x.kind === kind);
  if (m === undefined) throw new Error(`lab has no ${kind} file system`);
  const h = new HelperProcess(lab.helperPath, m.workdir);
  lab.helpers.push(h);
  return h;
}

/** Writes a text file into the build directory (for campaign reports). */
export function writeBuildFile(name: string, text: string): string {
  mkdirSync(BUILD_DIR, { recursive: true });
  const p = join(BUILD_DIR, name);
  writeFileSync(p, text);
  return p;
}
