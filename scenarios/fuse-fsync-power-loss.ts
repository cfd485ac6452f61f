import { BS, fsync, open, pwrite, scenario } from '../spec/index.ts';

/**
 * Durability on FUSE: the server keeps through a power loss what its last FSYNC reply made
 * durable. fuse_fsync writes back dirty pages, waits for every writeback WRITE, checks the
 * mapping's errseq, then sends FSYNC; a 0 from fsync promises W. In write-through mode
 * the WRITE was answered before write(2) returned; in writeback-cache mode fsync's own
 * writeback sends it.
 */
const make = (mode: 'write-through' | 'writeback-cache') =>
  scenario({
    name: `fuse-fsync-power-loss-${mode}`,
    description:
      `FUSE, fuseMode '${mode}': file 0 two pages at the server; T1 writes page 0 (W) and fsyncs; T2 writes page 1 (X) and fsyncs; writeback and reclaim at any time; a power loss at any point. ` +
      'Bound: 2 tasks (3 syscalls each), flusher and reclaim unbounded, 1 power loss. Expect: holds (durability, fsync-reports-errors and the FUSE properties).',
    fs: 'fuse',
    knobs: { fuseMode: mode },
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [
      [open(0), pwrite('W', 0, 0, BS), fsync(0)],
      [open(0), pwrite('X', 0, BS, BS), fsync(0)],
    ],
    flusher: true,
    reclaim: true,
    expect: 'holds',
  });

export default [make('write-through'), make('writeback-cache')];
