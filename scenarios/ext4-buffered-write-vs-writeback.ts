import { BS, DEVICES, fsync, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * A buffered write racing writeback of the same folio. T1 writes A into the hole (a delayed
 * buffer) and fsyncs; T2 overwrites the block with B. The flusher or T1's fsync may have the
 * folio under writeback — its extent allocated unwritten, the buffer now mapped — when T2's
 * ext4_da_write_begin finds it: the buffer is mapped, so no new reservation; the copy
 * redirties the folio while its bio still carries A (no stable pages on this device). The
 * next pass writes B to the same block as a plain overwrite, and the first io_end's
 * conversion makes the extent written whichever bio lands first. fsync's durability covers
 * A unless B, a concurrent write, replaced it; nothing stale is ever visible.
 */
export default scenario({
  name: 'ext4-buffered-write-vs-writeback',
  description:
    'ext4, data=ordered, dioread_nolock: T1 buffered 4 KiB write A into a hole, then fsync; T2 buffered 4 KiB write B over the same block, then a buffered read; the flusher, background commits and one power loss free to run. ' +
    'Bound: 2 tasks (T1 open, write, fsync; T2 open, write, read), 3 physical blocks holding stale data, 1 power loss. Expect: holds (durability, no-stale-data, read-consistency).',
  fs: { kind: 'ext4', physBlocks: 3 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole'], size: 0 }],
  programs: [
    [open(0), pwrite('A', 0, 0, BS), fsync(0)],
    [open(0), pwrite('B', 0, 0, BS), pread(0, 0, BS)],
  ],
  flusher: true,
  properties: ['durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
