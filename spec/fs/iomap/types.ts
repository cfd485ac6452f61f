/**
 * The in-progress state of iomap-based I/O in a task: a direct write (the file system's
 * ->write_iter plus iomap_dio_rw), a direct read, and the buffered write. Linux 6.18.
 */
import type { LockMode } from '../../kernel/locking/rwsem.ts';
import type { KernelErr, SwCause, WriteReq } from '../../vfs/types.ts';
import type { Token } from '../../token.ts';

/** One mapping handed out by ->iomap_begin and used by the bios of one iteration. */
export interface IomapSeg {
  blk: number;
  nblk: number;
  /** Physical start; the segment is physically contiguous. */
  p: number;
  /** 'mixed': one physically contiguous run whose unwritten blocks convert at end_io. */
  type: 'written' | 'unwritten' | 'cow' | 'mixed';
}

/** XFS atomic write mode: hardware (REQ_ATOMIC) or software (CoW + atomic remap). */
export type XfsAtomicMode = 'hw' | 'sw';

/** What ->iomap_begin handed back for the next part of a direct write, not yet submitted. */
export interface MappedIomap {
  fn: string;
  seg: IomapSeg;
  /** IOMAP_F_ATOMIC_BIO: the mapping must go out as one REQ_ATOMIC bio. */
  atomicBio: boolean;
  /** iomap_dio_can_use_fua: a pure overwrite with no IOMAP_F_DIRTY on a device that honours FUA. */
  fua: boolean;
}

/** Direct write: the file system's ->write_iter (xfs_file_dio_write*, ext4_dio_write_iter) and iomap_dio_rw. */
export interface DioWrite {
  sys: 'dio-write';
  req: WriteReq;
  phase:
    | 'lock'
    | 'checks'
    | 'zero-flush-wait'
    | 'dio-wait'
    | 'invalidate'
    | 'invalidate-wait'
    | 'iomap-begin'
    | 'bio-iter'
    | 'zero-wait'
    | 'io-wait'
    | 'sync'
    | 'sync-wait'
    | 'unlock';
  /** The i_rwsem / IOLOCK mode wanted, then held. */
  lock: LockMode;
  /** The write checks may demote an exclusive lock to shared (XFS aligned and atomic writes). */
  demote: boolean;
  /** IOMAP_DIO_OVERWRITE_ONLY: XFS's shared first attempt at a sub-block write. */
  overwriteOnly: boolean;
  held: boolean;
  /** inode_dio_wait before the I/O (ext4 and XFS unaligned writes under the exclusive lock). */
  forceWait: boolean;
  xfsMode: XfsAtomicMode;
  swCause: SwCause | null;
  /** Blocks already mapped and submitted. */
  done: number;
  segs: IomapSeg[];
  iomap: MappedIomap | null;
  wait: number[];
  ioError: boolean;
  /** Set once the I/O or a check decided iomap_dio_rw's return value (the first error wins). */
  ret: number | KernelErr | null;
  /** Where an error came from (tells a spurious software retry from a needed one). */
  failure: 'invalidate' | 'iomap_begin' | 'lock' | 'bio' | null;
  /** Whether iomap_dio_rw ran (inode_dio_begin done). */
  dioStarted: boolean;
  /** Every data bio so far was REQ_FUA (then generic_write_sync is skipped). */
  fua: boolean;
  /**
   * XFS, 'zero-flush-wait': the blocks [first, count] whose writeback xfs_file_write_zero_eof's
   * iomap_zero_iter_flush_and_stale waits for, zeroed where written after it. Absent otherwise.
   */
  zeroRest?: [number, number];
}

/**
 * The iomap a buffered write's ->iomap_begin returned (xfs_buffered_write_iomap_begin),
 * cached across the folios it covers: file blocks [blk, blk+nblk), the extent type it saw,
 * IOMAP_F_NEW (a delalloc reservation this call made), and the validity cookie (the data
 * fork's if_seq when it was made).
 */
export interface BufIomap {
  blk: number;
  nblk: number;
  type: 'delalloc' | 'unwritten' | 'written';
  p: number | null;
  isNew: boolean;
  seq: number;
}

/** Buffered write (also the ENOTBLK fallback of a direct write). */
export interface BufferedWrite {
  sys: 'buffered-write';
  req: WriteReq;
  phase: 'lock' | 'zero-flush-wait' | 'copy' | 'uncached-page-wait' | 'writeback-wait' | 'unlock';
  /** Next block to copy into the page cache. */
  next: number;
  /** A direct write that fell back: write back and invalidate before returning. */
  fallback: boolean;
  /** Bytes copied when IOMAP_NOWAIT stopped the copy early (a short write), else null. */
  short: number | null;
  /** XFS: the mapping iomap_write_iter is working through, or null before ->iomap_begin. */
  iomap: BufIomap | null;
  /** RWF_UNCACHED per-call variant: no folio of the range was cached before this write (then invalidate after the flush). */
  dropCache: boolean;
  /** RWF_UNCACHED per-call variant: its own writeback of the range failed and the error was ignored. */
  flushError: boolean;
  wait: number[];
  ioError: boolean;
  /**
   * Buffered RWF_ATOMIC (RFC): blocks of the chunk already copied (kept after a short copy
   * in the 'short-copy' variant), and copy attempts that stopped short ('clear-dirty-then-retry').
   */
  copied: number;
  tries: number;
  /**
   * Sub-block short copy: __iomap_write_end refused a copy that stopped inside a block of a
   * !uptodate folio (written 0), and iomap_write_iter retries the same position with this
   * many bytes (`bytes = copied; goto retry`). Absent otherwise.
   */
  retry?: number;
  /**
   * XFS, 'zero-flush-wait': the blocks [first, count] whose writeback xfs_file_write_zero_eof's
   * iomap_zero_iter_flush_and_stale waits for, zeroed where written after it. Absent otherwise.
   */
  zeroRest?: [number, number];
}

export interface DioRead {
  sys: 'dio-read';
  fd: number;
  ino: number;
  pos: number;
  len: number;
  phase: 'lock' | 'flush-wait' | 'read';
  wait: number[];
  ioError: boolean;
  start: number;
}

/**
 * A buffered read (filemap_read) that submitted read I/O (w.readBios) and waits for the folio
 * lock of the folios it copies (filemap_update_page → folio_put_wait_locked), then copies to
 * the user buffer; the rest of its readahead window completes on its own. A read whose range
 * is cached uptodate never gets here (one step).
 */
export interface BufferedRead {
  sys: 'buffered-read';
  fd: number;
  ino: number;
  pos: number;
  len: number;
  /** XFS: IOLOCK shared is held from the start to the copy (xfs_file_buffered_read). */
  iolock: boolean;
  wait: number[];
  /** A read bio of a folio it copies failed and it read the folio again (filemap_read_folio): one more failure is its error. */
  ioError: boolean;
  start: number;
  /**
   * Present when the read is a page fault's (filemap_fault), not pread's: the faulting
   * task waits for the folio lock (lock_folio_maybe_drop_mmap) with the invalidate_lock held
   * shared when `invalidateLock` (knob faultInvalidateLock), and when the I/O is done it
   * returns VM_FAULT_RETRY (it dropped the mmap_lock for the I/O): no copy, the access
   * faults again and finds the folio uptodate.
   */
  fault?: { map: number; blk: number; invalidateLock: boolean };
}

/** What the file system's write checks decide once the lock is held. */
export type DioWriteCheck =
  /** Go on: wait for other direct I/O first (inode_dio_wait) or not; demote the lock to shared. */
  | { kind: 'ok'; forceWait: boolean; demote: boolean }
  /** Drop the shared lock, take it exclusive and check again (-EAGAIN under IOCB_NOWAIT). */
  | { kind: 'upgrade'; why: string }
  | { kind: 'error'; err: KernelErr; why: string };

/**
 * struct iomap_ioend, reduced to what completion needs: the writeback bio, the file, and
 * the folios (blocks) with the data each carried. iomap_finish_ioends clears their
 * writeback flag and, on an error, records it in the mapping.
 */
export interface Ioend {
  bio: number;
  ino: number;
  blocks: Array<{ blk: number; t: Token }>;
}
