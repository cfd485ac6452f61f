/**
 * The syscall vocabulary (what a conformance test translates real programs into), the open
 * file, the validated write request, and a task with its syscall in progress. Linux 6.18.
 */
import type { Token } from '../token.ts';
import type { BufferedRead, BufferedWrite, DioRead, DioWrite } from '../fs/iomap/types.ts';
import type { FuseSys } from '../fs/fuse/types.ts';

export type Errno = 'EINVAL' | 'EOPNOTSUPP' | 'EAGAIN' | 'EIO' | 'ENOSPC' | 'EBADF' | 'EFAULT' | 'ENOENT';

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
  /** A store through a shared mapping of the block at `offset` (the page is already mapped). */
  | { op: 'mmap-store'; file: number; offset: number; id: string }
  /** close(fd): the fd is gone; ->release runs (ext4/XFS may start writeback there); FUSE's ->flush (fuse_flush) first. */
  | { op: 'close'; fd: number }
  // Files by name (vfs/namei.ts). A scenario's file N starts out named String(N).
  /** openat(AT_FDCWD, path, access | flags): O_CREAT makes a new inode, O_TRUNC truncates to 0. */
  | { op: 'openat'; path: string; access: 'O_RDONLY' | 'O_WRONLY' | 'O_RDWR'; flags: NameOpenFlag[] }
  | { op: 'unlink'; path: string }
  /** renameat2(from, to, 0): `to` is replaced atomically when it exists. */
  | { op: 'rename'; from: string; to: string };

/** Flags of an open by name: the open flags, plus creation and truncation. */
export type NameOpenFlag = OpenFlag | 'O_CREAT' | 'O_TRUNC';

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
  | { op: 'openat' | 'close' | 'unlink' | 'rename'; ret: Ret };

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
  fd: number;
  ino: number;
  datasync: boolean;
  phase: 'writeback' | 'writeback-wait' | 'commit' | 'flush-wait';
  wait: number[];
  ioError: boolean;
  start: number;
}

export type SysState = DioWrite | BufferedWrite | DioRead | Fsync | FuseSys | BufferedRead;

export interface Task {
  pc: number;
  fds: OpenFile[];
  cur: SysState | null;
  results: SyscallResult[];
}
