import { BS, DEVICES, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Seed 002: the per-call RWF_UNCACHED flush fails with EIO. Dave Chinner left open whether the
 * write should return the error. Returned, the write fails with -EIO.
 */
export default scenario({
  name: 'xfs-uncached-flush-eio-returned',
  description:
    'uncached \'per-call-fix\', uncachedFlushError \'returned\': XFS on a loop device, file 0 one written block p0; T1 overwrites it with 4 KiB RWF_DONTCACHE; the device may fail one request with EIO. Bound: 1 task (2 syscalls), 6 physical blocks, 1 injected I/O error, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 6 },
  device: DEVICES.loop,
  knobs: { uncached: 'per-call-fix', uncachedFlushError: 'returned' },
  files: [{ blocks: [{ written: 0 }] }],
  programs: [[open(0), pwrite('U', 0, 0, BS, 'RWF_DONTCACHE')]],
  maxIoErrors: 1,
  expect: 'holds',
});
