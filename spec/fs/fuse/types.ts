/**
 * FUSE's state (fs/fuse/fuse_i.h, fs/fuse/dev.c; Linux 6.18): the userspace server that
 * holds the file's contents — the "device" of this file system — and the requests in
 * flight between the kernel and it, plus the per-task state of the FUSE syscalls.
 */
import type { Token } from '../../token.ts';
import type { WriteReq } from '../../vfs/types.ts';

export type FuseOp = 'WRITE' | 'READ' | 'FSYNC' | 'FLUSH';

/**
 * A request queued to the server and not yet answered (struct fuse_req). `blk`/`data`:
 * the file pages a WRITE carries or a READ asks for. A writeback WRITE carries a copy of
 * the page made when writeback started (the temporary page of the thread's version); a
 * write(2) WRITE (`pageRefs`) carries the page-cache pages themselves, so the server
 * takes what they hold when it answers ("in synchronous write we are carrying pointer to
 * page cache page"); `data` is then what they held when the request was built. `owner` is the task waiting for the reply, or -1 for a writeback WRITE
 * (fuse_writepage_end handles its reply). `pos`/`count`: the WRITE's byte range.
 */
export interface FuseReq {
  unique: number;
  op: FuseOp;
  ino: number;
  blk: number;
  data: Token[];
  pos: number;
  count: number;
  owner: number;
  writeback: boolean;
  pageRefs: boolean;
  /** A direct WRITE of an O_(D)SYNC write: write_in.flags carries O_DSYNC, the server makes what it takes durable. */
  dsync?: boolean;
}

/** A folio a FUSE path holds locked across steps (only FUSE holds folio locks across a request). */
export interface FuseLock {
  ino: number;
  blk: number;
  task: number;
}

export interface FuseConn {
  /** PAGE_SIZE: a page is one file block. */
  pageSize: number;
  /** server[ino][blk]: what the server holds for the page (its answer to a READ). */
  server: Token[][];
  /** What the server's storage keeps through a power loss: its contents at its last FSYNC reply. */
  durable: Token[][];
  reqs: FuseReq[];
  nextUnique: number;
  shortWrites: number;
  locked: FuseLock[];
}

/** How the server answered a task's request. */
export type FuseReply = { err: 'EIO' | null; size: number; data: Token[] };

/**
 * A write(2) in write-through mode (fuse_cache_write_iter → fuse_perform_write), one
 * request at a time: 'fill' is fuse_fill_write_pages, 'send' fuse_send_write_pages up to
 * fuse_simple_request, 'reply' the rest of it once the server answered. `pending` is the
 * request being built or in flight: its pages and the data copied into them.
 * In writeback-cache mode ('copy') write(2) copies into the page cache and dirties it.
 */
export interface FuseWrite {
  sys: 'fuse-write';
  req: WriteReq;
  phase: 'lock' | 'fill' | 'copy' | 'send' | 'reply';
  /** Bytes of the write handled so far (res in fuse_perform_write). */
  done: number;
  pending: { blk: number; data: Token[]; pos: number; count: number; locked: number[] } | null;
  unique: number | null;
  reply: FuseReply | null;
  wait: number[];
  ioError: boolean;
}

/** A buffered read (filemap_read → fuse_read_folio), one page at a time. */
export interface FuseRead {
  sys: 'fuse-read';
  fd: number;
  ino: number;
  pos: number;
  len: number;
  firstBlock: number;
  nblk: number;
  data: Token[];
  unique: number | null;
  reply: FuseReply | null;
  start: number;
  wait: number[];
  ioError: boolean;
}

/**
 * A direct read (O_DIRECT or FOPEN_DIRECT_IO: fuse_direct_io): one READ straight to the
 * server. `len`: the bytes returned (up to i_size); `ask`: the bytes the READ asks for
 * (FOPEN_DIRECT_IO does not clip a read at i_size, the server answers what it has).
 */
export interface FuseDioRead {
  sys: 'fuse-dio-read';
  fd: number;
  ino: number;
  pos: number;
  len: number;
  ask?: number;
  phase: 'sync-writes' | 'reply';
  unique: number | null;
  reply: FuseReply | null;
  start: number;
  wait: number[];
  ioError: boolean;
}

/**
 * fuse_fsync: inode_lock, write back and wait, fuse_sync_writes, the error check, FSYNC.
 * `write`: this fsync is generic_write_sync after a write(2) with O_(D)SYNC / RWF_(D)SYNC
 * that wrote `ret` bytes: it ends that write, returning `ret`, or the fsync's error.
 */
export interface FuseFsync {
  sys: 'fuse-fsync';
  write?: { req: WriteReq; ret: number };
  fd: number;
  ino: number;
  datasync: boolean;
  phase: 'lock' | 'writeback' | 'wait' | 'reply';
  unique: number | null;
  reply: FuseReply | null;
  start: number;
  wait: number[];
  ioError: boolean;
}

/**
 * A write on a FOPEN_DIRECT_IO file (fuse_direct_write_iter → fuse_direct_io; an O_DIRECT
 * open stands for it): wait for writeback WRITEs of the range, drop its cached pages
 * (invalidate_inode_pages2_range), one WRITE straight to the server, its reply.
 */
export interface FuseDioWrite {
  sys: 'fuse-dio-write';
  req: WriteReq;
  phase: 'lock' | 'sync-writes' | 'reply';
  unique: number | null;
  reply: FuseReply | null;
  wait: number[];
  ioError: boolean;
}

/**
 * close(2) on FUSE: close_fd, then fuse_flush: write_inode_now (write back the dirty pages
 * and wait), filemap_check_errors (AS_EIO: -EIO, no FLUSH), FLUSH, its reply.
 */
export interface FuseClose {
  sys: 'fuse-close';
  fd: number;
  ino: number;
  phase: 'writeback' | 'wait' | 'reply';
  unique: number | null;
  reply: FuseReply | null;
  wait: number[];
  ioError: boolean;
}

export type FuseSys = FuseWrite | FuseRead | FuseDioRead | FuseFsync | FuseDioWrite | FuseClose;
