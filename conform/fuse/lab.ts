/**
 * The FUSE lab: our FUSE server (server.c) mounted in one mode, and the runner (prog.c)
 * that executes one program on it. Both are built with the machine's cc into
 * conform/build/, cached by source hash (the server against libfuse3 through pkg-config).
 *
 * The reclaim step: in write-through mode POSIX_FADV_DONTNEED on the file (no page is
 * ever dirty there, so it is exactly "evict every clean, unlocked page of this file");
 * in writeback-cache mode `echo 1 > /proc/sys/vm/drop_caches`, because DONTNEED first
 * starts asynchronous writeback of the dirty pages (generic_fadvise →
 * __filemap_fdatawrite_range, WB_SYNC_NONE), which would mix a write-back of unknown
 * timing into the step; drop_caches only invalidates (invalidate_mapping_pages skips
 * dirty, locked and writeback pages, like the spec's reclaim).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR } from '../harness.ts';
import { parseFuseResult, parseLogLine, serializeFuse, type FuseMode, type FuseProgram, type FuseRun } from './program.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVER_SRC = join(HERE, 'server.c');
const PROG_SRC = join(HERE, 'prog.c');
const LAB_PREFIX = 'writepath-fuse-';

type Built = { ok: true; path: string } | { ok: false; reason: string };

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0 && r.error === undefined, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}`.trim() };
}

function build(name: string, src: string, flags: string[]): Built {
  const text = readFileSync(src);
  const out = join(BUILD_DIR, `${name}-${createHash('sha256').update(text).update(flags.join(' ')).digest('hex').slice(0, 16)}`);
  if (existsSync(out)) return { ok: true, path: out };
  mkdirSync(BUILD_DIR, { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const r = run('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-pthread', ...flags.filter((f) => f.startsWith('-I')), '-o', tmp, src, ...flags.filter((f) => !f.startsWith('-I'))]);
  if (!r.ok) return { ok: false, reason: `building ${name}: ${r.out}` };
  renameSync(tmp, out);
  return { ok: true, path: out };
}

export function buildFuseTools(): { ok: true; server: string; prog: string } | { ok: false; reason: string } {
  if (!run('sh', ['-c', 'command -v cc']).ok) return { ok: false, reason: 'no C compiler (cc) on PATH; install build-essential (conform/setup.sh)' };
  const pc = run('pkg-config', ['--cflags', '--libs', 'fuse3']);
  if (!pc.ok) return { ok: false, reason: 'libfuse3 not found (pkg-config fuse3 failed): install libfuse3-dev and fuse3 (conform/setup.sh)' };
  const server = build('fuse-server', SERVER_SRC, pc.out.split(/\s+/).filter((x) => x !== ''));
  if (!server.ok) return server;
  const prog = build('fuse-prog', PROG_SRC, []);
  if (!prog.ok) return prog;
  return { ok: true, server: server.path, prog: prog.path };
}

/** Why this machine cannot run the FUSE conformance programs, or undefined. */
export function fuseProbe(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (mounting our FUSE server, drop_caches)';
  if (!existsSync('/dev/fuse')) return '/dev/fuse missing (no FUSE in this kernel or container)';
  if (!run('sh', ['-c', 'command -v fusermount3']).ok) return 'fusermount3 not found (install fuse3: conform/setup.sh)';
  const m = /^(\d+)\.(\d+)/.exec(release());
  if (m === null || Number(m[1]) * 1000 + Number(m[2]) < 6005) return `kernel ${release()} has no cachestat(2) (6.5 or later needed: residency is measured without a mapping)`;
  return undefined;
}

function isMounted(mnt: string): boolean {
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === mnt);
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface FuseLab {
  mode: FuseMode;
  dir: string;
  mnt: string;
  ctl: string;
  log: string;
  prog: string;
  server: ChildProcess;
  stderr: string;
  closed: boolean;
}

const open = new Set<FuseLab>();
let hooked = false;

/** Stops the server (SIGTERM: libfuse unmounts), unmounts if it did not, removes the directory. Idempotent. */
export function closeFuseLab(lab: FuseLab): void {
  if (lab.closed) return;
  lab.closed = true;
  open.delete(lab);
  if (lab.server.exitCode === null && lab.server.pid !== undefined) lab.server.kill('SIGTERM');
  for (let i = 0; i < 30 && isMounted(lab.mnt); i++) {
    if (run('fusermount3', ['-u', lab.mnt]).ok) break;
    spawnSync('sleep', ['0.1']);
  }
  if (isMounted(lab.mnt)) run('umount', ['-l', lab.mnt]);
  if (lab.server.exitCode === null) lab.server.kill('SIGKILL');
  rmSync(lab.dir, { recursive: true, force: true });
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const l of [...open]) closeFuseLab(l);
  });
}

export type FuseLabResult = { ok: true; lab: FuseLab } | { ok: false; skip: string };

/** Builds the tools and mounts our server in `mode`. */
export async function openFuseLab(mode: FuseMode): Promise<FuseLabResult> {
  const why = fuseProbe();
  if (why !== undefined) return { ok: false, skip: why };
  const tools = buildFuseTools();
  if (!tools.ok) return { ok: false, skip: tools.reason };
  hook();
  const dir = mkdtempSync(join(tmpdir(), LAB_PREFIX));
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  const ctl = join(dir, 'ctl');
  const log = join(dir, 'log');
  const args = [mnt, ctl, log, ...(mode === 'writeback-cache' ? ['writeback'] : [])];
  const server = spawn(tools.server, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const lab: FuseLab = { mode, dir, mnt, ctl, log, prog: tools.prog, server, stderr: '', closed: false };
  open.add(lab);
  server.stderr?.on('data', (b: Buffer) => {
    lab.stderr += b.toString();
  });
  try {
    await waitFor(() => (isMounted(mnt) && existsSync(ctl)) || server.exitCode !== null, 10_000, 'the FUSE server to mount');
    if (server.exitCode !== null) throw new Error(`FUSE server exited (${String(server.exitCode)}): ${lab.stderr.trim()}`);
  } catch (e) {
    closeFuseLab(lab);
    return { ok: false, skip: `mounting our FUSE server: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, lab };
}

/** Runs one program (mode must match the lab's); returns the runner's results and the server's log of this program's file. */
export async function runFuseProgram(lab: FuseLab, p: FuseProgram): Promise<FuseRun> {
  if (p.mode !== lab.mode) throw new Error(`program for ${p.mode} on a ${lab.mode} lab`);
  const from = existsSync(lab.log) ? statSync(lab.log).size : 0;
  const reclaim = lab.mode === 'writeback-cache' ? 'drop' : 'dontneed';
  const child = spawn(lab.prog, [lab.mnt, lab.ctl, reclaim, join(lab.dir, 'dump')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
    child.stdin.end(serializeFuse(p));
  });
  if (code !== 0) throw new Error(`FUSE runner exited ${String(code)}: ${err.trim()}`);
  const results = out
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseFuseResult);
  const file = results.find((r) => r.file !== undefined)?.file;
  const gen = file === undefined ? -1 : Number(file.slice(1));
  const text = readFileSync(lab.log, 'utf8').slice(from);
  const log = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseLogLine)
    .filter((r) => r.gen === gen);
  return { results, log };
}
