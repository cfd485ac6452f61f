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
