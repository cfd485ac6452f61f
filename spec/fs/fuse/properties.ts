/**
 * The properties of seed 004 (FUSE): cache-coherence, monotonic-reads, write-order. Each
 * returns null when it holds, or what broke. They hold trivially on xfs/ext4 worlds
 * (no server). Models Linux 6.18.
 */
import { tokenWriter, writeToken, type Token } from '../../token.ts';
import type { GhostWrite } from '../../ghost.ts';
import type { Settings, World } from '../../world.ts';
import { sentData } from './dev.ts';

/**
 * A page that is uptodate and not dirty holds what the server holds, or what a WRITE in
 * flight is sending. A write(2) WRITE is in flight from the copy into its pages
 * (fuse_fill_write_pages) until its writer has handled the reply, and sends the pages
 * themselves; a writeback WRITE sends its copy.
 */
export function cacheCoherence(w: World, _s: Settings): string | null {
  const fc = w.fuse;
  if (fc === null || w.crashed) return null;
  for (const [ino, pc] of w.pageCache.entries()) {
    for (const [blk, f] of pc.entries()) {
      if (f === null || !f.uptodate || f.dirty) continue;
      const server = fc.server[ino]?.[blk];
      if (f.t === server) continue;
      const sending = fc.reqs.some((r) => r.op === 'WRITE' && r.ino === ino && sentData(w, r)[blk - r.blk] === f.t);
      // A write(2) WRITE carries the page itself, from the copy until the reply is handled.
      const building = w.tasks.some((t) => t.cur?.sys === 'fuse-write' && t.cur.req.ino === ino && t.cur.pending !== null && t.cur.pending.data[blk - t.cur.pending.blk] !== undefined);
      if (sending || building) continue;
      return `page ${ino}:${blk} is uptodate and clean with ${f.t}, but the server holds ${server ?? '?'} and no WRITE in flight carries ${f.t}`;
    }
  }
  return null;
}

function writerOf(w: World, t: Token): GhostWrite | null {
  const id = tokenWriter(t);
  return id === null ? null : (w.ghost.writes.find((g) => g.id === id) ?? null);
}

/** Whether token a is older data than token b (a write that ended before the other began, or the initial contents). */
function older(w: World, a: Token, b: Token): boolean {
  const B = writerOf(w, b);
  if (B === null) return false;
  const A = writerOf(w, a);
  return A === null || (A.end !== null && A.end < B.start);
}

/**
 * Once a read returned a write's data, a later read of the same range, with no write (or
 * power loss) in between, never returns older data. "In between" is after the first read
 * returned: a failed write that was in progress during the first read does not excuse
 * the second read (the window the thread admits).
 */
export function monotonicReads(w: World, _s: Settings): string | null {
  if (w.fuse === null) return null;
  const reads = w.tasks.flatMap((t, ti) =>
    t.results.flatMap((r, k) => (r.op === 'pread' && typeof r.ret === 'number' && r.data.length > 0 ? [{ who: `T${ti + 1}'s read #${k + 1}`, r }] : [])),
  );
  for (const a of reads) {
    for (const b of reads) {
      if (a.r.file !== b.r.file || a.r.end > b.r.start) continue;
      for (let i = 0; i < b.r.data.length; i++) {
        const blk = b.r.firstBlock + i;
        const t1 = a.r.data[blk - a.r.firstBlock];
        const t2 = b.r.data[i];
        if (t1 === undefined || t2 === undefined || t1 === t2 || !older(w, t2, t1)) continue;
        const between = w.ghost.writes.some((g) => g.ino === a.r.file && blk >= g.blk && blk < g.blk + g.nblk && g.start > a.r.end && g.start < b.r.start);
        if (between) continue;
        return `${a.who} of file ${a.r.file} block ${blk} returned ${t1}, then ${b.who} returned older ${t2} with no write in between`;
      }
    }
  }
  return null;
}

/** The byte count a write asked for (from the programs), to tell a short write. */
function countOf(s: Settings, id: string): number | null {
  for (const p of s.programs) {
    for (const c of p) {
      if (c.op === 'pwritev2' && c.id === id) return c.iov.reduce((x, y) => x + y, 0);
      if (c.op === 'mmap-store' && c.id === id) return s.fs.blockSize;
    }
  }
  return null;
}

/**
 * When every task has finished and every request has been answered, the server holds, for
 * each page, the data of the write(2) or store that completed last (or of one of several
 * that overlapped in time). Pages still dirty, and pages a failed or short write touched,
 * are not judged: write-order is about order, the other properties about failures.
 */
export function writeOrder(w: World, s: Settings): string | null {
  const fc = w.fuse;
  if (fc === null || w.crashed || fc.reqs.length > 0) return null;
  if (!w.tasks.every((t, ti) => t.cur === null && t.pc >= (s.programs[ti]?.length ?? 0))) return null;
  for (const [ino, srv] of fc.server.entries()) {
    for (const [blk, held] of srv.entries()) {
      if (w.pageCache[ino]?.[blk]?.dirty === true) continue;
      const ws = w.ghost.writes.filter((g) => g.ino === ino && blk >= g.blk && blk < g.blk + g.nblk && g.end !== null);
      if (ws.length === 0) continue;
      if (ws.some((g) => typeof g.ret !== 'number' || g.ret !== countOf(s, g.id))) continue;
      if (w.ghost.lost.some((l) => l.ino === ino && l.blk === blk)) continue;
      const latest = ws.filter((g) => !ws.some((h) => h.start > (g.end ?? 0)));
      const allowed = latest.map((g) => writeToken(g.id, blk - g.blk));
      if (!allowed.includes(held)) return `every request answered, but the server holds ${held} for page ${ino}:${blk}; the write that completed last wrote ${allowed.join(' or ')}`;
    }
  }
  return null;
}
