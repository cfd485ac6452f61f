/**
 * Runs small read programs on the real file systems and prints mincore after each, to see
 * the readahead window Linux uses here: `node --import tsx conform/ra-probe.ts`.
 */
import { closeLab, openLab, startHelper, type FsKind } from './harness.ts';
import type { Op, Program } from './program.ts';

const W = (off: number, len: number, id: number, fd = 0): Op => ({ op: 'pwritev2', fd, off, segs: [len], flags: [], id, misalign: 0 });
const R = (off: number, len: number, fd = 1): Op => ({ op: 'pread', fd, off, len, misalign: 0 });
const M: Op = { op: 'mincore', fd: 1 };
const open2: Op[] = [{ op: 'open', direct: true }, { op: 'open', direct: false }];
const programs: Array<[string, Program]> = [
  ['64K file, read 1 @0', { ops: [...open2, W(0, 65536, 1), R(0, 1), M] }],
  ['64K file, read 6292 @1172', { ops: [...open2, W(0, 65536, 1), R(1172, 6292), M] }],
  ['64K file, read 1 @20480', { ops: [...open2, W(0, 65536, 1), R(20480, 1), M] }],
  ['64K file, read 1 @0 then 1 @4096', { ops: [...open2, W(0, 65536, 1), R(0, 1), R(4096, 1), M] }],
  ['64K file, read 1 @8192 then @12288', { ops: [...open2, W(0, 65536, 1), R(8192, 1), R(12288, 1), M] }],
  ['16K file (blocks 0-1 holes), read 6292 @1172', { ops: [...open2, W(8192, 8192, 1), R(1172, 6292), M] }],
  ['16K file (blocks 0-1 holes, atomic), read 6292 @1172', { ops: [...open2, { op: 'pwritev2', fd: 0, off: 8192, segs: [8192], flags: ['ATOMIC'], id: 1, misalign: 0 }, R(1172, 6292), M] }],
  ['16K file written, read 6292 @1172', { ops: [...open2, W(0, 16384, 1), R(1172, 6292), M] }],
  ['16K file written, read 1 @0', { ops: [...open2, W(0, 16384, 1), R(0, 1), M] }],
  ['4 MiB file, read 1 @0 / 64 KiB @0 / 512 KiB @0', { ops: [...open2, W(0, 4194304, 1), R(0, 65536), M] }],
];

async function main(): Promise<void> {
  const got = openLab();
  if (!got.ok) throw new Error(got.skip);
  try {
    for (const fs of ['xfs', 'ext4'] as FsKind[]) {
      const h = startHelper(got.lab, fs);
      for (const [what, p] of programs) {
        const r = await h.run(p);
        console.log(`${fs}: ${what}: ${r.results.filter((x) => x.op === 'mincore').map((x) => x.pages).join(' ')}`);
      }
    }
  } finally {
    closeLab(got.lab);
  }
}
await main();
