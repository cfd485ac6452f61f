/**
 * pread: the buffered read (filemap_read, one step) and the direct read (iomap_dio_rw for
 * reads: flush dirty cache in range, then read the blocks, unwritten and holes as zeros).
 *
 * Models Linux 6.18 (fs/read_write.c, mm/filemap.c, fs/iomap/direct-io.c).
 */
import { ext4FdatawriteRange } from '../fs/ext4/inode.ts';
import { match } from 'ts-pattern';
import { deviceRead } from '../block/device.ts';
import { finishSyscall, task } from '../ghost.ts';
import { canLock, lock, unlock, unlockPure } from '../kernel/locking/rwsem.ts';
import { frozen, withAt, withMembers } from '../cow.ts';
import { anyLocked, foliosDirty, anyWriteback, filemapFdatawriteRange, folioAt } from '../mm/filemap.ts';
import { addReadFolios, readPlan, submitReadIo, type ReadIo } from '../mm/readahead.ts';
import type { BufferedRead } from '../fs/iomap/types.ts';
import type { SyscallResult } from './types.ts';
import type { Mapping } from '../fs/types.ts';
import {
  readSlice,
  ZERO,
  type DioRead,
  type Errno,
  type Settings,
  type Step,
  type Syscall,
  type Token,
  type World,
} from '../types.ts';
import { blocksOf, fdOf, inodeOf, withInode } from './fd.ts';

/** pread: validation, then a buffered read in one step or a direct read state machine. */
export function preadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pread' }>): Step | null {
  const of = fdOf(w, ti, c.fd);
  const fn = `ksys_pread64 → ${s.fs.kind}_file_read_iter`;
  const what = `pread(fd ${c.fd}, ${c.len} bytes @ ${c.offset})`;
  const fail = (ret: Errno | 0): Step => ({
    fn,
    what: `${what} → ${ret === 0 ? 0 : `-${ret}`}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, { op: 'pread', ret, file: of?.ino ?? -1, data: [], firstBlock: 0, start: d.ghost.clock, end: d.ghost.clock + 1 });
    },
  });
  // ksys_pread64 rejects a negative offset before it looks up the fd.
  if (c.offset < 0) return fail('EINVAL');
  if (of === null || !of.read) return fail('EBADF');
  if (c.len === 0) return fail(0);
  const size = inodeOf(w, of.ino).size;
  if (of.direct) {
    if (c.offset >= size) return fail(0);
    return {
      fn,
      what: `${what}: direct`,
      apply: (d) => {
        d.ghost.clock++;
        const r: DioRead = { sys: 'dio-read', fd: c.fd, ino: of.ino, pos: c.offset, len: c.len, phase: 'lock', wait: [], ioError: false, start: d.ghost.clock };
        task(d, ti).cur = r;
      },
    };
  }
  return bufferedReadEntry(w, s, ti, c, of.ino, `${fn} → filemap_read`, what);
}

/** The buffered read's copy to the user buffer (copy_folio_to_iter): cached blocks, else what the disk holds. */
function copyOut(d: World, s: Settings, ti: number, fd: number, ino: number, pos: number, len: number, start: number): void {
  const n = bytesToCopy(d, ino, pos, len);
  const { blk, nblk } = blocksOf(s, pos, n);
  const data = Array.from({ length: nblk }, (_, i) => {
    const f = folioAt(d, ino, blk + i);
    // filemap_read → filemap_read_folio → block_read_full_folio: every buffer uptodate, PG_uptodate set without I/O.
    if (f?.pgNotUptodate === true) delete f.pgNotUptodate;
    return readPart(s, blk + i, pos, n, f !== null && f.uptodate ? f.t : readBlock(d, ino, blk + i));
  });
  const of = fdOf(d, ti, fd);
  // filemap_read: ra->prev_pos = the position after the last byte copied.
  if (of !== null && n > 0) of.raPrevPos = pos + n;
  finishSyscall(d, ti, { op: 'pread', ret: n, file: ino, data, firstBlock: blk, start, end: d.ghost.clock + 1 });
}

/**
 * filemap_read (xfs_file_buffered_read takes IOLOCK shared around it; ext4 takes no inode
 * lock): a range the cache holds uptodate is copied in one step. Otherwise, in one step,
 * filemap_get_pages adds the readahead window's folios locked and !uptodate (or locks a
 * clean cached folio to fill it) under invalidate_lock shared and submits their read I/O
 * (->readahead / ->read_folio: iomap_readahead, ext4_mpage_readpages, mm/readahead.ts
 * submitReadIo): holes are zeroed and unlocked at once, the read bios complete on their own
 * (the device's read-end). The read then waits only for the folios it copies
 * (bufferedReadStep), so it may return with the rest of the window's I/O in flight. A folio
 * another read has locked is waited for before it starts (filemap_update_page: folio_lock).
 */
function bufferedReadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pread' }>, ino: number, fn: string, what: string): Step | null {
  const inode = inodeOf(w, ino);
  const xfs = s.fs.kind === 'xfs';
  if (xfs && !canLock(inode.iolock, 'shared')) return null;
  const n = Math.max(0, Math.min(c.len, inode.size - c.offset));
  const { blk, nblk } = blocksOf(s, c.offset, n);
  if (anyLocked(w, ino, blk, nblk)) return null;
  const of = fdOf(w, ti, c.fd);
  const plan = n === 0 ? { add: [], fill: [], blocks: [] } : readPlan(w, s, ino, c.offset, c.len, of?.raPrevPos ?? -1);
  if (plan.blocks.length === 0) {
    return {
      fn,
      what,
      apply: (d) => {
        d.ghost.clock++;
        copyOut(d, s, ti, c.fd, ino, c.offset, c.len, d.ghost.clock);
      },
    };
  }
  if (!canLock(inode.invalidateLock, 'shared')) return null;
  const io = readIoOf(w, s, ino, plan.blocks);
  const ranges = [...plan.add.map((h) => `add ${h}`), ...plan.fill.map((h) => `lock ${h}`)].join(', ');
  return {
    fn: `${fn} → filemap_get_pages → ${plan.add.length > 0 ? 'page_cache_sync_ra' : 'filemap_update_page'}`,
    what: `${what}: ${xfs ? 'IOLOCK shared; ' : ''}invalidate_lock shared: folios ${ranges} locked, !uptodate; submit read I/O of blocks ${io.map((x) => `${x.blk}${x.p === null ? '=0' : `←p${x.p}`}`).join(',')}`,
    apply: (d) => {
      d.ghost.clock++;
      if (xfs) lock(inodeOf(d, ino).iolock, 'shared', ti);
      addReadFolios(d, ino, plan.add);
      for (const h of plan.fill) {
        const f = folioAt(d, ino, h);
        for (let b = h; f !== null && b < h + f.nr; b++) {
          const e = folioAt(d, ino, b);
          if (e !== null) e.locked = true;
        }
      }
      submitReadIo(d, s, ino, io);
      const r: BufferedRead = { sys: 'buffered-read', fd: c.fd, ino, pos: c.offset, len: c.len, iolock: xfs, wait: [], ioError: false, start: d.ghost.clock };
      task(d, ti).cur = r;
    },
  };
}

/** What the read I/O of `blocks` of file `ino` carries: each block from its physical block, or zeros. */
export function readIoOf(w: World, s: Settings, ino: number, blocks: number[]): ReadIo {
  const inode = inodeOf(w, ino);
  return blocks.map((b) => {
    const m = inode.map[b];
    // iomap_block_needs_zeroing / ext4_mpage_readpages: a hole, unwritten or delalloc block, or one past EOF, reads as zeros.
    const p = m !== undefined && m.kind === 'written' && b * s.fs.blockSize < inode.size ? m.p : null;
    return { blk: b, p, at: p === null ? ZERO : deviceRead(w.device, p) };
  });
}

/**
 * The buffered read after it submitted its read I/O: it waits for the lock of the folios it
 * copies (filemap_update_page → folio_put_wait_locked; the read bios end on their own), then
 * copies to the user buffer and drops its locks; the rest of the readahead window may still
 * be under read I/O. Between the I/O and the copy another actor may change the cached data
 * (a write the read then returns, as Linux may). A page fault's read instead returns
 * VM_FAULT_RETRY once its folio is unlocked.
 */
export function bufferedReadStep(w: World, s: Settings, ti: number, st: BufferedRead): Step | null {
  const fault = st.fault;
  if (fault !== undefined) {
    if (folioAt(w, st.ino, fault.blk)?.locked === true) return null;
    return {
      fn: 'filemap_fault → lock_folio_maybe_drop_mmap → out_retry',
      what: `folio ${st.ino}:${fault.blk} unlocked; the fault${fault.invalidateLock ? ' drops the invalidate_lock and' : ''} returns VM_FAULT_RETRY (it faults again on page ${fault.blk})`,
      apply: (d) => {
        if (fault.invalidateLock) unlock(inodeOf(d, st.ino).invalidateLock, 'shared', ti);
        task(d, ti).cur = null;
      },
    };
  }
  const { blk, nblk } = blocksOf(s, st.pos, bytesToCopy(w, st.ino, st.pos, st.len));
  if (anyLocked(w, st.ino, blk, nblk)) return null;
  const failed = failedReadHeads(w, st.ino, blk, nblk);
  if (failed.length > 0) return st.ioError ? readErrorStep(w, s, ti, st, failed[0]!) : rereadStep(w, s, ti, st, failed);
  return {
    fn: 'filemap_read → copy_folio_to_iter',
    what: `its folios unlocked: copy to the user buffer${st.iolock ? '; IOLOCK unlocked' : ''}`,
    apply: (d) => {
      if (st.iolock) unlock(inodeOf(d, st.ino).iolock, 'shared', ti);
      copyOut(d, s, ti, st.fd, st.ino, st.pos, st.len, st.start);
    },
    // The same without a draft when no folio read has PG_uptodate to set (the page cache stays as it is).
    ...(copyLeavesCache(w, s, st) ? { next: (x: World) => copyOutPure(st.iolock ? withInode(x, st.ino, { iolock: unlockPure(inodeOf(x, st.ino).iolock, 'shared', ti) }) : x, s, ti, st) } : {}),
  };
}

/** The heads of the clean folios over blocks [blk, blk + n) of file `ino` left !uptodate where the read needs them: a read bio of theirs failed. */
function failedReadHeads(w: World, ino: number, blk: number, n: number): number[] {
  const out: number[] = [];
  for (let b = blk; b < blk + n; b++) {
    const f = folioAt(w, ino, b);
    if (f === null || f.uptodate || f.dirty || f.writeback || out.includes(f.head)) continue;
    out.push(f.head);
  }
  return out;
}

/**
 * filemap_update_page → filemap_read_folio for folios a failed read bio left !uptodate: under
 * invalidate_lock shared, each is locked and ->read_folio submits read I/O of its !uptodate
 * blocks; the read waits for them again.
 */
function rereadStep(w: World, s: Settings, ti: number, st: BufferedRead, heads: number[]): Step | null {
  if (!canLock(inodeOf(w, st.ino).invalidateLock, 'shared')) return null;
  const blocks = heads.flatMap((h) => {
    const f = folioAt(w, st.ino, h);
    return Array.from({ length: f?.nr ?? 1 }, (_, i) => h + i).filter((b) => folioAt(w, st.ino, b)?.uptodate === false);
  });
  const io = readIoOf(w, s, st.ino, blocks);
  return {
    fn: 'filemap_read → filemap_update_page → filemap_read_folio',
    what: `folio${heads.length > 1 ? 's' : ''} ${heads.join(',')} !uptodate after a failed read: lock, ->read_folio submits read I/O of blocks ${io.map((x) => `${x.blk}${x.p === null ? '=0' : `←p${x.p}`}`).join(',')}`,
    apply: (d) => {
      for (const h of heads) {
        const f = folioAt(d, st.ino, h);
        for (let b = h; f !== null && b < h + f.nr; b++) {
          const e = folioAt(d, st.ino, b);
          if (e !== null) e.locked = true;
        }
      }
      submitReadIo(d, s, st.ino, io);
      const c = task(d, ti).cur;
      if (c !== null && c.sys === 'buffered-read') c.ioError = true;
    },
  };
}

/**
 * filemap_read_folio found the folio at `head` !uptodate again: -EIO; filemap_read returns
 * what it copied before that folio, or the error.
 */
function readErrorStep(w: World, s: Settings, ti: number, st: BufferedRead, head: number): Step {
  const short = head * s.fs.blockSize - st.pos;
  return {
    fn: 'filemap_read → filemap_update_page → filemap_read_folio',
    what: `folio ${head} !uptodate after its read again: -EIO; return ${short > 0 ? short : '-EIO'}${st.iolock ? '; IOLOCK unlocked' : ''}`,
    apply: (d) => {
      if (st.iolock) unlock(inodeOf(d, st.ino).iolock, 'shared', ti);
      if (short > 0) copyOut(d, s, ti, st.fd, st.ino, st.pos, short, st.start);
      else finishSyscall(d, ti, { op: 'pread', ret: 'EIO', file: st.ino, data: [], firstBlock: Math.floor(st.pos / s.fs.blockSize), start: st.start, end: d.ghost.clock + 1 });
    },
  };
}

/** The bytes copyOut copies: the read's length cut at i_size. */
function bytesToCopy(w: World, ino: number, pos: number, len: number): number {
  return Math.max(0, Math.min(len, inodeOf(w, ino).size - pos));
}

/** Whether copyOut leaves the page cache alone: no folio it reads is uptodate without PG_uptodate. */
function copyLeavesCache(w: World, s: Settings, st: BufferedRead): boolean {
  const { blk, nblk } = blocksOf(s, st.pos, bytesToCopy(w, st.ino, st.pos, st.len));
  for (let i = 0; i < nblk; i++) if (folioAt(w, st.ino, blk + i)?.pgNotUptodate === true) return false;
  return true;
}

/** copyOut without a draft (issue 10k), where copyLeavesCache holds: the fd's readahead position, the result, the clock. */
function copyOutPure(w: World, s: Settings, ti: number, st: BufferedRead): World {
  const { ino, pos, start } = st;
  const n = bytesToCopy(w, ino, pos, st.len);
  const { blk, nblk } = blocksOf(s, pos, n);
  const data = Array.from({ length: nblk }, (_, i) => {
    const f = folioAt(w, ino, blk + i);
    return readPart(s, blk + i, pos, n, f !== null && f.uptodate ? f.t : readBlock(w, ino, blk + i));
  });
  const t = task(w, ti);
  const of = fdOf(w, ti, st.fd);
  const fds = of !== null && n > 0 ? withAt(t.fds, st.fd, withMembers(of, { raPrevPos: pos + n })) : t.fds;
  // finishSyscall: the result, the next call, the clock.
  const result: SyscallResult = frozen({ op: 'pread', ret: n, file: ino, data: frozen(data), firstBlock: blk, start, end: w.ghost.clock + 1 });
  const tasks = withAt(w.tasks, ti, withMembers(t, { fds, results: frozen([...t.results, result]), cur: null, pc: t.pc + 1 }));
  return withMembers(w, { tasks, ghost: withMembers(w.ghost, { clock: w.ghost.clock + 1 }) });
}

/**
 * Whether iomap_dio_bio_iter refuses a direct read with EINVAL. Per written extent it
 * checks (pos | length) against the logical block size, and bio_split_io_at checks the
 * user buffer's address of each piece against the queue's DMA alignment (the logical block
 * size on a loop device): a hole or unwritten extent before a written one is zero-filled by
 * iomap_dio_hole_iter without any check, but it advances the user buffer, so a read that
 * starts off alignment fails at the first written extent. Holes and unwritten extents
 * alone never fail. The user buffer is aligned itself (as the conformance helper's is).
 */
function dioReadMisaligned(s: Settings, map: Mapping[], pos: number, len: number): boolean {
  const sm = s.fs.sectorSize - 1;
  const bs = s.fs.blockSize;
  for (let b = Math.floor(pos / bs); b * bs < pos + len; b++) {
    if (map[b]?.kind !== 'written') continue;
    const start = Math.max(pos, b * bs);
    const end = Math.min(pos + len, (b + 1) * bs);
    if (((start | (end - start)) & sm) !== 0 || ((start - pos) & sm) !== 0) return true;
  }
  return false;
}

/**
 * What a read of `n` bytes at `pos` returns of file block `blk` holding `t`: the block, or
 * only the bytes read where the read starts or ends inside it (filemap_read and
 * iomap_dio_rw copy no further than the request and i_size).
 */
function readPart(s: Settings, blk: number, pos: number, n: number, t: Token): Token {
  const bs = s.fs.blockSize;
  const b0 = blk * bs;
  return readSlice(t, pos - b0, pos + n - b0, bs);
}

/** What a read of file block `blk` returns from the device, through the extent map. */
export function readBlock(w: World, ino: number, blk: number): Token {
  const m = inodeOf(w, ino).map[blk];
  return m !== undefined && m.kind === 'written' ? deviceRead(w.device, m.p) : ZERO;
}

export function dioReadStep(w: World, s: Settings, ti: number, st: DioRead): Step | null {
  const inode = inodeOf(w, st.ino);
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_dio_read' : 'ext4_dio_read_iter';
  const cur = (d: World): DioRead => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'dio-read') throw new Error('not in a direct read');
    return c;
  };
  const { blk, nblk } = blocksOf(s, st.pos, st.len);
  return match(st.phase)
    .with('lock', (): Step | null => {
      if (!canLock(inode.iolock, 'shared')) return null;
      const dirty = foliosDirty(w, st.ino, blk, nblk);
      return {
        fn,
        what: `take ${s.fs.kind === 'xfs' ? 'IOLOCK shared' : 'inode_lock_shared'}${dirty ? '; kiocb_write_and_wait writes back dirty folios' : ''}`,
        apply: (d) => {
          lock(inodeOf(d, st.ino).iolock, 'shared', ti);
          const c = cur(d);
          const bios = !dirty ? [] : s.fs.kind === 'ext4' ? ext4FdatawriteRange(d, s, st.ino, blk, nblk, ti) : filemapFdatawriteRange(d, st.ino, blk, nblk, ti);
          c.wait = bios ?? [];
          c.ioError = bios === null;
          c.phase = dirty || anyWriteback(w, st.ino, blk, nblk) ? 'flush-wait' : 'read';
        },
      };
    })
    .with('flush-wait', (): Step | null =>
      st.wait.length > 0 || anyWriteback(w, st.ino, blk, nblk) ? null : { fn: 'kiocb_write_and_wait', what: 'writeback done', apply: (d) => void (cur(d).phase = 'read') },
    )
    .with('read', (): Step => {
      const n = Math.max(0, Math.min(st.len, inode.size - st.pos));
      const rb = blocksOf(s, st.pos, n);
      const misaligned = dioReadMisaligned(s, inode.map, st.pos, st.len);
      const data = misaligned ? [] : Array.from({ length: rb.nblk }, (_, i) => readPart(s, rb.blk + i, st.pos, n, readBlock(w, st.ino, rb.blk + i)));
      const ret = st.ioError ? 'EIO' : misaligned ? 'EINVAL' : n;
      return {
        fn: 'iomap_dio_rw',
        what: `read {${data.join(',')}}; unlock; return ${typeof ret === 'number' ? ret : `-${ret}`}`,
        apply: (d) => {
          unlock(inodeOf(d, st.ino).iolock, 'shared', ti);
          finishSyscall(d, ti, { op: 'pread', ret, file: st.ino, data: st.ioError ? [] : data, firstBlock: rb.blk, start: st.start, end: d.ghost.clock + 1 });
        },
      };
    })
    .exhaustive();
}
