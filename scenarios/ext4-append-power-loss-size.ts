import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The ext4 side of appends and power loss. ext4 allocates at writeback (delayed
 * allocation; the model allocates unwritten blocks, as dioread_nolock does) and moves
 * i_disksize after it submits the bio (mpage_map_and_submit_extent); the model moves it at
 * completion (proofs-notes/sizes-truncate-fallocate.md). Either way the blocks below the
 * recovered size hold the appended data or read as zeroes (unwritten).
 */
export default scenario({
  name: 'ext4-append-power-loss-size',
  description:
    'Linux 6.18: ext4 on a loop device, file 0 three holes, size 0; T1 appends 4 KiB (W1) then 4 KiB (W2) buffered; the flusher runs at any time; background commits; one power loss. ' +
    'Bound: 1 task (3 syscalls), 6 physical blocks, flusher unbounded, 1 power loss. Expect: holds (size-exposes-written, no-stale-data).',
  fs: { kind: 'ext4', physBlocks: 6 },
  device: DEVICES.loop,
  files: [{ blocks: ['hole', 'hole', 'hole'], size: 0 }],
  programs: [[open(0), pwrite('W1', 0, 0, BS), pwrite('W2', 0, BS, BS)]],
  flusher: true,
  expect: 'holds',
});
