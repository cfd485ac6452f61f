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
import type { Op, Program, ProgramResult, RwfFlag } from './program.ts';

export interface GapContext {
  fs: FsKind;
  program: Program;
  op: Op;
  /** Whether the op's fd was opened with O_DIRECT. */
  direct: boolean;
  /** What the kernel answered to every op. */
  kernel: ProgramResult;
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

function isDirectFd(p: Program, fd: number): boolean {
  const o = p.ops.filter((x) => x.op === 'open')[fd];
  return o !== undefined && o.op === 'open' && o.direct;
}

/** Some op before index i goes through the page cache (a buffered write or read). */
function pageCacheBefore(c: GapContext): boolean {
  const i = c.disagreement.op;
  return c.program.ops.slice(0, i).some((o) => (o.op === 'pwritev2' || o.op === 'pread') && !isDirectFd(c.program, o.fd));
}

export const KNOWN_GAPS: KnownGap[] = [
  {
    id: 'G9-page-cache-state',
    summary: 'O_DIRECT pwritev2(RWF_NOWAIT) after buffered I/O on the same file: whether folios are still cached (a buffered read caches them; RWF_DONTCACHE drops them after writeback) decides EAGAIN from kiocb_invalidate_pages; the spec (part 1, no page cache yet) disagrees either way',
    matches: (c) => c.direct && has(c.op, 'NOWAIT') && pageCacheBefore(c) && (kernelSaid(c.disagreement, 'EAGAIN') || isCount(c.disagreement.kernel)) && specAllowsOnly(c.disagreement, (a) => a === 'EAGAIN' || isCount(a)),
  },
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
  {
    id: 'G6-dio-read-unaligned-hole',
    summary: 'O_DIRECT pread with an offset or length not a multiple of 512 over a hole: the kernel returns the zeros (iomap_dio_hole_iter has no alignment check); the spec returns EINVAL up front',
    matches: (c) => c.op.op === 'pread' && c.direct && /^ret \d+/.test(c.disagreement.kernel) && specAllowsOnly(c.disagreement, (a) => a === 'EINVAL'),
  },
  {
    id: 'G7-ext4-dio-nowait-overwrite-eagain',
    summary: 'ext4 O_DIRECT pwritev2(RWF_NOWAIT) over blocks the program wrote before: the kernel sometimes returns EAGAIN (ext4_dio_write_checks wants the exclusive lock: e.g. ext4_overwrite_io maps one extent only, so a range over two extents is not an overwrite); it depends on where earlier writes were allocated, and one program went both ways on reruns; the spec lets it succeed',
    matches: (c) =>
      c.fs === 'ext4' &&
      c.direct &&
      has(c.op, 'NOWAIT') &&
      kernelSaid(c.disagreement, 'EAGAIN') &&
      specAllowsOnly(c.disagreement, (a) => isCount(a) && c.op.op === 'pwritev2' && Number(a.slice(4)) === c.op.segs.reduce((x, y) => x + y, 0)),
  },
  {
    id: 'G8-einval-dio-write-landed',
    summary: 'an O_DIRECT pwritev2 that fails with EINVAL because a later iovec segment is not sector aligned has already submitted its first bios: over written blocks their data lands (a later read shows it); the spec writes nothing',
    matches: (c) => {
      if (c.op.op !== 'pread') return false;
      const o = c.op;
      return c.program.ops.slice(0, c.disagreement.op).some((w, j) => {
        const r = c.kernel.results[j];
        return w.op === 'pwritev2' && isDirectFd(c.program, w.fd) && r !== undefined && r.errno === 'EINVAL' && w.segs.length > 1 && w.off < o.off + o.len && w.off + w.segs.reduce((x, y) => x + y, 0) > o.off;
      });
    },
  },
];

/** The known gap a disagreement falls under, if any. */
export function knownGap(fs: FsKind, program: Program, d: Disagreement, kernel: ProgramResult): KnownGap | undefined {
  const op = program.ops[d.op];
  if (op === undefined) return undefined;
  let direct = false;
  if ('fd' in op) {
    const opens = program.ops.filter((o) => o.op === 'open');
    const o = opens[op.fd];
    direct = o !== undefined && o.op === 'open' && o.direct;
  }
  return KNOWN_GAPS.find((g) => g.matches({ fs, program, op, direct, kernel, disagreement: d }));
}
