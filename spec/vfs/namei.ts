/**
 * Files by name: openat with O_CREAT / O_TRUNC, close, unlink, rename over an existing
 * file, and the inode's life to its last close (the orphan list). One directory holds
 * every name; its entries and the orphan list are journal metadata (fs/journal.ts), so a
 * commit makes them durable with the extent maps. Models Linux 6.18: fs/open.c do_sys_open
 * and handle_truncate, fs/namei.c do_renameat2 / vfs_rename / do_unlinkat, fs/file_table.c
 * __fput → ->release, fs/inode.c iput_final / evict; ext4: fs/ext4/namei.c ext4_rename /
 * ext4_unlink, fs/ext4/orphan.c ext4_orphan_add / ext4_orphan_del, fs/ext4/file.c
 * ext4_release_file, fs/ext4/inode.c ext4_truncate / ext4_alloc_da_blocks; XFS:
 * fs/xfs/xfs_inode.c xfs_rename / xfs_remove / xfs_release, xfs_iops.c xfs_setattr_size.
 *
 * Each syscall is one step: the directory and inode changes happen under i_rwsem of the
 * directory and of the inodes involved, which no other modelled syscall takes, and the
 * writeback ext4_alloc_da_blocks / xfs_release start only submits bios that complete later.
 */
import { finishSyscall, settleOwedErrors, task } from '../ghost.ts';
import { ext4FdatawriteRange } from '../fs/ext4/inode.ts';
import { errseqSample } from '../lib/errseq.ts';
import { anyWriteback, filemapFdatawriteRangeKick, mappingOf } from '../mm/filemap.ts';
import { markDirty, markNamesDirty } from '../fs/journal.ts';
import type { Inode } from '../fs/types.ts';
import { fsName } from './fd.ts';
import { atomicLimits } from './stat.ts';
import { readBlock } from './read.ts';
import type { Errno, Syscall } from './types.ts';
import type { Token } from '../token.ts';
import { newAddressSpace, type Settings, type Step, type World } from '../world.ts';

type Call<K extends Syscall['op']> = Extract<Syscall, { op: K }>;

const byName = (a: [string, number], b: [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The inode a name refers to (lookup_fast / d_lookup in the one directory), or null (ENOENT). */
export function lookup(w: World, name: string): number | null {
  return w.dir.find(([n]) => n === name)?.[1] ?? null;
}

function setEntry(w: World, name: string, ino: number | null): void {
  const rest = w.dir.filter(([n]) => n !== name);
  w.dir = ino === null ? rest : [...rest, [name, ino] as [string, number]].sort(byName);
  markNamesDirty(w);
}

/** Open files (of every task) on `ino`: the inode's i_count from struct files. */
export function openCount(w: World, ino: number): number {
  let n = 0;
  for (const t of w.tasks) for (const f of t.fds) if (f.ino === ino && !f.closed) n++;
  return n;
}

const linked = (w: World, ino: number) => w.dir.some(([, i]) => i === ino);

/** Room for a new file's blocks (files are fixed-length arrays in this model). */
export function newFileBlocks(s: Settings): number {
  return s.newFileBlocks ?? Math.max(1, ...s.files.map((f) => f.blocks.length));
}

/** i_rwsem / invalidate_lock free and no direct I/O in flight: do_truncate and evict may run. */
function quiet(w: World, ino: number): boolean {
  const i = w.inodes[ino];
  if (i === undefined) return false;
  const free = (l: Inode['iolock']) => l.excl === null && l.shared.length === 0;
  return free(i.iolock) && free(i.invalidateLock) && i.dioCount === 0 && !anyWriteback(w, ino, 0, i.map.length);
}

/**
 * __ext4_new_inode / xfs_create: a new, empty inode, logged in the running transaction.
 * Its number is the next unused one (numbers are never reused in this model).
 */
function ialloc(w: World, s: Settings): number {
  const ino = w.inodes.length;
  const n = newFileBlocks(s);
  w.inodes.push({
    size: 0,
    diskSize: 0,
    map: Array.from({ length: n }, () => ({ kind: 'hole' as const })),
    cow: Array.from({ length: n }, () => ({ kind: 'none' as const })),
    seq: 0,
    iolock: { excl: null, shared: [] },
    invalidateLock: { excl: null, shared: [] },
    dioCount: 0,
    reflink: false,
  });
  w.pageCache.push(Array.from({ length: n }, () => null));
  w.mappings.push(newAddressSpace(s, ino));
  markDirty(w, ino);
  return ino;
}

/**
 * Free every block of the file and drop its page cache: truncate_pagecache(inode, 0) and
 * the file system's truncate to size 0 (ext4_truncate / xfs_itruncate_extents), in the
 * running transaction. A freed block stays unallocatable until that commit (allocatable()).
 * The O_TRUNC / eviction case of truncate only: ftruncate to any size is issue 13a's.
 */
export function truncateToZero(w: World, ino: number): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  inode.map.forEach((m, blk) => {
    if (m.kind === 'written' || m.kind === 'unwritten') w.free[m.p] = true;
    if (m.kind !== 'hole') inode.map[blk] = { kind: 'hole' };
  });
  inode.cow.forEach((c, blk) => {
    if (c.kind === 'staging') {
      if (c.real) w.free[c.p] = true;
      inode.cow[blk] = { kind: 'none' };
    }
  });
  inode.size = 0;
  inode.diskSize = 0;
  inode.seq++;
  const pc = w.pageCache[ino];
  if (pc !== undefined) pc.fill(null);
  markDirty(w, ino);
  // Ghost: after recovery, the recovered data of this file is gone (recovered-reads).
  const r = w.recovered;
  if (r !== null && !r.truncated.includes(ino)) r.truncated = [...r.truncated, ino].sort((a, b) => a - b);
}

/**
 * iput_final → evict → ext4_evict_inode / xfs_inactive: the last reference to an unlinked
 * inode is gone: its blocks are freed and it leaves the orphan list, in one transaction.
 */
function evict(w: World, ino: number): void {
  truncateToZero(w, ino);
  w.orphans = w.orphans.filter((o) => o !== ino);
  w.flushOnClose = w.flushOnClose.filter((o) => o !== ino);
  w.dead = [...w.dead, ino].sort((a, b) => a - b);
  markNamesDirty(w);
}

/** An inode lost its last name: evicted now if no file holds it, else put on the orphan list. */
function dropLink(w: World, ino: number): string {
  if (linked(w, ino)) return '';
  if (openCount(w, ino) > 0) {
    w.orphans = [...w.orphans, ino].sort((a, b) => a - b);
    markNamesDirty(w);
    return `; inode ${ino} still open: on the orphan list`;
  }
  evict(w, ino);
  return `; inode ${ino} evicted, its blocks freed`;
}

/**
 * ext4's "reserved data blocks" (i_reserved_data_blocks) and XFS's i_delayed_blks: dirty
 * folios over blocks with no disk block yet (delalloc, or a hole in this model's ext4).
 */
export function hasDelalloc(w: World, ino: number): boolean {
  const inode = w.inodes[ino];
  const pc = w.pageCache[ino];
  if (inode === undefined || pc === undefined) return false;
  return inode.map.some((m, blk) => (m.kind === 'delalloc' || m.kind === 'hole') && pc[blk]?.dirty === true);
}

/** filemap_flush: WB_SYNC_NONE writeback of the whole file, nobody waits for it. */
function filemapFlush(w: World, s: Settings, ino: number): void {
  const n = w.inodes[ino]?.map.length ?? 0;
  // ext4 writes back through its own ->writepages (mpage_prepare_extent_to_map).
  if (s.fs.kind === 'ext4') ext4FdatawriteRange(w, s, ino, 0, n, -1, false);
  else filemapFdatawriteRangeKick(w, ino, 0, n);
}

function fail(ti: number, op: Call<'openat' | 'unlink' | 'rename'>['op'], fn: string, err: Errno, why: string): Step {
  return { fn, what: `${why} → ${err}`, apply: (d) => finishSyscall(d, ti, { op, ret: err }) };
}

/**
 * do_sys_open → path_openat: look the name up; O_CREAT makes a new inode and its entry
 * (lookup_open → vfs_create); O_TRUNC truncates an existing file (handle_truncate →
 * do_truncate under i_rwsem, which waits for writeback and direct I/O). ext4_truncate to
 * size 0 sets EXT4_STATE_DA_ALLOC_CLOSE when auto_da_alloc is on; xfs_setattr_size sets
 * XFS_ITRUNCATED on any truncate down (not for an empty file with no extents).
 */
export function openatEntry(w: World, s: Settings, ti: number, c: Call<'openat'>): Step | null {
  const found = lookup(w, c.path);
  const creat = c.flags.includes('O_CREAT');
  if (found === null && !creat) return fail(ti, 'openat', 'do_sys_open → path_openat', 'ENOENT', `no entry ${JSON.stringify(c.path)}`);
  const trunc = found !== null && c.flags.includes('O_TRUNC') && c.access !== 'O_RDONLY';
  if (trunc && !quiet(w, found)) return null;
  const canAtomic = atomicLimits(s).min > 0;
  const fd = task(w, ti).fds.length;
  const how = found === null ? `vfs_create → ${s.fs.kind === 'ext4' ? '__ext4_new_inode' : 'xfs_create'}: new inode ${w.inodes.length}` : trunc ? `handle_truncate → ${s.fs.kind === 'ext4' ? 'ext4_setattr → ext4_truncate' : 'xfs_setattr_size'}: inode ${found} to size 0` : `inode ${found}`;
  return {
    fn: `do_sys_open → path_openat${found === null ? ' → lookup_open' : ''} → ${fsName(s)}_file_open`,
    what: `open ${JSON.stringify(c.path)} ${[c.access, ...c.flags].join('|')}: ${how} → fd ${fd}`,
    apply: (d) => {
      let ino = found;
      if (ino === null) {
        ino = ialloc(d, s);
        setEntry(d, c.path, ino);
      } else if (trunc) {
        const inode = d.inodes[ino];
        const emptyXfs = s.fs.kind === 'xfs' && inode !== undefined && inode.size === 0 && inode.map.every((m) => m.kind === 'hole');
        truncateToZero(d, ino);
        const flag = s.fs.kind === 'ext4' ? s.knobs.ext4AutoDaAlloc === 'auto_da_alloc' : !emptyXfs;
        if (flag && !d.flushOnClose.includes(ino)) d.flushOnClose = [...d.flushOnClose, ino].sort((a, b) => a - b);
      }
      const t = task(d, ti);
      t.fds.push({
        ino,
        read: c.access !== 'O_WRONLY',
        write: c.access !== 'O_RDONLY',
        direct: c.flags.includes('O_DIRECT'),
        dsync: c.flags.includes('O_DSYNC') || c.flags.includes('O_SYNC'),
        sync: c.flags.includes('O_SYNC'),
        canAtomic,
        wbErr: errseqSample(mappingOf(d, ino).wbErr),
        closed: false,
      });
      finishSyscall(d, ti, { op: 'openat', ret: t.fds.length - 1 });
    },
  };
}

/**
 * close → __fput → ->release (ext4_release_file / xfs_file_release → xfs_release): nothing
 * durable happens, except that a file flagged by a truncate (EXT4_STATE_DA_ALLOC_CLOSE with
 * reserved delalloc blocks; XFS_ITRUNCATED with i_delayed_blks) starts writeback of the
 * whole file (filemap_flush) and clears the flag. The last close of an unlinked inode
 * evicts it (iput_final), which waits for its writeback first (truncate_inode_pages_final).
 */
export function closeEntry(w: World, s: Settings, ti: number, c: Call<'close'>): Step | null {
  const of = task(w, ti).fds[c.fd];
  if (of === undefined || of.closed) return { fn: 'close_fd', what: `fd ${c.fd} is not open → EBADF`, apply: (d) => finishSyscall(d, ti, { op: 'close', ret: 'EBADF' }) };
  const ino = of.ino;
  const last = openCount(w, ino) === 1 && !linked(w, ino);
  const flush = w.flushOnClose.includes(ino);
  const flushes = flush && hasDelalloc(w, ino);
  // Eviction waits for writeback (truncate_inode_pages_final); the release's own flush is
  // submitted first, in a step of its own, and eviction follows once its bios complete.
  if (last && !flushes && !quiet(w, ino)) return null;
  const rel = s.fs.kind === 'ext4' ? 'ext4_release_file' : s.fs.kind === 'xfs' ? 'xfs_file_release → xfs_release' : 'fuse_release';
  const flushWhat = flush ? (flushes ? `; ${s.fs.kind === 'ext4' ? 'EXT4_STATE_DA_ALLOC_CLOSE → ext4_alloc_da_blocks' : 'XFS_ITRUNCATED'} → filemap_flush starts writeback` : '; truncate flag cleared (no delalloc blocks)') : '';
  return {
    fn: `close_fd → __fput → ${rel}`,
    what: `close fd ${c.fd} (inode ${ino})${flushWhat}${last && !flushes ? `; last close of unlinked inode ${ino}: evict` : ''}`,
    apply: (d) => {
      if (flush) {
        if (flushes) filemapFlush(d, s, ino);
        d.flushOnClose = d.flushOnClose.filter((x) => x !== ino);
        // The flush's bios are in flight: eviction, which waits for them, is a later step of this close.
        if (flushes && last) return;
      }
      const t = task(d, ti);
      const f = t.fds[c.fd];
      if (f !== undefined) f.closed = true;
      // An error writeback recorded is no longer owed to this fd: nothing can fsync it now.
      settleOwedErrors(d, ti, c.fd, true);
      if (last) evict(d, ino);
      finishSyscall(d, ti, { op: 'close', ret: 0 });
    },
  };
}

/**
 * do_unlinkat → vfs_unlink → ext4_unlink / xfs_remove: the entry goes in the running
 * transaction; an inode with no name left is put on the orphan list if a file still holds
 * it (ext4_orphan_add, xfs_iunlink), else evicted at once (iput after the unlink).
 */
export function unlinkEntry(w: World, s: Settings, ti: number, c: Call<'unlink'>): Step | null {
  const ino = lookup(w, c.path);
  const fn = `do_unlinkat → vfs_unlink → ${s.fs.kind === 'ext4' ? 'ext4_unlink' : 'xfs_remove'}`;
  if (ino === null) return fail(ti, 'unlink', fn, 'ENOENT', `no entry ${JSON.stringify(c.path)}`);
  const evicts = openCount(w, ino) === 0 && w.dir.filter(([, i]) => i === ino).length === 1;
  if (evicts && !quiet(w, ino)) return null;
  return {
    fn,
    what: `remove ${JSON.stringify(c.path)} (inode ${ino}) in the running transaction${evicts ? `; iput: inode ${ino} evicted, blocks freed` : openCount(w, ino) > 0 ? `; inode ${ino} still open: orphan list` : ''}`,
    apply: (d) => {
      setEntry(d, c.path, null);
      dropLink(d, ino);
      finishSyscall(d, ti, { op: 'unlink', ret: 0 });
    },
  };
}

/**
 * do_renameat2 → vfs_rename → ext4_rename / xfs_rename: `to` now names `from`'s inode and
 * `from` is gone, in one transaction; a replaced inode loses its name (orphan list or
 * eviction, as unlink). ext4 with auto_da_alloc (ext4_rename: `if (new.inode &&
 * !test_opt(..., NO_AUTO_DA_ALLOC)) ext4_alloc_da_blocks(old.inode)`) first starts
 * writeback of the source's delayed-allocation blocks when the target existed. XFS does
 * nothing of the kind.
 */
export function renameEntry(w: World, s: Settings, ti: number, c: Call<'rename'>): Step | null {
  const src = lookup(w, c.from);
  const fn = `do_renameat2 → vfs_rename → ${s.fs.kind === 'ext4' ? 'ext4_rename' : 'xfs_rename'}`;
  if (src === null) return fail(ti, 'rename', fn, 'ENOENT', `no entry ${JSON.stringify(c.from)}`);
  const dst = lookup(w, c.to);
  if (dst === src) return { fn, what: `${JSON.stringify(c.from)} and ${JSON.stringify(c.to)} are the same inode: nothing to do`, apply: (d) => finishSyscall(d, ti, { op: 'rename', ret: 0 }) };
  const evicts = dst !== null && openCount(w, dst) === 0 && w.dir.filter(([, i]) => i === dst).length === 1;
  if (evicts && !quiet(w, dst)) return null;
  const daAlloc = s.fs.kind === 'ext4' && dst !== null && s.knobs.ext4AutoDaAlloc === 'auto_da_alloc' && hasDelalloc(w, src);
  const target = dst === null ? 'a new entry' : `replacing inode ${dst}${evicts ? ' (evicted, blocks freed)' : openCount(w, dst) > 0 ? ' (still open: orphan list)' : ''}`;
  return {
    fn: daAlloc ? `${fn} → ext4_alloc_da_blocks → filemap_flush; ext4_rename` : fn,
    what: `${daAlloc ? `start writeback of inode ${src}'s delalloc blocks; ` : ''}${JSON.stringify(c.to)} → inode ${src}, ${target}, ${JSON.stringify(c.from)} removed, in the running transaction`,
    apply: (d) => {
      if (daAlloc) filemapFlush(d, s, src);
      recordRename(d, s, c.to, src, dst);
      setEntry(d, c.from, null);
      setEntry(d, c.to, src);
      if (dst !== null) dropLink(d, dst);
      finishSyscall(d, ti, { op: 'rename', ret: 0 });
    },
  };
}

/**
 * Ghost: a rename over an existing file, with the content each side had (as a read
 * would see it, within its size), for the rename-old-or-new properties.
 */
function recordRename(w: World, s: Settings, name: string, src: number, dst: number | null): void {
  if (dst === null) return;
  w.ghost.clock++;
  w.renames = [...w.renames.filter((r) => r.name !== name), { name, old: visibleContent(w, s, dst), new: visibleContent(w, s, src), at: w.ghost.clock, src, dst }];
}

/** What reading the whole file returns now: the page cache over the disk, within i_size. */
export function visibleContent(w: World, s: Settings, ino: number): Token[] {
  const inode = w.inodes[ino];
  if (inode === undefined) return [];
  const n = Math.ceil(inode.size / s.fs.blockSize);
  const out: Token[] = [];
  for (let b = 0; b < n; b++) {
    const f = w.pageCache[ino]?.[b] ?? null;
    out.push(f !== null && f.uptodate ? f.t : readBlock(w, ino, b));
  }
  return out;
}
