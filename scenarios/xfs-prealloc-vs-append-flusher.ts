import { BS, DEVICES, fallocate, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Preallocation racing an append and its writeback. T1 appends 4 KiB through the page
 * cache (delalloc, with speculative preallocation); T2 preallocates 8 KiB with KEEP_SIZE
 * and reads. xfs_alloc_file_space runs under XFS_IOLOCK_EXCL and MMAPLOCK_EXCL, so it sees
 * either no reservation or T1's delalloc blocks, which it allocates as unwritten
 * (XFS_BMAPI_PREALLOC) with the dirty folios still over them; the flusher may convert the
 * delalloc extent first. Either way writeback writes T1's data into the allocated blocks and
 * converts them at completion together with di_size, and nothing past the size is exposed.
 */
export default scenario({
  name: 'xfs-prealloc-vs-append-flusher',
  description:
    'Linux 6.18: XFS on a loop device, file 0 two holes, size 0; T1 appends 4 KiB buffered (W1); T2 fallocate KEEP_SIZE 8 KiB at 0, then reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (2 and 3 syscalls), 4 physical blocks, flusher unbounded, 1 power loss. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [
    [open(0), pwrite('W1', 0, 0, BS)],
    [open(0), fallocate(0, ['FALLOC_FL_KEEP_SIZE'], 0, 2 * BS), pread(0, 0, 2 * BS)],
  ],
  flusher: true,
  expect: 'holds',
});
