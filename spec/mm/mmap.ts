/**
 * mmap and munmap of a shared, writable file mapping (mm/mmap.c do_mmap → mmap_region →
 * ->mmap: xfs_file_mmap / ext4_file_mmap set vm_ops with ->page_mkwrite, so the mapping wants
 * write-notify; mm/vma.c do_vmi_munmap). Models Linux 6.18. A page is a file block here.
 *
 * mmap itself maps nothing: every PTE starts not present, and the first access faults
 * (spec/mm/memory.ts). munmap zaps the PTEs; with write-notify a writable PTE's folio was
 * already dirtied by ->page_mkwrite, so nothing is lost and nothing reaches the disk.
 */
import { finishSyscall, task } from '../ghost.ts';
import { fdOf, inodeOf } from '../vfs/fd.ts';
import type { Syscall } from '../vfs/types.ts';
import type { Settings, Step, World } from '../world.ts';
import { vmaOf } from './rmap.ts';

/** The ordinal the next successful mmap of task `ti` gets (as an fd is the ordinal of its opens). */
function nextVmaId(w: World, ti: number): number {
  return task(w, ti).results.filter((r) => r.op === 'mmap' && typeof r.ret === 'number').length;
}

/** mmap(NULL, len, PROT_READ|PROT_WRITE, MAP_SHARED, fd, offset). */
export function mmapEntry(w: World, s: Settings, ti: number, c: Extract<Syscall, { op: 'mmap' }>): Step {
  const bs = s.fs.blockSize;
  const of = fdOf(w, ti, c.fd);
  const fn = `ksys_mmap_pgoff → do_mmap → ${s.fs.kind === 'xfs' ? 'xfs_file_mmap' : 'ext4_file_mmap'}`;
  const what = `mmap(${c.len} bytes, PROT_READ|PROT_WRITE, MAP_SHARED, fd ${c.fd}, ${c.offset})`;
  const fail = (ret: 'EINVAL' | 'EBADF' | 'EACCES', why: string): Step => ({ fn, what: `${what}: ${why}: -${ret}`, apply: (d) => finishSyscall(d, ti, { op: 'mmap', ret }) });
  // do_mmap: a zero length, or an offset that is not page aligned, is EINVAL before the fd matters.
  if (c.len === 0 || c.offset < 0 || c.offset % bs !== 0) return fail('EINVAL', c.len === 0 ? 'zero length' : 'offset not page aligned');
  if (of === null) return fail('EBADF', 'bad fd');
  // MAP_SHARED with PROT_WRITE needs a file open for reading and writing.
  if (!of.read || !of.write) return fail('EACCES', 'MAP_SHARED|PROT_WRITE needs O_RDWR');
  const blk = c.offset / bs;
  const modelled = inodeOf(w, of.ino).map.length;
  const nblk = Math.max(0, Math.min(Math.ceil(c.len / bs), modelled - blk));
  return {
    fn,
    what: `${what}: vma of file ${of.ino} blocks ${blk}-${blk + nblk - 1}, every PTE not present`,
    apply: (d) => {
      const id = nextVmaId(d, ti);
      d.vmas.push({ task: ti, id, fd: c.fd, ino: of.ino, blk, nblk, pte: Array.from({ length: nblk }, () => 'none' as const) });
      finishSyscall(d, ti, { op: 'mmap', ret: id });
    },
  };
}

/** munmap of the whole mapping: the PTEs are zapped; nothing durable happens. An address with no mapping is not an error. */
export function munmapEntry(w: World, ti: number, c: Extract<Syscall, { op: 'munmap' }>): Step {
  const v = vmaOf(w, ti, c.map);
  return {
    fn: 'munmap → do_vmi_munmap → unmap_region',
    what: v === null ? `mapping ${c.map} is not mapped: nothing to do, 0` : `zap the PTEs of file ${v.ino} blocks ${v.blk}-${v.blk + v.nblk - 1} (their folios stay cached, dirty ones dirty)`,
    apply: (d) => {
      d.vmas = d.vmas.filter((x) => !(x.task === ti && x.id === c.map));
      finishSyscall(d, ti, { op: 'munmap', ret: 0 });
    },
  };
}
