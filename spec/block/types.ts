/** The block device's state and settings (block/, Linux 6.18). */
import type { Token } from '../token.ts';

/** One physical block of a request; `t` is the data (writes) it carries. */
export interface BioBlock {
  p: number;
  t: Token;
}

/** A request (a bio after bio_split_to_limits) submitted to the device and not yet completed. */
export interface Bio {
  id: number;
  op: 'write' | 'flush';
  owner: number; // task index
  /** The blocks the request carries; they land together when it completes. */
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
  /** BLK_FEAT_FUA: the device honours REQ_FUA itself (else blk-flush emulates it with a flush). */
  fua: boolean;
  /** Largest request in bytes (queue/max_sectors_kb); a larger bio is split. */
  maxTransfer: number;
  /** The readahead maximum in bytes (queue/read_ahead_kb, the bdi's ra_pages); absent: 128 KiB (VM_READAHEAD_PAGES). */
  readAhead?: number;
}
