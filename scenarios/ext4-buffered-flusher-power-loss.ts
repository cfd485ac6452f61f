import { BS, DEVICES, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * ext4's delayed allocation end to end: a buffered write into two holes reserves them
 * (ext4_da_get_block_prep: BH_Delay, no block yet); the flusher, free to run at any time,
 * allocates them in ext4_writepages as unwritten (dioread_nolock, the default since 5.6) in a
 * journal handle, and only the conversion work after the bio completed makes them written.
 * A commit can therefore only ever make durable an extent whose data is on the media (the
 * commit flushes the cache first): a power loss shows the new data, zeroes, or holes, never
 * the free blocks' old contents.
 */
export default scenario({
  name: 'ext4-buffered-flusher-power-loss',
  description:
    'ext4, data=ordered, dioread_nolock: buffered 8 KiB write W into two holes of an empty file, then a buffered read; the flusher, background commits and one power loss are free to run at any time. ' +
    'Bound: 1 task (open, write, read), 4 physical blocks holding stale data, 1 power loss. Expect: holds (no-stale-data, read-consistency; durability promises nothing without fsync).',
  fs: { kind: 'ext4', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W', 0, 0, 2 * BS), pread(0, 0, 2 * BS)]],
  flusher: true,
  properties: ['durability', 'no-stale-data', 'read-consistency'],
  expect: 'holds',
});
