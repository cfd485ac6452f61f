/**
 * ext4's writeback bios and their completion (fs/ext4/page-io.c, Linux 6.18):
 * ext4_bio_write_folio adds a folio's dirty mapped buffers to the io_submit bio,
 * ext4_io_submit sends it, ext4_end_bio completes it. A bio of an io_end with unwritten
 * extents (EXT4_IO_END_UNWRITTEN) does not end its folios' writeback: the io_end goes on
 * the inode's i_rsv_conversion_list, and the conversion work (ext4_end_io_rsv_work →
 * ext4_end_io_end) converts the extents in a new handle, then releases the io_end, which
 * ends the writeback (ext4_finish_bio). Every other bio finishes at once.
 */
import { maxRequestBlocks, submitBio } from '../../block/device.ts';
import { recordWritebackFailure } from '../../ghost.ts';
import { endWritebackWalk, folioAt, mappingSetError, setFolioFlag } from '../../mm/filemap.ts';
import { folioClearDirtyForIo } from '../../mm/page-writeback.ts';
import { ext4ConvertUnwrittenIoEndVec } from './extents.ts';
import { ext4WbBh } from './inode.ts';
import type { Settings, World } from '../../world.ts';
import type { Token } from '../../token.ts';
import type { Ext4IoEnd } from './types.ts';

/** A block ext4_bio_write_folio adds to the bio: file block, the data, its disk block. */
export interface Ext4WbBlock {
  blk: number;
  t: Token;
  p: number;
}

/**
 * mpage_submit_folio → ext4_bio_write_folio for the locked folio at `head`: the folio is
 * cleaned (folio_clear_dirty_for_io) and put under writeback; each dirty buffer mapped to a
 * block is cleaned and added; a dirty buffer still delayed or unwritten (not mapped by this
 * pass) keeps its dirty bit and the folio is redirtied (keep_towrite).
 */
export function ext4BioWriteFolio(w: World, ino: number, head: number): Ext4WbBlock[] {
  const f = folioAt(w, ino, head);
  if (f === null) throw new Error(`no folio ${ino}:${head} to write back`);
  const out: Ext4WbBlock[] = [];
  // mpage_submit_folio's folio_clear_dirty_for_io (ext4_page_mkwrite redirties on a store).
  folioClearDirtyForIo(w, ino, f.head, f.nr);
  for (let b = f.head; b < f.head + f.nr; b++) {
    const e = folioAt(w, ino, b);
    if (e === null || !e.dirty) continue;
    const bh = ext4WbBh(w, ino, b);
    if (bh.delay || bh.unwritten || bh.p === null) continue;
    // Buffers are attached by now (ext4_page_mkwrite / write_begin; create_empty_buffers).
    e.bh = bh;
    e.dirty = false;
    out.push({ blk: b, t: e.t, p: bh.p });
  }
  setFolioFlag(w, ino, head, 'writeback', true);
  return out;
}

/**
 * ext4_io_submit: the blocks of one io_end go out in bios of blocks contiguous in the file
 * and on disk (io_submit_add_bh starts a new bio otherwise), cut to the device's request
 * size. `convert`: the io_end's unwritten blocks, which makes it an EXT4_IO_END_UNWRITTEN
 * io_end whose bios finish through the conversion work. Returns the bio ids.
 */
export function ext4IoSubmit(w: World, s: Settings, ino: number, blocks: Ext4WbBlock[], owner: number, convert: number[]): number[] {
  const runs: Ext4WbBlock[][] = [];
  for (const b of blocks) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run !== undefined && last !== undefined && last.blk + 1 === b.blk && last.p + 1 === b.p) run.push(b);
    else runs.push([b]);
  }
  const ids: number[] = [];
  for (const run of runs) {
    const reqs = submitBio(w.device, { op: 'write', owner, blocks: run.map((b) => ({ p: b.p, t: b.t })), atomic: false, fua: false, preflush: false, convert: [] }, maxRequestBlocks(s.device, s.fs.blockSize));
    for (const bio of reqs) {
      const req = w.device.inflight.find((x) => x.id === bio);
      const carried = run.filter((b) => req?.blocks.some((x) => x.p === b.p) === true);
      w.ioends.push({ bio, ino, blocks: carried.map((b) => ({ blk: b.blk, t: b.t })) });
      ids.push(bio);
    }
  }
  w.ioends.sort((a, b) => a.bio - b.bio);
  if (convert.length > 0 && ids.length > 0) w.ext4IoEnds.push({ ino, bios: ids, inflight: ids, blocks: [...convert].sort((a, b) => a - b), folios: [], failed: false });
  return ids;
}

/**
 * ext4_end_bio for bio `bio`: true when it belongs to an unwritten io_end, whose folios end
 * writeback only after the conversion work; a failure marks the io_end
 * EXT4_IO_END_FAILED and goes to mapping_set_error at once. False for any other bio (the
 * caller finishes it: ext4_finish_bio, as iomapFinishIoend does for every writeback bio).
 */
export function ext4EndBio(w: World, bio: number, failed: boolean): boolean {
  const io = w.ext4IoEnds.find((x) => x.inflight.includes(bio));
  if (io === undefined) return ext4EndPlainBio(w, bio, failed);
  io.inflight = io.inflight.filter((x) => x !== bio);
  // The bio is done (its id may be reused): the io_end keeps the folios it carried.
  const carried = w.ioends.find((x) => x.bio === bio)?.blocks ?? [];
  w.ioends = w.ioends.filter((x) => x.bio !== bio);
  io.folios = [...io.folios, ...carried];
  if (failed) {
    io.failed = true;
    mappingSetError(w, io.ino, 'EIO');
    recordWritebackFailure(w, io.ino, bio, carried);
  }
  return true;
}

/**
 * ext4_finish_bio for the folios an io_end's bios carried: folio_end_writeback once no other
 * bio holds a block of the folio; an RWF_DONTCACHE folio still clean then is dropped
 * (folio_end_dropbehind) — only when this runs in task context (`inTask`: the conversion
 * work of an unwritten io_end); from ext4_end_bio's interrupt-time completion of a plain bio,
 * folio_end_dropbehind skips it (!in_task()) and the folio stays cached.
 */
function ext4FinishBio(w: World, ino: number, folios: Array<{ blk: number }>, inTask: boolean): void {
  endWritebackWalk(w, { ino, heads: folios.map((b) => b.blk), inTask, by: 'ext4' });
}

/** The io_ends on an i_rsv_conversion_list (every bio completed), by their index in w.ext4IoEnds. */
export function ext4RsvConversionReady(w: World): number[] {
  return w.ext4IoEnds.flatMap((x, i) => (x.inflight.length === 0 ? [i] : []));
}

export function describeRsvConversion(io: Ext4IoEnd, s: Settings): string {
  const convert = `ext4_convert_unwritten_io_end_vec converts file ${io.ino} blocks ${io.blocks.join(',')} to written in a new handle`;
  const what = !io.failed ? convert : s.knobs.ext4EndIoFailure === 'keep-unwritten' ? 'EXT4_IO_END_FAILED: leave the extents unwritten (converting would expose stale data)' : `a bio failed, but (before e856f93e0fb2) ${convert}`;
  return `ext4_end_io_rsv_work → ext4_end_io_end: ${what}; ext4_release_io_end → ext4_finish_bio ends writeback of bio${io.bios.length > 1 ? 's' : ''} ${io.bios.map((b) => `#${b}`).join(', ')}`;
}

/** The conversion work for the io_end at index `k` of w.ext4IoEnds. */
export function ext4EndIoRsvWork(w: World, s: Settings, k: number): void {
  const io = w.ext4IoEnds[k];
  if (io === undefined || io.inflight.length > 0) throw new Error(`no completed unwritten io_end #${k}`);
  w.ext4IoEnds = w.ext4IoEnds.filter((_, i) => i !== k);
  // Before e856f93e0fb2 a failed io_end was converted like any other (knob ext4EndIoFailure).
  if (!io.failed || s.knobs.ext4EndIoFailure === 'convert') ext4ConvertUnwrittenIoEndVec(w, io.ino, io.blocks);
  // The error was recorded by ext4_end_bio; here the folios only end writeback.
  ext4FinishBio(w, io.ino, io.folios, true);
}

/**
 * A bio of an io_end without unwritten extents, on a file that has an unwritten io_end
 * waiting: ext4_finish_bio at once, but a folio that the waiting io_end also carries stays
 * under writeback until that one is released. False when the file has none (the caller's
 * generic completion does the same).
 */
function ext4EndPlainBio(w: World, bio: number, failed: boolean): boolean {
  const plain = w.ioends.find((x) => x.bio === bio);
  if (plain === undefined || !w.ext4IoEnds.some((x) => x.ino === plain.ino)) return false;
  w.ioends = w.ioends.filter((x) => x.bio !== bio);
  if (failed) {
    mappingSetError(w, plain.ino, 'EIO');
    recordWritebackFailure(w, plain.ino, bio, plain.blocks);
  }
  ext4FinishBio(w, plain.ino, plain.blocks, false);
  return true;
}
