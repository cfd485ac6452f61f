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
import type { AddressSpace, Folio, Vma } from './mm/types.ts';
import type { Ioend } from './fs/iomap/types.ts';
import { initToken, staleToken, ZERO, type Token } from './token.ts';
import type { Program, Task } from './vfs/types.ts';
import type { FuseConn } from './fs/fuse/types.ts';
import { initFuseConn } from './fs/fuse/dev.ts';
import { readBlock } from './vfs/read.ts';

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
  /** Shared file mappings made by `mmap`, with their PTEs (spec/mm/mmap.ts). */
  vmas: Vma[];
  /** The minimal hole punch of Settings.punch (spec/mm/mmap.ts punchSteps): where it is. */
  punch: 'idle' | 'truncated' | 'done';
}

export interface Settings {
  name: string;
  fs: FsSettings;
  device: DeviceSettings;
  knobs: Knobs;
  /** `reflink`: the XFS inode has the reflink flag (its extents were shared with another file). */
  /** `folioBlocks`: the mapping's minimum folio size in blocks (default 1; see AddressSpace). */
  files: Array<{ blocks: InitialBlock[]; size?: number; reflink?: boolean; folioBlocks?: number }>;
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
   * [file, block]: another process punches that block once, at any time (a minimal
   * fallocate(PUNCH_HOLE) of one block in two steps: page cache truncated under the
   * invalidate_lock held exclusive, then the block freed), to race the fault path against.
   */
  punch?: [number, number];
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
  | 'mmap-store-backed'
  | 'no-fill-during-punch';

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

function mappingOf(b: Settings['files'][number]['blocks'][number]): Mapping {
  if (b === 'hole') return { kind: 'hole' };
  if ('written' in b) return { kind: 'written', p: b.written };
  return { kind: 'unwritten', p: b.unwritten };
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
    return {
      size: f.size ?? f.blocks.length * s.fs.blockSize,
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
    journal: { committed: snapshotMetadata(inodes, free), dirtyInodes: [] },
    pageCache: inodes.map((i) => i.map.map((): Folio | null => null)),
    mappings: inodes.map((_, ino) => ({ wbErr: 0, asEio: false, asEnospc: false, folioBlocks: s.files[ino]?.folioBlocks ?? 1 })),
    ioends: [],
    tasks: s.programs.map(() => ({ pc: 0, fds: [], cur: null, results: [] })),
    powerLosses: 0,
    ioErrors: 0,
    userFaults: 0,
    crashed: false,
    ghost: { clock: 0, writes: [], obligations: [], lost: [], wbErrOwed: [], flagged: [] },
    fuse: initFuseConn(s),
    vmas: [],
    punch: 'idle',
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
