/**
 * FUSE's file operations (fs/fuse/file.c, Linux 6.18; the knobs give the version of the
 * seed-004 thread): the write-through write (fuse_perform_write → fuse_fill_write_pages →
 * fuse_send_write_pages), the writeback-cache write, the buffered read (fuse_read_folio),
 * the direct read (fuse_direct_io), fsync (fuse_fsync), writeback (fuse_writepages) and
 * stores through a shared mapping (fuse_page_mkwrite).
 *
 * The file's contents live at the server (dev.ts). A request is in flight from the step
 * that queues it until the server's answer; the task waits for it.
 */
import { match } from 'ts-pattern';
import { beginWrite, endWrite, finishSyscall, ghostWrite, promiseFile, settleOwedErrors, task } from '../../ghost.ts';
import { canLock, lock, unlock } from '../../kernel/locking/rwsem.ts';
import { dirtyFolio, fileCheckAndAdvanceWbErr, filemapCheckErrors, folioAt } from '../../mm/filemap.ts';
import { ZERO, writeToken, type Token } from '../../token.ts';
import { blocksOf, fdOf, inodeOf } from '../../vfs/fd.ts';
import { checkPwritev2 } from '../../vfs/read_write.ts';
import type { Errno, Syscall, WriteReq } from '../../vfs/types.ts';
import type { Settings, Step, World } from '../../world.ts';
import { FLUSHER } from '../../mm/page-writeback.ts';
import { fuseConn, lockedBy, queueRequest, writebackInFlight } from './dev.ts';
import type { FuseClose, FuseDioRead, FuseDioWrite, FuseFsync, FuseRead, FuseSys, FuseWrite } from './types.ts';

const ret = (r: number | string) => (typeof r === 'number' ? `${r}` : `-${r}`);

function cur<K extends FuseSys['sys']>(d: World, ti: number, sys: K): Extract<FuseSys, { sys: K }> {
  const c = task(d, ti).cur;
  if (c === null || c.sys !== sys) throw new Error(`T${ti + 1} is not in ${sys}`);
  return c as Extract<FuseSys, { sys: K }>;
}

function folioOrNew(d: World, ino: number, blk: number) {
  const pc = d.pageCache[ino];
  if (pc === undefined) throw new Error(`no inode ${ino}`);
  const f = pc[blk] ?? { t: ZERO, uptodate: false, dirty: false, head: blk, nr: 1, atomic: false, writeback: false, dropbehind: false };
  pc[blk] = f;
  return f;
}

function unlockFolios(d: World, ino: number, blks: number[]): void {
  const fc = fuseConn(d);
  fc.locked = fc.locked.filter((l) => !(l.ino === ino && blks.includes(l.blk)));
}

// ---------------------------------------------------------------------------------------
// write(2)

/** ksys_pwritev2 → fuse_file_write_iter → fuse_cache_write_iter. */
export function fuseWriteEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pwritev2' }>): Step {
  const chk = checkPwritev2(w, s, ti, c);
  const count = c.iov.reduce((a, b) => a + b, 0);
  const of = fdOf(w, ti, c.fd);
  const { blk, nblk } = blocksOf(s, c.offset, count);
  const fn = 'ksys_pwritev2 → fuse_file_write_iter';
  const what = `${c.id}: pwritev2(fd ${c.fd}, ${count} bytes @ ${c.offset}${c.flags.length > 0 ? `, ${c.flags.join('|')}` : ''})`;
  const early = (r: number | Errno): Step => ({
    fn,
    what: `${what} → ${ret(r)}`,
    apply: (d) => {
      beginWrite(d, ti, c.id, of?.ino ?? -1, blk, nblk, false);
      endWrite(d, ti, { id: c.id, ino: of?.ino ?? -1, blk, nblk, dsync: false }, r);
    },
  });
  if (chk.kind === 'ret') return early(chk.ret);
  // fuse_file_open sets neither FMODE_NOWAIT nor FOP_DONTCACHE: kiocb_set_rw_flags refuses.
  if (c.flags.includes('RWF_NOWAIT') || c.flags.includes('RWF_DONTCACHE')) return early('EOPNOTSUPP');
  const req = chk.req;
  if (chk.kind === 'direct') {
    return {
      fn: `${fn} → fuse_direct_write_iter`,
      what: `${what}: direct (FOPEN_DIRECT_IO)`,
      apply: (d) => {
        beginWrite(d, ti, c.id, req.ino, req.blk, req.nblk, false);
        task(d, ti).cur = { sys: 'fuse-dio-write', req, phase: 'lock', unique: null, reply: null, wait: [], ioError: false } satisfies FuseDioWrite;
      },
    };
  }
  return {
    fn,
    what: `${what}: ${s.knobs.fuseMode === 'writeback-cache' ? 'writeback cache' : 'write-through'}`,
    apply: (d) => {
      beginWrite(d, ti, c.id, req.ino, req.blk, req.nblk, false);
      const st: FuseWrite = { sys: 'fuse-write', req, phase: 'lock', done: 0, pending: null, unique: null, reply: null, wait: [], ioError: false };
      task(d, ti).cur = st;
    },
  };
}

/** The pages fuse_fill_write_pages gathers into one WRITE, and which of them stay locked. */
interface Fill {
  pos: number;
  count: number;
  pages: Array<{ blk: number; t: Token; uptodate: boolean; full: boolean; locked: boolean }>;
}

function fillWritePages(w: World, s: Settings, ti: number, req: WriteReq, done: number): Fill | null {
  const bs = s.fs.blockSize;
  const ruleD = s.knobs.fuseUptodate === 'before-write';
  const start = req.pos + done;
  let pos = start;
  let left = req.count - done;
  const pages: Fill['pages'] = [];
  while (left > 0) {
    const blk = Math.floor(pos / bs);
    const holder = lockedBy(w, req.ino, blk);
    if (holder !== null && holder !== ti) {
      // __filemap_get_folio waits for the folio lock; a later page ends the request before it.
      if (pages.length === 0) return null;
      break;
    }
    const off = pos % bs;
    const bytes = Math.min(bs - off, left);
    const full = bytes === bs;
    const was = folioAt(w, req.ino, blk)?.uptodate ?? false;
    // The patch: "If we copied full folio, mark it uptodate" before the WRITE.
    const uptodate = was || (ruleD && full);
    const locked = ruleD ? !uptodate : true;
    pages.push({ blk, t: writeToken(req.id, blk - req.blk), uptodate, full, locked });
    pos += bytes;
    left -= bytes;
    // Rule D: a page left not uptodate stays locked and ends the request; an uptodate one is
    // unlocked and more pages may join. More pages join only at a page boundary.
    if (ruleD && !uptodate) break;
    if ((off + bytes) % bs !== 0) break;
  }
  return { pos: start, count: pos - start, pages };
}

function finishWrite(d: World, ti: number, st: FuseWrite, r: number | 'EIO'): void {
  unlock(inodeOf(d, st.req.ino).iolock, 'excl', ti);
  if (typeof r === 'number' && r > 0) {
    const inode = inodeOf(d, st.req.ino);
    inode.size = Math.max(inode.size, st.req.pos + r);
    // A short write wrote only the pages up to where the server stopped (a page boundary).
    const g = ghostWrite(d, st.req.id);
    g.nblk = Math.ceil((st.req.pos + r) / fuseConn(d).pageSize) - st.req.blk;
  }
  if (st.req.dsync && typeof r === 'number' && r > 0) {
    // fuse_cache_write_iter, after inode_unlock: generic_write_sync → vfs_fsync_range →
    // fuse_fsync (datasync unless O_SYNC / RWF_SYNC); the write returns r or its error.
    d.ghost.clock++;
    task(d, ti).cur = { sys: 'fuse-fsync', fd: st.req.fd, ino: st.req.ino, datasync: !st.req.sync, phase: 'lock', unique: null, reply: null, start: d.ghost.clock, wait: [], ioError: false, write: { req: { ...st.req, nblk: ghostWrite(d, st.req.id).nblk }, ret: r } };
    return;
  }
  endWrite(d, ti, st.req, r);
}

export function fuseWriteStep(w: World, s: Settings, ti: number, st: FuseWrite): Step | null {
  const req = st.req;
  const bs = s.fs.blockSize;
  return match(st.phase)
    .with('lock', (): Step | null =>
      canLock(inodeOf(w, req.ino).iolock, 'excl')
        ? {
            fn: 'fuse_cache_write_iter',
            what: 'inode_lock',
            apply: (d) => {
              lock(inodeOf(d, req.ino).iolock, 'excl', ti);
              cur(d, ti, 'fuse-write').phase = s.knobs.fuseMode === 'writeback-cache' ? 'copy' : 'fill';
            },
          }
        : null,
    )
    .with('fill', (): Step | null => {
      const fill = fillWritePages(w, s, ti, req, st.done);
      if (fill === null) return null;
      const desc = fill.pages.map((p) => `${p.blk} ← ${p.t}${p.uptodate ? ' uptodate' : ' not uptodate'}${p.locked ? ', locked' : ', unlocked'}`).join('; ');
      return {
        fn: 'fuse_perform_write → fuse_fill_write_pages',
        what: `copy ${fill.count} bytes @ ${fill.pos} into pages: ${desc}`,
        apply: (d) => {
          for (const p of fill.pages) {
            const f = folioOrNew(d, req.ino, p.blk);
            f.t = p.t;
            f.uptodate = p.uptodate;
            if (p.locked) fuseConn(d).locked.push({ ino: req.ino, blk: p.blk, task: ti });
          }
          const c = cur(d, ti, 'fuse-write');
          c.pending = { blk: fill.pages[0]?.blk ?? req.blk, data: fill.pages.map((p) => p.t), pos: fill.pos, count: fill.count, locked: fill.pages.filter((p) => p.locked).map((p) => p.blk) };
          c.phase = 'send';
        },
      };
    })
    .with('send', (): Step | null => {
      const p = st.pending;
      if (p === null) throw new Error('send without pages');
      const blks = p.data.map((_, i) => p.blk + i);
      if (s.knobs.fuseSyncWait === 'wait' && blks.some((b) => folioAt(w, req.ino, b)?.writeback === true || writebackInFlight(w, req.ino, b))) return null;
      return {
        fn: 'fuse_send_write_pages → fuse_simple_request',
        what: `${s.knobs.fuseSyncWait === 'wait' ? 'folio_wait_writeback done; ' : ''}send WRITE of ${p.count} bytes @ ${p.pos} (pages ${blks.join(',')}) and wait for the reply`,
        apply: (d) => {
          const unique = queueRequest(d, { op: 'WRITE', ino: req.ino, blk: p.blk, data: p.data, pos: p.pos, count: p.count, owner: ti, writeback: false, pageRefs: true });
          const c = cur(d, ti, 'fuse-write');
          c.unique = unique;
          c.wait = [unique];
          c.phase = 'reply';
        },
      };
    })
    .with('reply', (): Step | null => {
      const p = st.pending;
      const r = st.reply;
      if (r === null) return null;
      if (p === null) throw new Error('reply without pages');
      const clear = s.knobs.fuseWriteFailure === 'clear-uptodate';
      const after = s.knobs.fuseUptodate === 'after-write';
      const err = r.err !== null || r.size > p.count;
      const short = r.size < p.count;
      // fuse_send_write_pages's loop over the request's pages.
      const effects: Array<{ blk: number; uptodate: 'set' | 'clear' | 'keep' }> = [];
      let offset = p.pos % bs;
      let count = r.size;
      p.data.forEach((_, i) => {
        const blk = p.blk + i;
        if (err) effects.push({ blk, uptodate: clear ? 'clear' : 'keep' });
        else if (count >= bs - offset) {
          // Before the patch: SetPageUptodate on a full page the WRITE covered.
          effects.push({ blk, uptodate: after && offset === 0 ? 'set' : 'keep' });
          count -= bs - offset;
        } else {
          effects.push({ blk, uptodate: short && clear ? 'clear' : 'keep' });
          count = 0;
        }
        offset = 0;
      });
      const done = st.done + (err ? 0 : r.size);
      const stop = err || short;
      const result: number | 'EIO' | null = stop ? (done > 0 ? done : 'EIO') : done >= req.count ? done : null;
      const eff = effects.filter((e) => e.uptodate !== 'keep').map((e) => `${e.uptodate === 'set' ? 'SetPageUptodate' : 'folio_clear_uptodate'} ${e.blk}`);
      return {
        fn: 'fuse_send_write_pages',
        what: `reply ${r.err !== null ? '-EIO' : `${r.size} of ${p.count} bytes`}${eff.length > 0 ? `; ${eff.join(', ')}` : ''}${p.locked.length > 0 ? `; unlock ${p.locked.join(',')}` : ''}${result === null ? '; next request' : `; inode_unlock; return ${ret(result)}`}`,
        apply: (d) => {
          for (const e of effects) {
            const f = folioAt(d, req.ino, e.blk);
            if (f === null || e.uptodate === 'keep') continue;
            f.uptodate = e.uptodate === 'set';
          }
          unlockFolios(d, req.ino, p.locked);
          const c = cur(d, ti, 'fuse-write');
          c.done = done;
          c.pending = null;
          c.unique = null;
          c.reply = null;
          if (result === null) c.phase = 'fill';
          else finishWrite(d, ti, c, result);
        },
      };
    })
    .with('copy', (): Step | null => {
      // Writeback cache (iomap_file_buffered_write with fuse_iomap_ops): copy into the page
      // cache, dirty the folio. A partial page not uptodate is read from the server first
      // (fuse_iomap_read_folio_range), here within the same step, unless it starts at or
      // beyond i_size: __iomap_write_begin then zeroes it (iomap_block_needs_zeroing), and
      // i_size has grown by the pages this write already copied (iomap_write_end).
      const pos = req.pos + st.done;
      const blk = Math.floor(pos / bs);
      const holder = lockedBy(w, req.ino, blk);
      if (holder !== null && holder !== ti) return null;
      const bytes = Math.min(bs - (pos % bs), req.count - st.done);
      const f = folioAt(w, req.ino, blk);
      const isize = Math.max(inodeOf(w, req.ino).size, st.done > 0 ? pos : 0);
      const readFirst = bytes < bs && f?.uptodate !== true && blk * bs < isize;
      const t = writeToken(req.id, blk - req.blk);
      const last = st.done + bytes >= req.count;
      return {
        fn: 'iomap_file_buffered_write → iomap_write_iter',
        what: `${readFirst ? `read page ${blk} from the server (${fuseConn(w).server[req.ino]?.[blk] ?? '?'}), then ` : ''}copy ${bytes} bytes into page ${blk} (${t}), dirty${last ? `; inode_unlock; return ${req.count}` : ''}`,
        apply: (d) => {
          dirtyFolio(d, req.ino, blk, t);
          const c = cur(d, ti, 'fuse-write');
          c.done += bytes;
          if (last) finishWrite(d, ti, c, req.count);
        },
      };
    })
    .exhaustive();
}

// ---------------------------------------------------------------------------------------
// read(2)

export function fuseReadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pread' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const fn = 'ksys_pread64 → fuse_file_read_iter';
  const what = `pread(fd ${c.fd}, ${c.len} bytes @ ${c.offset})`;
  const now = (r: number | 'EINVAL' | 'EBADF'): Step => ({
    fn,
    what: `${what} → ${ret(r)}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, { op: 'pread', ret: r, file: of?.ino ?? -1, data: [], firstBlock: 0, start: d.ghost.clock, end: d.ghost.clock + 1 });
    },
  });
  if (c.offset < 0) return now('EINVAL');
  if (of === null || !of.read) return now('EBADF');
  const n = Math.max(0, Math.min(c.len, inodeOf(w, of.ino).size - c.offset));
  // fuse_direct_read_iter (FOPEN_DIRECT_IO) sends the READ whatever i_size says.
  if (n === 0 && !of.direct) return now(0);
  if (c.len === 0) return now(0);
  const { blk, nblk } = blocksOf(s, c.offset, n);
  return {
    fn: of.direct ? `${fn} → fuse_direct_read_iter` : `${fn} → fuse_cache_read_iter → filemap_read`,
    what,
    apply: (d) => {
      d.ghost.clock++;
      const start = d.ghost.clock;
      task(d, ti).cur = of.direct
        ? ({ sys: 'fuse-dio-read', fd: c.fd, ino: of.ino, pos: c.offset, len: n, ask: c.len, phase: 'sync-writes', unique: null, reply: null, start, wait: [], ioError: false } satisfies FuseDioRead)
        : ({ sys: 'fuse-read', fd: c.fd, ino: of.ino, pos: c.offset, len: n, firstBlock: blk, nblk, data: [], unique: null, reply: null, start, wait: [], ioError: false } satisfies FuseRead);
    },
  };
}

/** filemap_read, one page per step: copy from an uptodate folio, or fuse_read_folio. */
export function fuseReadStep(w: World, s: Settings, ti: number, st: FuseRead): Step | null {
  if (st.unique !== null) {
    const r = st.reply;
    if (r === null) return null;
    const blk = st.firstBlock + st.data.length;
    const t = r.data[0] ?? ZERO;
    return {
      fn: 'fuse_read_folio → fuse_do_readfolio',
      what: `page ${blk} ← ${t}: folio_mark_uptodate, unlock`,
      apply: (d) => {
        const f = folioOrNew(d, st.ino, blk);
        f.t = t;
        f.uptodate = true;
        unlockFolios(d, st.ino, [blk]);
        const c = cur(d, ti, 'fuse-read');
        c.data.push(t);
        c.unique = null;
        c.reply = null;
      },
    };
  }
  if (st.data.length >= st.nblk) {
    return {
      fn: 'filemap_read',
      what: `return ${st.len} {${st.data.join(',')}}`,
      apply: (d) => {
        const c = cur(d, ti, 'fuse-read');
        finishSyscall(d, ti, { op: 'pread', ret: c.len, file: c.ino, data: c.data, firstBlock: c.firstBlock, start: c.start, end: d.ghost.clock + 1 });
      },
    };
  }
  const blk = st.firstBlock + st.data.length;
  // filemap_get_pages / filemap_update_page wait for a locked folio.
  if (lockedBy(w, st.ino, blk) !== null) return null;
  const f = folioAt(w, st.ino, blk);
  if (f?.uptodate === true) {
    return {
      fn: 'filemap_read',
      what: `copy page ${blk} from the page cache (${f.t})`,
      apply: (d) => void cur(d, ti, 'fuse-read').data.push(f.t),
    };
  }
  return {
    fn: 'filemap_read_folio → fuse_read_folio',
    what: `page ${blk} ${f === null ? 'not cached' : 'not uptodate'}: lock it, send READ and wait`,
    apply: (d) => {
      folioOrNew(d, st.ino, blk);
      fuseConn(d).locked.push({ ino: st.ino, blk, task: ti });
      const unique = queueRequest(d, { op: 'READ', ino: st.ino, blk, data: [ZERO], pos: blk * s.fs.blockSize, count: s.fs.blockSize, owner: ti, writeback: false, pageRefs: false });
      const c = cur(d, ti, 'fuse-read');
      c.unique = unique;
      c.wait = [unique];
    },
  };
}

/**
 * An O_DIRECT read: generic_file_read_iter's kiocb_write_and_wait first writes back dirty
 * pages of the range and waits for writeback (fuse_direct_io's fuse_sync_writes waits for
 * writeback WRITEs too); then fuse_direct_IO sends one READ straight to the server. A
 * WRITE of write(2) in flight leaves its pages neither dirty nor under writeback, so
 * nothing waits for it.
 */
export function fuseDioReadStep(w: World, s: Settings, ti: number, st: FuseDioRead): Step | null {
  const asked = st.ask ?? st.len;
  const { blk, nblk } = blocksOf(s, st.pos, asked);
  const returned = blocksOf(s, st.pos, st.len).nblk;
  return match(st.phase)
    .with('sync-writes', (): Step | null => {
      const dirty: number[] = [];
      for (let b = blk; b < blk + nblk; b++) if (folioAt(w, st.ino, b)?.dirty === true) dirty.push(b);
      const busy = (b: number) => folioAt(w, st.ino, b)?.writeback === true || writebackInFlight(w, st.ino, b);
      if (dirty.length > 0) {
        // WB_SYNC_ALL waits for a dirty folio still under writeback before writing it again.
        if (dirty.some(busy)) return null;
        return {
          fn: 'generic_file_read_iter → kiocb_write_and_wait',
          what: `send WRITE for dirty pages ${dirty.join(',')}`,
          apply: (d) => {
            for (const b of dirty) fuseWritepage(d, st.ino, b);
          },
        };
      }
      for (let b = blk; b < blk + nblk; b++) if (busy(b)) return null;
      return {
        fn: 'fuse_direct_io',
        what: `no writeback in range; send READ of ${asked} bytes @ ${st.pos} to the server and wait`,
        apply: (d) => {
          const unique = queueRequest(d, { op: 'READ', ino: st.ino, blk, data: Array.from({ length: nblk }, () => ZERO), pos: st.pos, count: asked, owner: ti, writeback: false, pageRefs: false });
          const c = cur(d, ti, 'fuse-dio-read');
          c.unique = unique;
          c.wait = [unique];
          c.phase = 'reply';
        },
      };
    })
    .with('reply', (): Step | null => {
      const r = st.reply;
      if (r === null) return null;
      return {
        fn: 'fuse_direct_io',
        what: `READ answered {${r.data.slice(0, returned).join(',')}}; return ${st.len}`,
        apply: (d) => finishSyscall(d, ti, { op: 'pread', ret: st.len, file: st.ino, data: r.data.slice(0, returned), firstBlock: blk, start: st.start, end: d.ghost.clock + 1 }),
      };
    })
    .exhaustive();
}

// ---------------------------------------------------------------------------------------
// writeback, mmap, fsync

/**
 * fuse_writepages for one dirty folio: folio_clear_dirty_for_io, folio_start_writeback, a
 * WRITE carrying a copy of the page (the temporary page of the thread's version) sent
 * without waiting; fuse_writepage_end finishes it (dev.ts).
 */
export function fuseWritepage(w: World, ino: number, blk: number): void {
  const f = folioAt(w, ino, blk);
  if (f === null) throw new Error(`no folio ${ino}:${blk} to write back`);
  f.dirty = false;
  f.writeback = true;
  const bs = fuseConn(w).pageSize;
  queueRequest(w, { op: 'WRITE', ino, blk, data: [f.t], pos: blk * bs, count: bs, owner: FLUSHER, writeback: true, pageRefs: false });
}

/** The flusher's choice on FUSE: one WRITE per dirty page of the run it picked. */
export function fuseWritepages(w: World, ino: number, blks: number[]): void {
  for (const blk of blks) fuseWritepage(w, ino, blk);
}

export function describeFuseWritepage(w: World, ino: number, blks: number[]): string {
  return `fuse_writepages: ${blks.map((blk) => `folio ${ino}:${blk} (${folioAt(w, ino, blk)?.t ?? '?'})`).join(', ')} cleaned, under writeback; send ${blks.length > 1 ? 'a WRITE each' : 'WRITE'}`;
}

/**
 * A store through a shared mapping: fuse_page_mkwrite waits for writeback of the folio,
 * then the store dirties it. A page reclaim dropped is faulted in first (filemap_fault →
 * fuse_read_folio), here within the same step: the store overwrites the whole page.
 */
export function fuseMmapStoreEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap-store' }>): Step | null {
  const blk = Math.floor(c.offset / s.fs.blockSize);
  const f = folioAt(w, c.file, blk);
  if (blk >= (w.pageCache[c.file]?.length ?? 0)) throw new Error(`scenario ${s.name}: mmap store beyond the modelled pages of file ${c.file}`);
  if (f?.writeback === true || writebackInFlight(w, c.file, blk) || lockedBy(w, c.file, blk) !== null) return null;
  return {
    fn: f?.uptodate === true ? 'do_wp_page → fuse_page_mkwrite' : 'filemap_fault → fuse_read_folio; fuse_page_mkwrite',
    what: `${c.id}: ${f?.uptodate === true ? '' : `page read from the server (${fuseConn(w).server[c.file]?.[blk] ?? '?'}); `}fuse_wait_on_folio_writeback done; store into the mapped folio of file ${c.file} block ${blk}, folio dirty`,
    apply: (d) => {
      beginWrite(d, ti, c.id, c.file, blk, 1, false);
      dirtyFolio(d, c.file, blk, writeToken(c.id, 0));
      const g = ghostWrite(d, c.id);
      finishSyscall(d, ti, { op: 'mmap-store', id: c.id, ret: 0 });
      g.end = d.ghost.clock;
      g.ret = s.fs.blockSize;
    },
  };
}

export function fuseFsyncEntry(w: World, _s: Settings, ti: number, c: Extract<Syscall, { op: 'fsync' | 'fdatasync' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const fn = `${c.op} → fuse_fsync`;
  if (of === null) return { fn, what: 'bad fd: -EBADF', apply: (d) => finishSyscall(d, ti, { op: c.op, ret: 'EBADF' }) };
  return {
    fn,
    what: 'vfs_fsync_range',
    apply: (d) => {
      d.ghost.clock++;
      const st: FuseFsync = { sys: 'fuse-fsync', fd: c.fd, ino: of.ino, datasync: c.op === 'fdatasync', phase: 'lock', unique: null, reply: null, start: d.ghost.clock, wait: [], ioError: false };
      task(d, ti).cur = st;
    },
  };
}

export function fuseFsyncStep(w: World, s: Settings, ti: number, st: FuseFsync): Step | null {
  const op = st.datasync ? 'fdatasync' : 'fsync';
  const nblk = inodeOf(w, st.ino).map.length;
  const pages = Array.from({ length: nblk }, (_, b) => folioAt(w, st.ino, b));
  const finish = (d: World, r: 0 | 'EIO') => {
    unlock(inodeOf(d, st.ino).iolock, 'excl', ti);
    if (st.write !== undefined) {
      endWrite(d, ti, st.write.req, r === 0 ? st.write.ret : r);
      return;
    }
    finishSyscall(d, ti, { op, ret: r });
    if (r === 0) promiseFile(d, st.ino, st.start);
  };
  return match(st.phase)
    .with('lock', (): Step | null =>
      canLock(inodeOf(w, st.ino).iolock, 'excl')
        ? { fn: 'fuse_fsync', what: 'inode_lock', apply: (d) => { lock(inodeOf(d, st.ino).iolock, 'excl', ti); cur(d, ti, 'fuse-fsync').phase = 'writeback'; } }
        : null,
    )
    .with('writeback', (): Step | null => {
      // file_write_and_wait_range(file, start, end): fsync(2) the whole file, a dsync
      // write's generic_write_sync the bytes it wrote (vfs_fsync_range(pos - count, pos - 1)).
      const wr = st.write?.req;
      const inRange = (b: number) => wr === undefined || (b >= wr.blk && b < wr.blk + wr.nblk);
      // WB_SYNC_ALL waits for a dirty folio still under writeback before writing it again.
      if (pages.some((f, b) => f !== null && f.dirty && f.writeback && inRange(b))) return null;
      const dirty = pages.flatMap((f, b) => (f?.dirty === true && inRange(b) ? [b] : []));
      return {
        fn: 'file_write_and_wait_range → fuse_writepages',
        what: dirty.length > 0 ? `send WRITE for dirty pages ${dirty.join(',')}` : 'no dirty pages',
        apply: (d) => {
          for (const b of dirty) fuseWritepage(d, st.ino, b);
          cur(d, ti, 'fuse-fsync').phase = 'wait';
        },
      };
    })
    .with('wait', (): Step | null => {
      if (pages.some((f) => f?.writeback === true) || (w.fuse?.reqs ?? []).some((r) => r.writeback && r.ino === st.ino)) return null;
      const legacy = s.knobs.wbErrReporting === 'as-eio';
      return {
        fn: `fuse_sync_writes → ${legacy ? 'filemap_check_errors' : 'file_check_and_advance_wb_err'}`,
        what: 'writeback WRITEs answered; check the mapping for a writeback error',
        apply: (d) => {
          const of = fdOf(d, ti, st.fd);
          if (of === null) throw new Error(`fsync on closed fd ${st.fd}`);
          const err = legacy ? filemapCheckErrors(d, st.ino) : fileCheckAndAdvanceWbErr(d, of);
          settleOwedErrors(d, ti, st.fd, err !== null);
          if (err !== null) {
            finish(d, 'EIO');
            return;
          }
          const unique = queueRequest(d, { op: 'FSYNC', ino: st.ino, blk: 0, data: [], pos: 0, count: 0, owner: ti, writeback: false, pageRefs: false });
          const c = cur(d, ti, 'fuse-fsync');
          c.unique = unique;
          c.wait = [unique];
          c.phase = 'reply';
        },
      };
    })
    .with('reply', (): Step | null =>
      st.reply === null ? null : { fn: 'fuse_fsync_common', what: `FSYNC answered; inode_unlock; ${st.write === undefined ? 'return 0' : `generic_write_sync done: return ${st.write.ret}`}`, apply: (d) => finish(d, 0) },
    )
    .exhaustive();
}

/**
 * A write on a FOPEN_DIRECT_IO file (fuse_direct_write_iter, fuse_direct_io; an O_DIRECT
 * open stands for it, as for reads): fuse_dio_lock takes the inode lock (exclusive: the
 * model has no parallel_direct_writes); fuse_direct_io waits for writeback WRITEs of the
 * range (fuse_sync_writes), drops its cached pages (invalidate_inode_pages2_range; a dirty
 * page is first written back, fuse_launder_folio, here as a writeback WRITE waited for),
 * then sends one WRITE straight to the server (max_write unbounded) and returns what the
 * server acknowledged, or -EIO. There is no generic_write_sync on this path: an O_(D)SYNC
 * write's WRITE carries O_DSYNC in write_in.flags and the server makes it durable.
 */
export function fuseDioWriteStep(w: World, s: Settings, ti: number, st: FuseDioWrite): Step | null {
  const req = st.req;
  return match(st.phase)
    .with('lock', (): Step | null =>
      canLock(inodeOf(w, req.ino).iolock, 'excl')
        ? { fn: 'fuse_direct_write_iter → fuse_dio_lock', what: 'inode_lock', apply: (d) => { lock(inodeOf(d, req.ino).iolock, 'excl', ti); cur(d, ti, 'fuse-dio-write').phase = 'sync-writes'; } }
        : null,
    )
    .with('sync-writes', (): Step | null => {
      const blks = Array.from({ length: req.nblk }, (_, i) => req.blk + i);
      const busy = (b: number) => folioAt(w, req.ino, b)?.writeback === true || writebackInFlight(w, req.ino, b);
      if (blks.some(busy)) return null;
      const dirty = blks.filter((b) => folioAt(w, req.ino, b)?.dirty === true);
      if (dirty.length > 0) {
        return { fn: 'fuse_direct_io → invalidate_inode_pages2_range → fuse_launder_folio', what: `send WRITE for dirty pages ${dirty.join(',')}`, apply: (d) => { for (const b of dirty) fuseWritepage(d, req.ino, b); } };
      }
      if (blks.some((b) => lockedBy(w, req.ino, b) !== null)) return null;
      const data = blks.map((b) => writeToken(req.id, b - req.blk));
      return {
        fn: 'fuse_direct_io → fuse_send_write',
        what: `drop cached pages ${blks.join(',')}; send WRITE of ${req.count} bytes @ ${req.pos} (${data.join(', ')}) and wait`,
        apply: (d) => {
          const pc = d.pageCache[req.ino];
          if (pc !== undefined) for (const b of blks) pc[b] = null;
          const unique = queueRequest(d, { op: 'WRITE', ino: req.ino, blk: req.blk, data, pos: req.pos, count: req.count, owner: ti, writeback: false, pageRefs: false, dsync: req.dsync });
          const c = cur(d, ti, 'fuse-dio-write');
          c.unique = unique;
          c.wait = [unique];
          c.phase = 'reply';
        },
      };
    })
    .with('reply', (): Step | null => {
      const r = st.reply;
      if (r === null) return null;
      const res: number | 'EIO' = r.err !== null ? 'EIO' : r.size;
      return {
        fn: 'fuse_direct_io',
        what: `WRITE answered: ${r.err !== null ? '-EIO' : `${r.size} of ${req.count} bytes`}; fuse_write_update_attr; inode_unlock; return ${ret(res)}`,
        apply: (d) => {
          unlock(inodeOf(d, req.ino).iolock, 'excl', ti);
          if (typeof res === 'number' && res > 0) {
            const inode = inodeOf(d, req.ino);
            inode.size = Math.max(inode.size, req.pos + res);
            ghostWrite(d, req.id).nblk = Math.ceil((req.pos + res) / fuseConn(d).pageSize) - req.blk;
          }
          // A dsync write promises only the pages the server took.
          endWrite(d, ti, { ...req, nblk: ghostWrite(d, req.id).nblk }, res);
        },
      };
    })
    .exhaustive();
}

/**
 * close(2) on FUSE (filp_flush → fuse_flush, fs/fuse/file.c): close_fd has taken the fd
 * out of the table; write_inode_now(inode, 1) writes back every dirty page of the inode
 * (WRITEs from writeback) and waits for them; filemap_check_errors tests and clears
 * AS_EIO: set, close returns -EIO and sends no FLUSH (an fsync that reported the error
 * cleared it: file_check_and_advance_wb_err); else FLUSH, and close returns 0 once it is
 * answered. No inode lock. FOPEN_NOFLUSH is not modelled (the server never sets it).
 */
export function fuseCloseEntry(w: World, _s: Settings, ti: number, c: Extract<Syscall, { op: 'close' }>): Step {
  const of = fdOf(w, ti, c.fd);
  if (of === null) return { fn: 'close_fd', what: `fd ${c.fd} not open: -EBADF`, apply: (d) => finishSyscall(d, ti, { op: 'close', ret: 'EBADF' }) };
  return {
    fn: 'close_fd → filp_flush → fuse_flush',
    what: `close fd ${c.fd} (file ${of.ino})`,
    apply: (d) => {
      const f = task(d, ti).fds[c.fd];
      if (f !== undefined) f.closed = true;
      settleOwedErrors(d, ti, c.fd, true);
      task(d, ti).cur = { sys: 'fuse-close', fd: c.fd, ino: of.ino, phase: 'writeback', unique: null, reply: null, wait: [], ioError: false } satisfies FuseClose;
    },
  };
}

export function fuseCloseStep(w: World, ti: number, st: FuseClose): Step | null {
  const nblk = inodeOf(w, st.ino).map.length;
  const pages = Array.from({ length: nblk }, (_, b) => folioAt(w, st.ino, b));
  return match(st.phase)
    .with('writeback', (): Step | null => {
      if (pages.some((f) => f !== null && f.dirty && f.writeback)) return null;
      const dirty = pages.flatMap((f, b) => (f?.dirty === true ? [b] : []));
      return {
        fn: 'fuse_flush → write_inode_now → fuse_writepages',
        what: dirty.length > 0 ? `send WRITE for dirty pages ${dirty.join(',')}` : 'no dirty pages',
        apply: (d) => {
          for (const b of dirty) fuseWritepage(d, st.ino, b);
          cur(d, ti, 'fuse-close').phase = 'wait';
        },
      };
    })
    .with('wait', (): Step | null => {
      if (pages.some((f) => f?.writeback === true) || (w.fuse?.reqs ?? []).some((r) => r.writeback && r.ino === st.ino)) return null;
      const asEio = w.mappings[st.ino]?.asEio === true || w.mappings[st.ino]?.asEnospc === true;
      return {
        fn: 'fuse_flush → filemap_check_errors',
        what: asEio ? 'AS_EIO set: clear it; return -EIO (no FLUSH)' : 'no error; send FLUSH and wait',
        apply: (d) => {
          const err = filemapCheckErrors(d, st.ino);
          if (err !== null) {
            finishSyscall(d, ti, { op: 'close', ret: err });
            return;
          }
          const unique = queueRequest(d, { op: 'FLUSH', ino: st.ino, blk: 0, data: [], pos: 0, count: 0, owner: ti, writeback: false, pageRefs: false });
          const c = cur(d, ti, 'fuse-close');
          c.unique = unique;
          c.wait = [unique];
          c.phase = 'reply';
        },
      };
    })
    .with('reply', (): Step | null => (st.reply === null ? null : { fn: 'fuse_flush', what: 'FLUSH answered; return 0', apply: (d) => finishSyscall(d, ti, { op: 'close', ret: 0 }) }))
    .exhaustive();
}

/** The step of a FUSE syscall in progress. */
export function fuseSysStep(w: World, s: Settings, ti: number, st: FuseSys): Step | null {
  return match(st)
    .with({ sys: 'fuse-write' }, (x) => fuseWriteStep(w, s, ti, x))
    .with({ sys: 'fuse-read' }, (x) => fuseReadStep(w, s, ti, x))
    .with({ sys: 'fuse-dio-read' }, (x) => fuseDioReadStep(w, s, ti, x))
    .with({ sys: 'fuse-fsync' }, (x) => fuseFsyncStep(w, s, ti, x))
    .with({ sys: 'fuse-dio-write' }, (x) => fuseDioWriteStep(w, s, ti, x))
    .with({ sys: 'fuse-close' }, (x) => fuseCloseStep(w, ti, x))
    .exhaustive();
}
