/**
 * ext4's direct-write entry (fs/ext4/file.c ext4_dio_write_iter, ext4_dio_write_checks,
 * ext4_overwrite_io, ext4_dio_write_end_io; Linux 6.18): the lock mode, the checks under
 * the lock with the upgrade, and the completion.
 */
import { setMapping, unmapRange } from '../allocator.ts';
import { markDirty } from '../journal.ts';
import type { DioWrite, DioWriteCheck } from '../iomap/types.ts';
import type { WriteReq } from '../../vfs/types.ts';
import type { Settings, World } from '../../world.ts';

/**
 * How ext4_dio_write_iter starts, before i_rwsem: exclusive when the write extends the file
 * by an unlocked i_size check, shared otherwise.
 */
export function ext4DioWriteStart(w: World, req: WriteReq): Pick<DioWrite, 'lock' | 'demote' | 'overwriteOnly' | 'forceWait'> {
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  return { lock: req.pos + req.count > inode.size ? 'excl' : 'shared', demote: false, overwriteOnly: false, forceWait: false };
}

/**
 * ext4_overwrite_io: the range lies within i_size and one extent maps all of it
 * (ext4_map_blocks returns the whole length), written or unwritten.
 */
function ext4OverwriteIo(w: World, req: WriteReq): { overwrite: boolean; unwritten: boolean } {
  const inode = w.inodes[req.ino];
  if (inode === undefined || req.pos + req.count > inode.size) return { overwrite: false, unwritten: false };
  const m0 = inode.map[req.blk];
  if (m0 === undefined || (m0.kind !== 'written' && m0.kind !== 'unwritten')) return { overwrite: false, unwritten: false };
  for (let i = 1; i < req.nblk; i++) {
    const m = inode.map[req.blk + i];
    if (m === undefined || m.kind !== m0.kind || m.p !== m0.p + i) return { overwrite: false, unwritten: false };
  }
  return { overwrite: true, unwritten: m0.kind === 'unwritten' };
}

/**
 * ext4_dio_write_checks with i_rwsem held: the shared lock is kept only for a pure
 * overwrite within i_size, and not for a sub-block write into unwritten blocks (partial
 * block zeroing); otherwise upgrade and check again. Under the exclusive lock a sub-block
 * or extending write forces synchronous I/O, and a sub-block write that is not a written
 * overwrite first waits for other direct I/O (inode_dio_wait). IOCB_NOWAIT refuses both.
 */
export function ext4DioWriteChecks(w: World, s: Settings, st: DioWrite): DioWriteCheck {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const bs = s.fs.blockSize;
  const unaligned = req.pos % bs !== 0 || req.count % bs !== 0;
  const extend = req.pos + req.count > inode.size;
  const { overwrite, unwritten } = ext4OverwriteIo(w, req);
  if (st.lock === 'shared' && (extend || !overwrite || (unaligned && unwritten))) {
    const why = extend ? 'extending write' : !overwrite ? 'not an overwrite of one allocated extent' : 'sub-block write into unwritten blocks';
    return req.nowait ? { kind: 'error', err: 'EAGAIN', why: `${why} needs i_rwsem exclusive and IOCB_NOWAIT` } : { kind: 'upgrade', why: `${why} needs i_rwsem exclusive` };
  }
  if (st.lock === 'excl' && (unaligned || extend)) {
    if (req.nowait) return { kind: 'error', err: 'EAGAIN', why: `${unaligned ? 'sub-block' : 'extending'} write under i_rwsem exclusive and IOCB_NOWAIT` };
    return { kind: 'ok', forceWait: unaligned && (!overwrite || unwritten), demote: false };
  }
  return { kind: 'ok', forceWait: false, demote: false };
}

/** ext4_dio_write_end_io: convert the unwritten blocks the write covered, update i_size. */
export function ext4DioWriteEndIo(w: World, st: DioWrite): string {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const done: string[] = [];
  for (const g of st.segs) {
    for (let i = 0; i < g.nblk; i++) {
      const m = inode.map[g.blk + i];
      if (m !== undefined && m.kind === 'unwritten' && m.p === g.p + i) {
        setMapping(inode, g.blk + i, { kind: 'written', p: m.p });
        markDirty(w, req.ino);
        if (done.length === 0) done.push('ext4_convert_unwritten_extents');
      }
    }
  }
  const end = req.pos + req.count;
  if (end > inode.size) {
    inode.size = end;
    markDirty(w, req.ino);
    done.push('ext4_handle_inode_extension');
  }
  // ext4_handle_inode_extension sets i_disksize with i_size, in the same handle.
  if (end > inode.diskSize) inode.diskSize = Math.min(end, inode.size);
  return done.length > 0 ? done.join(' + ') : 'nothing to convert';
}

/**
 * ext4_inode_extension_cleanup(inode, ret < 0) after iomap_dio_rw failed for a write that
 * extends the file (the exclusive lock is still held, so i_size has not moved):
 * ext4_truncate_failed_write → ext4_truncate frees every block past i_size, among them what
 * ext4_iomap_alloc allocated for this write before the failure (an alignment -EINVAL in
 * iomap_dio_bio_iter, -ENOSPC part way, -EIO). A failure in ext4_dio_write_checks returns
 * before this, and -ENOTBLK becomes 0 (the buffered fallback). The first block past i_size
 * when there is something to free, else null.
 */
export function ext4FailedExtensionFrom(w: World, s: Settings, st: DioWrite): number | null {
  const req = st.req;
  const inode = w.inodes[req.ino];
  if (inode === undefined) throw new Error(`no inode ${req.ino}`);
  const failed = typeof st.ret === 'string' && st.ret !== 'ENOTBLK' && st.failure !== 'lock' && st.failure !== null;
  if (!failed || req.pos + req.count <= inode.size) return null;
  const from = Math.ceil(inode.size / s.fs.blockSize);
  return inode.map.slice(from).some((m) => m.kind === 'written' || m.kind === 'unwritten') ? from : null;
}

/** Apply ext4_inode_extension_cleanup's truncate from block `from` (ext4FailedExtensionFrom). */
export function ext4InodeExtensionCleanup(w: World, ino: number, from: number): void {
  const inode = w.inodes[ino];
  if (inode === undefined) throw new Error(`no inode ${ino}`);
  if (unmapRange(w, inode, from, inode.map.length)) markDirty(w, ino);
}
