/**
 * Data tokens: what a block, a folio or a read holds, named after the write that put it
 * there, so a torn or stale block is visible in a trace. Not a kernel structure.
 *
 * Models Linux 6.18.
 */
/**
 * What a block holds. A token names the write that put it there and the block within
 * that write, so a torn write is visible in a trace:
 *  - `zero`            zeroes (hole, unwritten extent, zeroed block)
 *  - `W1[0]`           block 0 of the write whose id is W1 (ids come from the program)
 *  - `f0.init[2]`      the content file 0 had at block 2 before the scenario started
 *  - `stale[p5]`       whatever a deleted file left in physical block 5 (must never be read)
 */
export type Token = string;

export const ZERO: Token = 'zero';
export const initToken = (ino: number, blk: number): Token => `f${ino}.init[${blk}]`;
export const staleToken = (pblk: number): Token => `stale[p${pblk}]`;
export const writeToken = (id: string, i: number): Token => `${id}[${i}]`;
/** The write id of a token made by `writeToken` or `initToken` (`f0.init`), else null. */
export function tokenWriter(t: Token): string | null {
  const m = /^(.*)\[(\d+)\]$/.exec(t);
  if (m === null || t.startsWith('stale[')) return null;
  return m[1] ?? null;
}
