/** File-system metadata shared by ext4 and XFS: extent maps, inodes, the journal, geometry. Linux 6.18. */
import type { RwSem } from '../kernel/locking/rwsem.ts';

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

export interface Inode extends InodeMeta {
  /**
   * The on-disk size (XFS i_disk_size / di_size, ext4 i_disksize): what the journal commits
   * as the inode's size. `size` is the in-memory i_size. Buffered writes move i_size at copy
   * time and the on-disk size when their ioend completes (xfs_setfilesize); truncate,
   * fallocate and direct-write completion move both (spec/vfs/truncate.ts).
   */
  diskSize: number;
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
  /**
   * XFS_DIFLAG2_REFLINK (xfs_is_cow_inode): the file has shared extents, so every write goes
   * through the CoW fork. A software atomic write uses the CoW fork without setting it.
   */
  reflink: boolean;
}

export interface Metadata {
  inodes: InodeMeta[];
  /** free[p] = true when physical block p is free. */
  free: boolean[];
}

export interface Journal {
  committed: Metadata;
  /** Inodes whose in-memory metadata differs from the committed copy (sorted). */
  dirtyInodes: number[];
  /**
   * jbd2 data=ordered: [inode, file block] whose data the running transaction must wait for
   * before its commit (jbd2_journal_inode_ranged_wait: the jinode's dirty range). ext4 puts
   * newly allocated written blocks here (ext4_map_blocks, EXT4_MAP_NEW without
   * EXT4_MAP_UNWRITTEN); with dioread_nolock writeback allocates unwritten, so it stays empty.
   */
  ordered: Array<[number, number]>;
  /** The committed directory ([name, inode], sorted) and orphan list (vfs/namei.ts). */
  dir: Array<[string, number]>;
  orphans: number[];
  /** The running transaction changed the directory or the orphan list. */
  namesDirty: boolean;
}

export type FsKind = 'xfs' | 'ext4' | 'fuse';

/** Initial layout of one file block. */
export type InitialBlock = 'hole' | { unwritten: number } | { written: number };

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
  /**
   * XFS: the `allocsize=` mount option in bytes (a fixed speculative preallocation), or null
   * for the default dynamic scheme (xfs_iomap_prealloc_size: nothing below 64 KiB of i_size).
   */
  allocsize: number | null;
}
