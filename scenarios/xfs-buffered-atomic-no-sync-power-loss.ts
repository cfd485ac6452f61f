import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * The RFC's commit message: "To ensure that a buffered atomic write is written back
 * atomically when the write syscall returns, RWF_SYNC or similar needs to be used". Without
 * it, A returns once it is in the page cache; a power loss before (or during) its writeback
 * leaves the old data whole — A is untorn, not durable. atomic-old-data-may-survive is the
 * witness that the old data can survive after A returned success.
 */
export default scenario({
  name: 'xfs-buffered-atomic-no-sync-power-loss',
  description:
    "bufferedAtomic 'rfc-2024': XFS, RWF_ATOMIC 8 KiB buffered write over two written blocks in one 2-block folio, no RWF_SYNC; flusher and one power loss free. " +
    'Bound: 1 task (2 syscalls), 6 physical blocks, flusher unbounded, 1 power loss, background commits. Expect: holds (atomic-untorn, atomic-one-request; the old data may survive).',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.nvmeAtomic16k,
  knobs: { bufferedAtomic: 'rfc-2024' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }], folioBlocks: 2 }],
  programs: [[open(0), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC')]],
  flusher: true,
  properties: ['atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'atomic-old-data-may-survive'],
  expect: 'holds',
});
