/**
 * The programs run through crash states: direct I/O with one task, then two, then
 * buffered writes with fsync, and the uncommitted-conversion programs of
 * proofs-notes/direct-io-atomic.md.
 */
import type { Op, RwfFlag } from '../program.ts';
import { BS } from '../concurrent/program.ts';
import type { MultiProgram } from '../concurrent/program.ts';
import type { FsKind } from '../harness.ts';

const open = (direct: boolean): Op => ({ op: 'open', direct });
const write = (id: number, off: number, len: number, ...flags: RwfFlag[]): Op => ({ op: 'pwritev2', fd: 0, off, segs: [len], flags, id, misalign: 0 });
const fsync: Op = { op: 'fsync', fd: 0 };
const fdatasync: Op = { op: 'fdatasync', fd: 0 };

/**
 * P then A: a plain 4 KiB direct write P into the unwritten block 1 (its completion
 * converts the block to written in the running transaction), then an 8 KiB direct write
 * A over blocks 0-1, no fsync. The scenarios (scenarios/*-over-uncommitted-conversion.ts)
 * make A RWF_ATOMIC on a device with hardware atomic writes; this machine has none (loop
 * devices report atomic_write_unit_max_bytes 0, there is no scsi_debug, NVMe or pmem), so
 * A is run as the scenarios' A would reach the device: a plain write (the same pure
 * overwrite through ->iomap_begin, only without REQ_ATOMIC), and on XFS also as
 * RWF_ATOMIC, which this device sends down the software (CoW) path.
 */
export function uncommittedConversion(fs: FsKind, atomic: boolean): MultiProgram {
  return {
    name: `${fs}-${atomic ? 'sw-atomic' : 'plain'}-over-uncommitted-conversion`,
    scenario: `scenarios/${fs}-atomic-over-uncommitted-conversion.ts`,
    fs,
    blocks: [{ written: 0 }, { unwritten: 1 }],
    physBlocks: 6,
    tasks: [[open(true), write(1, BS, BS), write(2, 0, 2 * BS, ...(atomic ? (['ATOMIC'] as const) : []))]],
    why: 'does A reach the device before P\'s unwritten→written conversion commits (block 1 then reads zeros after the crash although A\'s data is on the device)?',
  };
}

export const CRASH_PROGRAMS: MultiProgram[] = [
  ...(['xfs', 'ext4'] as const).flatMap((fs): MultiProgram[] => [
    {
      name: `${fs}-dio-overwrite-fdatasync`,
      fs,
      blocks: [{ written: 0 }, { written: 1 }],
      tasks: [[open(true), write(1, 0, 2 * BS), fdatasync]],
      why: 'a direct overwrite, then fdatasync: before it returns either block may be old or new; after it, both new',
    },
    {
      name: `${fs}-dio-into-holes-fsync`,
      fs,
      blocks: ['hole', 'hole'],
      tasks: [[open(true), write(1, 0, 2 * BS), fsync]],
      why: 'a direct write into holes (allocation, unwritten extents converted at completion), then fsync',
    },
    {
      name: `${fs}-dio-two-tasks`,
      fs,
      blocks: [{ written: 0 }, { written: 1 }],
      tasks: [
        [open(true), write(1, 0, BS), fdatasync],
        [open(true), write(2, BS, BS), fdatasync],
      ],
      why: 'two tasks overwrite one block each and fdatasync',
    },
    {
      name: `${fs}-buffered-fsync`,
      fs,
      blocks: [{ written: 0 }, { written: 1 }],
      tasks: [[open(false), write(1, 0, 2 * BS), fsync]],
      why: 'a buffered overwrite made durable by fsync (writeback, then the cache flush)',
    },
    {
      name: `${fs}-dio-rwf-dsync`,
      fs,
      blocks: [{ written: 0 }, { written: 1 }],
      tasks: [[open(true), write(1, 0, 2 * BS, 'DSYNC')]],
      why: 'an RWF_DSYNC direct overwrite: durable when it returns (the loop device has no FUA, so a flush follows the write)',
    },
    uncommittedConversion(fs, false),
  ]),
  {
    name: 'xfs-sw-atomic-vs-atomic-crash',
    scenario: 'scenarios/xfs-sw-atomic-vs-atomic-merged.ts',
    fs: 'xfs',
    blocks: [{ written: 0 }, { written: 1 }],
    physBlocks: 6,
    tasks: [
      [open(true), write(1, 0, 2 * BS, 'ATOMIC')],
      [open(true), write(2, 0, 2 * BS, 'ATOMIC')],
    ],
    why: 'the tear program of the concurrent runs, through crash states',
  },
  uncommittedConversion('xfs', true),
];
