/**
 * A reproducer for the real kernel: a shell script that makes a loop device with the
 * scenario's file system (or uses a directory given in WRITEPATH_DIR), builds the conformance
 * helper (conform/helper.c; Debian 12's xfs_io cannot issue RWF_ATOMIC, the helper can issue
 * every pwritev2 flag the spec knows), lays out each file, runs each task's program in its own
 * helper process, reads every block back with O_DIRECT, and compares each syscall's return
 * value and each block with what the trace says. Exit 0: the kernel did what the trace says;
 * 1: it did not.
 *
 * A single-task trace runs once, exactly in the trace's order. A concurrent trace cannot have
 * its interleaving forced from user space: the script starts the tasks together and tries the
 * race up to WRITEPATH_TRIES times (default 200), stopping at the first run that ends as the
 * trace does, and says so. Each task's helper works in its own directory on hard links to the
 * same files, because the helper unlinks the files of a program when it ends.
 *
 * Not reproduced: power loss (a loop device cannot lose power mid-request) and stores through
 * mmap (the helper has none); for those the generator says why it writes no script. Placement
 * is the kernel's own: the script cannot choose physical blocks.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Model, TraceStep } from '../checker/index.ts';
import type { Settings, Syscall, SyscallResult, World } from '../spec/index.ts';
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

/** One expected observation: which helper output, which op (0-based), the substring its JSON line must contain. */
interface Expect {
  out: string;
  op: number;
  what: string;
  needle: string;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const layoutId = (ino: number, blk: number): number => 1000 + ino * 100 + blk;

function helperOp(c: Syscall, idOf: (id: string) => number): string | { why: string } {
  switch (c.op) {
    case 'open':
      return `open file=f${c.file} direct=${c.flags.includes('O_DIRECT') ? 1 : 0} dsync=${c.flags.includes('O_DSYNC') ? 1 : 0} sync=${c.flags.includes('O_SYNC') ? 1 : 0}`;
    case 'pwritev2':
      return `pwritev2 fd=${c.fd} off=${c.offset} segs=${c.iov.join(',')} flags=${c.flags.length > 0 ? c.flags.map((f) => f.replace(/^RWF_/, '')).join('|') : '0'} id=${idOf(c.id)}`;
    case 'pread':
      return `pread fd=${c.fd} off=${c.offset} len=${c.len}`;
    case 'fsync':
    case 'fdatasync':
    case 'statx':
    case 'mincore':
    case 'close':
      return `${c.op} fd=${c.fd}`;
    case 'mmap-store':
    case 'mmap':
    case 'mmap-load':
    case 'msync':
    case 'munmap':
      return { why: 'the program stores through mmap, which the helper does not do' };
    case 'openat':
    case 'close':
    case 'unlink':
    case 'rename':
      return { why: `the program calls ${c.op}, which --repro does not translate yet` };
    case 'ftruncate':
      return `ftruncate fd=${c.fd} len=${c.length}`;
    case 'fallocate':
      return `fallocate fd=${c.fd} mode=${c.mode.length > 0 ? c.mode.map((f) => f.replace(/^FALLOC_FL_/, '')).join('|') : '0'} off=${c.offset} len=${c.len}`;
  }
}

function retNeedle(c: Syscall, r: SyscallResult): string {
  return typeof r.ret === 'number' ? `"ret":${r.ret},` : `"errno":"${r.ret}"`;
}

/** Returns the script, or why there is none. */
export function reproScript<S, A>(model: Model<S, A>, trace: ReadonlyArray<TraceStep<S, A>>, input: DocInput): string | { why: string } {
  const s = (model as { settings?: unknown }).settings;
  if (!isSettings(s)) return { why: 'the scenario is not a writepath spec scenario (its model carries no file-system settings)' };
  const lastStep = trace[trace.length - 1];
  const last = lastStep?.state;
  if (lastStep === undefined || !isWorld(last)) return { why: 'the trace has no final state of the write path' };
  // The state just before the power loss, if the trace has one: the tasks run up to there.
  const lossAt = trace.findIndex((t) => isWorld(t.state) && t.state.powerLosses > 0);
  const preLoss = lossAt > 0 ? trace[lossAt - 1]!.state : undefined;
  if (lossAt >= 0 && s.programs.length > 1) return { why: 'the trace has a power loss and several tasks; only single-task power-loss traces are reproduced (run, then shut the file system down without flushing its log)' };
  if (preLoss !== undefined && !isWorld(preLoss)) return { why: 'the trace has no state of the write path before its power loss' };
  const beforeLoss: World | undefined = preLoss !== undefined && isWorld(preLoss) ? preLoss : undefined;
  if (s.fs.kind !== 'xfs' && s.fs.kind !== 'ext4') return { why: `reproducers set up XFS or ext4 on a loop device; this scenario is on ${s.fs.kind}` };
  if (s.fs.blockSize !== BS) return { why: `the helper's data patterns assume ${BS}-byte blocks, the scenario has ${s.fs.blockSize}` };
  const ids = new Map<string, number>();
  const idOf = (id: string): number => {
    if (!ids.has(id)) ids.set(id, ids.size + 1);
    return ids.get(id)!;
  };
  const notes: string[] = [];
  if (beforeLoss !== undefined) {
    notes.push(`power loss is emulated with the file system's shutdown ioctl without a log flush (xfs_io -x -c shutdown), then unmount and mount for log recovery: metadata the log has not committed is lost, but every data block the loop device received survives, whereas the trace's power loss was "${trace[lossAt]!.label}"`);
    const cur = beforeLoss.tasks[0]?.cur ?? null;
    if (cur !== null) notes.push(`the call in progress at the trace's power loss (T1 call ${(beforeLoss.tasks[0]?.pc ?? 0) + 1}) runs to completion before the shutdown: user space cannot stop it midway`);
  }
  if (s.device.atomicUnitMax > 0) {
    notes.push(`the scenario's device has hardware atomic writes (${s.device.atomicUnitMin}-${s.device.atomicUnitMax} bytes); a loop device has none, so RWF_ATOMIC takes the file system's software path (or fails) here, and the outcome may differ for that reason alone`);
  }
  // The layout: written blocks hold "f<ino>.init[<blk>]" (helper write ids 1000 + 100*file + block),
  // then the size, then fsync. Unwritten blocks are left as holes: both read as zeroes.
  const layout: string[] = [];
  s.files.forEach((f, ino) => {
    layout.push(`open file=f${ino} direct=1`);
    f.blocks.forEach((b, blk) => {
      if (b === 'hole') return;
      if ('unwritten' in b) notes.push(`file ${ino} block ${blk} is unwritten in the scenario; the script leaves a hole (both read as zeroes)`);
      else layout.push(`pwritev2 fd=${ino} off=${blk * BS} segs=${BS} flags=0 id=${layoutId(ino, blk)}`);
    });
    layout.push(`ftruncate fd=${ino} len=${f.size ?? f.blocks.length * BS}`, `fsync fd=${ino}`);
  });
  const expects: Expect[] = [];
  const tasks: string[][] = [];
  let finished = true;
  for (const [ti, program] of s.programs.entries()) {
    // With a power loss: the calls that returned before it and the one in progress, nothing after.
    const upTo = beforeLoss === undefined ? program.length : (beforeLoss.tasks[ti]?.results.length ?? 0) + (beforeLoss.tasks[ti]?.cur !== null ? 1 : 0);
    const returned = (beforeLoss ?? last).tasks[ti]?.results ?? [];
    const ops: string[] = [];
    for (const [k, call] of program.slice(0, upTo).entries()) {
      const line = helperOp(call, idOf);
      if (typeof line !== 'string') return line;
      const r = returned[k];
      if (r !== undefined) {
        expects.push({ out: `T${ti + 1}`, op: k, what: `T${ti + 1} call ${k + 1} (${call.op}) returns ${r.ret}`, needle: retNeedle(call, r) });
        if (r.op === 'pread' && r.data.length > 0) expects.push({ out: `T${ti + 1}`, op: k, what: `T${ti + 1} call ${k + 1} (pread) reads ${r.data.join(', ')}`, needle: '' });
      }
      ops.push(line);
    }
    if (beforeLoss !== undefined && upTo < program.length) notes.push(`T${ti + 1}'s calls after call ${upTo} do not run: the trace's power loss comes first`);
    if (beforeLoss === undefined && returned.length < program.length) {
      finished = false;
      notes.push(`the trace ends before T${ti + 1}'s call ${returned.length + 1}; its later calls run but are not compared`);
    }
    tasks.push(ops);
  }
  const helperToken = (t: string): string | null => {
    if (t === 'zero') return '0';
    const m = /^(.*)\[(\d+)\]$/.exec(t);
    if (m === null) return null;
    const init = /^f(\d+)\.init$/.exec(m[1]!);
    if (init !== null) return `${layoutId(Number(init[1]), Number(m[2]))}.0`;
    return ids.has(m[1]!) ? `${ids.get(m[1]!)}.${m[2]}` : null;
  };
  // Fill in the read needles now that every write has its id.
  for (const e of expects) {
    if (e.needle !== '') continue;
    const data = /reads (.*)$/.exec(e.what)![1]!.split(', ');
    const toks = data.map(helperToken);
    e.needle = toks.every((t): t is string => t !== null) ? `"blocks":[${toks.map((t) => `"${t}"`).join(',')}]` : '"op":"pread"';
  }
  // Read every block back through fresh O_DIRECT descriptors once all tasks are done; compared
  // only when the trace, too, ends with every task done (else later calls change them).
  const readBack: string[] = [];
  const cells = model.cells?.(lastStep.state, input.property) ?? {};
  s.files.forEach((_, ino) => {
    readBack.push(`open file=f${ino} direct=1`);
    const blocks = last.inodes[ino]?.map.length ?? 0;
    for (let blk = 0; blk < blocks; blk++) {
      const want = cells[`file ${ino} block ${blk}`];
      const tok = want === undefined ? null : helperToken(want);
      if (finished && tok !== null) expects.push({ out: 'read', op: readBack.length, what: `file ${ino} block ${blk} holds ${want}`, needle: `"blocks":["${tok}"]` });
      readBack.push(`pread fd=${ino} off=${blk * BS} len=${BS}`);
    }
  });
  return script(s, input, { layout, tasks, readBack, powerLoss: beforeLoss !== undefined }, expects, notes, ids);
}

function heredoc(cmd: string, tag: string, ops: readonly string[], background: boolean): string {
  return `${cmd} <<'${tag}'${background ? ' &' : ''}\n${ops.join('\n')}\nend\n${tag}`;
}

function script(s: Settings, input: DocInput, p: { layout: string[]; tasks: string[][]; readBack: string[]; powerLoss: boolean }, expects: Expect[], notes: string[], ids: Map<string, number>): string {
  const mountOpts = s.fs.kind === 'xfs' && s.fs.allocsize !== null ? ` -o allocsize=${s.fs.allocsize}` : '';
  const mkfs = s.fs.kind === 'xfs' ? `mkfs.xfs -q -f -m reflink=${s.fs.reflink ? 1 : 0} "$dev"` : `mkfs.ext4 -q -F${s.fs.clusterBlocks > 1 ? ` -O bigalloc -C ${s.fs.clusterBlocks * BS}` : ''} "$dev"`;
  const files = s.files.map((_, ino) => `f${ino}`);
  const concurrent = p.tasks.length > 1;
  const dirs = ['layout', 'read', ...p.tasks.map((_, ti) => `T${ti + 1}`)];
  const links = (d: string): string => files.map((f) => `ln "$r/keep-${f}" "$r/${d}/p0-${f}"`).join(' && ');
  const taskRuns = p.tasks.map((ops, ti) => heredoc(`"$work/helper" "$r/T${ti + 1}" > "$o/T${ti + 1}.out"`, `T${ti + 1}`, ops, concurrent));
  const checks = expects.map((e) => `  expect ${e.out} ${e.op} ${quote(e.needle)} ${quote(e.what)}`);
  return `#!/usr/bin/env bash
# Reproducer written by writepath for scenario ${input.scenario} (${input.file}),
# ${input.kind} "${input.property}".
#
# Runs each task's program on a real ${s.fs.kind} through writepath's conformance helper
# (conform/helper.c), one helper process per task, and compares what the kernel returns and
# leaves in each block with the trace.
${
  concurrent
    ? `# The trace interleaves ${p.tasks.length} tasks; user space cannot force that interleaving, so the tasks
# are started together and the race is tried up to WRITEPATH_TRIES times (default 200), stopping
# at the first run that ends as the trace does. A miss does not prove the race impossible.`
    : '# One task: the program runs once, in exactly the order of the trace.'
}${p.powerLoss ? '\n# Then the power loss: shutdown without a log flush, unmount, mount (log recovery), read back.' : ''}
# Exit 0: as the trace says. Exit 1: the kernel did something else (the lines say what).
# Exit 2: could not set up. Needs root for the loop device, unless WRITEPATH_DIR names a
# directory on a mounted ${s.fs.kind} to use instead.
#
# Programs:
${p.tasks.map((ops, ti) => ops.map((o, k) => `#   T${ti + 1}.${k + 1} ${o}`).join('\n')).join('\n')}
# Write ids: ${[...ids].map(([k, v]) => `${k} = ${v}`).join(', ') || 'none'}; the layout's writes use ids 1000 + 100*file + block.
${notes.map((n) => `# Note: ${n}.`).join('\n')}
set -u
helper_src=\${WRITEPATH_HELPER_SRC:-${quote(HELPER_SRC)}}
tries=${concurrent ? '${WRITEPATH_TRIES:-200}' : '1'}
work=$(mktemp -d /tmp/writepath-repro.XXXXXX)
dev=; mnt=; runs=
cleanup() {
  if [ -n "$runs" ]; then rm -rf "$runs"; fi
  if [ -n "$mnt" ]; then umount "$mnt" 2>/dev/null; fi
  if [ -n "$dev" ]; then losetup -d "$dev" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
die() { echo "repro: $*" >&2; exit 2; }

cc -O2 -std=gnu11 -o "$work/helper" "$helper_src" || die "cannot build the helper from $helper_src"
if [ -n "\${WRITEPATH_DIR:-}" ]; then
  ${p.powerLoss ? 'die "this reproducer makes its own loop device to shut it down and remount it: unset WRITEPATH_DIR"' : ':'}
  dir=$WRITEPATH_DIR
else
  [ "$(id -u)" = 0 ] || die "not root: set WRITEPATH_DIR to a directory on a mounted ${s.fs.kind}, or run as root"
  truncate -s 512M "$work/fs.img" || die "cannot make an image"
  # Another process may take the loop device losetup found between its look and its attach: retry.
  for _ in 1 2 3 4 5; do
    dev=$(losetup --find --show "$work/fs.img") && [ "$(blockdev --getsize64 "$dev" 2>/dev/null || echo 0)" -gt 0 ] && break
    if [ -n "$dev" ]; then losetup -d "$dev" 2>/dev/null; fi
    dev=; sleep 0.2
  done
  [ -n "$dev" ] || die "cannot attach a loop device"
  ${mkfs} || die "cannot make ${s.fs.kind}"
  mkdir "$work/mnt" && mount -t ${s.fs.kind}${mountOpts} "$dev" "$work/mnt" || die "cannot mount"
  mnt=$work/mnt
  dir=$mnt
fi
runs=$(mktemp -d "$dir/writepath-repro.XXXXXX") || die "cannot make a directory in $dir"

# One run: lay out the files, run the tasks (each helper in its own directory on hard links to
# the same files: the helper unlinks a program's files when it ends), then read every block back.
# The helpers' answers go to $work, off the file system under test.
run() {
  r=$runs/run-$1
  o=$work/run-$1
  mkdir -p "$o" || die "cannot make $o"
  mkdir -p ${dirs.map((d) => `"$r/${d}"`).join(' ')} || die "cannot make $r"
  ${files.map((f) => `: > "$r/keep-${f}"`).join('; ')}
  ${links('layout')} || die "cannot link"
  ${heredoc('"$work/helper" "$r/layout" > "$o/layout.out"', 'LAYOUT', p.layout, false)}
  ${p.powerLoss ? 'sync || die "sync failed"\n  ' : ''}${p.tasks.map((_, ti) => `T${ti + 1}`).map(links).join(' && ')} || die "cannot link"
${taskRuns.join('\n')}
${concurrent ? 'wait\n' : ''}${
    p.powerLoss
      ? `  xfs_io -x -c shutdown "$mnt" || die "cannot shut ${s.fs.kind} down (xfs_io -x -c shutdown)"
  umount "$mnt" || die "cannot unmount after the shutdown"
  # Right after a shutdown the first mount sometimes reads the superblock with EIO: try again.
  for _ in 1 2 3 4 5; do mount -t ${s.fs.kind}${mountOpts} "$dev" "$mnt" 2>"$o/mount.err" && break; sleep 0.5; done
  mountpoint -q "$mnt" || die "cannot mount after the shutdown: $(cat "$o/mount.err")"
`
      : ''
  }  ${links('read')} || die "cannot link"
${heredoc('"$work/helper" "$r/read" > "$o/read.out"', 'READ', p.readBack, false)}
}

# expect OUT OP NEEDLE WHAT: does line OP of OUT's answers contain NEEDLE?
expect() {
  local line
  line=$(sed -n "$(($2 + 1))p" "$o/$1.out")
  if printf '%s' "$line" | grep -qF -- "$3"; then
    [ "$verbose" = 1 ] && echo "as the trace says: $4"
  else
    [ "$verbose" = 1 ] && echo "DIFFERS: $4; the kernel: $line"
    ok=0
  fi
  return 0
}
judge() {
  ok=1
${checks.join('\n')}
}

for i in $(seq 1 "$tries"); do
  run "$i"
  verbose=0; judge
  if [ "$ok" = 1 ] || [ "$i" = "$tries" ]; then
    verbose=1; judge
    if [ "$ok" = 1 ]; then
      echo "the kernel did what the trace says in all ${expects.length} observation${expects.length === 1 ? '' : 's'} compared${concurrent ? ' (run $i of at most $tries)' : ''}"
      exit 0
    fi
    echo "the kernel did not do what the trace says${concurrent ? ' in $tries runs (the lines above are the last run)' : ''}"
    exit 1
  fi
  rm -rf "$r"
done
`;
}
