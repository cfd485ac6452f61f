import { BS, DEVICES, open, pread, pwriteBadPage, scenario } from '../spec/index.ts';

/**
 * A short copy that stops inside a block (Linux 6.18, fs/iomap/buffered-io.c). W writes
 * 8 KiB at 2 KiB from a user buffer whose second page (buffer bytes 4096-8191, file bytes
 * 6144-10239) can never be read. Block 0 (bytes 2048-4095 of it) is read in and copied
 * whole. Block 1 is covered whole by the write, so __iomap_write_begin reads nothing in;
 * copy_folio_from_iter_atomic stops at the bad page after 2048 bytes; __iomap_write_end
 * sees copied < len on a folio that is not uptodate and counts it as 0 bytes (a read_folio
 * could destroy a partly valid block); iomap_write_iter retries with bytes = 2048, which
 * now covers block 1 only in part, so write_begin reads it in and the copy succeeds. The
 * next iteration's fault_in_iov_iter_readable fails at once: the write returns 4096. The
 * read shows W's bytes exactly where it wrote them and the old bytes around them.
 */
export default scenario({
  name: 'xfs-subblock-short-copy',
  description:
    'XFS on a loop device, file 0 blocks p0 p1 p2 (written), size 12 KiB, nothing cached; T1 writes 8 KiB buffered at 2 KiB from a buffer whose page 1 cannot be read (W), then reads blocks 0-2. ' +
    'Bound: 1 task (3 syscalls), 4 physical blocks, no flusher or reclaim, 1 power loss, background commits. Expect: holds (W returns 4096; the read returns {0:f0.init[0] 2048:W[0]}, {0:W[1] 2048:f0.init[1]}, f0.init[2]).',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }, { written: 1 }, { written: 2 }] }],
  programs: [[open(0), pwriteBadPage('W', 0, 2048, 2 * BS, 1), pread(0, 0, 3 * BS)]],
  expect: 'holds',
});
