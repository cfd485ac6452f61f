/**
 * Synchronous readahead (mm/readahead.c page_cache_sync_ra, Linux 6.18): which blocks a
 * buffered read that misses the page cache adds to it, as new folios locked and
 * !uptodate, in one batch under mapping->invalidate_lock shared (page_cache_ra_order /
 * page_cache_ra_unbounded take it around adding the folios and read_pages submitting their
 * I/O, so no other actor sees a half-built batch).
 *
 * A block is a page here. The window: at the start of the file, for a request larger than
 * the readahead maximum, or right after the previous read of this open file
 * (f_ra.prev_pos), get_init_ra_size of the request; otherwise the request alone
 * (do_page_cache_ra), unless the pages just before it are cached (page_cache_prev_miss: a
 * sequential stream), then the cached run plus the request. Never past the page that holds
 * the last byte of the file. Sync readahead sets ra->order = 0: the folios are of the
 * mapping's minimum size. Not modelled: the PG_readahead mark and the asynchronous
 * readahead a later read that hits it would start (page_cache_async_ra). The maximum is the
 * device's read_ahead_kb (DeviceSettings.readAhead; 128 KiB when absent).
 */
import { ZERO, type Settings, type Token, type World } from '../types.ts';
import { folioAt, mappingOf } from './filemap.ts';
import type { ReadBio } from './types.ts';

/** VM_READAHEAD_PAGES: the default file_ra_state.ra_pages (128 KiB of 4 KiB pages). */
export const RA_PAGES = 32;

/** get_init_ra_size: the first readahead window for a request of `size` pages. */
export function initRaSize(size: number, max: number): number {
  let n = 1;
  while (n < size) n *= 2;
  if (n <= max / 32) return n * 4;
  if (n <= max / 4) return n * 2;
  return max;
}

/**
 * page_cache_prev_miss: the first uncached page at or below `index`, scanning at most `max`;
 * -1 past page 0 (ULONG_MAX) — as the xarray walk computes it. Its first xas_prev loads
 * `index` itself; when a large folio holds that page, xas_load leaves xa_offset at the
 * folio's first slot (the sibling entry's canonical slot) while xa_index stays at `index`,
 * and every later xas_prev moves both back by one. So the walk stops at the first uncached
 * page m below that folio but returns m + (index - head): the folio's pages from its head
 * up to `index` are not counted as cached history (`headOf(b)`: the first page of the folio
 * caching b). Found by the --mincore campaign (issue-8g, proofs-notes/conformance.md).
 */
function prevMiss(cached: (b: number) => boolean, headOf: (b: number) => number, index: number, max: number): number {
  if (index < 0) return -1;
  if (!cached(index)) return index;
  const lag = index - Math.min(index, headOf(index));
  let b = index - lag - 1;
  for (let n = 1; n < max; n++, b--) {
    if (b < 0 || !cached(b)) return b + lag;
  }
  return b + lag;
}

/**
 * The pages page_cache_sync_ra reads for a miss at page `index` with `req` pages requested
 * (last_index - index), the file `isize` bytes long, `prevPos` the open file's
 * f_ra.prev_pos (-1 when it never read), `cached(b)` whether page b is in the cache.
 * Returns [first, end): the window clipped at EOF (pages already cached in it are skipped
 * by the caller).
 */
export function syncRaWindow(index: number, req: number, isize: number, prevPos: number, cached: (b: number) => boolean, pageSize: number, ioPages: number, raPages: number = RA_PAGES, headOf: (b: number) => number = (b) => b): [number, number] {
  let max = raPages;
  // ractl_max_pages: a request beyond the window may go up to the device's optimal I/O size.
  if (req > max && ioPages > max) max = Math.min(req, ioPages);
  const prevIndex = prevPos < 0 ? Number.POSITIVE_INFINITY : Math.floor(prevPos / pageSize);
  let size: number;
  if (index === 0 || req > max || (prevIndex <= index && index - prevIndex <= 1)) size = initRaSize(req, max);
  else {
    const miss = prevMiss(cached, headOf, index - 1, max);
    let contig = index - miss - 1;
    if (contig <= req) size = req;
    else {
      if (miss === -1) contig *= 2;
      size = Math.min(contig + req, max);
    }
  }
  if (isize <= 0) return [index, index];
  const last = Math.floor((isize - 1) / pageSize);
  return [index, Math.max(index, Math.min(index + size, last + 1))];
}

/**
 * The blocks a buffered read of [pos, pos + len) of file `ino` leaves for read I/O to fill,
 * as filemap_read's loop meets them (filemap_get_pages): a cached folio uptodate over what
 * the read needs is copied; at the first page not cached, synchronous readahead adds the
 * window's missing pages; a clean cached folio that is not uptodate where the read needs it
 * is locked and read in whole (filemap_update_page → filemap_read_folio: ->read_folio reads
 * its !uptodate blocks). Returns the heads of the folios to add (`add`: new, min order) and
 * of those to lock and fill (`fill`), and the blocks the I/O fills.
 */
export function readPlan(w: World, s: Settings, ino: number, pos: number, len: number, prevPos: number): { add: number[]; fill: number[]; blocks: number[] } {
  const bs = s.fs.blockSize;
  const pc = w.pageCache[ino] ?? [];
  const isize = w.inodes[ino]?.size ?? 0;
  const min = mappingOf(w, ino).folioBlocks;
  const end = Math.min(pos + len, isize);
  const added = new Set<number>();
  const add: number[] = [];
  const fill: number[] = [];
  const blocks: number[] = [];
  const cached = (b: number) => added.has(b) || folioAt(w, ino, b) !== null;
  const lastIndex = Math.ceil((pos + len) / bs);
  for (let b = Math.floor(pos / bs); b * bs < end && b < pc.length; ) {
    const f = folioAt(w, ino, b);
    if (added.has(b)) {
      b++;
      continue;
    }
    if (f === null) {
      const raPages = s.device.readAhead === undefined ? RA_PAGES : Math.floor(s.device.readAhead / bs);
      const headOf = (x: number): number => folioAt(w, ino, x)?.head ?? x - (x % min);
      const [from, to] = syncRaWindow(b, lastIndex - b, isize, prevPos, cached, bs, Math.floor(s.device.maxTransfer / bs), raPages, headOf);
      for (let h = from - (from % min); h < to && h < pc.length; h += min) {
        if (Array.from({ length: min }, (_, i) => cached(h + i)).some((x) => x)) continue;
        add.push(h);
        for (let i = 0; i < min && h + i < pc.length; i++) {
          added.add(h + i);
          blocks.push(h + i);
        }
      }
      b = Math.max(b + 1, to);
      continue;
    }
    const need = Array.from({ length: f.nr }, (_, i) => f.head + i).filter((x) => x * bs < end && (x + 1) * bs > pos);
    const notUptodate = need.some((x) => folioAt(w, ino, x)?.uptodate !== true);
    const whole = Array.from({ length: f.nr }, (_, i) => folioAt(w, ino, f.head + i));
    if (notUptodate && whole.every((x) => x !== null && !x.dirty && !x.writeback && x.locked !== true)) {
      fill.push(f.head);
      whole.forEach((x, i) => {
        if (x !== null && !x.uptodate) blocks.push(f.head + i);
      });
    }
    b = f.head + f.nr;
  }
  return { add, fill, blocks };
}

/**
 * do_sync_mmap_readahead's read-around (mm/filemap.c, Linux 6.18) for a fault that finds no
 * folio at page `index`: ra->start = index - ra_pages / 2 (not below 0), ra->size = ra_pages,
 * ra->order = 0, then page_cache_ra_order: folios of the mapping's minimum size over the
 * window, never past the page that holds the last byte of the file, a page already cached
 * skipped (ra_alloc_folio fails with -EEXIST and the fallback do_page_cache_ra skips it).
 * Not modelled, because no scenario can reach them: VM_RAND_READ / VM_SEQ_READ (madvise),
 * VM_HUGEPAGE, VM_EXEC, and file_ra_state.mmap_miss passing MMAP_LOTSAMISS (100 misses more
 * than fault-around hits on one open file; then Linux reads only the faulting folio).
 * Returns the heads of the folios to add and the blocks they cover.
 */
export function faultRaPlan(w: World, s: Settings, ino: number, index: number): { add: number[]; blocks: number[] } {
  const bs = s.fs.blockSize;
  const pcLen = w.pageCache[ino]?.length ?? 0;
  const isize = w.inodes[ino]?.size ?? 0;
  const min = mappingOf(w, ino).folioBlocks;
  const raPages = s.device.readAhead === undefined ? RA_PAGES : Math.floor(s.device.readAhead / bs);
  // !ra->ra_pages: no read-around; __filemap_get_folio(FGP_CREAT) makes the one folio.
  const window = raPages === 0 ? 1 : raPages;
  const start = raPages === 0 ? index : Math.max(0, index - Math.floor(raPages / 2));
  const last = isize <= 0 ? -1 : Math.floor((isize - 1) / bs);
  const end = Math.min(start + window, last + 1, pcLen);
  const add: number[] = [];
  const blocks: number[] = [];
  for (let h = start - (start % min); h < end; h += min) {
    const span = Array.from({ length: min }, (_, i) => h + i).filter((b) => b < pcLen);
    if (span.some((b) => folioAt(w, ino, b) !== null)) continue;
    add.push(h);
    blocks.push(...span);
  }
  return { add, blocks };
}

/** ra_alloc_folio / filemap_add_folio: new folios of the mapping's minimum size at `heads`, locked and !uptodate for read I/O. */
export function addReadFolios(d: World, ino: number, heads: number[]): void {
  const pc = d.pageCache[ino];
  if (pc === undefined) throw new Error(`no inode ${ino}`);
  const min = mappingOf(d, ino).folioBlocks;
  for (const h of heads) {
    for (let b = h; b < h + min && b < pc.length; b++) pc[b] = { t: ZERO, uptodate: false, dirty: false, writeback: false, dropbehind: false, head: h, nr: min, atomic: false, locked: true };
  }
}

/** What read I/O fills in each block: physical block `p` as the device held it (`at`), or zeros (p null). */
export type ReadIo = Array<{ blk: number; p: number | null; at: Token }>;

/** Whether a read bio in flight still holds a block of the folio at head..head+nr (iomap_folio_state's read_bytes_pending). */
function folioStillInReadIo(w: World, ino: number, head: number, nr: number): boolean {
  return w.readBios.some((b) => b.ino === ino && b.blocks.some((x) => x.blk >= head && x.blk < head + nr));
}

/** folio_unlock for the folios over `blks` of file `ino` that no read bio in flight holds any more. */
function unlockReadFolios(w: World, ino: number, blks: number[]): void {
  const pc = w.pageCache[ino] ?? [];
  for (const head of new Set(blks.map((b) => pc[b]?.head ?? b))) {
    const f = pc[head];
    if (f === null || f === undefined || folioStillInReadIo(w, ino, f.head, f.nr)) continue;
    for (let b = f.head; b < f.head + f.nr; b++) {
      const e = pc[b];
      if (e !== null && e !== undefined && e.locked === true) delete e.locked;
    }
  }
}

/**
 * read_pages → ->readahead, or filemap_read_folio → ->read_folio (iomap_readahead /
 * iomap_read_folio, ext4_mpage_readpages), over folios the caller has added or locked: a
 * block that needs zeroing (a hole, unwritten, delalloc, past EOF) is zeroed and marked
 * uptodate here (iomap_block_needs_zeroing → folio_zero_range); the others go out in bios, a
 * new one wherever the physical block does not follow the last (bio_end_sector != sector),
 * which complete on their own later (readBioEnd). A folio no bio holds is unlocked now
 * (!ctx->cur_folio_in_bio → folio_unlock): the caller waits only for the folios it copies.
 */
export function submitReadIo(d: World, s: Settings, ino: number, io: ReadIo): void {
  const by = s.fs.kind === 'ext4' ? 'ext4' : 'iomap';
  const bios: ReadBio[] = [];
  let last: ReadBio | null = null;
  let lastP = -2;
  for (const x of io) {
    if (x.p === null) {
      const f = folioAt(d, ino, x.blk);
      if (f === null) throw new Error(`no folio ${ino}:${x.blk} to zero for read`);
      f.t = ZERO;
      f.uptodate = true;
      continue;
    }
    if (last === null || x.p !== lastP + 1) {
      last = { ino, blocks: [], by };
      bios.push(last);
    }
    last.blocks.push({ blk: x.blk, p: x.p, at: x.at });
    lastP = x.p;
  }
  if (bios.length > 0) d.readBios = [...d.readBios, ...bios];
  unlockReadFolios(d, ino, io.map((x) => x.blk));
}

/**
 * A read bio completes (iomap_read_end_io → iomap_finish_folio_read, mpage_end_io →
 * folio_end_read): its blocks take `data` and are uptodate, and each folio no other read bio
 * holds is unlocked, waking whoever waits for its lock.
 */
export function readBioEnd(d: World, k: number, data: Token[]): void {
  const bio = d.readBios[k];
  if (bio === undefined) throw new Error(`no read bio #${k}`);
  d.readBios = d.readBios.filter((_, i) => i !== k);
  bio.blocks.forEach((x, i) => {
    const f = folioAt(d, bio.ino, x.blk);
    if (f === null) throw new Error(`folio ${bio.ino}:${x.blk} under read I/O is gone`);
    f.t = data[i] ?? ZERO;
    f.uptodate = true;
  });
  unlockReadFolios(d, bio.ino, bio.blocks.map((x) => x.blk));
}

/**
 * A read bio fails (BLK_STS_IOERR: iomap_finish_folio_read / mpage_end_io with an error →
 * folio_end_read(folio, false)): its blocks stay !uptodate, and each folio no other read bio
 * holds is unlocked !uptodate; a reader that needs it reads it again (filemap_update_page →
 * filemap_read_folio).
 */
export function readBioFail(d: World, k: number): void {
  const bio = d.readBios[k];
  if (bio === undefined) throw new Error(`no read bio #${k}`);
  d.readBios = d.readBios.filter((_, i) => i !== k);
  unlockReadFolios(d, bio.ino, bio.blocks.map((x) => x.blk));
}

/**
 * The data a completing read bio can carry: what the device held at submission and, when a
 * write bio landed on its blocks meanwhile, what it holds now (the device orders nothing
 * between them).
 */
export function readBioData(w: World, k: number, deviceRead: (p: number) => Token): Token[][] {
  const bio = w.readBios[k];
  if (bio === undefined) return [];
  const then = bio.blocks.map((x) => x.at);
  const now = bio.blocks.map((x) => deviceRead(x.p));
  return now.some((t, i) => t !== then[i]) ? [then, now] : [then];
}

export function describeReadBio(bio: ReadBio, data: Token[]): string {
  return `${bio.by === 'ext4' ? 'mpage_end_io' : 'iomap_read_end_io'} → folio_end_read: file ${bio.ino} blocks ${bio.blocks.map((x, i) => `${x.blk}=${data[i] ?? '?'}`).join(',')} uptodate, folios unlocked`;
}
