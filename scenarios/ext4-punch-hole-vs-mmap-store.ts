import { BS, DEVICES, fallocate, mmapStore, open, pread, scenario } from '../spec/index.ts';

/**
 * A hole punch racing a store through a shared mapping. The write fault (ext4_page_mkwrite)
 * runs under the invalidate_lock shared; ext4_fallocate takes it exclusive before
 * ext4_punch_hole drops the page cache and frees the blocks, so the store lands wholly
 * before the punch (and is punched away: zeroes) or after it (in a new folio over the hole,
 * to be allocated at writeback). The flusher runs at any time.
 */
export default scenario({
  name: 'ext4-punch-hole-vs-mmap-store',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 two written blocks, block 0 cached; T1 stores M1 into block 0 through a shared mapping; T2 punches 4 KiB at 0 and reads 8 KiB; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 2 tasks (1 and 3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds.',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
  cached: [[0, 0]],
  programs: [[mmapStore('M1', 0, 0)], [open(0), fallocate(0, ['FALLOC_FL_PUNCH_HOLE', 'FALLOC_FL_KEEP_SIZE'], 0, BS), pread(0, 0, 2 * BS)]],
  flusher: true,
  expect: 'holds',
});
