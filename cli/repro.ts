/**
 * A reproducer for the real kernel: a shell script that makes a loop device with the
 * scenario's file system (or uses a directory given in WRITEPATH_DIR), builds the conformance
 * helper (conform/helper.c; Debian 12's xfs_io cannot issue RWF_ATOMIC, the helper can issue
 * every pwritev2 flag the spec knows), lays out each file, runs the task's program, reads
 * every block back with O_DIRECT, and compares each syscall's return value and each block
 * with what the trace says. Exit 0: the kernel did what the trace says; 1: it did not.
 *
 * Only single-task traces without a power loss are reproduced exactly (the helper runs one
 * program at a time on fresh files, and a loop device cannot lose power mid-request); for
 * anything else the generator says why it writes no script. Placement is the kernel's own:
 * the script cannot choose physical blocks, so a counterexample that depends on where the
 * allocator put a block may not reproduce, and the script's output says which value differs.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model, TraceStep } from '../checker/index.ts';
import type { Settings, Syscall, World } from '../spec/index.ts';
import type { DocInput } from './tracedoc.ts';

const BS = 4096;
const HELPER_SRC = resolve(fileURLToPath(new URL('../conform/helper.c', import.meta.url)));

function isSettings(v: unknown): v is Settings {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return Array.isArray(r.programs) && Array.isArray(r.files) && typeof r.fs === 'object' && r.fs !== null;
}

function isWorld(v: unknown): v is World {
  return typeof v === 'object' && v !== null && Array.isArray((v as Record<string, unknown>).tasks) && Array.isArray((v as Record<string, unknown>).inodes);
}

/** One expected observation: the helper's line number (0-based op index) and what it must show. */
interface Expect {
  op: number;
  what: string;
  /** A fixed substring the helper's JSON line must contain. */
  needle: string;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Returns the script, or why there is none. */
export function reproScript<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, input: DocInput): string | { why: string } {
  const s = (model as { settings?: unknown }).settings;
  if (!isSettings(s)) return { why: 'the scenario is not a writepath spec scenario (its model carries no file-system settings)' };
  const last = trace[trace.length - 1]?.state;
  if (!isWorld(last)) return { why: 'the trace has no final state of the write path' };
  if (s.programs.length !== 1) return { why: `the trace runs ${s.programs.length} tasks concurrently; the helper runs one program at a time, so only single-task traces are reproduced` };
  if (last.powerLosses > 0) return { why: 'the trace has a power loss, which a loop device cannot undergo mid-request' };
  if (s.fs.blockSize !== BS) return { why: `the helper's data patterns assume ${BS}-byte blocks, the scenario has ${s.fs.blockSize}` };
  const program = s.programs[0]!;
  const ids = new Map<string, number>();
  const idOf = (id: string): number => {
    if (!ids.has(id)) ids.set(id, ids.size + 1);
    return ids.get(id)!;
  };
  const ops: string[] = [];
  const notes: string[] = [];
  // Lay out each file: its written blocks hold "f<ino>.init[<blk>]", written by setup writes
  // (ids from 1000) through the first fd, then fsync'd. Unwritten blocks read as zeroes, as holes do.
  const initName = new Map<number, string>();
  s.files.forEach((f, ino) => {
    const slot = ops.length;
    ops.push(`open file=f${ino} direct=1`);
    f.blocks.forEach((b, blk) => {
      if (b === 'hole') return;
      if ('unwritten' in b) {
        notes.push(`file ${ino} block ${blk} is unwritten in the scenario; the script leaves a hole (both read as zeroes)`);
        return;
      }
      const id = 1000 + ino * 100 + blk;
      initName.set(id, `f${ino}.init`);
      ops.push(`pwritev2 fd=${slot} off=${blk * BS} segs=${BS} flags=0 id=${id}`);
    });
    const size = f.size ?? f.blocks.length * BS;
    ops.push(`ftruncate fd=${slot} len=${size}`);
    ops.push(`fsync fd=${slot}`);
  });
  const setupFds = s.files.length;
  const expects: Expect[] = [];
  const returned = last.tasks[0]?.results ?? [];
  let opened = 0;
  const preads: Array<{ op: number; k: number; data: string[] }> = [];
  for (const [k, call] of program.entries()) {
    const line = helperOp(call, setupFds, idOf);
    if (typeof line !== 'string') return line;
    if (call.op === 'open') opened++;
    const r = returned[k];
    if (r !== undefined) {
      const needle = typeof r.ret === 'number' ? (call.op === 'open' ? `"ret":${r.ret + setupFds},` : `"ret":${r.ret},`) : `"errno":"${r.ret}"`;
      expects.push({ op: ops.length, what: `call ${k + 1} (${call.op}) returns ${r.ret}`, needle });
      if (r.op === 'pread' && r.data.length > 0 && r.start !== undefined) preads.push({ op: ops.length, k, data: r.data });
    }
    ops.push(line);
  }
  if (returned.length < program.length) notes.push(`the trace ends before call ${returned.length + 1}; the later calls run but are not compared`);
  // Read every block back through a fresh O_DIRECT fd.
  const helperToken = (t: string): string | null => {
    if (t === 'zero') return '0';
    const m = /^(.*)\[(\d+)\]$/.exec(t);
    if (m === null) return null;
    const init = /^f(\d+)\.init$/.exec(m[1]!);
    if (init !== null) return `${1000 + Number(init[1]) * 100 + Number(m[2])}.0`;
    return ids.has(m[1]!) ? `${ids.get(m[1]!)}.${m[2]}` : null;
  };
  for (const p of preads) {
    const toks = p.data.map(helperToken);
    if (toks.every((t): t is string => t !== null)) expects.push({ op: p.op, what: `call ${p.k + 1} (pread) reads ${p.data.join(', ')}`, needle: `"blocks":[${toks.map((t) => `"${t}"`).join(',')}]` });
  }
  s.files.forEach((_, ino) => {
    const slot = setupFds + opened + ino;
    ops.push(`open file=f${ino} direct=1`);
    const blocks = last.inodes[ino]?.map.length ?? 0;
    for (let blk = 0; blk < blocks; blk++) {
      const want = model.cells?.(trace[trace.length - 1]!.state, input.property)[`file ${ino} block ${blk}`];
      const tok = want === undefined ? null : helperToken(want);
      if (tok !== null) expects.push({ op: ops.length, what: `file ${ino} block ${blk} holds ${want}`, needle: `"blocks":["${tok}"]` });
      ops.push(`pread fd=${slot} off=${blk * BS} len=${BS}`);
    }
  });
  return script(s, input, ops, expects, notes, ids, program);
}

function helperOp(c: Syscall, setupFds: number, idOf: (id: string) => number): string | { why: string } {
  const fd = (n: number): number => n + setupFds;
  switch (c.op) {
    case 'open':
      return `open file=f${c.file} direct=${c.flags.includes('O_DIRECT') ? 1 : 0} dsync=${c.flags.includes('O_DSYNC') ? 1 : 0} sync=${c.flags.includes('O_SYNC') ? 1 : 0}`;
    case 'pwritev2':
      return `pwritev2 fd=${fd(c.fd)} off=${c.offset} segs=${c.iov.join(',')} flags=${c.flags.length > 0 ? c.flags.map((f) => f.replace(/^RWF_/, '')).join('|') : '0'} id=${idOf(c.id)}`;
    case 'pread':
      return `pread fd=${fd(c.fd)} off=${c.offset} len=${c.len}`;
    case 'fsync':
    case 'fdatasync':
    case 'statx':
      return `${c.op} fd=${fd(c.fd)}`;
    case 'mmap-store':
      return { why: 'the program stores through mmap, which the helper does not do' };
  }
}

function script(s: Settings, input: DocInput, ops: string[], expects: Expect[], notes: string[], ids: Map<string, number>, program: Syscall[]): string {
  const mkfs = s.fs.kind === 'xfs' ? `mkfs.xfs -q -f -m reflink=${s.fs.reflink ? 1 : 0} "$dev"` : `mkfs.ext4 -q -F${s.fs.clusterBlocks > 1 ? ` -O bigalloc -C ${s.fs.clusterBlocks * BS}` : ''} "$dev"`;
  const checks = expects.map((e) => `check ${e.op} ${quote(e.needle)} ${quote(e.what)}`);
  return `#!/usr/bin/env bash
# Reproducer written by writepath for scenario ${input.scenario} (${input.file}),
# ${input.kind} "${input.property}".
#
# Runs the task's program on a real ${s.fs.kind} through writepath's conformance helper
# (conform/helper.c) and compares what the kernel returns and leaves in each block with the trace.
# Exit 0: as the trace says. Exit 1: the kernel did something else (the lines say what).
# Exit 2: could not set up. Needs root for the loop device, unless WRITEPATH_DIR names a
# directory on a mounted ${s.fs.kind} to use instead.
#
# Program (one task, run exactly in the trace's order):
${program.map((c, i) => `#   ${i + 1}. ${JSON.stringify(c)}`).join('\n')}
# Write ids: ${[...ids].map(([k, v]) => `${k} = ${v}`).join(', ') || 'none'}; the layout's writes use ids 1000 + 100*file + block.
${notes.map((n) => `# Note: ${n}.`).join('\n')}
set -u
helper_src=\${WRITEPATH_HELPER_SRC:-${quote(HELPER_SRC)}}
work=$(mktemp -d /tmp/writepath-repro.XXXXXX)
dev=; mnt=
cleanup() {
  if [ -n "$mnt" ]; then umount "$mnt" 2>/dev/null; fi
  if [ -n "$dev" ]; then losetup -d "$dev" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
die() { echo "repro: $*" >&2; exit 2; }

cc -O2 -std=gnu11 -o "$work/helper" "$helper_src" || die "cannot build the helper from $helper_src"
if [ -n "\${WRITEPATH_DIR:-}" ]; then
  dir=$WRITEPATH_DIR
else
  [ "$(id -u)" = 0 ] || die "not root: set WRITEPATH_DIR to a directory on a mounted ${s.fs.kind}, or run as root"
  truncate -s 512M "$work/fs.img" || die "cannot make an image"
  dev=$(losetup --find --show "$work/fs.img") || die "cannot attach a loop device"
  ${mkfs} || die "cannot make ${s.fs.kind}"
  mkdir "$work/mnt" && mount -t ${s.fs.kind} "$dev" "$work/mnt" || die "cannot mount"
  mnt=$work/mnt
  dir=$mnt
fi

"$work/helper" "$dir" > "$work/out" <<'PROGRAM' || die "the helper failed"
${ops.join('\n')}
end
PROGRAM

status=0
check() {
  local line
  line=$(sed -n "$(($1 + 1))p" "$work/out")
  if printf '%s' "$line" | grep -qF -- "$2"; then
    echo "as the trace says: $3"
  else
    echo "DIFFERS: $3; the kernel: $line"
    status=1
  fi
}
${checks.join('\n')}
if [ "$status" = 0 ]; then echo "the kernel did what the trace says"; else echo "the kernel did not do what the trace says"; fi
exit $status
`;
}
