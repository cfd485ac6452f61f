/**
 * Known FUSE gaps: disagreements between Linux and the spec's FUSE personality that are
 * understood and written down (proofs-notes/fuse-writeback.md, "What 6.18 does"), each
 * recognised by exactly the case it documents: the mode, the op, what is compared, the
 * kernel's value and the spec's, and the condition in the program that explains it.
 *
 * All of today's gaps are one model choice: the spec's O_DIRECT open stands for a file
 * the server opened with FOPEN_DIRECT_IO (fuse_direct_read_iter / fuse_direct_write_iter).
 * An O_DIRECT open of a file without FOPEN_DIRECT_IO goes through fuse_cache_read_iter /
 * fuse_cache_write_iter instead (generic_file_read_iter → fuse_direct_IO,
 * generic_file_direct_write → fuse_direct_IO, then direct_write_fallback and
 * generic_write_sync), and differs in three visible ways.
 */
import type { FuseDisagreement } from './oracle.ts';
import type { FuseProgram, FuseRun } from './program.ts';

export interface FuseGapContext {
  program: FuseProgram;
  kernel: FuseRun;
  disagreement: FuseDisagreement;
}

export interface FuseKnownGap {
  id: string;
  summary: string;
  matches(c: FuseGapContext): boolean;
}

/** The program's file is opened O_DIRECT without FOPEN_DIRECT_IO. */
const odirect = (p: FuseProgram): boolean => {
  const o = p.ops[0];
  return o !== undefined && o.op === 'open' && o.odirect === true && o.dio !== true;
};

const opAt = (c: FuseGapContext) => c.program.ops[c.disagreement.op];

export const FUSE_KNOWN_GAPS: readonly FuseKnownGap[] = [
  {
    id: 'F1-odirect-read-at-isize',
    summary:
      'O_DIRECT read at or past i_size of a file without FOPEN_DIRECT_IO: fuse_direct_IO returns 0 before sending a READ (offset >= i_size); the spec sends the READ as fuse_direct_read_iter does on a FOPEN_DIRECT_IO file',
    matches: (c) => {
      const o = opAt(c);
      const k = c.kernel.results[c.disagreement.op];
      return (
        odirect(c.program) &&
        o?.op === 'pread' &&
        c.disagreement.what === 'requests' &&
        c.disagreement.kernel === '(none)' &&
        k?.errno === null &&
        k.ret === 0 &&
        c.disagreement.allowed.length > 0 &&
        c.disagreement.allowed.every((a) => /^READ \d+(; READ \d+)*$/.test(a))
      );
    },
  },
  {
    id: 'F2-odirect-dsync-fsync',
    summary:
      'RWF_DSYNC write on an O_DIRECT fd of a file without FOPEN_DIRECT_IO: fuse_cache_write_iter ends with generic_write_sync, so an FSYNC follows the WRITE; the spec (the FOPEN_DIRECT_IO path) sends none and leaves durability to the server',
    matches: (c) => {
      const o = opAt(c);
      return (
        odirect(c.program) &&
        o?.op === 'pwrite' &&
        o.dsync === true &&
        c.disagreement.what === 'requests' &&
        c.disagreement.allowed.some((a) => c.disagreement.kernel === `${a}; FSYNC`)
      );
    },
  },
  {
    id: 'F3-odirect-short-write-fallback',
    summary:
      'O_DIRECT write of a file without FOPEN_DIRECT_IO acknowledged short: direct_write_fallback writes the rest through fuse_perform_write (more WRITEs) and the write returns more than the short reply; the spec (the FOPEN_DIRECT_IO path) returns the acknowledged count',
    matches: (c) => {
      const o = opAt(c);
      if (!odirect(c.program) || o?.op !== 'pwrite' || c.disagreement.what !== 'result') return false;
      const writes = c.kernel.log.filter((r) => r.mark === c.disagreement.op && r.opcode === 'WRITE');
      const first = writes[0];
      const kret = /^ret (\d+)$/.exec(c.disagreement.kernel);
      return (
        first !== undefined &&
        first.res >= 0 &&
        first.res < first.size &&
        writes.length > 1 &&
        kret !== null &&
        c.disagreement.allowed.every((a) => {
          const m = /^ret (\d+)$/.exec(a);
          return m !== null && Number(m[1]) === first.res && Number(kret[1]) > first.res;
        })
      );
    },
  },
];

export function fuseKnownGap(c: FuseGapContext): FuseKnownGap | undefined {
  return FUSE_KNOWN_GAPS.find((g) => g.matches(c));
}
