/**
 * The multi-task programs the concurrent harness runs. Each is small enough for the spec
 * to explore every interleaving, and each asks one question about racing direct I/O.
 */
import type { Op, RwfFlag } from '../program.ts';
import { BS } from './program.ts';
import type { MultiProgram } from './program.ts';

const open: Op = { op: 'open', direct: true };
const write = (id: number, off: number, len: number, ...flags: RwfFlag[]): Op => ({ op: 'pwritev2', fd: 0, off, segs: [len], flags, id, misalign: 0 });
const read = (off: number, len: number): Op => ({ op: 'pread', fd: 0, off, len, misalign: 0 });
const written2 = [{ written: 0 }, { written: 1 }];

export const PROGRAMS: MultiProgram[] = [
  {
    // scenarios/xfs-sw-atomic-vs-atomic-merged.ts, op for op (test/conform-concurrent.test.ts
    // checks that the spec model built from this program is that scenario's model).
    name: 'xfs-sw-atomic-vs-atomic',
    scenario: 'scenarios/xfs-sw-atomic-vs-atomic-merged.ts',
    fs: 'xfs',
    blocks: written2,
    physBlocks: 6,
    tasks: [
      [open, write(1, 0, 2 * BS, 'ATOMIC')],
      [open, write(2, 0, 2 * BS, 'ATOMIC')],
    ],
    why: 'two RWF_ATOMIC 8 KiB direct writes to one range of a reflinked file (software CoW atomics): the spec says they can tear',
  },
  {
    name: 'xfs-sw-atomic-vs-plain',
    scenario: 'scenarios/xfs-sw-atomic-vs-plain-merged.ts',
    fs: 'xfs',
    blocks: written2,
    physBlocks: 6,
    tasks: [
      [open, write(1, 0, 2 * BS, 'ATOMIC')],
      [open, write(2, 0, 2 * BS)],
    ],
    why: 'an RWF_ATOMIC 8 KiB direct write racing a plain one over the same range',
  },
  ...(['xfs', 'ext4'] as const).flatMap((fs): MultiProgram[] => [
    {
      name: `${fs}-plain-vs-plain`,
      fs,
      blocks: written2,
      tasks: [
        [open, write(1, 0, 2 * BS)],
        [open, write(2, 0, 2 * BS)],
      ],
      why: 'two plain 8 KiB direct overwrites of one range: no atomicity promised, so either block may come from either write',
    },
    {
      name: `${fs}-write-vs-read`,
      fs,
      blocks: written2,
      tasks: [[open, write(1, 0, 2 * BS)], [open, read(0, 2 * BS)]],
      why: 'a direct read racing a direct overwrite: the read may see old blocks, new blocks, or a mix',
    },
    {
      name: `${fs}-atomic-vs-read`,
      fs,
      blocks: written2,
      tasks: [[open, write(1, 0, 2 * BS, 'ATOMIC')], [open, read(0, 2 * BS)]],
      why: 'a direct read racing an RWF_ATOMIC overwrite (XFS: software CoW; ext4 on loop: EOPNOTSUPP)',
    },
    {
      name: `${fs}-disjoint-writes`,
      fs,
      blocks: ['hole', 'hole'],
      tasks: [[open, write(1, 0, BS)], [open, write(2, BS, BS)]],
      why: 'two direct writes into different holes of one file (allocation under the ILOCK / i_data_sem)',
    },
  ]),
];
