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
 *
 * Data finer than a block: a block whose bytes do not all hold the same plain token is a
 * *mixed* token, the canonical run-length encoding `{0:W1[0] 512:zero}` — runs of equal
 * plain tokens, each written as the byte offset in the block where it starts, in order,
 * the first at 0, no two neighbours equal, at least two runs (a block of one run is the
 * plain token itself, so a state with no sub-block data is exactly what it was before
 * mixed tokens existed). The unit is the byte: a buffered write may start and end
 * anywhere, and runs keep the state as small as sectors would. A plain token never
 * contains `{`, `}`, ` ` or `:`-after-digits at its start (write ids are the program's names).
 */
export type Token = string;

export const ZERO: Token = 'zero';
export const initToken = (ino: number, blk: number): Token => `f${ino}.init[${blk}]`;
export const staleToken = (pblk: number): Token => `stale[p${pblk}]`;
export const writeToken = (id: string, i: number): Token => `${id}[${i}]`;

/**
 * The bytes of a block that a read did not return (a read that starts or ends inside the
 * block, or stops at EOF): `{0:W1[0] 512:-}` is a read of the block's first 512 bytes.
 * Only in read results; properties judge the bytes read, never these.
 */
export const UNREAD: Token = '-';

/** The block `t` as a read of its bytes [from, to) returns it: the rest is UNREAD. */
export function readSlice(t: Token, from: number, to: number, bs: number): Token {
  if (from <= 0 && to >= bs) return t;
  return overlay(UNREAD, t, from, to, bs);
}

/** The write id of a plain token made by `writeToken` or `initToken` (`f0.init`), else null (zero, stale, mixed). */
export function tokenWriter(t: Token): string | null {
  const m = /^(.*)\[(\d+)\]$/.exec(t);
  if (m === null || t.startsWith('stale[') || isMixed(t)) return null;
  return m[1] ?? null;
}

/** Bytes [from, to) of a block hold the plain token `t`. */
export interface Run {
  from: number;
  to: number;
  t: Token;
}

/** Whether `t` is a mixed (run-length encoded) token rather than a plain one. */
export const isMixed = (t: Token): boolean => t.startsWith('{');

/** The runs of a block of `bs` bytes holding `t`, in order, covering [0, bs). */
export function tokenRuns(t: Token, bs: number): Run[] {
  if (!isMixed(t)) return [{ from: 0, to: bs, t }];
  if (!t.endsWith('}')) throw new Error(`malformed mixed token ${t}`);
  const parts = t.slice(1, -1).split(' ');
  const starts = parts.map((p) => {
    const m = /^(\d+):(.+)$/.exec(p);
    if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`malformed run "${p}" in token ${t}`);
    return { from: Number(m[1]), t: m[2] };
  });
  return starts.map((r, i) => {
    const to = starts[i + 1]?.from ?? bs;
    if (to <= r.from || to > bs) throw new Error(`run at ${r.from} of token ${t} does not fit a ${bs}-byte block`);
    return { from: r.from, to, t: r.t };
  });
}

/**
 * The canonical token of runs covering [0, bs) in order (mixed tokens inside runs are
 * flattened): neighbours with the same token merge; a single run is its plain token.
 */
export function runsToken(runs: readonly Run[], bs: number): Token {
  const flat: Run[] = [];
  let at = 0;
  for (const r of runs) {
    if (r.from !== at || r.to <= r.from) throw new Error(`runs must cover the block in order: run [${r.from}, ${r.to}) after ${at}`);
    at = r.to;
    const inner = isMixed(r.t) ? sliceToken(r.t, r.from, r.to, bs) : [r];
    for (const x of inner) {
      const last = flat[flat.length - 1];
      if (last !== undefined && last.t === x.t) last.to = x.to;
      else flat.push({ ...x });
    }
  }
  if (at !== bs) throw new Error(`runs cover [0, ${at}) of a ${bs}-byte block`);
  if (flat.length === 1 && flat[0] !== undefined) return flat[0].t;
  return `{${flat.map((r) => `${r.from}:${r.t}`).join(' ')}}`;
}

/** The runs of `t` cut to bytes [from, to) of the block (block offsets kept). */
export function sliceToken(t: Token, from: number, to: number, bs: number): Run[] {
  return tokenRuns(t, bs)
    .filter((r) => r.from < to && r.to > from)
    .map((r) => ({ from: Math.max(r.from, from), to: Math.min(r.to, to), t: r.t }));
}

/** The block `base` with bytes [from, to) replaced by the same bytes of block `src` (plain or mixed). */
export function overlay(base: Token, src: Token, from: number, to: number, bs: number): Token {
  const lo = Math.max(0, from);
  const hi = Math.min(bs, to);
  if (hi <= lo) return runsToken(tokenRuns(base, bs), bs);
  return runsToken([...sliceToken(base, 0, lo, bs), ...sliceToken(src, lo, hi, bs), ...sliceToken(base, hi, bs, bs)], bs);
}

/** The plain token byte `off` of the block holds. */
export function tokenAtByte(t: Token, off: number, bs: number): Token {
  const r = tokenRuns(t, bs).find((x) => x.from <= off && off < x.to);
  if (r === undefined) throw new Error(`byte ${off} outside a ${bs}-byte block`);
  return r.t;
}

/** The distinct plain tokens a block holds, in byte order (`[t]` for a plain token). */
export function tokenParts(t: Token): Token[] {
  if (!isMixed(t)) return [t];
  const out: Token[] = [];
  for (const p of t.slice(1, -1).split(' ')) {
    const x = p.slice(p.indexOf(':') + 1);
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

/** The writes (ids, `f0.init` for initial content) whose data a block holds in any byte. */
export function tokenWriters(t: Token): string[] {
  return [...new Set(tokenParts(t).map(tokenWriter).filter((x): x is string => x !== null))];
}

/** Whether any byte of the block holds `part` (a plain token). */
export const tokenHas = (t: Token, part: Token): boolean => tokenParts(t).includes(part);
