import { BS, open, pwrite, scenario } from '../spec/index.ts';

/**
 * RWF_DSYNC writes on FUSE: fuse_cache_write_iter ends with generic_write_sync, which
 * (after inode_unlock) calls vfs_fsync_range → fuse_fsync: write back the dirty pages
 * (writeback-cache mode), wait for every writeback WRITE, check the mapping's errseq,
 * send FSYNC. The write returns its count once FSYNC is answered, or the fsync's error:
 * a count returned promises the data (durability), -EIO may come after the server took
 * the data. A WRITE may fail. In writeback-cache mode a failed writeback WRITE leaves the
 * page uptodate and clean with data the server never took (6.18, fuse_writepage_end; see
 * fuse-wbcache-writeback-eio), so cache-coherence and monotonic-reads are not checked
 * there; what this scenario is about — the count a dsync write returns is durable, and a
 * failure is reported — is.
 */
const make = (mode: 'write-through' | 'writeback-cache') =>
  scenario({
    name: `fuse-dsync-write-power-loss-${mode}`,
    description:
      `FUSE, fuseMode '${mode}': file 0 two pages at the server; T1 writes page 0 (W) with RWF_DSYNC; T2 writes page 1 (X) with RWF_DSYNC; writeback at any time; a WRITE may fail; a power loss at any point. ` +
      `Bound: 2 tasks (2 syscalls each), flusher unbounded, 1 WRITE failure, 1 power loss. Expect: holds (durability, fsync-reports-errors${mode === 'write-through' ? ' and the FUSE properties' : ', write-order, no-stale-data'}).`,
    fs: 'fuse',
    knobs: { fuseMode: mode },
    files: [{ blocks: [{ written: 0 }, { written: 1 }] }],
    programs: [
      [open(0), pwrite('W', 0, 0, BS, 'RWF_DSYNC')],
      [open(0), pwrite('X', 0, BS, BS, 'RWF_DSYNC')],
    ],
    maxIoErrors: 1,
    flusher: true,
    ...(mode === 'writeback-cache' ? { properties: ['fsync-reports-errors', 'durability', 'write-order', 'no-stale-data'] as const } : {}),
    expect: 'holds',
  });

export default [make('write-through'), make('writeback-cache')];
