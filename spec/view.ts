/**
 * How a trace shows the world to a person (Linux 6.18's structures, named as the kernel
 * names them) (the checker's optional `actor`, `view`, `cells` and
 * `about` hooks). The search never sees any of this: it hashes the raw `World`.
 *
 * The view keys every collection by what identifies its members in the kernel — a bio by its
 * id, a cache entry by its bio and block, a folio by its file index, a task by its name — so a
 * diff says "bio#1 completed", never "inflight[0].id: 1 → 2". Ghost history and counters the
 * kernel does not keep (the logical clock, the extent sequence number, flags that only decide
 * a later step) appear only in the verbose view.
 */
import { match } from 'ts-pattern';
import type { ModelAbout } from '../checker/types.ts';
import { describeExtents } from './fs/allocator.ts';
import { journalDirty } from './fs/journal.ts';
import { describeErrseq } from './lib/errseq.ts';
import { KNOB_VARIANTS, MERGED_KNOBS, type Knobs } from './knobs.ts';
import type { Action } from './model.ts';
import { PROPERTIES } from './properties.ts';
import type { Bio, CowMapping, InitialBlock, RwSem, Settings, SysState, Syscall, SyscallResult, Task, World } from './types.ts';
import { fileContent } from './world.ts';
import { FOLIO_WALK_FN } from './mm/filemap.ts';

/** The lane of an action: a task by name, the device, the journal thread, the power supply. */
export function actorOf(a: Action, s: Settings): string {
  return match(a)
    .with({ kind: 'task' }, (x) => taskName(x.task))
    .with({ kind: 'dev-complete' }, { kind: 'dev-fail' }, () => 'device')
    .with({ kind: 'flusher' }, () => 'flusher')
    .with({ kind: 'reclaim' }, () => 'reclaim')
    .with({ kind: 'commit' }, () => (s.fs.kind === 'xfs' ? 'xfs_log' : 'jbd2'))
    .with({ kind: 'power-loss' }, () => 'power')
    .with({ kind: 'fuse' }, () => 'fuse server')
    .with({ kind: 'ext4-end-io' }, () => 'ext4-rsv-conversion')
    .with({ kind: 'read-end' }, { kind: 'read-fail' }, () => 'device')
    .with({ kind: 'folio-end' }, (x) => (x.by === 'ext4' ? 'ext4-rsv-conversion' : 'xfs-end-io'))
    .with({ kind: 'recovery' }, () => 'mount')
    .exhaustive();
}

export const taskName = (ti: number): string => `T${ti + 1}`;

/** One line per syscall, as a C programmer would write it. */
export function describeCall(c: Syscall): string {
  return match(c)
    .with({ op: 'open' }, (x) => `open(file ${x.file}, ${[x.access, ...x.flags].join('|')})`)
    .with({ op: 'pwritev2' }, (x) => {
      const count = x.iov.reduce((a, b) => a + b, 0);
      const iov = x.iov.length > 1 ? ` as iov [${x.iov.join(', ')}]` : '';
      return `pwritev2(fd ${x.fd}, ${count} bytes${iov} @ ${x.offset}, ${x.flags.length > 0 ? x.flags.join('|') : '0'}) writing ${x.id}`;
    })
    .with({ op: 'pread' }, (x) => `pread(fd ${x.fd}, ${x.len} bytes @ ${x.offset})`)
    .with({ op: 'fsync' }, { op: 'fdatasync' }, (x) => `${x.op}(fd ${x.fd})`)
    .with({ op: 'statx' }, (x) => `statx(fd ${x.fd}, STATX_WRITE_ATOMIC)`)
    .with({ op: 'mincore' }, (x) => `mincore(mmap of fd ${x.fd})`)
    .with({ op: 'openat' }, (x) => `openat(${JSON.stringify(x.path)}, ${[x.access, ...x.flags].join('|')})`)
    .with({ op: 'close' }, (x) => `close(fd ${x.fd})`)
    .with({ op: 'unlink' }, (x) => `unlink(${JSON.stringify(x.path)})`)
    .with({ op: 'rename' }, (x) => `rename(${JSON.stringify(x.from)}, ${JSON.stringify(x.to)})`)
    .with({ op: 'ftruncate' }, (x) => `ftruncate(fd ${x.fd}, ${x.length})`)
    .with({ op: 'fallocate' }, (x) => `fallocate(fd ${x.fd}, ${x.mode.length > 0 ? x.mode.join('|') : '0'}, ${x.offset}, ${x.len})`)
    .with({ op: 'mmap-store' }, (x) => `store through ${x.map !== undefined ? `mapping ${x.map}` : 'mmap'} of file ${x.file} @ ${x.offset} writing ${x.id}`)
    .with({ op: 'mmap' }, (x) => `mmap(${x.len} bytes, PROT_READ|PROT_WRITE, MAP_SHARED, fd ${x.fd}, ${x.offset})`)
    .with({ op: 'mmap-load' }, (x) => `load through mapping ${x.map} @ ${x.offset}`)
    .with({ op: 'msync' }, (x) => `msync(mapping ${x.map}, ${x.flags})`)
    .with({ op: 'munmap' }, (x) => `munmap(mapping ${x.map})`)
    .exhaustive();
}

function describeResult(r: SyscallResult): string {
  return match(r)
    .with({ op: 'pwritev2' }, (x) => `pwritev2 ${x.id} → ${x.ret}${x.path !== 'none' ? ` (${x.path}${x.swCause !== null ? `: ${x.swCause}` : ''})` : ''}`)
    .with({ op: 'pread' }, (x) => `pread → ${x.ret}${x.data.length > 0 ? ` [${x.data.join(', ')}]` : ''}`)
    .with({ op: 'statx' }, (x) => `statx → ${x.ret}${x.atomic !== null ? ` (unit ${x.atomic.atomicWriteUnitMin}-${x.atomic.atomicWriteUnitMax})` : ''}`)
    .with({ op: 'mmap-store' }, (x) => `mmap store ${x.id} → ${x.ret}`)
    .with({ op: 'mmap-load' }, (x) => `mmap load → ${x.ret}${x.data.length > 0 ? ` [${x.data.join(', ')}]` : ''}`)
    .otherwise((x) => `${x.op} → ${x.ret}`);
}

function describeSem(sem: RwSem): string {
  if (sem.excl !== null) return `exclusive by ${taskName(sem.excl)}`;
  if (sem.shared.length > 0) return `shared by ${sem.shared.map(taskName).join(', ')}`;
  return 'free';
}

function describeBio(b: Bio): Record<string, unknown> {
  const flags = [b.op === 'flush' ? 'REQ_OP_FLUSH' : 'REQ_OP_WRITE', b.atomic ? 'REQ_ATOMIC' : '', b.fua ? 'REQ_FUA' : '', b.preflush ? 'REQ_PREFLUSH' : ''].filter((x) => x !== '');
  const out: Record<string, unknown> = {
    from: b.owner < 0 ? 'flusher' : taskName(b.owner),
    flags: flags.join('|'),
    blocks: b.blocks.map((x) => `p${x.p} ← ${x.t}`).join(', '),
  };
  if (b.convert.length > 0) out['converts at completion'] = b.convert.map(([ino, blk]) => `file ${ino} block ${blk}`).join(', ');
  return out;
}

function describeCow(cow: CowMapping[]): string {
  const staged = cow.flatMap((c, blk) => (c.kind === 'staging' ? [`[${blk}] p${c.p}${c.real ? '' : ' (delalloc reservation)'}`] : []));
  return staged.length > 0 ? staged.join(', ') : 'none';
}

/** The syscall in progress, with the locks it holds and what it waits for. */
function describeSys(c: SysState, verbose: boolean): Record<string, unknown> {
  if (verbose) return { ...c };
  const common: Record<string, unknown> = 'phase' in c ? { phase: c.phase } : {};
  const fuse = c.sys.startsWith('fuse-');
  if (c.wait.length > 0) common['waits for'] = c.wait.map((b) => (fuse ? `FUSE request #${b}` : `bio#${b}`)).join(', ');
  if (c.ioError) common['I/O error seen'] = true;
  return match(c)
    .with({ sys: 'dio-write' }, (x) => ({
      call: `direct write ${x.req.id} of blocks ${x.req.blk}-${x.req.blk + x.req.nblk - 1}${x.req.atomic ? ' (RWF_ATOMIC)' : ''}`,
      ...common,
      i_rwsem: x.held ? `held ${x.lock === 'excl' ? 'exclusive' : 'shared'}` : `wants ${x.lock === 'excl' ? 'exclusive' : 'shared'}`,
      ...(x.req.atomic ? { 'atomic mode': x.xfsMode === 'sw' ? `software CoW${x.swCause !== null ? ` (${x.swCause})` : ''}` : 'hardware' } : {}),
      'blocks submitted': x.done,
      ...(x.segs.length > 0 ? { mappings: x.segs.map((g) => `[${g.blk}${g.nblk > 1 ? `-${g.blk + g.nblk - 1}` : ''}] ${g.type} p${g.p}${g.nblk > 1 ? `-p${g.p + g.nblk - 1}` : ''}`).join(', ') } : {}),
      ...(x.ret !== null ? { 'return value': x.ret } : {}),
    }))
    .with({ sys: 'buffered-write' }, (x) => ({
      call: `buffered write ${x.req.id} of blocks ${x.req.blk}-${x.req.blk + x.req.nblk - 1}${x.fallback ? ' (fallback from direct I/O)' : ''}`,
      ...common,
      'next block to copy': x.next,
      ...(x.short !== null ? { 'short write': x.short } : {}),
    }))
    .with({ sys: 'dio-read' }, (x) => ({ call: `direct read of file ${x.ino} ${x.len} bytes @ ${x.pos}`, ...common }))
    .with({ sys: 'buffered-read' }, (x) => ({ call: x.fault === undefined ? `buffered read of file ${x.ino} ${x.len} bytes @ ${x.pos}` : `page fault of mapping ${x.fault.map} at file ${x.ino} page ${x.fault.blk}${x.fault.invalidateLock ? ', invalidate_lock shared' : ''}`, ...common, 'waits for the folio lock of': x.fault === undefined ? `blocks @ ${x.pos}+${x.len}` : `page ${x.fault.blk}` }))
    .with({ sys: 'fsync' }, (x) => ({ call: `${x.msync !== undefined ? `msync(MS_SYNC) of blocks ${x.msync.blk}-${x.msync.blk + x.msync.nblk - 1}` : x.datasync ? 'fdatasync' : 'fsync'} of file ${x.ino}`, ...common }))
    .with({ sys: 'fuse-write' }, (x) => ({
      call: `FUSE write ${x.req.id} of ${x.req.count} bytes @ ${x.req.pos}`,
      ...common,
      'bytes written': x.done,
      ...(x.pending !== null ? { request: `pages ${x.pending.blk}-${x.pending.blk + x.pending.data.length - 1}, ${x.pending.count} bytes @ ${x.pending.pos}${x.pending.locked.length > 0 ? `, holds locked ${x.pending.locked.join(',')}` : ''}` } : {}),
    }))
    .with({ sys: 'fuse-read' }, (x) => ({ call: `FUSE buffered read of file ${x.ino} ${x.len} bytes @ ${x.pos}`, ...common, 'pages read': x.data.join(', ') || 'none' }))
    .with({ sys: 'fuse-dio-read' }, (x) => ({ call: `FUSE direct read of file ${x.ino} ${x.len} bytes @ ${x.pos}`, ...common }))
    .with({ sys: 'fuse-fsync' }, (x) => ({ call: `FUSE ${x.datasync ? 'fdatasync' : 'fsync'} of file ${x.ino}`, ...common }))
    .with({ sys: 'fuse-dio-write' }, (x) => ({ call: `FUSE direct write ${x.req.id} of ${x.req.count} bytes @ ${x.req.pos}`, ...common }))
    .with({ sys: 'fuse-close' }, (x) => ({ call: `FUSE close of fd ${x.fd} (file ${x.ino})`, ...common }))
    .with({ sys: 'size-op' }, (x) => ({ call: `${x.call} ${x.kind}${x.keepSize ? ' KEEP_SIZE' : ''} of file ${x.ino} ${x.kind === 'truncate' ? `to ${x.offset}` : `${x.len} bytes @ ${x.offset}`}`, ...common, next: x.steps[x.at] ?? 'done' }))
    .exhaustive();
}

function describeTask(w: World, t: Task, s: Settings, ti: number, verbose: boolean): Record<string, unknown> {
  const prog = s.programs[ti] ?? [];
  const out: Record<string, unknown> = {
    next: t.pc < prog.length ? `${t.pc + 1}/${prog.length} ${describeCall(prog[t.pc]!)}` : 'done',
  };
  t.fds.forEach((f, fd) => {
    const flags = [f.direct ? 'O_DIRECT' : '', f.dsync ? 'O_DSYNC' : '', f.sync ? 'O_SYNC' : ''].filter((x) => x !== '');
    out[`fd ${fd}`] = `file ${f.ino}${flags.length > 0 ? ` ${flags.join('|')}` : ''}${f.canAtomic ? ' FMODE_CAN_ATOMIC_WRITE' : ''}`;
  });
  if (t.cur !== null) out.syscall = describeSys(t.cur, verbose);
  for (const v of w.vmas) if (v.task === ti) out[`mapping ${v.id}`] = `file ${v.ino} blocks ${v.blk}-${v.blk + v.nblk - 1}, PTEs ${v.pte.map((p, i) => `[${v.blk + i}] ${p === 'none' ? 'not present' : p === 'ro' ? 'read-only' : 'writable'}`).join(', ')}`;
  const results: Record<string, string> = {};
  t.results.forEach((r, k) => (results[`#${k + 1}`] = describeResult(r)));
  if (t.results.length > 0) out.returned = results;
  return out;
}

const freeList = (free: boolean[]): string => free.flatMap((f, p) => (f ? [`p${p}`] : [])).join(' ') || 'none';

/** The world as a person reads it; `verbose` adds the ghost history and the raw bookkeeping. */
export function viewOf(w: World, s: Settings, verbose: boolean): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  w.inodes.forEach((inode, ino) => {
    const f: Record<string, unknown> = {
      size: inode.size,
      // Shown only while it lags or leads i_size (a buffered append before writeback, a truncate in progress).
      ...(inode.diskSize !== inode.size ? { 'on-disk size': inode.diskSize } : {}),
      extents: describeExtents(inode.map),
      'cow fork': describeCow(inode.cow),
      i_rwsem: describeSem(inode.iolock),
      invalidate_lock: describeSem(inode.invalidateLock),
      i_dio_count: inode.dioCount,
    };
    const folios: Record<string, string> = {};
    (w.pageCache[ino] ?? []).forEach((folio, blk) => {
      if (folio === null) return;
      const bh = folio.bh === undefined ? '' : folio.bh.delay ? 'BH_Delay' : folio.bh.p === null ? 'unmapped buffer' : `buffer p${folio.bh.p}${folio.bh.unwritten ? ' BH_Unwritten' : ''}`;
      const flags = [folio.uptodate ? 'uptodate' : '', folio.dirty ? 'dirty' : 'clean', folio.writeback ? 'writeback' : '', folio.dropbehind ? 'dropbehind' : '', folio.atomic ? 'PG_atomic' : '', bh].filter((x) => x !== '');
      const of = folio.nr > 1 ? ` (block ${blk - folio.head + 1} of folio ${folio.head}-${folio.head + folio.nr - 1})` : '';
      folios[`block ${blk}`] = `${folio.t} ${flags.join(' ')}${of}`;
    });
    f['page cache'] = folios;
    const rsv = w.ext4IoEnds.filter((x) => x.ino === ino);
    if (rsv.length > 0) f['unwritten io_ends'] = rsv.map((x) => `bios ${x.bios.map((b) => `#${b}`).join(',')} convert blocks ${x.blocks.join(',')}${x.inflight.length === 0 ? ' (on i_rsv_conversion_list)' : ''}${x.failed ? ' EXT4_IO_END_FAILED' : ''}`).join('; ');
    const walks = w.folioEnds.filter((x) => x.ino === ino);
    const reads = w.readBios.filter((x) => x.ino === ino);
    if (reads.length > 0) f['read bios in flight'] = reads.map((x) => `blocks ${x.blocks.map((b) => `${b.blk}←p${b.p}`).join(',')}`).join('; ');
    if (walks.length > 0) f['folio walks'] = walks.map((x) => `${FOLIO_WALK_FN[x.by]} still to end blocks ${x.heads.join(',')}`).join('; ');
    const m = w.mappings[ino];
    if (m !== undefined && (m.wbErr !== 0 || m.asEio || m.asEnospc)) f['wb_err'] = `${describeErrseq(m.wbErr)}${m.asEio ? ', AS_EIO' : ''}${m.asEnospc ? ', AS_ENOSPC' : ''}`;
    if (inode.reflink) f.reflink = true;
    // XFS: the flusher's pass folio by folio (Settings.flusherPerFolio), shown while it lasts.
    const wpc = w.wpc?.ino === ino ? w.wpc : null;
    if (wpc !== null) f['writepage context'] = `writeback_iter from block ${wpc.next}; wpc->iomap blocks ${wpc.iomap.blk}-${wpc.iomap.blk + wpc.iomap.nblk - 1} → p${wpc.iomap.p}-p${wpc.iomap.p + wpc.iomap.nblk - 1} ${wpc.iomap.unwritten ? 'unwritten' : 'written'}${verbose ? `, data_seq ${wpc.dataSeq}` : ''}`;
    if (verbose) f.seq = inode.seq;
    files[`file ${ino}`] = f;
  });
  const media: Record<string, string> = {};
  w.device.media.forEach((t, p) => (media[`p${p}`] = t));
  const cache: Record<string, string> = {};
  for (const e of w.device.cache) cache[`p${e.p} from bio#${e.bio}`] = `${e.t}${e.atomic ? ' (atomic)' : ''}`;
  const inflight: Record<string, unknown> = {};
  for (const b of w.device.inflight) inflight[`bio#${b.id}`] = describeBio(b);
  const committed: Record<string, string> = {};
  w.journal.committed.inodes.forEach((m, ino) => (committed[`file ${ino}`] = `size ${m.size}, ${describeExtents(m.map)}`));
  committed['free blocks'] = freeList(w.journal.committed.free);
  const tasks: Record<string, unknown> = {};
  w.tasks.forEach((t, ti) => (tasks[taskName(ti)] = describeTask(w, t, s, ti, verbose)));
  // FUSE has no extents, journal or block device: its server stands for them.
  const blockLayers = w.fuse === null;
  if (!blockLayers) for (const f of Object.values(files) as Array<Record<string, unknown>>) for (const k of ['extents', 'cow fork', 'invalidate_lock', 'i_dio_count']) delete f[k];
  const out: Record<string, unknown> = {
    tasks,
    files,
    ...(blockLayers
      ? {
          'free blocks': freeList(w.free),
          journal: {
            'uncommitted changes': journalDirty(w) ? `files ${w.journal.dirtyInodes.join(', ')}` : 'none',
            ...(w.journal.ordered.length > 0 ? { 'ordered data': w.journal.ordered.map(([i, b]) => `file ${i} block ${b}`).join(', ') } : {}),
            committed,
          },
          device: { media, 'volatile cache': cache, 'in flight': inflight },
        }
      : {}),
    'power losses': w.powerLosses,
    'I/O errors injected': w.ioErrors,
  };
  if (w.fuse !== null) {
    const fc = w.fuse;
    const server: Record<string, string> = {};
    fc.server.forEach((pages, ino) => (server[`file ${ino}`] = pages.join(', ')));
    const durable: Record<string, string> = {};
    fc.durable.forEach((pages, ino) => (durable[`file ${ino}`] = pages.join(', ')));
    const reqs: Record<string, string> = {};
    for (const r of fc.reqs) reqs[`#${r.unique}`] = `${r.op}${r.writeback ? ' (writeback)' : ''} file ${r.ino}${r.op === 'FSYNC' || r.op === 'FLUSH' ? '' : ` pages ${r.blk}-${r.blk + r.data.length - 1}`}${r.op === 'WRITE' ? ` [${r.data.join(', ')}]` : ''} from ${r.owner < 0 ? 'writeback' : taskName(r.owner)}`;
    out['fuse server'] = { holds: server, durable, 'requests in flight': reqs, 'locked pages': fc.locked.map((l) => `file ${l.ino} page ${l.blk} by ${taskName(l.task)}`).join(', ') || 'none' };
  }
  if (w.crashed) out['after power loss'] = 'the recovered on-disk state; nothing runs any more';
  if (namesInPlay(s)) out.directory = { names: w.dir.map(([n, i]) => `${n} → inode ${i}`).join(', ') || 'empty', 'orphan list': w.orphans.join(', ') || 'empty', committed: w.journal.dir.map(([n, i]) => `${n} → inode ${i}`).join(', ') || 'empty' };
  if (w.boot !== null) out['after power loss'] = w.boot === 'replay' ? 'powered on: journal replay next' : w.boot === 'orphans' ? 'journal replayed: orphan cleanup next' : 'recovered: the post-crash programs run';
  if (verbose) out.ghost = w.ghost;
  return out;
}

/** The directory is shown only when a scenario uses names (named files, a names syscall, post-crash programs). */
function namesInPlay(s: Settings): boolean {
  const named = (p: Syscall[]) => p.some((c) => c.op === 'openat' || c.op === 'close' || c.op === 'unlink' || c.op === 'rename');
  return s.files.some((f) => f.name !== undefined) || s.programs.some(named) || (s.afterCrash ?? []).length > 0;
}

/**
 * What each file block holds, read as a direct read would (extent map, then the device's cache
 * or media); after a power loss, the recovered file. Every property here is about file blocks.
 */
export function cellsOf(w: World): Record<string, string> {
  const out: Record<string, string> = {};
  w.inodes.forEach((_, ino) => fileContent(w, ino).forEach((t, blk) => (out[`file ${ino} block ${blk}`] = t)));
  return out;
}

function describeInitial(b: InitialBlock): string {
  if (b === 'hole') return 'hole';
  return 'written' in b ? `written p${b.written}` : `unwritten p${b.unwritten}`;
}

/** Whether a program writes or reads part of a block (then traces may show mixed-block tokens, explained in the settings). */
function hasSubBlockIo(s: Settings): boolean {
  const bs = s.fs.blockSize;
  return s.programs.some((p) =>
    p.some((c) => (c.op === 'pwritev2' ? c.offset % bs !== 0 || c.iov.reduce((a, b) => a + b, 0) % bs !== 0 : c.op === 'pread' ? c.offset % bs !== 0 || c.len % bs !== 0 : false)),
  );
}

/** The scenario in words: programs, settings (knobs with their variants), properties, bound. */
export function aboutOf(s: Settings): ModelAbout {
  const kb = (n: number): string => (n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`);
  const d = s.device;
  const knobNames = Object.keys(KNOB_VARIANTS) as Array<keyof Knobs>;
  const settings: ModelAbout['settings'] = [
    { name: 'file system', value: `${s.fs.kind}, ${kb(s.fs.blockSize)} blocks, ${s.fs.sectorSize}-byte sectors, ${s.fs.physBlocks} physical blocks${s.fs.kind === 'xfs' ? `, reflink ${s.fs.reflink ? 'on' : 'off'}, software atomic max ${kb(s.fs.swAtomicMax)}, ${s.fs.allocsize === null ? 'dynamic speculative preallocation' : `allocsize=${kb(s.fs.allocsize)}`}` : `, cluster ${s.fs.clusterBlocks} block(s)`}` },
    {
      name: 'device',
      value: `${d.atomicUnitMax > 0 ? `atomic writes ${kb(d.atomicUnitMin)}-${kb(d.atomicUnitMax)}${d.atomicNeedsAlignment ? ' naturally aligned' : ''}` : 'no atomic writes'}, ${d.writeCache ? 'volatile write cache' : 'write through'}, ${d.fua ? 'FUA' : 'no FUA'}, requests up to ${kb(d.maxTransfer)}`,
    },
    ...s.files.map((f, ino) => ({ name: `file ${ino}`, value: `${f.blocks.map((b, blk) => `[${blk}] ${describeInitial(b)}`).join(', ')}${f.size !== undefined ? `, size ${f.size}` : ''}` })),
    ...(s.cached.length > 0 ? [{ name: 'cached folios', value: s.cached.map(([ino, blk]) => `file ${ino} block ${blk}`).join(', ') }] : []),
    ...(hasSubBlockIo(s) ? [{ name: 'data tokens', value: "a block whose bytes differ is shown as runs: {0:A 512:B} holds A in bytes 0-511 and B from byte 512 to the block's end; '-' marks bytes a read did not return" }] : []),
    ...knobNames.map((k) => ({
      name: `knob ${k}`,
      value: s.knobs[k],
      variants: [...KNOB_VARIANTS[k]],
      doc: s.knobs[k] === MERGED_KNOBS[k] ? 'what Linux merged' : `Linux merged ${MERGED_KNOBS[k]}`,
    })),
  ];
  return {
    programs: s.programs.map((p, ti) => ({ actor: taskName(ti), calls: p.map(describeCall) })),
    settings,
    properties: s.properties.map((p) => ({ name: p, kind: PROPERTIES[p].kind, doc: PROPERTIES[p].doc })),
    bound: `${s.programs.length} task(s), ${s.fs.physBlocks} physical blocks, up to ${s.maxPowerLosses} power loss(es), up to ${s.maxIoErrors} injected I/O error(s)${(s.maxShortWrites ?? 0) > 0 ? `, up to ${s.maxShortWrites} short FUSE WRITE replies` : ''}, background journal commits ${s.backgroundCommit ? 'on' : 'off'}`,
  };
}
