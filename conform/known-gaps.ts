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
    id: 'G1-xfs-buffered-nowait',
    summary: 'XFS buffered pwritev2(RWF_NOWAIT): where the kernel stops (EAGAIN, a short count, or the whole write) depends on page-cache and delalloc state the spec approximates; the two disagree on how far the write gets',
    matches: (c) =>
      c.fs === 'xfs' &&
      !c.direct &&
      has(c.op, 'NOWAIT') &&
      (kernelSaid(c.disagreement, 'EAGAIN') || isCount(c.disagreement.kernel)) &&
      specAllowsOnly(c.disagreement, (a) => a === 'EAGAIN' || isCount(a)),
  },
  {
    id: 'G2-xfs-dio-nowait-before-segment-alignment',
    summary: 'XFS O_DIRECT pwritev2(RWF_NOWAIT) that must allocate, with an iovec segment whose length is not a multiple of 512: the kernel returns EAGAIN (the NOWAIT allocation check in ->iomap_begin comes before the per-bio alignment check); the spec returns EINVAL',
    matches: (c) => c.fs === 'xfs' && c.direct && has(c.op, 'NOWAIT') && kernelSaid(c.disagreement, 'EAGAIN') && specAllowsOnly(c.disagreement, (a) => a === 'EINVAL'),
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
