import { BS, DEVICES, mmapStore, open, pread, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 003 (Ritesh Harjani's question on v4): -EAGAIN from iomap_dio_rw also means "page
 * cache invalidation failed". As posted, xfs_file_dio_write_atomic cannot tell that from
 * "->iomap_begin refused the hardware path" and redoes the write in software CoW mode
 * under the exclusive IOLOCK, although the hardware path was available.
 */
export default scenario({
  name: 'xfs-atomic-eagain-ambiguity-posted',
  description:
    "XFS (reflink) RWF_ATOMIC 8 KiB direct write over written, aligned p4-p5 on a device with 16 KiB hardware atomics, while T2 stores twice into the mmapped, cached block 0; knob xfsSwAtomicRetry='posted-v4'. " +
    'Bound: 2 tasks (T1 open, write, read; T2 two mmap stores), 8 physical blocks, 1 power loss, background commits. Expect a sw-fallback-needed counterexample (a spurious software retry).',
  fs: 'xfs',
  device: DEVICES.nvmeAtomic16k,
  knobs: { xfsSwAtomicRetry: 'posted-v4' },
  files: [{ blocks: [{ written: 4 }, { written: 5 }] }],
  cached: [[0, 0]],
  programs: [[open(0, 'O_DIRECT'), pwrite('A', 0, 0, 2 * BS, 'RWF_ATOMIC'), pread(0, 0, 2 * BS)], [mmapStore('M', 0, 0), mmapStore('N', 0, 0)]],
  properties: ['sw-fallback-needed', 'atomic-untorn', 'atomic-one-request', 'durability', 'no-stale-data', 'read-consistency'],
  expect: { violates: 'sw-fallback-needed' },
});
