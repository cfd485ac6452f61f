/**
 * The block device: non-volatile media, a volatile write cache, and requests in flight.
 * Models Linux 6.18 (block/blk-core.c, blk-merge.c, blk-flush.c).
 *
 * Semantics (Documentation/block/writeback_cache_control.rst, the 6.11 RWF_ATOMIC cover
 * letter): a completed write sits in the volatile cache until a flush; REQ_FUA makes one
 * request durable at completion (on a device with a volatile cache and no FUA, blk-flush
 * emulates it with a flush after the write, which makes the whole cache durable);
 * REQ_PREFLUSH (an empty flush request here) makes every previously completed write
 * durable. A bio larger than the device's maximum transfer size is split into requests
 * (bio_split_to_limits); requests in flight are unordered, and each lands whole: the unit
 * of interleaving between two writers is the request, not the block. At power loss every
 * non-atomic request still in flight or in the cache may persist any subset of its blocks;
 * a REQ_ATOMIC request persists all of its blocks or none.
 */
import type { BioBlock, CacheEntry, Device, DeviceSettings, Token } from '../types.ts';
import { copied, filtered, frozen, keepIfSame, withMembers } from '../cow.ts';

export function initDevice(media: Token[]): Device {
  return { media, cache: [], inflight: [] };
}

/** What a read of physical block p returns now: the cache over the media. */
export function deviceRead(dev: Device, p: number): Token {
  let t = dev.media[p] ?? 'zero';
  for (const e of dev.cache) if (e.p === p) t = e.t;
  return t;
}

/** Lowest request id not used by a request in flight or by a cache entry (canonical). */
function freeBioId(dev: Device): number {
  const used = new Set<number>([...dev.inflight.map((b) => b.id), ...dev.cache.map((c) => c.bio)]);
  let id = 1;
  while (used.has(id)) id++;
  return id;
}

export interface BioSpec {
  op: 'write' | 'flush';
  owner: number;
  blocks: BioBlock[];
  atomic: boolean;
  fua: boolean;
  preflush: boolean;
  convert: Array<[number, number]>;
}

/** Blocks one request may carry: max_sectors (queue/max_sectors_kb) in file-system blocks. */
export function maxRequestBlocks(ds: DeviceSettings, bs: number): number {
  return Math.max(1, Math.floor(ds.maxTransfer / bs));
}

/**
 * submit_bio → bio_split_to_limits: the bio enters the device queue as one request per
 * max_sectors (a REQ_ATOMIC bio is never split: callers check blkAtomicWriteValid first).
 * Returns the request ids, in order.
 */
export function submitBio(dev: Device, spec: BioSpec, maxBlocks = Number.POSITIVE_INFINITY): number[] {
  const ids: number[] = [];
  const step = spec.atomic || spec.op === 'flush' ? Math.max(1, spec.blocks.length) : maxBlocks;
  let i = 0;
  do {
    const id = freeBioId(dev);
    dev.inflight.push({ id, ...spec, blocks: spec.blocks.slice(i, i + step) });
    dev.inflight.sort((a, b) => a.id - b.id);
    ids.push(id);
    i += step;
  } while (i < spec.blocks.length);
  return ids;
}

/**
 * submitBio without a draft (issue 10k): the device with the new requests in flight, and
 * their ids. The same ids and order as submitBio, which runs on a scratch copy of the list;
 * every object it built is frozen, the rest of the device shared.
 */
export function submitBioPure(dev: Device, spec: BioSpec, maxBlocks = Number.POSITIVE_INFINITY): { dev: Device; ids: number[] } {
  const scratch: Device = { media: dev.media, cache: dev.cache, inflight: copied(dev.inflight) };
  const ids = submitBio(scratch, spec, maxBlocks);
  for (const b of scratch.inflight) {
    if (Object.isFrozen(b)) continue;
    b.blocks.forEach((x) => Object.freeze(x));
    Object.freeze(b.blocks);
    Object.freeze(b.convert);
    Object.freeze(b);
  }
  return { dev: withMembers(dev, { inflight: frozen(scratch.inflight) }), ids };
}

/**
 * blk_validate_atomic_write_op_size plus the no-split rule: an atomic request must be a
 * multiple of unit_min, at most unit_max, and must not cross the boundary.
 * block/blk-core.c.
 */
export function blkAtomicWriteValid(ds: DeviceSettings, bs: number, p: number, n: number): boolean {
  const bytes = n * bs;
  if (ds.atomicUnitMax === 0 || bytes > ds.atomicUnitMax || bytes > ds.maxTransfer || bytes % ds.atomicUnitMin !== 0) return false;
  const start = p * bs;
  if (ds.atomicBoundary > 0 && Math.floor(start / ds.atomicBoundary) !== Math.floor((start + bytes - 1) / ds.atomicBoundary)) return false;
  return true;
}

function toCache(dev: Device, ds: DeviceSettings, blk: BioBlock, bio: number, atomic: boolean): void {
  if (!ds.writeCache) {
    dev.media[blk.p] = blk.t;
    return;
  }
  // Older entries for the block stay: a power loss may persist an older request and not a
  // newer one, and a REQ_ATOMIC request must keep all of its blocks to be all-or-nothing.
  dev.cache.push({ p: blk.p, t: blk.t, bio, atomic });
}

function flushCache(dev: Device): void {
  for (const e of dev.cache) dev.media[e.p] = e.t;
  dev.cache = [];
}

export interface Completion {
  id: number;
  owner: number;
  convert: Array<[number, number]>;
}

/**
 * The device completes (or fails) a request: its blocks land whole in the cache (or on the
 * media of a write-through device); a failed request's blocks never land. Returns the
 * request so the caller can wake its owner.
 */
export function completeBio(dev: Device, ds: DeviceSettings, id: number, failed: boolean): Completion {
  const bio = dev.inflight.find((b) => b.id === id);
  if (bio === undefined) throw new Error(`no bio#${id}`);
  const done: Completion = { id, owner: bio.owner, convert: bio.convert.map(([i, b]) => [i, b] as [number, number]) };
  dev.inflight = dev.inflight.filter((b) => b.id !== id);
  if (failed) return done;
  if (bio.op === 'flush' || bio.preflush) flushCache(dev);
  for (const blk of bio.blocks) toCache(dev, ds, blk, id, bio.atomic);
  if (bio.fua && ds.writeCache && !ds.fua) {
    // blk_flush_policy: REQ_FUA without BLK_FEAT_FUA becomes REQ_FSEQ_POSTFLUSH.
    flushCache(dev);
  } else if (bio.fua) {
    // Durable now; older cached data for these blocks can no longer reach the media.
    const ps = new Set(bio.blocks.filter((blk) => dev.cache.some((e) => e.p === blk.p && e.bio === id)).map((blk) => blk.p));
    for (const blk of bio.blocks) if (ps.has(blk.p)) dev.media[blk.p] = blk.t;
    dev.cache = dev.cache.filter((e) => !ps.has(e.p));
  }
  return done;
}

/**
 * completeBio without a draft (issue 10d): the same completion from the frozen device, as a
 * new device sharing what the request did not touch. The media and cache are edited as
 * local copies and kept by identity when they come out unchanged.
 */
export function completeBioPure(dev: Device, ds: DeviceSettings, id: number, failed: boolean): { dev: Device; done: Completion } {
  const bio = dev.inflight.find((b) => b.id === id);
  if (bio === undefined) throw new Error(`no bio#${id}`);
  const done: Completion = { id, owner: bio.owner, convert: bio.convert.map(([i, b]) => [i, b] as [number, number]) };
  const inflight = frozen(filtered(dev.inflight, (b) => b.id !== id));
  if (failed) return { dev: withMembers(dev, { inflight }), done };
  const media = copied(dev.media);
  let cache: CacheEntry[] = copied(dev.cache);
  if (bio.op === 'flush' || bio.preflush) cache = flushTo(media, cache);
  for (const blk of bio.blocks) {
    if (ds.writeCache) cache.push(frozen({ p: blk.p, t: blk.t, bio: id, atomic: bio.atomic }));
    else media[blk.p] = blk.t;
  }
  if (bio.fua && ds.writeCache && !ds.fua) cache = flushTo(media, cache);
  else if (bio.fua) {
    const ps = new Set(bio.blocks.filter((blk) => cache.some((e) => e.p === blk.p && e.bio === id)).map((blk) => blk.p));
    for (const blk of bio.blocks) if (ps.has(blk.p)) media[blk.p] = blk.t;
    cache = cache.filter((e) => !ps.has(e.p));
  }
  return { dev: frozen({ media: keepIfSame(dev.media, media), cache: keepIfSame(dev.cache, cache), inflight }), done };
}

/**
 * Writes `cache` to `media`, in order, and returns the empty cache. A function of its own rather
 * than a closure built per completion (tsx names every such closure with a defineProperty).
 */
function flushTo(media: Token[], cache: readonly CacheEntry[]): CacheEntry[] {
  for (const e of cache) media[e.p] = e.t;
  return [];
}

/** flushDevice without a draft: the cache written to the media; `dev` itself when the cache is empty. */
export function flushDevicePure(dev: Device): Device {
  if (dev.cache.length === 0) return dev;
  const media = copied(dev.media);
  for (const e of dev.cache) media[e.p] = e.t;
  return withMembers(dev, { media: keepIfSame(dev.media, media), cache: frozen([]) });
}

/** blkdev_issue_flush done synchronously (a journal commit's PREFLUSH). */
export function flushDevice(dev: Device): void {
  flushCache(dev);
}

/** The blocks of one request that a power loss may or may not persist. */
export interface PersistGroup {
  bio: number;
  atomic: boolean;
  blocks: BioBlock[];
}

/** Groups of not-yet-durable data, one per request, in request-id order. */
export function persistGroups(dev: Device): PersistGroup[] {
  const groups = new Map<number, PersistGroup>();
  const add = (bio: number, atomic: boolean, blk: BioBlock) => {
    const g = groups.get(bio) ?? { bio, atomic, blocks: [] };
    g.blocks.push(blk);
    groups.set(bio, g);
  };
  for (const e of dev.cache) add(e.bio, e.atomic, { p: e.p, t: e.t });
  for (const b of dev.inflight) if (b.op === 'write') for (const blk of b.blocks) add(b.id, b.atomic, blk);
  return [...groups.values()].sort((a, b) => a.bio - b.bio);
}

/** Every choice a power loss can make: per group a bit mask of the blocks that persist. */
export function powerLossChoices(dev: Device): Array<Array<[number, number]>> {
  let out: Array<Array<[number, number]>> = [[]];
  for (const g of persistGroups(dev)) {
    const all = (1 << g.blocks.length) - 1;
    const masks = g.atomic ? [0, all] : Array.from({ length: all + 1 }, (_, m) => m);
    out = out.flatMap((prefix) => masks.map((m) => [...prefix, [g.bio, m] as [number, number]]));
  }
  return out;
}

/**
 * Power fails: the chosen blocks reach the media — cached data in the order it was
 * completed, then data still in flight. Returns the new media; the cache and the queue
 * are lost with the power.
 */
export function mediaAfterPowerLoss(dev: Device, keep: Array<[number, number]>): Token[] {
  const media = [...dev.media];
  const mask = new Map(keep);
  const seen = new Map<number, number>();
  const land = (bio: number, blk: BioBlock) => {
    const i = seen.get(bio) ?? 0;
    seen.set(bio, i + 1);
    if (((mask.get(bio) ?? 0) & (1 << i)) !== 0) media[blk.p] = blk.t;
  };
  for (const e of dev.cache) land(e.bio, { p: e.p, t: e.t });
  for (const b of dev.inflight) if (b.op === 'write') for (const blk of b.blocks) land(b.id, blk);
  return media;
}
