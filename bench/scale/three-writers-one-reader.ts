import { BS, DEVICES, open, pread, pwrite, scenario } from '../../spec/index.ts';

/**
 * The issue's first scale target: three writers and a reader of one block. Not under
 * scenarios/ because it is not exhausted within the 60 s the issue asks (bench/README.md):
 * `npm run bench -- scale` runs it with a 60 s limit and reports how far it got. With the
 * ghost clock as a view (spec/clock-view.ts) and no limit it is exhausted and holds:
 * 1,624,265 states, 436 CPU-seconds (bench/README.md, "Measured (issue 10f)"); with data
 * symmetry too (the writers of A, B, C are interchangeable with their data, spec/symmetry.ts),
 * as `writepath check` runs it, 271,103 states in 159 s at a load of 5 to 10.
 * Expectation if it were exhausted: holds. Each write is one block (one request, so it
 * cannot tear); a read returns the initial data or one of the three writes' (read-consistency);
 * after a power loss the block holds one of them (no-stale-data); nothing is synced, so
 * durability promises nothing.
 */
export default scenario({
  name: 'scale-three-writers-one-reader',
  description:
    'XFS, one written block p0 on a loop device (volatile cache): T1, T2, T3 each a 4 KiB O_DIRECT write (A, B, C) of block 0, T4 an O_DIRECT read of it. ' +
    'Bound: 4 tasks (open and one call each), 4 physical blocks, 1 power loss, background commits. Expect: holds.',
  fs: { kind: 'xfs', physBlocks: 4 },
  device: DEVICES.loop,
  files: [{ blocks: [{ written: 0 }] }],
  programs: [
    [open(0, 'O_DIRECT'), pwrite('A', 0, 0, BS)],
    [open(0, 'O_DIRECT'), pwrite('B', 0, 0, BS)],
    [open(0, 'O_DIRECT'), pwrite('C', 0, 0, BS)],
    [open(0, 'O_DIRECT'), pread(0, 0, BS)],
  ],
  expect: 'holds',
  options: { stopAtFirst: false },
});
