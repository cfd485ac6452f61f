/**
 * The FUSE device and the userspace server behind it (fs/fuse/dev.c fuse_simple_request,
 * fuse_request_end; the server is not kernel code): requests wait in a queue until the
 * server answers them, in any order. The server answers a WRITE by storing the pages it
 * acknowledges, a READ with what it holds at that moment, an FSYNC by making what it holds
 * durable. When the scenario allows, it fails a WRITE with EIO (maxIoErrors) or
 * acknowledges fewer bytes than asked (maxShortWrites, at a page boundary: a page the
 * reply covers only in part is a page the server did not take).
 *
 * Models Linux 6.18.
 */
import { recordWritebackFailure, task } from '../../ghost.ts';
import { folioAt, mappingSetError } from '../../mm/filemap.ts';
import { ZERO, initToken, type Token } from '../../token.ts';
import type { Settings, World } from '../../world.ts';
import type { FuseConn, FuseReply, FuseReq } from './types.ts';

export type FuseAnswer = { how: 'ok' } | { how: 'eio' } | { how: 'short'; size: number };

/** The server's initial contents: what each file's layout says the blocks hold. */
export function initFuseConn(s: Settings): FuseConn | null {
  if (s.fs.kind !== 'fuse') return null;
  const server = s.files.map((f, ino) => f.blocks.map((b, blk): Token => (b !== 'hole' && 'written' in b ? initToken(ino, blk) : ZERO)));
  return { pageSize: s.fs.blockSize, server, durable: server.map((x) => [...x]), reqs: [], nextUnique: 1, shortWrites: 0, locked: [] };
}

export function fuseConn(w: World): FuseConn {
  if (w.fuse === null) throw new Error('not a FUSE world');
  return w.fuse;
}

/** fuse_simple_request / fuse_send_writepage: queue a request; returns its unique id. */
export function queueRequest(w: World, r: Omit<FuseReq, 'unique'>): number {
  const fc = fuseConn(w);
  const unique = fc.nextUnique++;
  fc.reqs.push({ ...r, unique });
  return unique;
}

/** The answers the server may give to request `r` now. */
export function answers(w: World, s: Settings, r: FuseReq): FuseAnswer[] {
  const out: FuseAnswer[] = [{ how: 'ok' }];
  if (r.op !== 'WRITE') return out;
  if (w.ioErrors < s.maxIoErrors) out.push({ how: 'eio' });
  // fuse_writepage_end does not look at the size a writeback WRITE acknowledged.
  if (!r.writeback && fuseConn(w).shortWrites < (s.maxShortWrites ?? 0)) {
    const bs = s.fs.blockSize;
    const sizes = new Set<number>([0]);
    for (let k = 1; k < r.data.length; k++) sizes.add((r.blk + k) * bs - r.pos);
    for (const size of [...sizes].filter((x) => x < r.count).sort((a, b) => a - b)) out.push({ how: 'short', size });
  }
  return out;
}

export function describeAnswer(w: World, r: FuseReq, a: FuseAnswer): string {
  const what = `${r.op} #${r.unique}${r.writeback ? ' (writeback)' : ''} file ${r.ino}`;
  if (r.op === 'READ') return `answer ${what} page ${r.blk}: ${fuseConn(w).server[r.ino]?.[r.blk] ?? '?'}`;
  if (r.op === 'FSYNC') return `answer ${what}: contents made durable`;
  if (r.op === 'FLUSH') return `answer ${what}: 0`;
  const pages = sentData(w, r).map((t, i) => `${r.blk + i} ← ${t}`).join(', ');
  if (a.how === 'ok') return `answer ${what} (${pages}): ${r.count} bytes written`;
  if (a.how === 'eio') return `fail ${what} (${pages}): -EIO`;
  return `answer ${what} (${pages}): short, ${a.size} of ${r.count} bytes written`;
}

/** What a WRITE hands the server when it answers: the pages' contents now, or its copy. */
export function sentData(w: World, r: FuseReq): Token[] {
  return r.pageRefs ? r.data.map((t, i) => folioAt(w, r.ino, r.blk + i)?.t ?? t) : r.data;
}

/** The server's answer, delivered: its effect on the server, then fuse_request_end. */
export function answerRequest(w: World, unique: number, a: FuseAnswer): void {
  const fc = fuseConn(w);
  const r = fc.reqs.find((x) => x.unique === unique);
  if (r === undefined) throw new Error(`no FUSE request #${unique}`);
  fc.reqs = fc.reqs.filter((x) => x.unique !== unique);
  const srv = fc.server[r.ino];
  if (srv === undefined) throw new Error(`no file ${r.ino} at the server`);
  const reply: FuseReply = { err: null, size: 0, data: [] };
  const sent = sentData(w, r);
  if (r.op === 'READ') reply.data = Array.from({ length: r.data.length }, (_, i) => srv[r.blk + i] ?? ZERO);
  if (r.op === 'FSYNC') fc.durable[r.ino] = [...srv];
  if (r.op === 'WRITE') {
    if (a.how === 'eio') {
      w.ioErrors++;
      reply.err = 'EIO';
    } else {
      const size = a.how === 'short' ? a.size : r.count;
      if (a.how === 'short') fc.shortWrites++;
      reply.size = size;
      // The pages whose part of the request the reply covers whole.
      sent.forEach((t, i) => {
        const pageEnd = Math.min((r.blk + i + 1) * fc.pageSize, r.pos + r.count);
        if (pageEnd - r.pos <= size) {
          srv[r.blk + i] = t;
          // fuse_write_flags: a direct WRITE of an O_(D)SYNC write asks the server for durability.
          const dur = fc.durable[r.ino];
          if (r.dsync === true && dur !== undefined) dur[r.blk + i] = t;
        }
      });
    }
  }
  if (r.writeback) fuseWritepageEnd(w, r, reply);
  else deliver(w, r.owner, unique, reply);
}

function deliver(w: World, owner: number, unique: number, reply: FuseReply): void {
  const c = task(w, owner).cur;
  if (c === null || !('unique' in c) || c.unique !== unique) throw new Error(`FUSE reply #${unique} but T${owner + 1} is not waiting for it`);
  c.reply = reply;
  c.wait = [];
}

/**
 * fuse_writepage_end: the error goes to the mapping (mapping_set_error, errseq), the
 * folio's writeback ends; the folio stays clean and uptodate whatever the server did.
 */
function fuseWritepageEnd(w: World, r: FuseReq, reply: FuseReply): void {
  if (reply.err !== null) {
    mappingSetError(w, r.ino, 'EIO');
    recordWritebackFailure(w, r.ino, r.unique, r.data.map((t, i) => ({ blk: r.blk + i, t })));
  }
  r.data.forEach((_, i) => {
    const f = folioAt(w, r.ino, r.blk + i);
    if (f !== null) f.writeback = false;
  });
}

/** Whether a writeback WRITE for page (ino, blk) is in flight (fuse_folio_is_writeback). */
export function writebackInFlight(w: World, ino: number, blk: number): boolean {
  return (w.fuse?.reqs ?? []).some((r) => r.writeback && r.ino === ino && blk >= r.blk && blk < r.blk + r.data.length);
}

/**
 * Whether reclaim must leave page (ino, blk): FUSE holds it locked, or a write-through
 * WRITE holds a reference to it from fuse_fill_write_pages to the folio_put after the
 * reply (__remove_mapping cannot freeze the reference count of a folio in use).
 */
export function fusePinned(w: World, ino: number, blk: number): boolean {
  if (w.fuse === null) return false;
  if (lockedBy(w, ino, blk) !== null) return true;
  return w.tasks.some((t) => t.cur?.sys === 'fuse-write' && t.cur.req.ino === ino && t.cur.pending !== null && blk >= t.cur.pending.blk && blk < t.cur.pending.blk + t.cur.pending.data.length);
}

export function lockedBy(w: World, ino: number, blk: number): number | null {
  return w.fuse?.locked.find((l) => l.ino === ino && l.blk === blk)?.task ?? null;
}
