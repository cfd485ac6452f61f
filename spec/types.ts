/**
 * The world state and the program vocabulary of writepath's spec.
 *
 * Everything in a `World` is a plain, JSON-serialisable value (no Maps, Sets or undefined
 * fields) so that the checker's structural hashing sees one structure per logical state.
 * Static scenario data (programs, geometry, knobs) lives in `Settings`, outside the state.
 */
import type { Knobs } from './knobs.ts';

// ---------------------------------------------------------------------------------------
// Data tokens

/**
 * What a block holds. A token names the write that put it there and the block within
 * that write, so a torn write is visible in a trace:
 *  - `zero`            zeroes (hole, unwritten extent, zeroed block)
 *  - `W1[0]`           block 0 of the write whose id is W1 (ids come from the program)
 *  - `f0.init[2]`      the content file 0 had at block 2 before the scenario started
 *  - `stale[p5]`       whatever a deleted file left in physical block 5 (must never be read)
 */
export type Token = string;

export const ZERO: Token = 'zero';
export const initToken = (ino: number, blk: number): Token => `f${ino}.init[${blk}]`;
export const staleToken = (pblk: number): Token => `stale[p${pblk}]`;
export const writeToken = (id: string, i: number): Token => `${id}[${i}]`;
/** The write id of a token made by `writeToken` or `initToken` (`f0.init`), else null. */
export function tokenWriter(t: Token): string | null {
  const m = /^(.*)\[(\d+)\]$/.exec(t);
  if (m === null || t.startsWith('stale[')) return null;
  return m[1] ?? null;
}

// ---------------------------------------------------------------------------------------
// Errnos and syscall vocabulary (what a conformance test translates real programs into)

export type Errno = 'EINVAL' | 'EOPNOTSUPP' | 'EAGAIN' | 'EIO' | 'ENOSPC' | 'EBADF';

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
  | { op: 'pwritev2'; fd: number; offset: number; iov: number[]; flags: RwfFlag[]; id: string }
  | { op: 'pread'; fd: number; offset: number; len: number }
  | { op: 'fsync'; fd: number }
  | { op: 'fdatasync'; fd: number }
  | { op: 'statx'; fd: number }
  /** A store through a shared mapping of the block at `offset` (the page is already mapped). */
  | { op: 'mmap-store'; file: number; offset: number; id: string };

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
export type AtomicPath = 'hw' | 'sw-cow' | 'buffered-fallback' | 'none';
/** Why XFS retried in software CoW mode. */
export type SwCause = 'iomap_begin refused hw' | 'too big for hw' | 'EAGAIN from invalidation';

/** One entry of a task's results log, appended when the syscall returns. */
export type SyscallResult =
  | { op: 'open'; ret: Ret }
  | { op: 'pwritev2'; id: string; ret: Ret; path: AtomicPath; swCause: SwCause | null }
  | { op: 'pread'; ret: Ret; file: number; data: Token[]; firstBlock: number; start: number; end: number }
  | { op: 'fsync' | 'fdatasync'; ret: Ret }
  | { op: 'statx'; ret: Ret; atomic: StatxAtomic | null }
  | { op: 'mmap-store'; id: string; ret: Ret };

// ---------------------------------------------------------------------------------------
// Block device

/** One physical block of a request; `t` is the data (writes) it carries. */
export interface BioBlock {
  p: number;
  t: Token;
}

/** A request submitted to the device and not yet completed. */
export interface Bio {
  id: number;
  op: 'write' | 'flush';
  owner: number; // task index
  /** Blocks not yet transferred into the device (non-atomic writes land block by block). */
  pending: BioBlock[];
  /** Every block of the request (kept for power-loss subsets and traces). */
  blocks: BioBlock[];
  atomic: boolean;
  fua: boolean;
  preflush: boolean;
  /** Unwritten blocks to convert when this (writeback) request completes: [ino, blk]. */
  convert: Array<[number, number]>;
}

/** A block in the volatile write cache, tagged with the request that wrote it. */
export interface CacheEntry {
  p: number;
  t: Token;
  bio: number;
  atomic: boolean;
}

export interface Device {
  /** Non-volatile contents, one token per physical block. */
  media: Token[];
  /** Volatile write cache in completion order; the last entry for a block is what reads see. */
  cache: CacheEntry[];
  inflight: Bio[];
}

// ---------------------------------------------------------------------------------------
// File system metadata (in memory and committed)

/** One file block's mapping in the data fork. */
export type Mapping =
  | { kind: 'hole' }
  | { kind: 'delalloc' }
  | { kind: 'unwritten'; p: number }
  | { kind: 'written'; p: number };

/** A CoW-fork (staging) block: allocated out of place, remapped at I/O completion. */
export type CowMapping = { kind: 'none' } | { kind: 'staging'; p: number; real: boolean };

export interface InodeMeta {
  /** File size in bytes. */
  size: number;
  map: Mapping[];
  cow: CowMapping[];
}

/** A reader-writer semaphore between tasks: an exclusive holder or sorted shared holders. */
export interface RwSem {
  excl: number | null;
  shared: number[];
}

export interface Inode extends InodeMeta {
  /** Bumped whenever map or cow changes (if_seq; part 2 uses it as the iomap cookie). */
  seq: number;
  /** i_rwsem (the XFS IOLOCK). */
  iolock: RwSem;
  /**
   * mapping->invalidate_lock (the XFS MMAPLOCK): page faults take it shared. Its exclusive
   * users (truncate, hole punch, iomap_write_delalloc_release) arrive with part 2.
   */
  invalidateLock: RwSem;
  /** i_dio_count: direct I/Os between inode_dio_begin and inode_dio_end. */
  dioCount: number;
}

export interface Metadata {
  inodes: InodeMeta[];
  /** free[p] = true when physical block p is free. */
  free: boolean[];
}

export interface Journal {
  committed: Metadata;
  /** In-memory metadata differs from the committed copy. */
  dirty: boolean;
}

/** A page-cache folio (one block). Part 2 grows this into the full page cache. */
export interface Folio {
  t: Token;
  dirty: boolean;
}

// ---------------------------------------------------------------------------------------
// Tasks and in-progress syscalls

export interface OpenFile {
  ino: number;
  read: boolean;
  write: boolean;
  direct: boolean;
  dsync: boolean;
  sync: boolean;
  /** FMODE_CAN_ATOMIC_WRITE, decided at open. */
  canAtomic: boolean;
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
  /** pos and count are multiples of the logical sector size. */
  sectorAligned: boolean;
  /** Every iovec segment is a multiple of the logical sector size (bdev_iter_is_aligned). */
  segmentsAligned: boolean;
}

/** One mapping handed out by ->iomap_begin and used by the bios of one iteration. */
export interface IomapSeg {
  blk: number;
  nblk: number;
  /** Physical start; the segment is physically contiguous. */
  p: number;
  /** 'mixed': one physically contiguous run whose unwritten blocks convert at end_io. */
  type: 'written' | 'unwritten' | 'cow' | 'mixed';
}

export type LockMode = 'shared' | 'excl';

/** XFS atomic write mode: hardware (REQ_ATOMIC) or software (CoW + atomic remap). */
export type XfsAtomicMode = 'hw' | 'sw';

/** Direct write: xfs_file_dio_write*, ext4_dio_write_iter, iomap_dio_rw. */
export interface DioWrite {
  sys: 'dio-write';
  req: WriteReq;
  phase:
    | 'lock'
    | 'dio-wait'
    | 'invalidate'
    | 'invalidate-wait'
    | 'zero-wait'
    | 'iter'
    | 'io-wait'
    | 'sync'
    | 'sync-wait'
    | 'unlock';
  lock: LockMode;
  /** Why the write checks would have to block (so IOCB_NOWAIT gets -EAGAIN), or null. */
  nowaitRefusal: string | null;
  held: boolean;
  forceWait: boolean;
  xfsMode: XfsAtomicMode;
  swCause: SwCause | null;
  /** Blocks already mapped and submitted. */
  done: number;
  segs: IomapSeg[];
  wait: number[];
  ioError: boolean;
  /** Set once the I/O or a check decided iomap_dio_rw's return value. */
  ret: number | KernelErr | null;
  /** Where an error came from (tells a spurious software retry from a needed one). */
  failure: 'invalidate' | 'iomap_begin' | 'lock' | null;
  /** Whether iomap_dio_rw ran (inode_dio_begin done). */
  dioStarted: boolean;
  /** Every data bio so far was REQ_FUA (then generic_write_sync is skipped). */
  fua: boolean;
}

/** Buffered write (also the ENOTBLK fallback of a direct write). */
export interface BufferedWrite {
  sys: 'buffered-write';
  req: WriteReq;
  phase: 'lock' | 'copy' | 'writeback-wait' | 'unlock';
  /** Next block to copy into the page cache. */
  next: number;
  /** A direct write that fell back: write back and invalidate before returning. */
  fallback: boolean;
  /** Bytes copied when IOMAP_NOWAIT stopped the copy early (a short write), else null. */
  short: number | null;
  wait: number[];
  ioError: boolean;
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

export type SysState = DioWrite | BufferedWrite | DioRead | Fsync;

export interface Task {
  pc: number;
  fds: OpenFile[];
  cur: SysState | null;
  results: SyscallResult[];
}

// ---------------------------------------------------------------------------------------
// Ghost state: history the properties need, not part of the kernel

export interface GhostWrite {
  id: string;
  task: number;
  ino: number;
  blk: number;
  nblk: number;
  atomic: boolean;
  /** Logical clock at syscall entry and return (null while in progress). */
  start: number;
  end: number | null;
  /** Return value once returned. */
  ret: Ret | null;
  path: AtomicPath;
  swCause: SwCause | null;
  /** Data requests that carried this write's tokens: [atomic, first p, nblocks]. */
  bios: Array<{ atomic: boolean; p: number; n: number }>;
}

/** A durability obligation: after power loss, (ino, blk) must hold `t` or newer data. */
export interface Obligation {
  ino: number;
  blk: number;
  t: Token;
  /** Clock at which the write that made `t` started: writes still running then may overwrite it. */
  since: number;
}

export interface Ghost {
  clock: number;
  writes: GhostWrite[];
  obligations: Obligation[];
}

export interface World {
  device: Device;
  inodes: Inode[];
  free: boolean[];
  journal: Journal;
  /** pageCache[ino][blk]: the folio caching that block, or null. */
  pageCache: Array<Array<Folio | null>>;
  tasks: Task[];
  powerLosses: number;
  ioErrors: number;
  /** After a power loss the world is the recovered on-disk state; nothing runs. */
  crashed: boolean;
  ghost: Ghost;
}

// ---------------------------------------------------------------------------------------
// Scenario settings

export type FsKind = 'xfs' | 'ext4';

/** Initial layout of one file block. */
export type InitialBlock = 'hole' | { unwritten: number } | { written: number };

export interface DeviceSettings {
  /** Bytes; 0/0 means the device has no atomic write support. */
  atomicUnitMin: number;
  atomicUnitMax: number;
  /** Bytes; 0 = no boundary. */
  atomicBoundary: number;
  /** Whether REQ_ATOMIC needs the physical start naturally aligned to the request size. */
  atomicNeedsAlignment: boolean;
  /** A volatile write cache ("write back"); false = write through. */
  writeCache: boolean;
  fua: boolean;
}

export interface FsSettings {
  kind: FsKind;
  blockSize: number;
  sectorSize: number;
  physBlocks: number;
  /** XFS: reflink (enables software atomic writes). */
  reflink: boolean;
  /** XFS: largest software atomic write (bytes; the log-reservation bound). */
  swAtomicMax: number;
  /** ext4: bigalloc cluster size in blocks (1 = no bigalloc). */
  clusterBlocks: number;
}

export interface Settings {
  name: string;
  fs: FsSettings;
  device: DeviceSettings;
  knobs: Knobs;
  files: Array<{ blocks: InitialBlock[]; size?: number }>;
  /** Clean folios cached at start (so mmap stores can dirty them): [file, block]. */
  cached: Array<[number, number]>;
  programs: Program[];
  maxPowerLosses: number;
  maxIoErrors: number;
  /** Let the checker commit the journal at any time (jbd2 / xfs log worker). */
  backgroundCommit: boolean;
  /** Properties checked (default: all invariants). */
  properties: PropertyName[];
  /**
   * Non-atomic requests land block by block (default true). A single task without power
   * loss cannot observe the order, so allowedOutcomes turns it off to keep searches small.
   */
  blockwiseTransfer?: boolean;
}

export type PropertyName =
  | 'atomic-untorn'
  | 'atomic-one-request'
  | 'durability'
  | 'no-stale-data'
  | 'read-consistency'
  | 'sw-fallback-needed'
  | 'torn-reachable';

// ---------------------------------------------------------------------------------------
// Steps

/**
 * One atomic step of an actor: the kernel code between two points where another actor may
 * run. `fn` is the kernel function it models, `what` says what it does in this state.
 * `apply` mutates an immer draft of the world.
 */
export interface Step {
  fn: string;
  what: string;
  apply(w: World): void;
}
