/**
 * Known gaps: disagreements between the kernel and the spec that are understood and
 * written down in proofs-notes/conformance.md (each with its minimal program), waiting for
 * a spec fix. A gap is recognised by describing the disagreement (which syscall, with what
 * flags on what kind of fd, what the kernel answered, what the spec allowed), never by
 * re-deciding what Linux should answer. The bounded test passes when every disagreement is
 * a known gap, and prints how many of each it saw.
 */
import type { FsKind } from './harness.ts';
import type { Disagreement } from './oracle.ts';
import type { Op, Program, RwfFlag } from './program.ts';

export interface GapContext {
  fs: FsKind;
  program: Program;
  op: Op;
  /** Whether the op's fd was opened with O_DIRECT. */
  direct: boolean;
  disagreement: Disagreement;
}

export interface KnownGap {
  id: string;
  /** One line: what differs. The notes have the minimal program and the kernel code. */
  summary: string;
  matches(c: GapContext): boolean;
}

const has = (op: Op, f: RwfFlag): boolean => op.op === 'pwritev2' && op.flags.includes(f);
const kernelSaid = (d: Disagreement, what: string): boolean => d.kernel === what || d.kernel.startsWith(`${what} `);
const specAllowsOnly = (d: Disagreement, pred: (a: string) => boolean): boolean => d.allowed.length > 0 && d.allowed.every(pred);
const isCount = (a: string): boolean => /^ret \d+$/.test(a);

export const KNOWN_GAPS: KnownGap[] = [
  {
    id: 'G1-buffered-nowait',
    summary: 'buffered pwritev2(RWF_NOWAIT) that must allocate (XFS delalloc) or instantiate folios: the kernel returns EAGAIN or a short count; the spec lets it succeed in full',
    matches: (c) => c.fs === 'xfs' && !c.direct && has(c.op, 'NOWAIT') && specAllowsOnly(c.disagreement, isCount) && (kernelSaid(c.disagreement, 'EAGAIN') || /^ret \d+$/.test(c.disagreement.kernel)),
  },
  {
    id: 'G2-dio-nowait-before-alignment',
    summary: 'O_DIRECT pwritev2(RWF_NOWAIT) that must allocate, with an unaligned iovec segment (XFS, ext4) or unaligned offset/length (ext4): the kernel returns EAGAIN (the NOWAIT check comes first); the spec returns EINVAL',
    matches: (c) => c.direct && has(c.op, 'NOWAIT') && kernelSaid(c.disagreement, 'EAGAIN') && specAllowsOnly(c.disagreement, (a) => a === 'EINVAL'),
  },
  {
    id: 'G3-ext4-dio-nowait-subblock-overwrite',
    summary: 'ext4 O_DIRECT pwritev2(RWF_NOWAIT) of a sub-block range inside an already written block: the kernel does the write; the spec returns EAGAIN',
    matches: (c) => c.fs === 'ext4' && c.direct && has(c.op, 'NOWAIT') && /^ret \d+$/.test(c.disagreement.kernel) && specAllowsOnly(c.disagreement, (a) => a === 'EAGAIN'),
  },
  {
    id: 'G4-dio-nowait-partial',
    summary: 'O_DIRECT pwritev2(RWF_NOWAIT) whose range starts over allocated blocks and then needs allocation: the kernel fails the whole write with EAGAIN; the spec returns a short count (the blocks mapped before the allocation)',
    matches: (c) =>
      c.direct &&
      has(c.op, 'NOWAIT') &&
      kernelSaid(c.disagreement, 'EAGAIN') &&
      specAllowsOnly(c.disagreement, (a) => isCount(a) && c.op.op === 'pwritev2' && Number(a.slice(4)) < c.op.segs.reduce((x, y) => x + y, 0)),
  },
  {
    id: 'G5-xfs-dio-nowait-spurious-eagain',
    summary: 'XFS O_DIRECT pwritev2(RWF_NOWAIT) overwrite of blocks the program wrote just before: the kernel sometimes (not deterministically: the same program succeeds on a rerun) returns EAGAIN; the spec only allows the full write',
    matches: (c) =>
      c.fs === 'xfs' &&
      c.direct &&
      has(c.op, 'NOWAIT') &&
      kernelSaid(c.disagreement, 'EAGAIN') &&
      specAllowsOnly(c.disagreement, (a) => isCount(a) && c.op.op === 'pwritev2' && Number(a.slice(4)) === c.op.segs.reduce((x, y) => x + y, 0)),
  },
];

/** The known gap a disagreement falls under, if any. */
export function knownGap(fs: FsKind, program: Program, d: Disagreement): KnownGap | undefined {
  const op = program.ops[d.op];
  if (op === undefined) return undefined;
  let direct = false;
  if ('fd' in op) {
    const opens = program.ops.filter((o) => o.op === 'open');
    const o = opens[op.fd];
    direct = o !== undefined && o.op === 'open' && o.direct;
  }
  return KNOWN_GAPS.find((g) => g.matches({ fs, program, op, direct, disagreement: d }));
}
