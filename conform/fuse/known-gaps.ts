/**
 * Known FUSE gaps: disagreements between Linux and the spec's FUSE personality that are
 * understood and written down (proofs-notes/fuse-writeback.md, "What 6.18 does"), each
 * recognised by exactly the case it documents: the mode, the op, what is compared, the
 * kernel's value and the spec's, and the condition in the program that explains it.
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

export const FUSE_KNOWN_GAPS: readonly FuseKnownGap[] = [];

export function fuseKnownGap(c: FuseGapContext): FuseKnownGap | undefined {
  return FUSE_KNOWN_GAPS.find((g) => g.matches(c));
}
