/**
 * ext4_convert_unwritten_extents (fs/ext4/extents.c, Linux 6.18): one journal handle per
 * extent, so a commit can fall between two of them; atomic writes convert every extent in
 * one handle (ext4_convert_unwritten_extents_atomic, 6.16).
 */
import { setMapping } from '../allocator.ts';
import { markDirty } from '../journal.ts';
import type { DioWrite } from '../iomap/types.ts';
import type { World } from '../../world.ts';

/**
 * The unwritten extents the write covered that still need converting. ext4_convert_unwritten_extents
 * converts them one extent per journal handle, so a commit can fall between two of them.
 */
export function ext4UnwrittenRuns(w: World, st: DioWrite): Array<{ blk: number; nblk: number }> {
  const inode = w.inodes[st.req.ino];
  if (inode === undefined) throw new Error(`no inode ${st.req.ino}`);
  const runs: Array<{ blk: number; nblk: number; p: number }> = [];
  for (const g of st.segs) {
    for (let i = 0; i < g.nblk; i++) {
      const m = inode.map[g.blk + i];
      if (m === undefined || m.kind !== 'unwritten' || m.p !== g.p + i) continue;
      const last = runs[runs.length - 1];
      if (last !== undefined && last.blk + last.nblk === g.blk + i && last.p + last.nblk === m.p) last.nblk++;
      else runs.push({ blk: g.blk + i, nblk: 1, p: m.p });
    }
  }
  return runs.map(({ blk, nblk }) => ({ blk, nblk }));
}

/** One journal handle of ext4_convert_unwritten_extents: one extent becomes written. */
export function ext4ConvertRun(w: World, ino: number, run: { blk: number; nblk: number }): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  for (let b = run.blk; b < run.blk + run.nblk; b++) {
    const m = inode.map[b];
    if (m !== undefined && m.kind === 'unwritten') setMapping(inode, b, { kind: 'written', p: m.p });
  }
  markDirty(w, ino);
}

/**
 * ext4_convert_unwritten_io_end_vec: a writeback io_end's unwritten blocks become written,
 * every vec in the io_end's one reserved handle. A block no longer unwritten (punched,
 * truncated, converted already) is left alone.
 */
export function ext4ConvertUnwrittenIoEndVec(w: World, ino: number, blks: number[]): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  let changed = false;
  for (const b of blks) {
    const m = inode.map[b];
    if (m === undefined || m.kind !== 'unwritten') continue;
    setMapping(inode, b, { kind: 'written', p: m.p });
    changed = true;
  }
  if (changed) markDirty(w, ino);
}
