/**
 * The syscall vocabulary (what a conformance test translates real programs into), the open
 * file, the validated write request, and a task with its syscall in progress. Linux 6.18.
 */
import type { Token } from '../token.ts';
import type { BufferedRead, BufferedWrite, DioRead, DioWrite } from '../fs/iomap/types.ts';
import type { FuseSys } from '../fs/fuse/types.ts';

export type Errno = 'EINVAL' | 'EOPNOTSUPP' | 'EAGAIN' | 'EIO' | 'ENOSPC' | 'EBADF' | 'EFAULT' | 'ENOENT'
  /** mmap of a file opened without the access the mapping needs; msync of an unmapped range. */
  | 'EACCES'
  | 'ENOMEM'
  /** A load or store through a mapping got the signal (beyond EOF / outside any mapping), recorded as its return value. */
  | 'SIGBUS'
  | 'SIGSEGV';

/** Kernel-internal errors that never reach user space in a correct kernel. */
export type KernelErr = Errno | 'ENOPROTOOPT' | 'ENOTBLK';

/** A syscall's return value: a byte count / fd / 0, or an errno. */
export type Ret = number | Errno;

/** RWF_* flags accepted by pwritev2 (RWF_HIPRI/APPEND/NOAPPEND are not modelled). */
export type RwfFlag = 'RWF_ATOMIC' | 'RWF_SYNC' | 'RWF_DSYNC' | 'RWF_NOWAIT' | 'RWF_DONTCACHE';

export type OpenFlag = 'O_DIRECT' | 'O_DSYNC' | 'O_SYNC';

/**
 * One syscall of a task's program. Offsets and lengths are in bytes, as in the real call.
 * `fd` is the ordinal of the task's successful `open` calls (0 = the first one), which is
 * also what `open` returns in the results log.
 */
export type Syscall =
  | { op: 'open'; file: number; access: 'O_RDONLY' | 'O_WRONLY' | 'O_RDWR'; flags: OpenFlag[] }
  /** `iov` lists the segment lengths; the data written is named by `id` (tokens id[0..]). */
  /**
   * `badPage`: the user buffer's page of that index (from 0, pages of the block size) can never
   * be read (an address that faults and cannot be faulted in): the copy stops there.
   */
  | { op: 'pwritev2'; fd: number; offset: number; iov: number[]; flags: RwfFlag[]; id: string; badPage?: number }
  | { op: 'pread'; fd: number; offset: number; len: number }
  | { op: 'fsync'; fd: number }
  | { op: 'fdatasync'; fd: number }
  | { op: 'statx'; fd: number }
  /** mincore over an mmap of the whole file: which of its pages the page cache holds. */
  | { op: 'mincore'; fd: number }
  /**
   * A store of one block through a shared mapping (spec/mm/memory.ts). Without `map` it is the
   * shorthand it always was: "mmap + store" of the block of `file` at file offset `offset`, the
   * page already mapped, the write fault (->page_mkwrite) and the store in one step. With
   * `map` (the ordinal of this task's successful `mmap` calls, as `fd` is of its opens) the
   * store goes to the address that maps file offset `offset` through that mapping, and the
   * fault path runs step by step: a read fault if the page is not present, ->page_mkwrite on a
   * read-only PTE, then the store itself; `file` must be the mapping's file.
   */
  | { op: 'mmap-store'; file: number; offset: number; id: string; map?: number }
  /** mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset); returns the mapping's ordinal. */
  | { op: 'mmap'; fd: number; offset: number; len: number }
  /** A load of the block at file offset `offset` through mapping `map` (a read fault if the page is not present). */
  | { op: 'mmap-load'; map: number; offset: number }
  /** msync of the whole of mapping `map`: MS_SYNC is vfs_fsync_range(datasync) of its range; MS_ASYNC does nothing in 6.18. */
  | { op: 'msync'; map: number; flags: 'MS_SYNC' | 'MS_ASYNC' }
  /** munmap of the whole of mapping `map`: the PTEs go, nothing reaches the disk. */
  | { op: 'munmap'; map: number }
  /** close(fd): the fd is gone; ->release runs (ext4/XFS may start writeback there); FUSE's ->flush (fuse_flush) first. */
  | { op: 'close'; fd: number }
  // Files by name (vfs/namei.ts). A scenario's file N starts out named String(N).
  /** openat(AT_FDCWD, path, access | flags): O_CREAT makes a new inode, O_TRUNC truncates to 0. */
  | { op: 'openat'; path: string; access: 'O_RDONLY' | 'O_WRONLY' | 'O_RDWR'; flags: NameOpenFlag[] }
  | { op: 'unlink'; path: string }
  /** renameat2(from, to, 0): `to` is replaced atomically when it exists. */
  | { op: 'rename'; from: string; to: string }
  /** ftruncate(2): set the file's size to `length` bytes (spec/vfs/truncate.ts). */
  | { op: 'ftruncate'; fd: number; length: number }
  /** fallocate(2) with the FALLOC_FL_* flags in `mode` ([] is mode 0: allocate and extend). */
  | { op: 'fallocate'; fd: number; mode: FallocFlag[]; offset: number; len: number };

/** Flags of an open by name: the open flags, plus creation and truncation. */
export type NameOpenFlag = OpenFlag | 'O_CREAT' | 'O_TRUNC';

/** The fallocate(2) mode bits modelled (include/uapi/linux/falloc.h). */
export type FallocFlag = 'FALLOC_FL_KEEP_SIZE' | 'FALLOC_FL_PUNCH_HOLE' | 'FALLOC_FL_ZERO_RANGE';

export type Program = Syscall[];

/** statx's STATX_WRITE_ATOMIC fields (fs/stat.c generic_fill_statx_atomic_writes). */
export interface StatxAtomic {
  atomicWriteUnitMin: number;
  atomicWriteUnitMax: number;
  atomicWriteUnitMaxOpt: number;
  atomicWriteSegmentsMax: number;
  attrWriteAtomic: boolean;
}

/** How an RWF_ATOMIC direct write reached the device (recorded for properties). */
export type AtomicPath = 'hw' | 'sw-cow' | 'buffered-fallback' | 'buffered-rfc' | 'none';
/** Why XFS retried in software CoW mode. */
export type SwCause = 'iomap_begin refused hw' | 'too big for hw' | 'EAGAIN from invalidation';

/** One entry of a task's results log, appended when the syscall returns. */
export type SyscallResult =
  | { op: 'open'; ret: Ret }
  | { op: 'pwritev2'; id: string; ret: Ret; path: AtomicPath; swCause: SwCause | null }
  | { op: 'pread'; ret: Ret; file: number; data: Token[]; firstBlock: number; start: number; end: number }
  | { op: 'fsync' | 'fdatasync'; ret: Ret }
  | { op: 'statx'; ret: Ret; atomic: StatxAtomic | null }
  /** Run-length residency over the file's pages, as the conformance helper prints it ("2r14.": 2 resident, 14 not). */
  | { op: 'mincore'; ret: Ret; pages: string }
  | { op: 'mmap-store'; id: string; ret: Ret }
  | { op: 'openat' | 'close' | 'unlink' | 'rename'; ret: Ret }
  | { op: 'ftruncate' | 'fallocate'; ret: Ret }
  | { op: 'mmap' | 'msync' | 'munmap'; ret: Ret }
  | { op: 'mmap-load'; ret: Ret; file: number; data: Token[]; firstBlock: number; start: number; end: number };

export interface OpenFile {
  ino: number;
  read: boolean;
  write: boolean;
  direct: boolean;
  dsync: boolean;
  sync: boolean;
  /** FMODE_CAN_ATOMIC_WRITE, decided at open. */
  canAtomic: boolean;
  /** f_wb_err: this open file's cursor into the mapping's errseq_t, sampled at open. */
  wbErr: number;
  /** f_ra.prev_pos: where the last buffered read through this file ended (absent: -1, as file_ra_state_init sets it). */
  raPrevPos?: number;
  /** close(2) released it (close_fd; the fd number is not reused: later opens get new ordinals). */
  closed: boolean;
}

/** The write request after validation, in file blocks. */
export interface WriteReq {
  id: string;
  fd: number;
  ino: number;
  /** Byte range, and the file blocks it touches. */
  pos: number;
  count: number;
  blk: number;
  nblk: number;
  atomic: boolean;
  nowait: boolean;
  dsync: boolean;
  sync: boolean;
  /** The user segments' lengths (bio_split_io_at checks each piece's alignment). */
  iov: number[];
  /** RWF_DONTCACHE (IOCB_DONTCACHE; RWF_UNCACHED in the 2019 posting). */
  dontcache: boolean;
  /** The user buffer's page that can never be read (Syscall badPage), or null. */
  badPage: number | null;
}

export interface Fsync {
  sys: 'fsync';
  /** msync(MS_SYNC): vfs_fsync_range over the mapping's blocks only, returning as msync (absent for fsync/fdatasync). */
  msync?: { blk: number; nblk: number };
  fd: number;
  ino: number;
  datasync: boolean;
  phase: 'writeback' | 'writeback-wait' | 'commit' | 'flush-wait';
  wait: number[];
  ioError: boolean;
  start: number;
}

/**
 * What ftruncate or fallocate does once its checks passed: one of the file system's size or
 * extent operations (xfs_setattr_size, xfs_free_file_space, ext4_punch_hole, ...).
 *  - 'truncate': set i_size and the on-disk size to `offset`
 *  - 'allocate': preallocate unwritten extents over the range (mode 0 extends i_size, KEEP_SIZE not)
 *  - 'punch': PUNCH_HOLE|KEEP_SIZE
 *  - 'zero': ZERO_RANGE (with or without KEEP_SIZE)
 */
export type SizeOpKind = 'truncate' | 'allocate' | 'punch' | 'zero';

/**
 * An ftruncate or fallocate in progress. `steps` is the file system's sequence of steps
 * for this operation (spec/vfs/truncate.ts sizeOpPlan), `at` the next one.
 */
export interface SizeOp {
  sys: 'size-op';
  call: 'ftruncate' | 'fallocate';
  kind: SizeOpKind;
  keepSize: boolean;
  fd: number;
  ino: number;
  /** Byte range (for 'truncate': offset is the new size, len 0). */
  offset: number;
  len: number;
  steps: SizeOpStepName[];
  at: number;
  /** i_size when the operation took its locks (xfs_setattr_size's oldsize). */
  oldSize: number;
  wait: number[];
  ioError: boolean;
  /** The blocks [first, count] whose writeback flush_wait waits for. */
  wbRange: [number, number];
  /** XFS did_zeroing: the zero_eof step dirtied a folio, so setsize's flush must run. Absent: it did not. */
  zeroed?: true;
  /** What the syscall returns so far (the first error wins). */
  ret: 0 | Errno;
  /** The file was opened O_SYNC / O_DSYNC (xfs_file_sync_writes; ext4's O_SYNC). */
  sync: boolean;
  id: string;
}

/** The named steps an ftruncate or fallocate is made of (spec/vfs/truncate.ts). */
export type SizeOpStepName =
  | 'i_rwsem'
  | 'invalidate_lock'
  | 'inode_dio_wait'
  | 'flush'
  | 'flush_wait'
  | 'zero_eof'
  | 'zero_rest'
  | 'setsize'
  | 'unmap'
  | 'alloc'
  | 'itruncate'
  | 'unlock'
  | 'free';

export type SysState = DioWrite | BufferedWrite | DioRead | Fsync | FuseSys | BufferedRead | SizeOp;

export interface Task {
  pc: number;
  fds: OpenFile[];
  cur: SysState | null;
  results: SyscallResult[];
}
