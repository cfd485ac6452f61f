/**
 * The direct-I/O write path as a state machine inside the task (Linux 6.18): the file
 * system's ->write_iter takes i_rwsem / the IOLOCK and runs its checks under it (with the
 * upgrade to exclusive), then iomap_dio_rw (fs/iomap/direct-io.c __iomap_dio_rw):
 * kiocb_invalidate_pages, inode_dio_begin, the iomap_iter loop — ->iomap_begin, then
 * iomap_dio_bio_iter submitting the bios, each its own step because the ILOCK is dropped
 * in between —, waiting for the bios, iomap_dio_complete (->end_io,
 * kiocb_invalidate_post_direct_write, inode_dio_end, generic_write_sync), and finally the
 * file system's unlock and retries (XFS's unaligned exclusive retry and software atomic
 * retry) or the ENOTBLK fallback to a buffered write.
 *
 * Each phase is one function returning the enabled step(s), or null while the task waits.
 */
import { ext4FdatawriteRange } from '../ext4/inode.ts';
import { match } from 'ts-pattern';
import { blkAtomicWriteValid, deviceRead, maxRequestBlocks, submitBio, submitBioPure } from '../../block/device.ts';
import { ext4ConvertRun, ext4UnwrittenRuns } from '../ext4/extents.ts';
import { ext4DioWriteChecks, ext4DioWriteEndIo, ext4FailedExtensionFrom, ext4InodeExtensionCleanup } from '../ext4/file.ts';
import { ext4IomapBegin, ext4ZeroedToWritten } from '../ext4/inode.ts';
import { xfsDioWriteChecks, xfsDioWriteEndIo, xfsDioWriteEndIoPure, xfsDioWriteRetry, xfsFileWriteZeroEof, xfsFileWriteZeroEofPlan, xfsFileWriteZeroEofRest, xfsFileWriteZeroEofWhat, xfsNowaitTimestampRefusal } from '../xfs/xfs_file.ts';
import { xfsIomapBegin } from '../xfs/xfs_iomap.ts';
import { endWrite, endWritePure, ghostWrite, task, withTask } from '../../ghost.ts';
import { commitJournal, inodeMetaDirty } from '../journal.ts';
import { canLock, lock, lockPure, unlock, unlockPure } from '../../kernel/locking/rwsem.ts';
import { anyCached, anyLocked, anyWriteback, fileCheckAndAdvanceWbErr, filemapCheckErrors, filemapFdatawriteRange, foliosDirty, invalidateInodePages2Range, invalidateInodePages2RangePure, mappingSetError, mappingSetErrorPure } from '../../mm/filemap.ts';
import { overlay, writeToken, ZERO, type Token } from '../../token.ts';
import { fdOf, inodeOf, withInode } from '../../vfs/fd.ts';
import { frozen, withAt, withMembers } from '../../cow.ts';
import { newBufferedWrite } from './buffered-io.ts';
import type { DioWrite, DioWriteCheck, IomapSeg, MappedIomap } from './types.ts';
import type { KernelErr, WriteReq } from '../../vfs/types.ts';
import type { Settings, Step, World } from '../../world.ts';
import { applyAllocs, applyAllocsPure, type IomapPlan } from './iter.ts';
import { blocksBeforeBadRequest, firstMisalignedPiece, mappingAligned } from './dio-bio.ts';

type Steps = Step | Step[] | null;

/** The ->write_iter level function that owns this write's locking. */
export function dioWriteFn(s: Settings, st: DioWrite): string {
  if (s.fs.kind === 'ext4') return 'ext4_dio_write_iter';
  if (st.req.atomic) return 'xfs_file_dio_write_atomic';
  const bs = s.fs.blockSize;
  return st.req.pos % bs !== 0 || st.req.count % bs !== 0 ? 'xfs_file_dio_write_unaligned' : 'xfs_file_dio_write_aligned';
}

const lockName = (s: Settings, mode: DioWrite['lock']) => (s.fs.kind === 'xfs' ? `IOLOCK ${mode}` : mode === 'excl' ? 'inode_lock' : 'inode_lock_shared');

/** Mutates the task's current syscall state (the draft), which must be this direct write. */
function cur(w: World, ti: number): DioWrite {
  const c = task(w, ti).cur;
  if (c === null || c.sys !== 'dio-write') throw new Error(`T${ti + 1} is not in a direct write`);
  return c;
}

/** iomap_dio_set_error: the first error wins; later ones (and byte counts) do not replace it. */
function setError(c: DioWrite, err: KernelErr, failure: DioWrite['failure']): void {
  if (c.ret === null || typeof c.ret === 'number') {
    c.ret = err;
    c.failure = failure;
  }
}

/** Stop with `err` before iomap_dio_rw ran: straight to the unlock. */
const failEarly = (ti: number, err: KernelErr, failure: DioWrite['failure']) => (d: World) => {
  const c = cur(d, ti);
  setError(c, err, failure);
  c.phase = 'unlock';
};

/** Lowest request id the device would hand out next (for labels only). */
function nextBioId(w: World): number {
  const used = new Set<number>([...w.device.inflight.map((b) => b.id), ...w.device.cache.map((c) => c.bio)]);
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

// --- the file system's ->write_iter: lock and checks ----------------------------------

/** Take i_rwsem / the IOLOCK in the mode the write asks for (trylock under IOCB_NOWAIT). */
function lockStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const free = canLock(inodeOf(w, st.req.ino).iolock, st.lock);
  const top = dioWriteFn(s, st);
  if (!free && st.req.nowait) return { fn: top, what: `${lockName(s, st.lock)} busy and IOCB_NOWAIT: -EAGAIN`, apply: failEarly(ti, 'EAGAIN', 'lock') };
  if (!free) return null;
  return {
    fn: top,
    what: `take ${lockName(s, st.lock)}`,
    apply(d) {
      lock(inodeOf(d, st.req.ino).iolock, st.lock, ti);
      const c = cur(d, ti);
      c.held = true;
      c.phase = 'checks';
    },
    next(x) {
      return withCur(withInode(x, st.req.ino, { iolock: lockPure(inodeOf(x, st.req.ino).iolock, st.lock, ti) }), ti, { held: true, phase: 'checks' });
    },
  };
}

/** For the pure forms: `w` with task `ti`'s direct-write state patched. */
function withCur(w: World, ti: number, patch: Partial<DioWrite>): World {
  return withTask(w, ti, { cur: withMembers(cur(w, ti), patch) });
}

function fsChecks(w: World, s: Settings, st: DioWrite): DioWriteCheck {
  return s.fs.kind === 'xfs' ? xfsDioWriteChecks(w, s, st) : ext4DioWriteChecks(w, s, st);
}

/** The write checks under the lock (xfs_file_write_checks / ext4_dio_write_checks). */
function checksStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_write_checks' : 'ext4_dio_write_checks';
  const chk = fsChecks(w, s, st);
  const zeroEof = s.fs.kind === 'xfs' && chk.kind === 'ok' ? xfsFileWriteZeroEofPlan(w, s, st.req.ino, st.req.pos) : null;
  if (zeroEof?.waits === true) return null;
  // A zeroing that flushes holds XFS_MMAPLOCK_EXCL across its wait.
  if (zeroEof?.flushAt != null && !canLock(inodeOf(w, st.req.ino).invalidateLock, 'excl')) return null;
  // A switch rather than ts-pattern's `match` (its matchers built at every call; issue 10u).
  let step: Step;
  switch (chk.kind) {
    case 'error':
      step = { fn, what: `${chk.why}: -${chk.err}`, apply: failEarly(ti, chk.err, 'lock') };
      break;
    case 'upgrade': {
      const c = chk;
      step = {
        fn,
        what: `${c.why}: drop ${lockName(s, 'shared')}, retake it exclusive and check again`,
        apply(d) {
          unlock(inodeOf(d, st.req.ino).iolock, 'shared', ti);
          const x = cur(d, ti);
          x.held = false;
          x.lock = 'excl';
          x.phase = 'lock';
        },
      };
      break;
    }
    case 'ok': {
      const c = chk;
      step = {
        fn,
        what: [zeroEof === null ? '' : xfsFileWriteZeroEofWhat(w, st.req.ino, zeroEof), zeroEof?.flushAt != null ? 'wait for that writeback' : checksDoneWhat(c)].filter((x) => x !== '').join('; ') || 'checks pass',
        apply(d) {
          const flush = zeroEof === null ? null : xfsFileWriteZeroEof(d, st.req.ino, zeroEof, ti);
          if (flush === null) return checksDone(d, ti, st.req.ino, c);
          lock(inodeOf(d, st.req.ino).invalidateLock, 'excl', ti);
          const x = cur(d, ti);
          x.wait = flush.wait;
          x.ioError = flush.ioError;
          x.zeroRest = flush.range;
          x.phase = 'zero-flush-wait';
        },
        // The common case only: no zeroing past EOF and no demotion (which follows an upgrade,
        // rare, and no test search reaches it without zeroing): those keep the draft form.
        ...(zeroEof === null && !c.demote ? { next(w0: World): World { return withCur(w0, ti, { forceWait: c.forceWait, phase: c.forceWait ? 'dio-wait' : 'invalidate' }); } } : {}),
      };
      break;
    }
    default:
      step = unreachable(chk);
  }
  // kiocb_modified under IOCB_NOWAIT may refuse on timestamps, which the model cannot predict.
  return chk.kind === 'ok' ? [step, ...xfsNowaitTimestampRefusal(s, st.req, failEarly(ti, 'EAGAIN', 'lock'))] : step;
}

/** The checks' end: xfs_ilock_demote back to shared where the write asks for it, then inode_dio_wait or the I/O. */
function checksDone(d: World, ti: number, ino: number, c: Extract<DioWriteCheck, { kind: 'ok' }>): void {
  const x = cur(d, ti);
  if (c.demote) {
    const sem = inodeOf(d, ino).iolock;
    unlock(sem, 'excl', ti);
    lock(sem, 'shared', ti);
    x.lock = 'shared';
  }
  x.forceWait = c.forceWait;
  x.phase = c.forceWait ? 'dio-wait' : 'invalidate';
}

function checksDoneWhat(c: Extract<DioWriteCheck, { kind: 'ok' }>): string {
  return [c.demote ? 'xfs_ilock_demote: IOLOCK shared' : '', c.forceWait ? 'inode_dio_wait next' : ''].filter((x) => x !== '').join('; ');
}

/**
 * xfs_file_write_zero_eof's flush done (the IOLOCK still exclusive, so the checks' answer is
 * the one it had): the rest of the zeroing, XFS_MMAPLOCK_EXCL dropped, then the checks' end,
 * or -EIO when the writeback failed.
 */
function zeroFlushWaitStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const range = st.zeroRest;
  if (range === undefined) throw new Error('zero-flush-wait without a range');
  if (st.wait.length > 0 || anyWriteback(w, st.req.ino, range[0], range[1])) return null;
  const chk = fsChecks(w, s, st);
  if (chk.kind !== 'ok') throw new Error(`xfs_file_write_checks changed its answer during the zeroing's flush: ${chk.kind}`);
  const rest = xfsFileWriteZeroEofRest(st.ioError, range);
  return {
    fn: rest.fn,
    what: [rest.what, st.ioError ? '' : checksDoneWhat(chk)].filter((x) => x !== '').join('; '),
    apply(d) {
      rest.apply(d, st.req.ino);
      unlock(inodeOf(d, st.req.ino).invalidateLock, 'excl', ti);
      const x = cur(d, ti);
      delete x.zeroRest;
      if (x.ioError) {
        x.ioError = false;
        return failEarly(ti, 'EIO', 'lock')(d);
      }
      checksDone(d, ti, st.req.ino, chk);
    },
  };
}

function dioWaitStep(w: World, ti: number, st: DioWrite): Steps {
  if (inodeOf(w, st.req.ino).dioCount > 0) return null;
  return { fn: 'inode_dio_wait', what: 'no direct I/O in flight', apply(d) { cur(d, ti).phase = 'invalidate'; } };
}

// --- iomap_dio_rw ------------------------------------------------------------------------

/** What __iomap_dio_rw returns when kiocb_invalidate_pages fails. */
function invalidateFailure(s: Settings, st: DioWrite): 'EAGAIN' | 'ENOTBLK' {
  return st.req.atomic && s.knobs.atomicDioInvalidateFailure === 'never' ? 'EAGAIN' : 'ENOTBLK';
}

/** The page cache over the range is clean: drop it (kiocb_invalidate_pages) and count the DIO in (inode_dio_begin). */
function invalidateAndBeginDio(req: WriteReq, ti: number): Step {
  return {
    fn: 'kiocb_invalidate_pages',
    what: 'invalidate_inode_pages2_range; inode_dio_begin',
    apply(d) {
      invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
      inodeOf(d, req.ino).dioCount++;
      const c = cur(d, ti);
      c.dioStarted = true;
      c.phase = 'iomap-begin';
    },
    next(w) {
      const x = invalidateInodePages2RangePure(w, req.ino, req.blk, req.nblk).w;
      return withCur(withInode(x, req.ino, { dioCount: inodeOf(x, req.ino).dioCount + 1 }), ti, { dioStarted: true, phase: 'iomap-begin' });
    },
  };
}

function invalidateStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const req = st.req;
  if (req.nowait && anyCached(w, req.ino, req.blk, req.nblk)) {
    return { fn: 'kiocb_invalidate_pages', what: 'cached folios and IOCB_NOWAIT: -EAGAIN', apply: failEarly(ti, 'EAGAIN', 'invalidate') };
  }
  if (!foliosDirty(w, req.ino, req.blk, req.nblk)) {
    // filemap_write_and_wait_range also waits for folios the flusher has under writeback.
    // invalidate_inode_pages2_range takes each folio's lock: it waits for a read's I/O.
    return anyWriteback(w, req.ino, req.blk, req.nblk) || anyLocked(w, req.ino, req.blk, req.nblk) ? null : invalidateAndBeginDio(req, ti);
  }
  return {
    fn: 'kiocb_invalidate_pages',
    what: `filemap_write_and_wait_range: write back dirty folios from bio#${nextBioId(w)}`,
    apply(d) {
      const bios = s.fs.kind === 'ext4' ? ext4FdatawriteRange(d, s, req.ino, req.blk, req.nblk, ti) : filemapFdatawriteRange(d, req.ino, req.blk, req.nblk, ti);
      const c = cur(d, ti);
      c.wait = bios ?? [];
      c.ioError = bios === null;
      c.phase = 'invalidate-wait';
    },
  };
}

function invalidateWaitStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const req = st.req;
  if (st.wait.length > 0 || anyWriteback(w, req.ino, req.blk, req.nblk)) return null;
  if (!st.ioError && !foliosDirty(w, req.ino, req.blk, req.nblk)) return anyLocked(w, req.ino, req.blk, req.nblk) ? null : invalidateAndBeginDio(req, ti);
  const err = invalidateFailure(s, st);
  return {
    fn: 'kiocb_invalidate_pages',
    what: `${st.ioError ? 'writeback failed' : 'invalidate_inode_pages2_range: a folio was redirtied'}: __iomap_dio_rw returns -${err}`,
    apply: failEarly(ti, err, 'invalidate'),
  };
}

function iomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  return s.fs.kind === 'xfs' ? xfsIomapBegin(w, s, st) : ext4IomapBegin(w, s, st);
}

const range = (g: IomapSeg) => (g.nblk === 1 ? `[${g.blk}]` : `[${g.blk}-${g.blk + g.nblk - 1}]`);

// A switch rather than ts-pattern's `match`, which builds its matchers at every call: this runs
// for every state in which a task is at ->iomap_begin (issue 10u).
function describePlan(plan: IomapPlan, bio: number): string {
  switch (plan.kind) {
    case 'map': {
      const g = plan.seg;
      const alloc = plan.alloc.length > 0 ? `allocate ${plan.alloc.map((a) => `p${a.p}${a.into === 'cow' ? ' (CoW staging)' : ''}`).join(',')}; ` : '';
      return `${alloc}map ${range(g)} ${g.type} p${g.p}${g.nblk > 1 ? `-p${g.p + g.nblk - 1}` : ''}`;
    }
    case 'zero':
      return `zero ${plan.zero.map((z) => `[${z.blk}] p${z.p}`).join(', ')} with bio#${bio}, then make one written extent`;
    case 'error':
      return `${plan.why}: -${plan.err}`;
    default:
      return unreachable(plan);
  }
}

/** Exhaustiveness for a switch over a union's kinds: a kind left out does not compile. */
function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

/** iomap_iter → ->iomap_begin: map (and allocate) the next part of the range, under the ILOCK. */
function iomapBeginStep(w: World, s: Settings, ti: number, st: DioWrite): Step {
  const req = st.req;
  if (st.done === req.nblk || st.ret !== null) {
    return { fn: 'iomap_iter', what: st.ret !== null ? 'dio->error is set: stop' : 'range done', apply(d) { cur(d, ti).phase = 'io-wait'; } };
  }
  const plan = iomapBegin(w, s, st);
  return {
    fn: plan.fn,
    // Only the zeroing plan names its request: a mapping's step reads nothing of the device (spec/footprints.ts).
    what: describePlan(plan, plan.kind === 'zero' ? nextBioId(w) : 0),
    apply(d) {
      const c = cur(d, ti);
      match(plan)
        .with({ kind: 'map' }, (p) => {
          applyAllocs(d, req.ino, p.alloc);
          c.iomap = { fn: p.fn, seg: p.seg, atomicBio: p.atomicBio, fua: p.fua };
          c.phase = 'bio-iter';
        })
        .with({ kind: 'zero' }, (p) => {
          applyAllocs(d, req.ino, p.alloc);
          const blocks = p.zero.map((z) => ({ p: z.p, t: ZERO }));
          c.wait.push(...submitBio(d.device, { op: 'write', owner: ti, blocks, atomic: false, fua: false, preflush: false, convert: [] }, maxRequestBlocks(s.device, s.fs.blockSize)));
          c.phase = 'zero-wait';
        })
        .with({ kind: 'error' }, (p) => {
          setError(c, p.err, 'iomap_begin');
          c.phase = 'io-wait';
        })
        .exhaustive();
    },
    // A mapping (with what ->iomap_begin allocated for it): the same without a draft.
    ...(plan.kind === 'map' ? { next(x: World): World { return withCur(applyAllocsPure(x, req.ino, plan.alloc), ti, { iomap: frozen({ fn: plan.fn, seg: frozen({ ...plan.seg }), atomicBio: plan.atomicBio, fua: plan.fua }), phase: 'bio-iter' }); } } : {}),
  };
}

/**
 * What block i of mapping g will hold once the write's bio lands. A block the write covers
 * whole holds its token. A block it covers in part (a sub-block direct write): the device
 * writes only the covered sectors, and iomap_dio_bio_iter zeroes the rest of the block
 * (iomap_dio_zero) before them when the block is new or unwritten (need_zeroout: the head
 * and the tail), and after them when the write ends at or beyond i_size (the tail). The
 * bytes left alone are the block's content as the bio is built: unaligned direct writes
 * are serialized (exclusive lock, inode_dio_wait) and the page cache over the range was
 * written back and invalidated, so nothing else writes the block meanwhile.
 */
function dioBlockToken(w: World, s: Settings, req: WriteReq, g: IomapSeg, i: number): Token {
  const bs = s.fs.blockSize;
  const b = g.blk + i;
  const t = writeToken(req.id, b - req.blk);
  const b0 = b * bs;
  const from = Math.max(req.pos, b0) - b0;
  const to = Math.min(req.pos + req.count, b0 + bs) - b0;
  if (from === 0 && to === bs) return t;
  const inode = w.inodes[req.ino];
  const needZero = g.type === 'cow' || g.type === 'unwritten' || inode?.map[b]?.kind !== 'written';
  const zeroTail = needZero || req.pos + req.count >= (inode?.size ?? 0);
  let base = deviceRead(w.device, g.p + i);
  if (needZero) base = overlay(base, ZERO, 0, from, bs);
  if (zeroTail) base = overlay(base, ZERO, to, bs, bs);
  return overlay(base, t, from, to, bs);
}

/** Submit `n` blocks of the mapping as a bio (split into requests) and record them for the properties. */
function submitMapping(d: World, s: Settings, ti: number, m: MappedIomap, n: number): void {
  const c = cur(d, ti);
  const req = c.req;
  const g = m.seg;
  const blocks = Array.from({ length: n }, (_, i) => ({ p: g.p + i, t: dioBlockToken(d, s, req, g, i) }));
  const ids = submitBio(d.device, { op: 'write', owner: ti, blocks, atomic: m.atomicBio, fua: m.fua, preflush: false, convert: [] }, maxRequestBlocks(s.device, s.fs.blockSize));
  const gw = ghostWrite(d, req.id);
  const per = m.atomicBio ? n : maxRequestBlocks(s.device, s.fs.blockSize);
  ids.forEach((_, k) => gw.bios.push({ atomic: m.atomicBio, p: g.p + k * per, n: Math.min(per, n - k * per) }));
  if (req.atomic) {
    gw.path = c.xfsMode === 'sw' ? 'sw-cow' : 'hw';
    gw.swCause = c.swCause;
  }
  c.wait.push(...ids);
  c.fua = c.fua && m.fua;
}

/**
 * iomap_dio_bio_iter: the mapping's (pos | length) must be logical-block aligned; an
 * atomic mapping must cover the whole write and fit the device's atomic limits; then the
 * bio goes out in requests. A user segment whose piece is not aligned fails the request
 * that carries it (bio_split_io_at) and every later one; earlier requests land.
 */
function bioIterStep(w: World, s: Settings, ti: number, st: DioWrite): Step {
  const m = st.iomap;
  if (m === null) throw new Error(`T${ti + 1} has no mapping to submit`);
  const req = st.req;
  const g = m.seg;
  const bs = s.fs.blockSize;
  const maxBlocks = maxRequestBlocks(s.device, bs);
  const finish = (d: World, submitted: number, err: KernelErr | null) => {
    const c = cur(d, ti);
    if (err !== null) setError(c, err, err === 'EINVAL' && submitted > 0 ? 'bio' : 'iomap_begin');
    c.segs.push(g);
    c.done += g.nblk;
    c.iomap = null;
    c.phase = err !== null || c.done === req.nblk ? 'io-wait' : 'iomap-begin';
  };
  if (!mappingAligned(req, g, bs, s.fs.sectorSize)) {
    return { fn: 'iomap_dio_bio_iter', what: `${range(g)}: pos or length not aligned to the logical block size: -EINVAL`, apply(d) { finish(d, 0, 'EINVAL'); } };
  }
  if (m.atomicBio && !blkAtomicWriteValid(s.device, bs, g.p, g.nblk)) {
    return { fn: 'submit_bio_noacct', what: `REQ_ATOMIC bio of ${g.nblk * bs} bytes outside the device's atomic limits: BLK_STS_INVAL`, apply(d) { finish(d, 0, 'EINVAL'); } };
  }
  const bad = firstMisalignedPiece(req, g, bs, s.fs.sectorSize);
  const good = bad === null ? g.nblk : Math.min(g.nblk, blocksBeforeBadRequest(g, bad, bs, maxBlocks));
  const flags = [m.atomicBio ? 'REQ_ATOMIC' : '', m.fua ? 'REQ_FUA' : ''].filter((x) => x !== '').join('|');
  const toks = Array.from({ length: good }, (_, i) => dioBlockToken(w, s, req, g, i)).join(',');
  const sent = good > 0 ? `submit bio#${nextBioId(w)}${flags ? ` ${flags}` : ''} {${toks}}${good > maxBlocks ? ` in ${Math.ceil(good / maxBlocks)} requests` : ''}` : '';
  const failed = bad === null ? '' : `user data at byte ${bad} is not aligned to the logical block size: the bio holding it fails (bio_split_io_at: -EINVAL)`;
  return {
    fn: 'iomap_dio_bio_iter',
    what: [sent, failed].filter((x) => x !== '').join('; '),
    apply(d) {
      if (good > 0) submitMapping(d, s, ti, m, good);
      finish(d, good, bad === null ? null : 'EINVAL');
    },
    // The whole mapping goes out (the common case): the same without a draft.
    ...(bad === null && good > 0 ? { next(x: World): World { return bioIterPure(x, s, ti, m, good); } } : {}),
  };
}

/** bioIterStep's apply when every block is submitted and nothing fails: submitMapping then finish, without a draft. */
function bioIterPure(w: World, s: Settings, ti: number, m: MappedIomap, n: number): World {
  const c = cur(w, ti);
  const req = c.req;
  const g = m.seg;
  const maxBlocks = maxRequestBlocks(s.device, s.fs.blockSize);
  const blocks = Array.from({ length: n }, (_, i) => ({ p: g.p + i, t: dioBlockToken(w, s, req, g, i) }));
  const { dev, ids } = submitBioPure(w.device, { op: 'write', owner: ti, blocks, atomic: m.atomicBio, fua: m.fua, preflush: false, convert: [] }, maxBlocks);
  const gi = w.ghost.writes.findIndex((x) => x.id === req.id);
  const gw = w.ghost.writes[gi];
  if (gw === undefined) throw new Error(`no ghost write ${req.id}`);
  const per = m.atomicBio ? n : maxBlocks;
  const bios = frozen([...gw.bios, ...ids.map((_, k) => frozen({ atomic: m.atomicBio, p: g.p + k * per, n: Math.min(per, n - k * per) }))]);
  const gw2 = withMembers(gw, req.atomic ? { bios, path: c.xfsMode === 'sw' ? 'sw-cow' : 'hw', swCause: c.swCause } : { bios });
  const x = withMembers(w, { device: dev, ghost: withMembers(w.ghost, { writes: withAt(w.ghost.writes, gi, gw2) }) });
  const done = c.done + g.nblk;
  return withCur(x, ti, { wait: frozen([...c.wait, ...ids]), fua: c.fua && m.fua, segs: frozen([...c.segs, g]), done, iomap: null, phase: done === req.nblk ? 'io-wait' : 'iomap-begin' });
}

/** ext4 (6.16) zeroed a mixed mapping: it becomes one written extent, committed before the data I/O. */
function zeroWaitStep(ti: number, st: DioWrite): Steps {
  if (st.wait.length > 0) return null;
  return {
    fn: 'ext4_iomap_alloc',
    what: st.ioError ? 'zeroing failed: -EIO' : 'zeroed blocks become one written extent; jbd2_journal_force_commit',
    apply(d) {
      const c = cur(d, ti);
      if (c.ioError) {
        setError(c, 'EIO', 'bio');
        c.phase = 'io-wait';
        return;
      }
      ext4ZeroedToWritten(d, c);
      commitJournal(d);
      c.phase = 'iomap-begin';
    },
  };
}

/** Whether the I/O succeeded and wrote something (->end_io converts and remaps then). */
const dioOk = (st: DioWrite) => !st.ioError && st.done > 0 && (st.ret === null || typeof st.ret === 'number');

/**
 * iomap_dio_complete: ->end_io, then kiocb_invalidate_post_direct_write — if a racing
 * fault re-dirtied a folio, dio_warn_stale_pagecache records -EIO in mapping->wb_err, so
 * this write's generic_write_sync and the next fsync report it — then inode_dio_end.
 */
function completeStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  const req = st.req;
  if (st.wait.length > 0) return null;
  const ok = dioOk(st);
  // Since 6.16 an atomic write converts all its extents in one handle
  // (ext4_convert_unwritten_extents_atomic); the RFC's variants converted one per handle.
  const oneHandle = req.atomic && s.knobs.ext4AtomicAlloc === 'bigalloc-zero-and-commit';
  const runs = ok && s.fs.kind === 'ext4' && !oneHandle ? ext4UnwrittenRuns(w, st) : [];
  const first = runs[0];
  if (runs.length > 1 && first !== undefined) {
    return {
      fn: 'ext4_convert_unwritten_extents',
      what: `convert [${first.blk}${first.nblk > 1 ? `-${first.blk + first.nblk - 1}` : ''}] to written (one journal handle; ${runs.length - 1} extent(s) left)`,
      apply(d) { ext4ConvertRun(d, req.ino, first); },
    };
  }
  const stale = ok && foliosDirty(w, req.ino, req.blk, req.nblk);
  // kiocb_invalidate_post_direct_write locks each folio: it waits for a read's I/O.
  if (ok && !stale && anyLocked(w, req.ino, req.blk, req.nblk)) return null;
  const endIo = s.fs.kind === 'xfs' ? 'xfs_dio_write_end_io' : 'ext4_dio_write_end_io';
  return {
    fn: 'iomap_dio_complete',
    what: `${st.ioError ? 'a bio failed: -EIO; ' : ok ? `->end_io (${endIo}); ` : ''}${stale ? 'kiocb_invalidate_post_direct_write fails on a dirty folio: dio_warn_stale_pagecache sets -EIO in wb_err; ' : ''}inode_dio_end`,
    apply(d) {
      const c = cur(d, ti);
      if (ok) {
        if (s.fs.kind === 'xfs') xfsDioWriteEndIo(d, c);
        else ext4DioWriteEndIo(d, c);
        if (stale) mappingSetError(d, req.ino, 'EIO');
        else invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
      }
      // On error xfs_dio_write_end_io returns at once: CoW staging stays in the CoW fork,
      // unwritten blocks stay unwritten.
      if (c.dioStarted) inodeOf(d, req.ino).dioCount--;
      c.dioStarted = false;
      if (c.ioError) setError(c, 'EIO', 'bio');
      if (c.ret === null) c.ret = req.count;
      c.phase = typeof c.ret === 'number' && c.ret > 0 && req.dsync && !c.fua ? 'sync' : 'unlock';
    },
    // The hot path of direct writes on XFS: the same completion without a draft.
    ...(s.fs.kind === 'xfs' ? { next(x: World): World { return iomapDioCompletePure(x, ti, ok, stale); } } : {}),
  };
}

/** The `apply` of iomap_dio_complete above, written without immer (XFS: xfs_dio_write_end_io). */
function iomapDioCompletePure(w: World, ti: number, ok: boolean, stale: boolean): World {
  const c = cur(w, ti);
  const req = c.req;
  let x = w;
  if (ok) {
    x = xfsDioWriteEndIoPure(x, c);
    x = stale ? mappingSetErrorPure(x, req.ino, 'EIO') : invalidateInodePages2RangePure(x, req.ino, req.blk, req.nblk).w;
  }
  if (c.dioStarted) x = withInode(x, req.ino, { dioCount: inodeOf(x, req.ino).dioCount - 1 });
  // setError: the first error wins.
  const eio = c.ioError && (c.ret === null || typeof c.ret === 'number');
  const ret = eio ? 'EIO' : (c.ret ?? req.count);
  const failure: DioWrite['failure'] = eio ? 'bio' : c.failure;
  const phase: DioWrite['phase'] = typeof ret === 'number' && ret > 0 && req.dsync && !c.fua ? 'sync' : 'unlock';
  return withTask(x, ti, { cur: withMembers(c, { dioStarted: false, ret, failure, phase }) });
}

/**
 * generic_write_sync → vfs_fsync_range: the file system's fsync commits the inode's
 * metadata if it has uncommitted changes, else flushes the device cache; then
 * file_check_and_advance_wb_err reports a writeback error this file has not seen.
 */
function syncStep(w: World, s: Settings, ti: number, st: DioWrite): Step {
  const req = st.req;
  if (inodeMetaDirty(w, req.ino)) {
    return {
      fn: 'generic_write_sync',
      what: `${s.fs.kind === 'xfs' ? 'xfs_log_force_seq' : 'jbd2_complete_transaction'}: commit (cache flushed first)`,
      apply(d) {
        commitJournal(d);
        cur(d, ti).phase = 'sync-wait';
      },
    };
  }
  return {
    fn: 'generic_write_sync',
    what: s.device.writeCache ? `blkdev_issue_flush: submit bio#${nextBioId(w)} REQ_PREFLUSH` : 'write-through device: nothing to flush',
    apply(d) {
      const c = cur(d, ti);
      if (s.device.writeCache) c.wait.push(...submitBio(d.device, { op: 'flush', owner: ti, blocks: [], atomic: false, fua: false, preflush: true, convert: [] }));
      c.phase = 'sync-wait';
    },
  };
}

function syncWaitStep(s: Settings, ti: number, st: DioWrite): Steps {
  if (st.wait.length > 0) return null;
  const legacy = s.knobs.wbErrReporting === 'as-eio';
  return {
    fn: 'generic_write_sync',
    what: `${st.ioError ? 'flush failed: -EIO; ' : 'flush done; '}${legacy ? 'filemap_check_errors' : 'file_check_and_advance_wb_err'}`,
    apply(d) {
      const c = cur(d, ti);
      const f = fdOf(d, ti, st.req.fd);
      if (f === null) throw new Error(`T${ti + 1}: generic_write_sync on a closed fd`);
      const err = legacy ? filemapCheckErrors(d, st.req.ino) : fileCheckAndAdvanceWbErr(d, f);
      if (c.ioError || err !== null) c.ret = 'EIO';
      c.phase = 'unlock';
    },
  };
}

/**
 * Each phase's step(s). A table rather than ts-pattern's `match` (built at every call, for
 * every direct write of every state expanded); the mapped type keeps it exhaustive.
 */
const DIO_WRITE_STEPS: { [P in DioWrite['phase']]: (w: World, s: Settings, ti: number, st: DioWrite) => Steps } = {
  lock: lockStep,
  checks: checksStep,
  'zero-flush-wait': zeroFlushWaitStep,
  'dio-wait': (w, _s, ti, st) => dioWaitStep(w, ti, st),
  invalidate: invalidateStep,
  'invalidate-wait': invalidateWaitStep,
  'iomap-begin': iomapBeginStep,
  'bio-iter': bioIterStep,
  'zero-wait': (_w, _s, ti, st) => zeroWaitStep(ti, st),
  'io-wait': completeStep,
  sync: syncStep,
  'sync-wait': (_w, s, ti, st) => syncWaitStep(s, ti, st),
  unlock: dioWriteReturn,
};

/** The enabled step(s) of a task in a direct write, or null while it is blocked. */
export function dioWriteStep(w: World, s: Settings, ti: number, st: DioWrite): Steps {
  return DIO_WRITE_STEPS[st.phase](w, s, ti, st);
}

// --- back in ->write_iter: unlock, retry, fall back or return ---------------------------

/** Drops the IOLOCK (inode lock) the write holds, if it holds it. */
function release(d: World, ti: number, st: DioWrite): void {
  if (st.held) unlock(inodeOf(d, st.req.ino).iolock, st.lock, ti);
}

function fallbackStep(s: Settings, ti: number, st: DioWrite, held: string): Step {
  const req = st.req;
  // ext4_dio_write_iter writes back and invalidates the range after the buffered write;
  // xfs_file_write_iter just calls xfs_file_buffered_write.
  const ext4 = s.fs.kind === 'ext4';
  return {
    fn: dioWriteFn(s, st),
    what: `${held}iomap_dio_rw returned -ENOTBLK: fall back to a buffered write${ext4 ? ', then write back and invalidate the range' : ''}`,
    apply(d) {
      release(d, ti, st);
      if (req.atomic) ghostWrite(d, req.id).path = 'buffered-fallback';
      task(d, ti).cur = newBufferedWrite(req, ext4);
    },
  };
}

/** Drop the lock, then retry (XFS), fall back to buffered, or return. */
function dioWriteReturn(w: World, s: Settings, ti: number, st: DioWrite): Step {
  const req = st.req;
  const top = dioWriteFn(s, st);
  const held = st.held ? `${s.fs.kind === 'xfs' ? 'xfs_iunlock' : 'inode_unlock'}; ` : '';
  const retry = s.fs.kind === 'xfs' ? xfsDioWriteRetry(s, st) : null;
  if (retry !== null) {
    const how = st.overwriteOnly
      ? 'IOLOCK excl, inode_dio_wait'
      : retry.lock === 'excl'
        ? 'IOLOCK excl, IOMAP_DIO_ATOMIC_SW|IOMAP_DIO_FORCE_WAIT'
        : 'xfs_atomic_write_cow_iomap_ops, IOLOCK shared';
    return {
      fn: top,
      what: `${held}iomap_dio_rw returned -${String(st.ret)}: retry ${st.overwriteOnly ? 'exclusively' : 'in software CoW mode'} (${how})`,
      apply(d) {
        release(d, ti, st);
        const t = task(d, ti);
        t.cur = { ...st, ...retry, phase: 'lock', held: false, done: 0, segs: [], iomap: null, wait: [], ioError: false, ret: null, failure: null, dioStarted: false, fua: true };
      },
    };
  }
  if (st.ret === 'ENOTBLK') return fallbackStep(s, ti, st, held);
  const ret = st.ret;
  if (ret === null || ret === 'ENOPROTOOPT') throw new Error(`T${ti + 1}: direct write would return ${String(ret)}`);
  // ext4_dio_write_iter: a failed extending write frees what it allocated past i_size.
  const trunc = s.fs.kind === 'ext4' ? ext4FailedExtensionFrom(w, s, st) : null;
  return {
    fn: top,
    what: `${trunc === null ? '' : `ext4_inode_extension_cleanup → ext4_truncate_failed_write: free the blocks from ${trunc} on (past i_size); `}${held}return ${typeof ret === 'number' ? ret : `-${ret}`}`,
    apply(d) {
      if (trunc !== null) ext4InodeExtensionCleanup(d, req.ino, trunc);
      release(d, ti, st);
      endWrite(d, ti, req, ret);
    },
    // Every direct write ends here: the same return without a draft (not ext4's cleanup).
    ...(trunc === null ? { next(x: World): World { return endWritePure(st.held ? withInode(x, req.ino, { iolock: unlockPure(inodeOf(x, req.ino).iolock, st.lock, ti) }) : x, ti, req, ret); } } : {}),
  };
}
