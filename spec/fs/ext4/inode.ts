/**
 * ext4_iomap_begin for direct writes (fs/ext4/inode.c, with ext4_iomap_alloc and
 * ext4_map_blocks; mballoc's aligned allocation for the RFC), under the `ext4AtomicAlloc`
 * knob. Linux 6.18; Documentation/filesystems/ext4/atomic_writes.rst; seed 001.
 */
import { match } from 'ts-pattern';
import { inodeOf } from '../../vfs/fd.ts';
import { allocatable, allocBlocks, ext4MbAlignedAlloc, setMapping } from '../allocator.ts';
import { canUseFua, contiguous, contiguousPrefix, runLength, type Alloc, type IomapPlan } from '../iomap/iter.ts';
import { markDirty } from '../journal.ts';
import type { Mapping } from '../types.ts';
import type { DioWrite } from '../iomap/types.ts';
import { MAX_PAGECACHE_BLOCKS, type Settings, type World } from '../../world.ts';
import { overlay, ZERO, type Token } from '../../token.ts';
import { readBlock } from '../../vfs/read.ts';
import type { WriteReq } from '../../vfs/types.ts';
import { dirtyFolio, folioAt, mappingSetError } from '../../mm/filemap.ts';
import { recordWritebackFailure } from '../../ghost.ts';
import { jbd2InodeAddWait } from '../journal.ts';
import { ext4BioWriteFolio, ext4IoSubmit } from './page-io.ts';
import type { BufferHead } from './types.ts';

export const isMapped = (m: Mapping | undefined): m is Extract<Mapping, { p: number }> => m?.kind === 'written' || m?.kind === 'unwritten';

/** ext4_iomap_begin (+ ext4_iomap_alloc / ext4_map_blocks) for the next part of a direct write. */
export function ext4IomapBegin(w: World, s: Settings, st: DioWrite): IomapPlan {
  const req = st.req;
  const inode = inodeOf(w, req.ino);
  const from = req.blk + st.done;
  const left = req.nblk - st.done;
  const bs = s.fs.blockSize;
  const map = inode.map;
  const fn = 'ext4_iomap_begin';
  const holes: number[] = [];
  for (let b = from; b < from + left; b++) if (!isMapped(map[b])) holes.push(b);

  if (req.atomic) {
    const knob = s.knobs.ext4AtomicAlloc;
    if (holes.length === left) {
      // ext4_mb_new_blocks with aligned allocation (the RFC) / a whole cluster (bigalloc).
      const got = ext4MbAlignedAlloc(allocatable(w), left);
      if (got !== null) {
        const alloc: Alloc[] = got.map((p, i) => ({ blk: from + i, p, into: 'data' }));
        return { kind: 'map', fn: 'ext4_iomap_alloc', seg: { blk: from, nblk: left, p: got[0] as number, type: 'unwritten' }, alloc, atomicBio: true, fua: false };
      }
      if (knob !== 'fall-back-to-unaligned') return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: `no ${left}-block aligned free run` };
      const anywhere = allocBlocks(allocatable(w), left);
      if (anywhere === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
      const n = contiguousPrefix(anywhere);
      const alloc: Alloc[] = anywhere.map((p, i) => ({ blk: from + i, p, into: 'data' }));
      return { kind: 'map', fn: 'ext4_iomap_alloc (unaligned fallback)', seg: { blk: from, nblk: n, p: anywhere[0] as number, type: 'unwritten' }, alloc, atomicBio: n === left, fua: false };
    }
    const allWritten = holes.length === 0 && Array.from({ length: left }, (_, i) => map[from + i]?.kind === 'written').every(Boolean);
    const p0 = contiguous(map, from, left);
    if (knob === 'bigalloc-zero-and-commit') {
      if (p0 !== null && (allWritten || Array.from({ length: left }, (_, i) => map[from + i]?.kind === 'unwritten').every(Boolean))) {
        return { kind: 'map', fn, seg: { blk: from, nblk: left, p: p0, type: allWritten ? 'written' : 'unwritten' }, alloc: [], atomicBio: true, fua: canUseFua(w, req, s.device, allWritten) };
      }
      // Mixed mapping: the cluster's blocks sit at fixed offsets, so a hole takes the
      // block its written neighbours imply; zero everything not written, then commit.
      const anchor = Array.from({ length: left }, (_, i) => from + i).find((b) => isMapped(map[b]));
      const base = anchor === undefined ? null : (map[anchor] as { p: number }).p - (anchor - from);
      const inCluster = (b: number) => {
        const m = map[b];
        return isMapped(m) ? m.p === (base ?? 0) + (b - from) : allocatable(w)[(base ?? 0) + (b - from)] === true;
      };
      if (base === null || allWritten || !Array.from({ length: left }, (_, i) => from + i).every(inCluster)) {
        // iomap_dio_bio_iter: an atomic write needs one mapping covering the whole range.
        return { kind: 'error', fn, err: 'EINVAL', why: 'the range is not one physically contiguous extent' };
      }
      const alloc: Alloc[] = holes.map((b) => ({ blk: b, p: base + (b - from), into: 'data' }));
      const zero: Array<{ blk: number; p: number }> = [];
      for (let b = from; b < from + left; b++) if (map[b]?.kind !== 'written') zero.push({ blk: b, p: base + (b - from) });
      return { kind: 'zero', fn: 'ext4_map_blocks(EXT4_GET_BLOCKS_ZERO)', alloc, zero };
    }
    // The RFC: holes get blocks, and a physically contiguous aligned range goes out as one
    // request whose unwritten blocks are converted at I/O completion.
    const got = holes.length > 0 ? allocBlocks(allocatable(w), holes.length) : [];
    if (got === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
    const alloc: Alloc[] = holes.map((b, i) => ({ blk: b, p: got[i] as number, into: 'data' }));
    const pOf = (b: number) => alloc.find((a) => a.blk === b)?.p ?? (map[b] as { p: number }).p;
    const n = runLength(left, (i) => pOf(from + i) === pOf(from) + i);
    const whole = st.done === 0 && n === left && (pOf(from) * bs) % (left * bs) === 0;
    const kinds = new Set(Array.from({ length: n }, (_, i) => (alloc.some((a) => a.blk === from + i) ? 'unwritten' : map[from + i]?.kind)));
    const type = kinds.size > 1 ? 'mixed' : kinds.has('written') ? 'written' : 'unwritten';
    return { kind: 'map', fn, seg: { blk: from, nblk: n, p: pOf(from), type }, alloc, atomicBio: whole, fua: canUseFua(w, req, s.device, type === 'written') };
  }

  const m0 = map[from];
  if (!isMapped(m0)) {
    if (req.nowait) return { kind: 'error', fn, err: 'EAGAIN', why: 'IOMAP_NOWAIT and allocation needed' };
    const k = runLength(left, (i) => !isMapped(map[from + i]));
    const got = allocBlocks(allocatable(w), k);
    if (got === null) return { kind: 'error', fn: 'ext4_mb_new_blocks', err: 'ENOSPC', why: 'no free blocks' };
    const n = contiguousPrefix(got);
    const alloc: Alloc[] = got.slice(0, n).map((p, i) => ({ blk: from + i, p, into: 'data' }));
    return { kind: 'map', fn: 'ext4_iomap_alloc', seg: { blk: from, nblk: n, p: got[0] as number, type: 'unwritten' }, alloc, atomicBio: false, fua: false };
  }
  const n = runLength(left, (i) => {
    const m = map[from + i];
    return isMapped(m) && m.kind === m0.kind && m.p === m0.p + i;
  });
  return { kind: 'map', fn, seg: { blk: from, nblk: n, p: m0.p, type: m0.kind }, alloc: [], atomicBio: false, fua: canUseFua(w, req, s.device, m0.kind === 'written') };
}

/** After the zeroing I/O: the range becomes one written extent (ext4_map_blocks ZERO). */
export function ext4ZeroedToWritten(w: World, st: DioWrite): void {
  const inode = w.inodes[st.req.ino];
  if (inode === undefined) throw new Error(`no inode ${st.req.ino}`);
  for (let b = st.req.blk + st.done; b < st.req.blk + st.req.nblk; b++) {
    const m = inode.map[b];
    if (m !== undefined && m.kind === 'unwritten') setMapping(inode, b, { kind: 'written', p: m.p });
  }
  markDirty(w, st.req.ino);
}

// ---------------------------------------------------------------------------------------
// The mapping's folio orders: ext4_set_inode_mapping_order (fs/ext4/inode.c, Linux 6.18),
// called from __ext4_iget and __ext4_new_inode.

/**
 * ext4_should_enable_large_folio: a regular file gets large folios unless data is journalled
 * (data=journal, or the inode's EXT4_INODE_JOURNAL_DATA flag), or the file system has verity
 * or encryption. The model's files are regular and it has neither feature; the match makes
 * a data=journal variant of ext4DataMode decide here.
 */
export function ext4ShouldEnableLargeFolio(s: Settings): boolean {
  return match(s.knobs.ext4DataMode)
    .with('ordered-dioread-nolock', 'ordered-dioread-lock', 'writeback-dioread-lock', () => true)
    .exhaustive();
}

/** EXT4_MAX_PAGECACHE_ORDER's own cap: 2048 blocks a folio (order 11 + i_blkbits - PAGE_SHIFT). */
const EXT4_MAX_FOLIO_BLOCKS = 2048;

/**
 * EXT4_MAX_PAGECACHE_ORDER: MAX_PAGECACHE_ORDER, but never more than 2048 blocks a folio (so
 * that the writeback handle's credits are not overestimated where pages are larger than
 * 4 KiB). A block is a page here, so on x86-64 this is MAX_PAGECACHE_BLOCKS (512), as for XFS.
 */
export function ext4MaxPagecacheBlocks(): number {
  return Math.min(MAX_PAGECACHE_BLOCKS, EXT4_MAX_FOLIO_BLOCKS);
}

// ---------------------------------------------------------------------------------------
// The buffered write: ext4_da_write_begin / ext4_da_get_block_prep / ext4_da_do_write_end
// (fs/ext4/inode.c, fs/buffer.c; Linux 6.18). Everything between the folio lock in
// write_begin and the unlock in write_end is one step of generic_perform_write.

/** What get_block would find for a block without a buffer head: the extent status tree. */
function bhFromMap(m: Mapping | undefined): BufferHead {
  if (m?.kind === 'delalloc') return { p: null, delay: true, unwritten: false };
  if (m?.kind === 'unwritten') return { p: m.p, delay: false, unwritten: true };
  if (m?.kind === 'written') return { p: m.p, delay: false, unwritten: false };
  return { p: null, delay: false, unwritten: false };
}

/** Block `blk`'s buffer head: the one attached to its folio, else what the extent map says. */
export function ext4BhOf(w: World, ino: number, blk: number): BufferHead {
  return folioAt(w, ino, blk)?.bh ?? bhFromMap(inodeOf(w, ino).map[blk]);
}

const bhMapped = (bh: BufferHead): boolean => bh.delay || bh.p !== null;

/**
 * Free blocks a new delayed reservation may still claim: allocatable blocks minus the
 * delayed blocks already reserved (ext4_claim_free_clusters against
 * s_freeclusters_counter - s_dirtyclusters_counter).
 */
function ext4FreeForDelalloc(w: World): number {
  const free = allocatable(w).filter(Boolean).length;
  const reserved = w.inodes.reduce((n, ino) => n + ino.map.filter((m) => m.kind === 'delalloc').length, 0);
  return free - reserved;
}

/**
 * ext4_da_write_begin → ext4_block_write_begin(ext4_da_get_block_prep) for block `blk`
 * of a write, under the folio lock: what the buffer becomes and how the part of the block
 * the write does not cover is filled. `err` when ext4_da_reserve_space has no free block.
 */
export interface Ext4DaPlan {
  bh: BufferHead;
  /** ext4_insert_delayed_block: a hole gets a delayed extent and its reservation. */
  reserve: boolean;
  what: string;
  err: 'ENOSPC' | null;
}

/**
 * ext4_block_write_begin over the `k` blocks from `blk` that one copy step fills (one
 * folio): ext4_da_get_block_prep for each buffer, the reservations of the earlier buffers
 * counted against the free blocks of the later ones.
 */
export function ext4DaWriteBeginSpan(w: World, s: Settings, req: WriteReq, blk: number, k: number): Ext4DaPlan[] {
  const out: Ext4DaPlan[] = [];
  for (let i = 0; i < k; i++) out.push(ext4DaWriteBegin(w, s, req, blk + i, out.filter((x) => x.reserve).length));
  return out;
}

export function ext4DaWriteBegin(w: World, s: Settings, req: WriteReq, blk: number, reserved = 0): Ext4DaPlan {
  const bh = ext4BhOf(w, req.ino, blk);
  const f = folioAt(w, req.ino, blk);
  const bs = s.fs.blockSize;
  const whole = req.pos <= blk * bs && req.pos + req.count >= (blk + 1) * bs;
  const fill = (how: string) => (whole || f?.uptodate === true ? '' : `; ${how} the part of the block the write does not cover`);
  if (bhMapped(bh)) {
    const kind = bh.delay ? 'BH_Delay (already reserved)' : bh.unwritten ? `BH_Unwritten p${bh.p} (BH_New)` : `mapped p${bh.p}`;
    // A buffer over an unwritten extent is treated as new: zeroed, never read.
    const how = bh.delay || bh.unwritten ? 'zero' : `ext4_read_bh_lock: read p${bh.p} for`;
    return { bh, reserve: false, what: `ext4_da_get_block_prep: block ${blk} ${kind}${fill(how)}`, err: null };
  }
  if (ext4FreeForDelalloc(w) - reserved < 1) return { bh, reserve: false, what: `ext4_da_get_block_prep: block ${blk} is a hole and ext4_da_reserve_space finds no free block: -ENOSPC`, err: 'ENOSPC' };
  return {
    bh: { p: null, delay: true, unwritten: false },
    reserve: true,
    what: `ext4_da_get_block_prep: block ${blk} is a hole: ext4_insert_delayed_block reserves it (BH_Delay|BH_New)${fill('folio_zero_new_buffers: zero')}`,
    err: null,
  };
}

/** What ext4_da_do_write_end will do to the sizes after the copy into block `blk`. */
export interface Ext4DaEnd {
  /** The new i_size, or null when the write ends within it. */
  size: number | null;
  /** i_disksize follows i_size (ext4_update_i_disksize + ext4_mark_inode_dirty in a handle). */
  disksize: boolean;
  what: string;
  /**
   * The write started past the old i_size: ext4_zero_partial_blocks(old_size, pos - old_size)
   * after the folio is unlocked, as [old_size, pos). Absent otherwise.
   */
  zeroEof?: [number, number];
}

/**
 * ext4_da_do_write_end after the copy into block `blk`: block_write_end marks the buffer
 * uptodate and dirty; i_size grows to the write's end; i_disksize grows with it only when
 * the last block is mapped, neither delayed nor unwritten (ext4_da_should_update_i_disksize).
 */
export function ext4DaWriteEndPlan(w: World, s: Settings, req: WriteReq, blk: number, plan: Ext4DaPlan): Ext4DaEnd {
  const inode = inodeOf(w, req.ino);
  const end = Math.min(req.pos + req.count, (blk + 1) * s.fs.blockSize);
  if (end <= inode.size) return { size: null, disksize: false, what: 'ext4_da_do_write_end: block_write_end marks the buffer dirty' };
  const bh = plan.bh;
  // Only the write's first folio can start past i_size: each write_end moves i_size to its end.
  const zero = req.pos > inode.size ? { zeroEof: [inode.size, req.pos] as [number, number] } : {};
  const zeroWhat = req.pos > inode.size ? `; ext4_zero_partial_blocks(${inode.size}, ${req.pos - inode.size})` : '';
  if (bh.p !== null && !bh.delay && !bh.unwritten) return { size: end, disksize: true, what: `ext4_da_do_write_end: buffer dirty; i_size ${end}; ext4_update_i_disksize ${end} + ext4_mark_inode_dirty${zeroWhat}`, ...zero };
  return { size: end, disksize: false, what: `ext4_da_do_write_end: buffer dirty; i_size ${end}, i_disksize stays ${inode.diskSize} (the block is ${bh.delay ? 'delayed' : 'unwritten'})${zeroWhat}`, ...zero };
}

/** Apply write_begin's reservation, the copy of `t` and write_end (plans from the same state). */
export function ext4DaWriteEnd(d: World, req: WriteReq, blk: number, t: Token, plan: Ext4DaPlan, end: Ext4DaEnd, dontcache: boolean): void {
  const inode = inodeOf(d, req.ino);
  if (plan.reserve) setMapping(inode, blk, { kind: 'delalloc' });
  dirtyFolio(d, req.ino, blk, t, dontcache);
  const f = folioAt(d, req.ino, blk);
  if (f === null) throw new Error(`no folio ${req.ino}:${blk}`);
  f.bh = { ...plan.bh };
  if (end.size === null) return;
  inode.size = end.size;
  if (end.disksize) {
    inode.diskSize = end.size;
    markDirty(d, req.ino);
  }
  if (end.zeroEof !== undefined) ext4ZeroPartialBlocks(d, req.ino, end.zeroEof[0], end.zeroEof[1] - end.zeroEof[0]);
}

/**
 * ext4's i_disksize moves up to `pos` bytes, never past i_size (ext4_update_i_disksize,
 * mpage_map_and_submit_extent's update_disksize); ext4_mark_inode_dirty when it moved.
 */
export function ext4UpdateDisksize(d: World, ino: number, pos: number): number | null {
  const inode = inodeOf(d, ino);
  const cur = inode.diskSize;
  const to = Math.min(pos, inode.size);
  if (to <= cur) return null;
  inode.diskSize = to;
  markDirty(d, ino);
  return to;
}

// ---------------------------------------------------------------------------------------
// Writeback: ext4_writepages → ext4_do_writepages → mpage_prepare_extent_to_map and
// mpage_map_and_submit_extent (fs/ext4/inode.c, Linux 6.18). One pass — the folios locked,
// the extent allocated in a journal handle, the bios submitted — is one step: the folio
// locks and the handle are held throughout, so no writer and no commit can come between.

/**
 * A writeback pass (struct mpage_da_data): the folios written as they are (every dirty
 * buffer mapped: the do_map = 0 part), the extent of delayed or unwritten buffers to map
 * (mpd->map) and the folios locked for it, and where the next pass starts.
 */
export interface Mpd {
  direct: number[];
  map: { lblk: number; len: number; delay: boolean } | null;
  folios: number[];
  next: number;
}

/**
 * A dirty block's buffer as writeback sees it. A dirty block over a hole with no buffer
 * head attached (dirtied by a path that does not model ext4_page_mkwrite's reservation) is
 * taken as delayed, which is what ext4_page_mkwrite would have made it.
 */
export function ext4WbBh(w: World, ino: number, blk: number): BufferHead {
  const bh = ext4BhOf(w, ino, blk);
  return !bhMapped(bh) && folioAt(w, ino, blk)?.bh === undefined ? { p: null, delay: true, unwritten: false } : bh;
}

/** mpage_add_bh_to_extent's test: a dirty buffer that must be mapped before it can be written. */
const needsMap = (bh: BufferHead): boolean => bh.delay || bh.unwritten;

/**
 * mpage_prepare_extent_to_map from file block `from` up to `to` (exclusive): walk the dirty
 * folios in index order (a folio under writeback is skipped by WB_SYNC_NONE; WB_SYNC_ALL
 * callers wait for it first), write a folio whose dirty buffers are all mapped as it is
 * while no extent has started, and collect the first run of contiguous dirty buffers in the
 * same state (delayed, or unwritten) — mpage_process_page_bufs — stopping at the first
 * folio or buffer that cannot join it, or at EOF.
 */
export function mpagePrepareExtentToMap(w: World, s: Settings, ino: number, from: number, to: number, sync: boolean, waitLater = false): Mpd {
  const inode = inodeOf(w, ino);
  const eof = Math.ceil(inode.size / s.fs.blockSize);
  const mpd: Mpd = { direct: [], map: null, folios: [], next: to };
  // filemap_get_folios_tag returns a large folio that starts before the range's first
  // index too: the walk starts at the head of the folio holding `from`.
  let b = folioAt(w, ino, from)?.head ?? from;
  while (b < Math.min(to, inode.map.length)) {
    const f = folioAt(w, ino, b);
    const head = f?.head ?? b;
    const nr = f?.nr ?? 1;
    const dirty = f !== null && Array.from({ length: nr }, (_, i) => folioAt(w, ino, head + i)?.dirty === true).some(Boolean);
    if (f === null || head !== b || !dirty || (f.writeback && (!sync || waitLater))) {
      // Not tagged dirty: an extent in progress cannot continue past it.
      if (mpd.map !== null) return { ...mpd, next: b };
      b = head + nr;
      continue;
    }
    let added = false;
    for (let x = head; x < head + nr; x++) {
      const e = folioAt(w, ino, x);
      const bh = ext4WbBh(w, ino, x);
      const can = x < eof && e?.dirty === true && needsMap(bh);
      if (!can) {
        // A buffer that needs no mapping ends an extent in progress; before one, it is
        // written with its folio (or, at EOF, nothing more is looked at).
        if (mpd.map !== null) {
          if (added) mpd.folios.push(head);
          return { ...mpd, next: added ? head + nr : head };
        }
        continue;
      }
      const m = mpd.map;
      if (m === null) mpd.map = { lblk: x, len: 1, delay: bh.delay };
      else if (x === m.lblk + m.len && bh.delay === m.delay) m.len++;
      else {
        if (added) mpd.folios.push(head);
        return { ...mpd, next: added ? head + nr : head };
      }
      added = true;
    }
    if (mpd.map === null) mpd.direct.push(head);
    else mpd.folios.push(head);
    b = head + nr;
  }
  return { ...mpd, next: Math.min(b, to) };
}

/** What a pass will do, for the trace. */
export function describeMpd(w: World, s: Settings, ino: number, mpd: Mpd): string {
  const parts: string[] = [];
  if (mpd.direct.length > 0) parts.push(`folio${mpd.direct.length > 1 ? 's' : ''} ${mpd.direct.map((h) => `${ino}:${h}`).join(', ')} mapped: mpage_submit_folio`);
  const m = mpd.map;
  if (m !== null) {
    const how = !m.delay ? (s.knobs.ext4DataMode === 'ordered-dioread-nolock' ? 'stays unwritten (EXT4_GET_BLOCKS_IO_CREATE_EXT), io_end EXT4_IO_END_UNWRITTEN' : 'converted to written (ext4_ext_convert_to_initialized)') : s.knobs.ext4DataMode === 'ordered-dioread-nolock' ? 'allocated unwritten (EXT4_GET_BLOCKS_IO_CREATE_EXT), io_end EXT4_IO_END_UNWRITTEN' : 'allocated written';
    const ordered = s.knobs.ext4DataMode === 'ordered-dioread-lock' ? '; ext4_jbd2_inode_add_wait: the inode joins the transaction\'s ordered list' : '';
    parts.push(`mpage_prepare_extent_to_map: ${m.delay ? 'delayed' : 'unwritten'} extent [${m.lblk}${m.len > 1 ? `-${m.lblk + m.len - 1}` : ''}] (folios ${mpd.folios.join(', ')} locked); mpage_map_and_submit_extent → ext4_map_blocks in a handle: ${how}${ordered}`);
  }
  const toks = [...mpd.direct, ...mpd.folios].map((h) => folioAt(w, ino, h)?.t ?? '?');
  return `${parts.join('; ')}; folios cleaned, under writeback (${toks.join(', ')}); ext4_io_submit`;
}

/**
 * ext4_map_blocks(EXT4_GET_BLOCKS_CREATE | IO_SUBMIT [| IO_CREATE_EXT]) for the blocks
 * `blks` (one state: delayed or unwritten), in the writeback handle. Returns the blocks
 * now unwritten that the io_end must convert, or null when allocation failed (ENOSPC).
 */
function ext4MapBlocksForWriteback(d: World, s: Settings, ino: number, blks: number[]): number[] | null {
  const inode = inodeOf(d, ino);
  const nolock = s.knobs.ext4DataMode === 'ordered-dioread-nolock';
  const convert: number[] = [];
  const fresh: number[] = [];
  const holes = blks.filter((b) => inode.map[b]?.kind !== 'unwritten');
  const got = holes.length > 0 ? allocBlocks(allocatable(d), holes.length) : [];
  if (got === null) return null;
  for (const b of blks) {
    const m = inode.map[b];
    const p = m?.kind === 'unwritten' ? m.p : (got[holes.indexOf(b)] as number);
    d.free[p] = false;
    if (nolock) {
      if (m?.kind !== 'unwritten') setMapping(inode, b, { kind: 'unwritten', p });
      convert.push(b);
    } else {
      setMapping(inode, b, { kind: 'written', p });
      fresh.push(b);
    }
    // mpage_process_folio: the buffer now maps its block; BH_Delay and BH_Unwritten cleared.
    const f = folioAt(d, ino, b);
    if (f !== null) f.bh = { p, delay: false, unwritten: false };
  }
  markDirty(d, ino);
  // EXT4_MAP_NEW and not EXT4_MAP_UNWRITTEN: the data must reach the disk before the commit.
  if (s.knobs.ext4DataMode === 'ordered-dioread-lock') jbd2InodeAddWait(d, ino, fresh);
  return convert;
}

/**
 * Allocation failed in writeback (mpage_map_and_submit_extent's "Delayed block allocation
 * failed ... Data will be lost"): give_up_on_write, mpage_release_unused_pages invalidates
 * the dirty buffers, the delayed reservations go, and the error is recorded in the mapping.
 */
function ext4GiveUpOnWrite(d: World, ino: number, blks: number[]): void {
  const inode = inodeOf(d, ino);
  const lost: Array<{ blk: number; t: Token }> = [];
  for (const b of blks) {
    const f = folioAt(d, ino, b);
    if (f !== null && f.dirty) {
      f.dirty = false;
      lost.push({ blk: b, t: f.t });
      delete f.bh;
    }
    if (inode.map[b]?.kind === 'delalloc') setMapping(inode, b, { kind: 'hole' });
  }
  mappingSetError(d, ino, 'ENOSPC');
  recordWritebackFailure(d, ino, -1, lost);
}

/**
 * mpage_map_and_submit_extent for a prepared pass, then ext4_io_submit: the folios written
 * as they are go in an io_end of their own; the extent is mapped (and any further buffers
 * of its folios that still need mapping, as the kernel's loop over mpd->map does), its
 * folios submitted in an io_end that converts what stayed unwritten, and i_disksize moved up
 * to the end of what was submitted. Returns the bio ids, or null when allocation failed.
 */
export function mpageMapAndSubmitExtent(d: World, s: Settings, ino: number, mpd: Mpd, owner: number): number[] | null {
  const bios: number[] = [];
  const first = mpd.direct.flatMap((h) => ext4BioWriteFolio(d, ino, h));
  bios.push(...ext4IoSubmit(d, s, ino, first, owner, []));
  const m = mpd.map;
  if (m === null) return bios;
  const toMap: number[] = [];
  for (const h of mpd.folios) {
    const f = folioAt(d, ino, h);
    for (let b = h; b < h + (f?.nr ?? 1); b++) if (folioAt(d, ino, b)?.dirty === true && needsMap(ext4WbBh(d, ino, b))) toMap.push(b);
  }
  const convert = ext4MapBlocksForWriteback(d, s, ino, toMap);
  if (convert === null) {
    ext4GiveUpOnWrite(d, ino, toMap);
    for (const h of mpd.folios) if (Array.from({ length: folioAt(d, ino, h)?.nr ?? 1 }, (_, i) => folioAt(d, ino, h + i)?.dirty === true).some(Boolean)) ext4BioWriteFolio(d, ino, h);
    return null;
  }
  const blocks = mpd.folios.flatMap((h) => ext4BioWriteFolio(d, ino, h));
  bios.push(...ext4IoSubmit(d, s, ino, blocks, owner, convert));
  const last = mpd.folios[mpd.folios.length - 1];
  if (last !== undefined) ext4UpdateDisksize(d, ino, (last + (folioAt(d, ino, last)?.nr ?? 1)) * s.fs.blockSize);
  return bios;
}

/**
 * The flusher's choices on ext4: a WB_SYNC_NONE ext4_writepages pass may start at any dirty
 * folio not under writeback (writeback_index is wherever the last pass stopped).
 */
export function ext4FlusherChoices(w: World, s: Settings): Array<{ ino: number; blks: number[] }> {
  const out: Array<{ ino: number; blks: number[] }> = [];
  w.pageCache.forEach((pc, ino) =>
    pc.forEach((f, blk) => {
      if (f === null || f.head !== blk || f.writeback) return;
      const mpd = mpagePrepareExtentToMap(w, s, ino, blk, pc.length, false);
      if (mpd.direct[0] === blk || mpd.folios[0] === blk) out.push({ ino, blks: [blk] });
    }),
  );
  return out;
}

/** One WB_SYNC_NONE pass of ext4_do_writepages from file block `from` (the flusher's). */
export function ext4WritepagesPass(d: World, s: Settings, ino: number, from: number, owner: number): number[] | null {
  const mpd = mpagePrepareExtentToMap(d, s, ino, from, inodeOf(d, ino).map.length, false);
  return mpageMapAndSubmitExtent(d, s, ino, mpd, owner);
}

/**
 * filemap_fdatawrite_range on ext4: ext4_do_writepages passes over the range until no
 * dirty folio is left in it. WB_SYNC_ALL (`sync`): the caller has waited for folios under
 * writeback, or (`waitLater`) leaves them for a pass after it has waited
 * (folio_wait_writeback); WB_SYNC_NONE (filemap_fdatawrite_range_kick) skips them. Returns
 * the bio ids, or null when allocation failed.
 */
export function ext4FdatawriteRange(d: World, s: Settings, ino: number, blk: number, n: number, owner: number, sync = true, waitLater = false): number[] | null {
  const bios: number[] = [];
  let at = blk;
  let failed = false;
  while (at < blk + n) {
    const mpd = mpagePrepareExtentToMap(d, s, ino, at, blk + n, sync, waitLater);
    if (mpd.direct.length === 0 && mpd.map === null) break;
    const got = mpageMapAndSubmitExtent(d, s, ino, mpd, owner);
    if (got === null) failed = true;
    else bios.push(...got);
    if (mpd.next <= at) throw new Error(`ext4_do_writepages made no progress at ${ino}:${at}`);
    at = mpd.next;
  }
  return failed ? null : bios;
}

// ---------------------------------------------------------------------------------------
// Zeroing part of a block through the page cache: ext4_zero_partial_blocks,
// ext4_block_zero_page_range, __ext4_block_zero_page_range (fs/ext4/inode.c, Linux 6.18).

/**
 * __ext4_block_zero_page_range over [from, from + length) inside one block (the range is cut
 * at the block's end). __filemap_get_folio(FGP_LOCK | FGP_ACCESSED | FGP_CREAT), without
 * FGP_DONTCACHE, so a cached RWF_DONTCACHE folio loses PG_dropbehind and is no longer dropped
 * when its writeback ends. A block without a mapped buffer (a hole, after ext4_get_block) is
 * left alone. Otherwise the buffer is made uptodate — from the folio when it is uptodate,
 * else read by itself (ext4_read_bh_lock), which leaves PG_uptodate clear on a folio this
 * call created (Folio.pgNotUptodate: mincore does not count it) —, the range zeroed and the
 * buffer dirtied (mark_buffer_dirty dirties the folio). Returns whether it zeroed.
 */
export function ext4BlockZeroPageRange(w: World, ino: number, from: number, length: number): boolean {
  const bs = w.mappings[ino]?.blockSize ?? 4096;
  const blk = Math.floor(from / bs);
  const to = Math.min(from + length, (blk + 1) * bs);
  const f = folioAt(w, ino, blk);
  if (f !== null) for (let b = f.head; b < f.head + f.nr; b++) {
    const e = folioAt(w, ino, b);
    if (e !== null) e.dropbehind = false;
  }
  const bh = ext4BhOf(w, ino, blk);
  if (!bhMapped(bh) || to <= from) return false;
  // An unwritten extent no folio caches is left alone, as zeroBlockPart does: the kernel reads
  // and zeroes its buffer too, but how that folio is written back (past EOF under KEEP_SIZE,
  // before a direct read) is not modelled; the conformance runs agree without it.
  if (f === null && bh.unwritten) return false;
  const g = folioAt(w, ino, blk);
  const cached = g !== null && g.uptodate;
  // Zeroing through the buffer does not set PG_uptodate: a folio without it keeps it clear.
  const pgClear = !cached || g.pgNotUptodate === true;
  const t = overlay(cached ? g.t : readBlock(w, ino, blk), ZERO, from - blk * bs, to - blk * bs, bs);
  dirtyFolio(w, ino, blk, t);
  const z = folioAt(w, ino, blk);
  if (z === null) throw new Error(`no folio ${ino}:${blk} after __filemap_get_folio`);
  z.bh = { ...bh };
  if (pgClear) z.pgNotUptodate = true;
  return true;
}

/**
 * ext4_zero_partial_blocks(lstart, length): the partial blocks at the two ends of the range
 * (one call when the range lies inside one block); whole blocks are left to the caller.
 */
export function ext4ZeroPartialBlocks(w: World, ino: number, lstart: number, length: number): void {
  if (length <= 0) return;
  const bs = w.mappings[ino]?.blockSize ?? 4096;
  const end = lstart + length - 1;
  const partialStart = lstart % bs;
  const partialEnd = end % bs;
  if (Math.floor(lstart / bs) === Math.floor(end / bs)) {
    if (partialStart !== 0 || partialEnd !== bs - 1) ext4BlockZeroPageRange(w, ino, lstart, length);
    return;
  }
  if (partialStart !== 0) ext4BlockZeroPageRange(w, ino, lstart, bs);
  if (partialEnd !== bs - 1) ext4BlockZeroPageRange(w, ino, end - partialEnd, partialEnd + 1);
}
