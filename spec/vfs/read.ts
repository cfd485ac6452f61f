/**
 * pread: the buffered read (filemap_read, one step) and the direct read (iomap_dio_rw for
 * reads: flush dirty cache in range, then read the blocks, unwritten and holes as zeros).
 *
 * Models Linux 6.18 (fs/read_write.c, mm/filemap.c, fs/iomap/direct-io.c).
 */
import { ext4FdatawriteRange } from '../fs/ext4/inode.ts';
import { match } from 'ts-pattern';
import { deviceRead } from '../block/device.ts';
import { finishSyscall, task } from '../ghost.ts';
import { canLock, lock, unlock } from '../kernel/locking/rwsem.ts';
import { anyDirty, anyWriteback, filemapFdatawriteRange, folioAt } from '../mm/filemap.ts';
import type { Mapping } from '../fs/types.ts';
import {
  ZERO,
  type DioRead,
  type Errno,
  type Settings,
  type Step,
  type Syscall,
  type Token,
  type World,
} from '../types.ts';
import { blocksOf, fdOf, inodeOf } from './fd.ts';

/** pread: validation, then a buffered read in one step or a direct read state machine. */
export function preadEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'pread' }>): Step {
  const of = fdOf(w, ti, c.fd);
  const fn = `ksys_pread64 → ${s.fs.kind}_file_read_iter`;
  const what = `pread(fd ${c.fd}, ${c.len} bytes @ ${c.offset})`;
  const fail = (ret: Errno | 0): Step => ({
    fn,
    what: `${what} → ${ret === 0 ? 0 : `-${ret}`}`,
    apply: (d) => {
      d.ghost.clock++;
      finishSyscall(d, ti, { op: 'pread', ret, file: of?.ino ?? -1, data: [], firstBlock: 0, start: d.ghost.clock, end: d.ghost.clock + 1 });
    },
  });
  // ksys_pread64 rejects a negative offset before it looks up the fd.
  if (c.offset < 0) return fail('EINVAL');
  if (of === null || !of.read) return fail('EBADF');
  if (c.len === 0) return fail(0);
  const size = inodeOf(w, of.ino).size;
  if (of.direct) {
    if (c.offset >= size) return fail(0);
    return {
      fn,
      what: `${what}: direct`,
      apply: (d) => {
        d.ghost.clock++;
        const r: DioRead = { sys: 'dio-read', fd: c.fd, ino: of.ino, pos: c.offset, len: c.len, phase: 'lock', wait: [], ioError: false, start: d.ghost.clock };
        task(d, ti).cur = r;
      },
    };
  }
  return {
    fn: `${fn} → filemap_read`,
    what,
    apply: (d) => {
      d.ghost.clock++;
      const start = d.ghost.clock;
      const n = Math.max(0, Math.min(c.len, size - c.offset));
      const { blk, nblk } = blocksOf(s, c.offset, n);
      const data = Array.from({ length: nblk }, (_, i) => {
        const f = folioAt(d, of.ino, blk + i);
        return f !== null && f.uptodate ? f.t : readBlock(d, of.ino, blk + i);
      });
      finishSyscall(d, ti, { op: 'pread', ret: n, file: of.ino, data, firstBlock: blk, start, end: d.ghost.clock + 1 });
    },
  };
}

/**
 * Whether iomap_dio_bio_iter refuses a direct read with EINVAL. Per written extent it
 * checks (pos | length) against the logical block size, and bio_split_io_at checks the
 * user buffer's address of each piece against the queue's DMA alignment (the logical block
 * size on a loop device): a hole or unwritten extent before a written one is zero-filled by
 * iomap_dio_hole_iter without any check, but it advances the user buffer, so a read that
 * starts off alignment fails at the first written extent. Holes and unwritten extents
 * alone never fail. The user buffer is aligned itself (as the conformance helper's is).
 */
function dioReadMisaligned(s: Settings, map: Mapping[], pos: number, len: number): boolean {
  const sm = s.fs.sectorSize - 1;
  const bs = s.fs.blockSize;
  for (let b = Math.floor(pos / bs); b * bs < pos + len; b++) {
    if (map[b]?.kind !== 'written') continue;
    const start = Math.max(pos, b * bs);
    const end = Math.min(pos + len, (b + 1) * bs);
    if (((start | (end - start)) & sm) !== 0 || ((start - pos) & sm) !== 0) return true;
  }
  return false;
}

/** What a read of file block `blk` returns from the device, through the extent map. */
export function readBlock(w: World, ino: number, blk: number): Token {
  const m = inodeOf(w, ino).map[blk];
  return m !== undefined && m.kind === 'written' ? deviceRead(w.device, m.p) : ZERO;
}

export function dioReadStep(w: World, s: Settings, ti: number, st: DioRead): Step | null {
  const inode = inodeOf(w, st.ino);
  const fn = s.fs.kind === 'xfs' ? 'xfs_file_dio_read' : 'ext4_dio_read_iter';
  const cur = (d: World): DioRead => {
    const c = task(d, ti).cur;
    if (c === null || c.sys !== 'dio-read') throw new Error('not in a direct read');
    return c;
  };
  const { blk, nblk } = blocksOf(s, st.pos, st.len);
  return match(st.phase)
    .with('lock', (): Step | null => {
      if (!canLock(inode.iolock, 'shared')) return null;
      const dirty = anyDirty(w, st.ino, blk, nblk);
      return {
        fn,
        what: `take ${s.fs.kind === 'xfs' ? 'IOLOCK shared' : 'inode_lock_shared'}${dirty ? '; kiocb_write_and_wait writes back dirty folios' : ''}`,
        apply: (d) => {
          lock(inodeOf(d, st.ino).iolock, 'shared', ti);
          const c = cur(d);
          const bios = !dirty ? [] : s.fs.kind === 'ext4' ? ext4FdatawriteRange(d, s, st.ino, blk, nblk, ti) : filemapFdatawriteRange(d, st.ino, blk, nblk, ti);
          c.wait = bios ?? [];
          c.ioError = bios === null;
          c.phase = dirty || anyWriteback(w, st.ino, blk, nblk) ? 'flush-wait' : 'read';
        },
      };
    })
    .with('flush-wait', (): Step | null =>
      st.wait.length > 0 || anyWriteback(w, st.ino, blk, nblk) ? null : { fn: 'kiocb_write_and_wait', what: 'writeback done', apply: (d) => void (cur(d).phase = 'read') },
    )
    .with('read', (): Step => {
      const n = Math.max(0, Math.min(st.len, inode.size - st.pos));
      const rb = blocksOf(s, st.pos, n);
      const misaligned = dioReadMisaligned(s, inode.map, st.pos, st.len);
      const data = misaligned ? [] : Array.from({ length: rb.nblk }, (_, i) => readBlock(w, st.ino, rb.blk + i));
      const ret = st.ioError ? 'EIO' : misaligned ? 'EINVAL' : n;
      return {
        fn: 'iomap_dio_rw',
        what: `read {${data.join(',')}}; unlock; return ${typeof ret === 'number' ? ret : `-${ret}`}`,
        apply: (d) => {
          unlock(inodeOf(d, st.ino).iolock, 'shared', ti);
          finishSyscall(d, ti, { op: 'pread', ret, file: st.ino, data: st.ioError ? [] : data, firstBlock: rb.blk, start: st.start, end: d.ghost.clock + 1 });
        },
      };
    })
    .exhaustive();
}
