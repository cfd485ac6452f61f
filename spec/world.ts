/**
 * The world: the layers' states composed into one immutable value, the scenario's static
 * settings, and the initial world of a scenario. Everything in a `World` is a plain,
 * JSON-serialisable value (no Maps, Sets or undefined fields) so that the checker's
 * structural hashing sees one structure per logical state. Static scenario data (programs,
 * geometry, knobs) lives in `Settings`, outside the state. Models Linux 6.18.
 */
import type { DeviceSettings, Device } from './block/types.ts';
import { initDevice } from './block/device.ts';
import type { FsSettings, InitialBlock, Inode, Journal, Mapping } from './fs/types.ts';
import { snapshotMetadata } from './fs/journal.ts';
import type { Ghost } from './ghost.ts';
import type { Knobs } from './knobs.ts';
import type { AddressSpace, Folio, FolioEndWalk, ReadBio, Vma } from './mm/types.ts';
import type { Ioend } from './fs/iomap/types.ts';
import type { Ext4IoEnd } from './fs/ext4/types.ts';
import type { XfsWritepageCtx } from './fs/xfs/xfs_aops.ts';
import { initToken, staleToken, ZERO, type Token } from './token.ts';
import type { Program, Task } from './vfs/types.ts';
import type { FuseConn } from './fs/fuse/types.ts';
import { initFuseConn } from './fs/fuse/dev.ts';
import { readBlock } from './vfs/read.ts';
import { ext4MaxPagecacheBlocks, ext4ShouldEnableLargeFolio } from './fs/ext4/inode.ts';

export interface World {
  device: Device;
  inodes: Inode[];
  free: boolean[];
  journal: Journal;
  /** pageCache[ino][blk]: the folio caching that block, or null. */
  pageCache: Array<Array<Folio | null>>;
  /** mappings[ino]: the address_space's writeback error state (wb_err, AS_EIO). */
  mappings: AddressSpace[];
  /** Writeback bios in flight with the folios they carry, in bio order. */
  ioends: Ioend[];
  /**
   * ext4: writeback io_ends with unwritten extents to convert (EXT4_IO_END_UNWRITTEN), in
   * flight or, once every bio completed, on the i_rsv_conversion_list waiting for the work.
   */
  ext4IoEnds: Ext4IoEnd[];
  /** Completed writeback bios whose folio walk is part way (mm/filemap.ts endWritebackWalk). */
  folioEnds: FolioEndWalk[];
  /** Read bios in flight, their folios locked and !uptodate (mm/readahead.ts submitReadIo); they outlive the read that submitted them. */
  readBios: ReadBio[];
  tasks: Task[];
  powerLosses: number;
  ioErrors: number;
  /** User-page faults the environment has injected so far (bounded by Settings.userFaults). */
  userFaults: number;
  /** After a power loss the world is the recovered on-disk state; nothing runs. */
  crashed: boolean;
  ghost: Ghost;
  /** FUSE: the server holding the files' contents and the requests in flight (null for xfs/ext4). */
  fuse: FuseConn | null;
  // Files by name and life after a power loss (vfs/namei.ts, fs/recovery.ts).
  /** The directory (one is enough): [name, inode], sorted by name. */
  dir: Array<[string, number]>;
  /** The in-memory orphan list (ext4 s_orphan / the XFS AGI unlinked list): unlinked inodes still open. */
  orphans: number[];
  /** Inodes whose ->release starts writeback: ext4 EXT4_STATE_DA_ALLOC_CLOSE, XFS XFS_ITRUNCATED. */
  flushOnClose: number[];
  /** Inodes evicted (blocks freed, never reused: a create takes a new number). */
  dead: number[];
  /**
   * After a power loss with post-crash programs (Settings.afterCrash): 'replay' (the
   * journal not yet replayed), 'orphans' (replayed, orphan cleanup pending), 'running'
   * (the post-crash programs run). null before any power loss, and always when the
   * scenario has no post-crash programs (then `crashed` ends the run as before).
   */
  boot: 'replay' | 'orphans' | 'running' | null;
  /** Ghost: renames over an existing file, with what each side read as then (vfs/namei.ts). */
  renames: RenameRecord[];
  /**
   * Ghost: what the file system held when the last recovery finished (each inode's blocks
   * within its size, and the directory) and the ghost clock then; null before. `truncated`:
   * inodes a post-crash syscall truncated to 0 since (their recovered data is gone).
   */
  recovered: { clock: number; files: Token[][]; sizes: number[]; dir: Array<[string, number]>; truncated: number[] } | null;
  /** Shared file mappings made by `mmap`, with their PTEs (spec/mm/mmap.ts). */
  vmas: Vma[];
  /** XFS: the flusher's ->writepages pass in progress, folio by folio (Settings.flusherPerFolio), or null. */
  wpc: XfsWritepageCtx | null;
}

export interface RenameRecord {
  name: string;
  /** The replaced file's content (as a read returned it) and the source's, at the rename. */
  old: Token[];
  new: Token[];
  at: number;
  src: number;
  dst: number;
}

export interface Settings {
  name: string;
  fs: FsSettings;
  device: DeviceSettings;
  knobs: Knobs;
  /** `reflink`: the XFS inode has the reflink flag (its extents were shared with another file). */
  /** `folioBlocks`: the mapping's minimum folio size in blocks (default 1; see AddressSpace). */
  /** `maxFolioBlocks`: its maximum (default 512 for XFS and ext4, large folios as in 6.18 — ext4_should_enable_large_folio; the minimum for FUSE). */
  /** `name`: the file's name in the directory (default: its index, as a string). */
  files: Array<{ blocks: InitialBlock[]; size?: number; reflink?: boolean; folioBlocks?: number; maxFolioBlocks?: number; name?: string }>;
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
   * Background writeback (the flusher, wb_workfn → ->writepages) may write back any dirty
   * folio at any time (default false: part-1 scenarios write back only when a task does).
   */
  flusher?: boolean;
  /** Memory reclaim may evict any clean, unlocked folio not under writeback at any time (default false). */
  reclaim?: boolean;
  /** FUSE: how many WRITE replies the server may cut short (default 0). */
  maxShortWrites?: number;
  /**
   * How many times the environment may make copy_folio_from_iter_atomic stop short at a page
   * boundary of a buffered atomic write's user buffer (a user page not resident, seed 000);
   * fault_in_iov_iter_readable then brings it in. Default 0.
   */
  userFaults?: number;
  /**
   * Each task's program after a power loss (and recovery), run from its start on the
   * recovered file system after every power loss. Absent: the crashed world is final.
   */
  afterCrash?: Program[];
  /** How many blocks a file made by O_CREAT has room for (default: the largest initial file's). */
  newFileBlocks?: number;
  /**
   * XFS: the flusher may also run a ->writepages pass one folio per step, keeping the
   * writepage context's cached mapping between its steps (fs/xfs/xfs_aops.ts), so that other
   * actors run between two folios of one pass. Default false: a pass is one step (with the
   * merged xfsWritebackMapValid 'seq' a pass cut in two by another actor maps its second
   * folio again, as a pass of its own would; see proofs-notes/writeback-mapping.md).
   * xfsWritebackMapValid 'eof-trim' turns it on.
   */
  flusherPerFolio?: boolean;
}

export type PropertyName =
  | 'atomic-untorn'
  | 'atomic-one-request'
  | 'durability'
  | 'no-stale-data'
  | 'read-consistency'
  | 'sw-fallback-needed'
  | 'fsync-reports-errors'
  | 'stale-iomap'
  | 'uncached-iomap-stable'
  | 'uncached-flush-errors'
  | 'cache-coherence'
  | 'monotonic-reads'
  | 'write-order'
  | 'atomic-overwritten-before-writeback'
  | 'torn-reachable'
  | 'atomic-old-data-may-survive'
  | 'rename-old-or-new'
  | 'rename-neither-reachable'
  | 'recovered-reads'
  | 'orphans-freed'
  | 'size-exposes-written'
  | 'mmap-store-backed'
  | 'no-fill-during-punch';

// ---------------------------------------------------------------------------------------
// Steps

/**
 * One atomic step of an actor: the kernel code between two points where another actor may
 * run. `fn` is the kernel function it models, `what` says what it does in this state.
 * `apply` mutates an immer draft of the world. A hot step may also carry `next`, the same
 * update written without immer (spec/cow.ts): from the frozen world it returns the successor,
 * new objects only along the changed path, all frozen, everything else shared. Where it is
 * present the search uses it; `apply` stays the reference it must agree with
 * (test/spec-pure-steps.test.ts). A step may offer `next` only in the states it handles.
 */
export interface Step {
  fn: string;
  what: string;
  apply(w: World): void;
  next?: (w: World) => World;
}

function mappingOf(b: Settings['files'][number]['blocks'][number]): Mapping {
  if (b === 'hole') return { kind: 'hole' };
  if ('written' in b) return { kind: 'written', p: b.written };
  return { kind: 'unwritten', p: b.unwritten };
}

/** The initial directory: file N is named `files[N].name`, by default String(N). */
export function initialDir(s: Settings): Array<[string, number]> {
  return s.files.map((f, ino): [string, number] => [f.name ?? String(ino), ino]).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function initWorld(s: Settings): World {
  const free = Array.from({ length: s.fs.physBlocks }, () => true);
  const media: Token[] = Array.from({ length: s.fs.physBlocks }, (_, p) => staleToken(p));
  const inodes: Inode[] = s.files.map((f, ino) => {
    const map = f.blocks.map(mappingOf);
    map.forEach((m, blk) => {
      if (m.kind !== 'written' && m.kind !== 'unwritten') return;
      if (free[m.p] !== true) throw new Error(`scenario ${s.name}: p${m.p} used twice`);
      free[m.p] = false;
      if (m.kind === 'written') media[m.p] = initToken(ino, blk);
    });
    const size = f.size ?? f.blocks.length * s.fs.blockSize;
    return {
      size,
      diskSize: size,
      map,
      cow: map.map(() => ({ kind: 'none' as const })),
      seq: 0,
      iolock: { excl: null, shared: [] },
      invalidateLock: { excl: null, shared: [] },
      dioCount: 0,
      reflink: f.reflink ?? false,
    };
  });
  const w: World = {
    device: initDevice(media),
    inodes,
    free,
    journal: { committed: snapshotMetadata(inodes, free), dirtyInodes: [], ordered: [], dir: initialDir(s), orphans: [], namesDirty: false },
    ext4IoEnds: [],
    pageCache: inodes.map((i) => i.map.map((): Folio | null => null)),
    mappings: inodes.map((_, ino) => newAddressSpace(s, ino)),
    ioends: [],
    folioEnds: [],
    readBios: [],
    tasks: s.programs.map(() => ({ pc: 0, fds: [], cur: null, results: [] })),
    powerLosses: 0,
    ioErrors: 0,
    userFaults: 0,
    crashed: false,
    ghost: { clock: 0, writes: [], obligations: [], lost: [], wbErrOwed: [], flagged: [] },
    fuse: initFuseConn(s),
    dir: initialDir(s),
    orphans: [],
    flushOnClose: [],
    dead: [],
    boot: null,
    renames: [],
    recovered: null,
    vmas: [],
    wpc: null,
  };
  for (const [ino, blk] of s.cached) {
    const pc = w.pageCache[ino];
    if (pc === undefined || blk >= pc.length) throw new Error(`scenario ${s.name}: cached folio outside file ${ino}`);
    // A cached folio was read in whole: every block of it is uptodate.
    const nr = s.files[ino]?.folioBlocks ?? 1;
    const head = blk - (blk % nr);
    for (let b = head; b < head + nr && b < pc.length; b++) pc[b] = { t: readBlock(w, ino, b), uptodate: true, dirty: false, writeback: false, dropbehind: false, head, nr, atomic: false };
  }
  return w;
}

/** MAX_PAGECACHE_ORDER on x86-64 (min(MAX_XAS_ORDER, HPAGE_PMD_ORDER) = 9): 512 pages. */
export const MAX_PAGECACHE_BLOCKS = 512;

/**
 * The mapping's largest folio: XFS (xfs_setup_inode → mapping_set_folio_min_order) and ext4
 * (ext4_set_inode_mapping_order, regular files without data journalling, verity or
 * encryption) allow large folios up to MAX_PAGECACHE_ORDER in 6.18; FUSE does not.
 */
/** A fresh address_space for inode `ino` (at mount, at recovery, or a file a task creates). */
export function newAddressSpace(s: Settings, ino: number): AddressSpace {
  return { wbErr: 0, asEio: false, asEnospc: false, folioBlocks: s.files[ino]?.folioBlocks ?? 1, blockSize: s.fs.blockSize, maxFolioBlocks: maxFolioBlocks(s, ino) };
}

function maxFolioBlocks(s: Settings, ino: number): number {
  const f = s.files[ino];
  const min = f?.folioBlocks ?? 1;
  return Math.max(min, f?.maxFolioBlocks ?? defaultMaxFolioBlocks(s, min));
}

/** What the file system's inode setup asks for when the scenario does not say. */
function defaultMaxFolioBlocks(s: Settings, min: number): number {
  if (s.fs.kind === 'xfs') return MAX_PAGECACHE_BLOCKS;
  if (s.fs.kind === 'ext4') return ext4ShouldEnableLargeFolio(s) ? ext4MaxPagecacheBlocks() : min;
  return min;
}

/** What file `ino` holds per block through the direct-I/O view (extent map + device). */
export function fileContent(w: World, ino: number): Token[] {
  // FUSE: the file is what the server holds.
  if (w.fuse !== null) return [...(w.fuse.server[ino] ?? [])];
  const inode = w.inodes[ino];
  if (inode === undefined) return [];
  return inode.map.map((_, blk) => readBlock(w, ino, blk));
}

/** The content a block had before the scenario started. */
export function initialContent(s: Settings, ino: number, blk: number): Token {
  const b = s.files[ino]?.blocks[blk];
  return b !== undefined && b !== 'hole' && 'written' in b ? initToken(ino, blk) : ZERO;
}
