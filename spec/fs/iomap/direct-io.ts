/**
 * The direct-I/O write path as a state machine inside the task: the file system's
 * ->write_iter locking, then iomap_dio_rw (fs/iomap/direct-io.c __iomap_dio_rw, v6.17):
 * kiocb_invalidate_pages, inode_dio_begin, the iomap_iter loop (->iomap_begin, then
 * iomap_dio_bio_iter submitting the bios), waiting for the bios, iomap_dio_complete
 * (->end_io, the second invalidation, inode_dio_end, generic_write_sync), and finally the
 * file system's unlock and, on XFS, the software-atomic retry.
 */
import { match } from 'ts-pattern';
import { blkAtomicWriteValid, submitBio } from '../../block/device.ts';
import { ext4ConvertRun, ext4DioWriteEndIo, ext4IomapBegin, ext4UnwrittenRuns, ext4ZeroedToWritten } from '../ext4/file.ts';
import { xfsAtomicRetry, xfsDioWriteEndIo, xfsIomapBegin, xfsNowaitTimestampRefusal } from '../xfs/xfs_file.ts';
import { endWrite, ghostWrite, task } from '../../ghost.ts';
import { applyAllocs, type IomapPlan } from './iter.ts';
import { newBufferedWrite } from './buffered-io.ts';
import { commitJournal } from '../journal.ts';
import { canLock, lock, unlock } from '../../kernel/locking/rwsem.ts';
import { anyCached, anyDirty, anyWriteback, filemapFdatawriteRange, invalidateInodePages2Range } from '../../mm/filemap.ts';
import { writeToken, ZERO, type DioWrite, type Inode, type Settings, type Step, type World, type WriteReq } from '../../types.ts';

function inodeOf(w: World, ino: number): Inode {
  const i = w.inodes[ino];
  if (i === undefined) throw new Error(`no inode ${ino}`);
  return i;
}

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

/** What __iomap_dio_rw returns when kiocb_invalidate_pages fails. */
function invalidateFailure(s: Settings, st: DioWrite): 'EAGAIN' | 'ENOTBLK' {
  return st.req.atomic && s.knobs.atomicDioInvalidateFailure === 'never' ? 'EAGAIN' : 'ENOTBLK';
}

function beginDio(w: World, ti: number): void {
  const st = cur(w, ti);
  inodeOf(w, st.req.ino).dioCount++;
  st.dioStarted = true;
  st.phase = 'iter';
}

function iomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  return s.fs.kind === 'xfs' ? xfsIomapBegin(w, s, st) : ext4IomapBegin(w, s, st);
}

function describePlan(plan: IomapPlan, st: DioWrite, bio: number): string {
  return match(plan)
    .with({ kind: 'map' }, (p) => {
      const g = p.seg;
      const range = g.nblk === 1 ? `[${g.blk}]` : `[${g.blk}-${g.blk + g.nblk - 1}]`;
      const flags = [p.atomicBio ? 'REQ_ATOMIC' : '', p.fua ? 'REQ_FUA' : ''].filter((x) => x !== '').join('|');
      const alloc = p.alloc.length > 0 ? `allocate ${p.alloc.map((a) => `p${a.p}${a.into === 'cow' ? ' (CoW staging)' : ''}`).join(',')}; ` : '';
      const toks = Array.from({ length: g.nblk }, (_, i) => writeToken(st.req.id, g.blk - st.req.blk + i)).join(',');
      return `${alloc}map ${range} ${g.type} p${g.p}${g.nblk > 1 ? `-p${g.p + g.nblk - 1}` : ''}; iomap_dio_bio_iter submits bio#${bio}${flags ? ` ${flags}` : ''} {${toks}}`;
    })
    .with({ kind: 'zero' }, (p) => `zero ${p.zero.map((z) => `[${z.blk}] p${z.p}`).join(', ')} with bio#${bio}, then make one written extent`)
    .with({ kind: 'error' }, (p) => `${p.why}: -${p.err}`)
    .exhaustive();
}

/** Lowest request id the device would hand out next (for labels only). */
function nextBioId(w: World): number {
  const used = new Set<number>([...w.device.inflight.map((b) => b.id), ...w.device.cache.map((c) => c.bio)]);
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

/** The page cache over the range is clean: drop it (kiocb_invalidate_pages) and count the DIO in (inode_dio_begin). */
function invalidateAndBeginDio(req: WriteReq, ti: number): Step {
  return {
    fn: 'kiocb_invalidate_pages',
    what: 'invalidate_inode_pages2_range; inode_dio_begin',
    apply: (d) => {
      invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
      beginDio(d, ti);
    },
  };
}

/** The enabled step of a task in a direct write, or null while it is blocked. */
export function dioWriteStep(w: World, s: Settings, ti: number, st: DioWrite): Step | Step[] | null {
  const inode = inodeOf(w, st.req.ino);
  const req = st.req;
  const top = dioWriteFn(s, st);
  const waiting = st.wait.length > 0;
  return match(st.phase)
    .with('lock', (): Step | Step[] | null => {
      const free = canLock(inode.iolock, st.lock);
      if (req.nowait && (!free || st.nowaitRefusal !== null)) {
        return {
          fn: top,
          what: `${free ? (st.nowaitRefusal ?? '') : `${lockName(s, st.lock)} busy`} and IOCB_NOWAIT: -EAGAIN`,
          apply: (d) => {
            const c = cur(d, ti);
            c.ret = 'EAGAIN';
            c.failure = 'lock';
            c.phase = 'unlock';
          },
        };
      }
      if (!free) return null;
      return [
        {
          fn: top,
          what: `take ${lockName(s, st.lock)}`,
          apply: (d) => {
            lock(inodeOf(d, req.ino).iolock, st.lock, ti);
            const c = cur(d, ti);
            c.held = true;
            c.phase = st.forceWait ? 'dio-wait' : 'invalidate';
          },
        },
        ...xfsNowaitTimestampRefusal(s, req, (d) => {
          const c = cur(d, ti);
          c.ret = 'EAGAIN';
          c.failure = 'lock';
          c.phase = 'unlock';
        }),
      ];
    })
    .with('dio-wait', (): Step | null =>
      inode.dioCount > 0
        ? null
        : { fn: 'inode_dio_wait', what: 'no direct I/O in flight', apply: (d) => void (cur(d, ti).phase = 'invalidate') },
    )
    .with('invalidate', (): Step | null => {
      if (req.nowait && anyCached(w, req.ino, req.blk, req.nblk)) {
        return {
          fn: 'kiocb_invalidate_pages',
          what: 'cached folios and IOCB_NOWAIT: -EAGAIN',
          apply: (d) => {
            const c = cur(d, ti);
            c.ret = 'EAGAIN';
            c.failure = 'invalidate';
            c.phase = 'unlock';
          },
        };
      }
      if (anyDirty(w, req.ino, req.blk, req.nblk)) {
        return {
          fn: 'kiocb_invalidate_pages',
          what: `filemap_write_and_wait_range: write back dirty folios from bio#${nextBioId(w)}`,
          apply: (d) => {
            const bios = filemapFdatawriteRange(d, req.ino, req.blk, req.nblk, ti);
            const c = cur(d, ti);
            c.wait = bios ?? [];
            c.ioError = bios === null;
            c.phase = 'invalidate-wait';
          },
        };
      }
      // filemap_write_and_wait_range also waits for folios the flusher has under writeback.
      if (anyWriteback(w, req.ino, req.blk, req.nblk)) return null;
      return invalidateAndBeginDio(req, ti);
    })
    .with('invalidate-wait', (): Step | null => {
      if (waiting || anyWriteback(w, req.ino, req.blk, req.nblk)) return null;
      if (st.ioError || anyDirty(w, req.ino, req.blk, req.nblk)) {
        const err = invalidateFailure(s, st);
        return {
          fn: 'kiocb_invalidate_pages',
          what: `${st.ioError ? 'writeback failed' : 'invalidate_inode_pages2_range: a folio was redirtied'}: __iomap_dio_rw returns -${err}`,
          apply: (d) => {
            const c = cur(d, ti);
            c.ret = err;
            c.failure = 'invalidate';
            c.phase = 'unlock';
          },
        };
      }
      return invalidateAndBeginDio(req, ti);
    })
    .with('iter', (): Step => {
      const bs = s.fs.blockSize;
      if (st.done === 0 && (!req.segmentsAligned || !req.sectorAligned)) {
        return {
          fn: 'iomap_dio_bio_iter',
          what: 'I/O not aligned to the logical block size (bdev_iter_is_aligned): -EINVAL',
          apply: (d) => {
            const c = cur(d, ti);
            c.ret = 'EINVAL';
            c.failure = 'iomap_begin';
            c.phase = 'io-wait';
          },
        };
      }
      const plan = iomapBegin(w, s, st);
      const bioId = nextBioId(w);
      if (plan.kind === 'map' && plan.atomicBio && !blkAtomicWriteValid(s.device, bs, plan.seg.p, plan.seg.nblk)) {
        return {
          fn: 'submit_bio_noacct',
          what: `REQ_ATOMIC bio of ${plan.seg.nblk * bs} bytes outside the device's atomic limits: BLK_STS_INVAL`,
          apply: (d) => {
            const c = cur(d, ti);
            c.ret = 'EINVAL';
            c.failure = 'iomap_begin';
            c.phase = 'io-wait';
          },
        };
      }
      return {
        fn: plan.fn,
        what: describePlan(plan, st, bioId),
        apply: (d) => {
          const c = cur(d, ti);
          match(plan)
            .with({ kind: 'map' }, (p) => {
              applyAllocs(d, req.ino, p.alloc);
              const blocks = Array.from({ length: p.seg.nblk }, (_, i) => ({ p: p.seg.p + i, t: writeToken(req.id, p.seg.blk - req.blk + i) }));
              const id = submitBio(d.device, { op: 'write', owner: ti, blocks, atomic: p.atomicBio, fua: p.fua, preflush: false, convert: [] });
              const g = ghostWrite(d, req.id);
              g.bios.push({ atomic: p.atomicBio, p: p.seg.p, n: p.seg.nblk });
              if (req.atomic) {
                g.path = st.xfsMode === 'sw' ? 'sw-cow' : 'hw';
                g.swCause = st.swCause;
              }
              c.wait.push(id);
              c.segs.push(p.seg);
              c.fua = c.fua && p.fua;
              c.done += p.seg.nblk;
              if (c.done === req.nblk) c.phase = 'io-wait';
            })
            .with({ kind: 'zero' }, (p) => {
              applyAllocs(d, req.ino, p.alloc);
              const blocks = p.zero.map((z) => ({ p: z.p, t: ZERO }));
              c.wait.push(submitBio(d.device, { op: 'write', owner: ti, blocks, atomic: false, fua: false, preflush: false, convert: [] }));
              c.phase = 'zero-wait';
            })
            .with({ kind: 'error' }, (p) => {
              // iomap_dio_set_error: the error wins over any bytes already submitted.
              c.ret = p.err;
              c.failure = 'iomap_begin';
              c.phase = 'io-wait';
            })
            .exhaustive();
        },
      };
    })
    .with('zero-wait', (): Step | null => {
      if (waiting) return null;
      return {
        fn: 'ext4_iomap_alloc',
        what: st.ioError ? 'zeroing failed: -EIO' : 'zeroed blocks become one written extent; jbd2_journal_force_commit',
        apply: (d) => {
          const c = cur(d, ti);
          if (c.ioError) {
            c.ret = 'EIO';
            c.phase = 'io-wait';
            return;
          }
          ext4ZeroedToWritten(d, c);
          commitJournal(d);
          c.phase = 'iter';
        },
      };
    })
    .with('io-wait', (): Step | null => {
      if (waiting) return null;
      const ok = !st.ioError && st.done > 0 && (st.ret === null || typeof st.ret === 'number');
      const runs = ok && s.fs.kind === 'ext4' ? ext4UnwrittenRuns(w, st) : [];
      const first = runs[0];
      if (runs.length > 1 && first !== undefined) {
        return {
          fn: 'ext4_convert_unwritten_extents',
          what: `convert [${first.blk}${first.nblk > 1 ? `-${first.blk + first.nblk - 1}` : ''}] to written (one journal handle; ${runs.length - 1} extent(s) left)`,
          apply: (d) => ext4ConvertRun(d, req.ino, first),
        };
      }
      return {
        fn: 'iomap_dio_complete',
        what: st.ioError ? 'a bio failed: -EIO' : ok ? `->end_io (${s.fs.kind === 'xfs' ? 'xfs_dio_write_end_io' : 'ext4_dio_write_end_io'}); inode_dio_end` : 'inode_dio_end',
        apply: (d) => {
          const c = cur(d, ti);
          if (ok) {
            if (s.fs.kind === 'xfs') xfsDioWriteEndIo(d, c);
            else ext4DioWriteEndIo(d, c);
            // kiocb_invalidate_post_direct_write: drop folios a racing fault instantiated.
            invalidateInodePages2Range(d, req.ino, req.blk, req.nblk);
          }
          // On error xfs_dio_write_end_io returns at once: CoW staging stays in the CoW fork
          // (xfs_file.c v6.17), unwritten blocks stay unwritten.
          if (c.dioStarted) inodeOf(d, req.ino).dioCount--;
          c.dioStarted = false;
          if (c.ioError) c.ret = 'EIO';
          else if (c.ret === null) c.ret = req.count;
          c.phase = typeof c.ret === 'number' && c.ret > 0 && req.dsync && !c.fua ? 'sync' : 'unlock';
        },
      };
    })
    .with('sync', (): Step => {
      if (w.journal.dirty) {
        return {
          fn: 'generic_write_sync',
          what: `${s.fs.kind === 'xfs' ? 'xfs_log_force_seq' : 'jbd2_complete_transaction'}: commit (cache flushed first)`,
          apply: (d) => {
            commitJournal(d);
            cur(d, ti).phase = 'unlock';
          },
        };
      }
      return {
        fn: 'generic_write_sync',
        what: s.device.writeCache ? `blkdev_issue_flush: submit bio#${nextBioId(w)} REQ_PREFLUSH` : 'write-through device: nothing to flush',
        apply: (d) => {
          const c = cur(d, ti);
          if (s.device.writeCache) {
            c.wait.push(submitBio(d.device, { op: 'flush', owner: ti, blocks: [], atomic: false, fua: false, preflush: true, convert: [] }));
            c.phase = 'sync-wait';
          } else c.phase = 'unlock';
        },
      };
    })
    .with('sync-wait', (): Step | null =>
      waiting
        ? null
        : {
            fn: 'generic_write_sync',
            what: st.ioError ? 'flush failed: -EIO' : 'flush done',
            apply: (d) => {
              const c = cur(d, ti);
              if (c.ioError) c.ret = 'EIO';
              c.phase = 'unlock';
            },
          },
    )
    .with('unlock', (): Step => dioWriteReturn(w, s, ti, st))
    .exhaustive();
}

/** Drop the lock, then retry (XFS software atomic), fall back to buffered, or return. */
function dioWriteReturn(w: World, s: Settings, ti: number, st: DioWrite): Step {
  const req = st.req;
  const top = dioWriteFn(s, st);
  const held = st.held ? `${s.fs.kind === 'xfs' ? 'xfs_iunlock' : 'inode_unlock'}; ` : '';
  const retry = s.fs.kind === 'xfs' ? xfsAtomicRetry(s, st, st.failure) : null;
  const release = (d: World) => {
    if (st.held) unlock(inodeOf(d, req.ino).iolock, st.lock, ti);
  };
  if (retry !== null) {
    const how = retry.lock === 'excl' ? 'IOLOCK excl, IOMAP_DIO_ATOMIC_SW|IOMAP_DIO_FORCE_WAIT' : 'xfs_atomic_write_cow_iomap_ops, IOLOCK shared';
    return {
      fn: top,
      what: `${held}iomap_dio_rw returned -${String(st.ret)}: retry in software CoW mode (${how})`,
      apply: (d) => {
        release(d);
        const t = task(d, ti);
        t.cur = { ...st, ...retry, phase: 'lock', held: false, done: 0, segs: [], wait: [], ioError: false, ret: null, failure: null, dioStarted: false, fua: true };
      },
    };
  }
  if (st.ret === 'ENOTBLK') {
    return {
      fn: top,
      what: `${held}iomap_dio_rw returned -ENOTBLK: fall back to a buffered write`,
      apply: (d) => {
        release(d);
        if (req.atomic) ghostWrite(d, req.id).path = 'buffered-fallback';
        task(d, ti).cur = newBufferedWrite(req, true);
      },
    };
  }
  const ret = st.ret;
  if (ret === null || ret === 'ENOPROTOOPT') throw new Error(`T${ti + 1}: direct write would return ${String(ret)}`);
  return {
    fn: top,
    what: `${held}return ${typeof ret === 'number' ? ret : `-${ret}`}`,
    apply: (d) => {
      release(d);
      endWrite(d, ti, req, ret);
    },
  };
}
