import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A buffered read that misses the page cache racing a buffered write over the same blocks
 * (ext4: generic_file_read_iter takes no inode lock, so the two really overlap). The read's
 * readahead adds folios 0 and 1 locked and !uptodate and submits their I/O; while it is in
 * flight the writer's write_begin_get_folio → folio_lock waits (mm/filemap.c
 * __filemap_get_folio with FGP_LOCK), the flusher and reclaim pass the folio by. After
 * folio_end_read the writer may copy before the reader does, so the read returns old data,
 * the new data, or (block by block) a mix — each allowed by read-consistency, since the
 * write is concurrent; never a zero or another file's block (no-stale-data).
 */
export default scenario({
  name: 'ext4-buffered-read-vs-buffered-write',
  description:
    'ext4 on a loop device, file 0 two written blocks (size 8 KiB); T1 reads 8 KiB buffered at 0; T2 writes 8 KiB buffered at 0 (W1) then fsyncs; the flusher and reclaim run at any time. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 6 physical blocks, flusher and reclaim unbounded, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  programs: [
    [open(0), pread(0, 0, 2 * BS)],
    [open(0), pwrite('W1', 0, 0, 2 * BS), { op: 'fsync', fd: 0 }],
  ],
  flusher: true,
  reclaim: true,
  expect: 'holds',
});
