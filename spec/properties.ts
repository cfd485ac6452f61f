/**
 * Named properties. Each `check` returns null when the property holds in a state, or a
 * message saying what broke and where (which write, which blocks, which tokens); the
 * model's `explain` is that message.
 *
 * Observations the properties judge: every completed pread (its tokens and when it ran),
 * the file contents after a power loss (recovered metadata + media), and the file contents
 * once every task has finished (a final read that cannot race anything).
 *
 * Models Linux 6.18.
 */
import { describeExtents } from './fs/allocator.ts';
import { describeErrseq } from './lib/errseq.ts';
import { cacheCoherence, monotonicReads, writeOrder } from './fs/fuse/properties.ts';
import { initialContent, fileContent } from './world.ts';
import { ghostBytesIn, ghostSucceeded, ghostToken } from './ghost.ts';
import { programOf } from './vfs/syscalls.ts';
import { orphansFreed, recoveredReads, renameNeitherReachable, renameOldOrNew } from './fs/recovery-properties.ts';
import { sliceToken, tokenHas, tokenParts, tokenRuns, tokenWriter, UNREAD, writeToken, ZERO, type Run, type GhostWrite, type PropertyName, type Settings, type Token, type World } from './types.ts';

interface Observation {
  what: string;
  ino: number;
  firstBlock: number;
  data: Token[];
}

/**
 * The last world's observations, with the settings they were made under: the search checks a
 * state's invariants one after the other, and three of them judge its observations (issue 10p).
 * Only a frozen world: one changed in place could hold other observations under its identity.
 */
let observed: { w: World; s: Settings; obs: Observation[] } | null = null;

function observations(w: World, s: Settings): Observation[] {
  if (observed !== null && observed.w === w && observed.s === s) return observed.obs;
  const obs = observe(w, s);
  observed = Object.isFrozen(w) ? { w, s, obs } : null;
  return obs;
}

function observe(w: World, s: Settings): Observation[] {
  const out: Observation[] = [];
  // Index loops, no closure per task and result: this runs on every state (issue 10q).
  for (let ti = 0; ti < w.tasks.length; ti++) {
    const results = w.tasks[ti]!.results;
    for (let k = 0; k < results.length; k++) {
      const r = results[k]!;
      if ((r.op === 'pread' || r.op === 'mmap-load') && typeof r.ret === 'number' && r.data.length > 0) {
        out.push({ what: `T${ti + 1}'s ${r.op === 'pread' ? 'read' : 'load through mmap'} #${k + 1}`, ino: r.file, firstBlock: r.firstBlock, data: r.data });
      }
    }
  }
  // On ext4 the final read waits for writeback in flight too: without dioread_nolock an
  // extent is written before its bio completes, and a real reader would see the page cache
  // (a direct read would wait for the writeback), not the media under the bio.
  const wbIdle = s.fs.kind !== 'ext4' || (w.ioends.length === 0 && w.folioEnds.length === 0);
  const quiescent = wbIdle && w.tasks.every((t, ti) => t.cur === null && t.pc >= programOf(w, s, ti).length);
  if (w.crashed || quiescent) {
    w.inodes.forEach((_, ino) => out.push({ what: w.crashed ? `file ${ino} after power loss` : `file ${ino} after all tasks finished`, ino, firstBlock: 0, data: fileContent(w, ino) }));
  }
  // Life after a power loss: the recovered file system as recovery left it.
  w.recovered?.files.forEach((data, ino) => out.push({ what: `file ${ino} after power loss and recovery`, ino, firstBlock: 0, data }));
  return out;
}

const covers = (g: GhostWrite, ino: number, b: number) => g.ino === ino && b >= g.blk && b < g.blk + g.nblk;

/** A truncate, punch or zero range of (ino, b) that ran after clock `since` (or is running): it explains zeroes there. */
function zeroerOf(w: World, ino: number, b: number, since: number): GhostWrite | null {
  return w.ghost.writes.find((g) => g.zeroes === true && covers(g, ino, b) && (g.end === null || g.end > since)) ?? null;
}

function writerOf(w: World, t: Token): GhostWrite | null {
  const id = tokenWriter(t);
  return id === null ? null : (w.ghost.writes.find((g) => g.id === id) ?? null);
}

/** The block b of an observation, or undefined outside it. */
const tokenAt = (o: Observation, b: number): Token | undefined => o.data[b - o.firstBlock];

/** The runs of block `b` of observation `o` within bytes [from, to) that the observation read (sub-block data). */
function runsIn(o: Observation, b: number, from: number, to: number, bs: number): Run[] {
  const t = tokenAt(o, b);
  return t === undefined ? [] : sliceToken(t, from, to, bs).filter((r) => r.t !== UNREAD);
}

/** Whether write g put data in bytes [from, to) of file block b (its byte range, for a write smaller than its blocks). */
function coversBytes(g: GhostWrite, ino: number, b: number, from: number, to: number, bs: number): boolean {
  if (!covers(g, ino, b)) return false;
  const r = ghostBytesIn(g, b, bs);
  return r.from < to && r.to > from;
}

/**
 * Whether write W is torn in observation o: some blocks of W's range carry W's data and
 * some carry data no later-or-concurrent write explains. A concurrent atomic write only
 * explains blocks if it is itself whole over the shared range.
 */
function tornBlocks(w: World, W: GhostWrite, o: Observation, bs: number): { mine: number[]; foreign: Array<[number, Token]> } | null {
  if (o.ino !== W.ino) return null;
  const mine: number[] = [];
  const foreign: Array<[number, Token]> = [];
  for (let b = W.blk; b < W.blk + W.nblk; b++) {
    // Only the bytes W wrote, and only those the observation read, are judged; a block is
    // both "mine" and "foreign" when the tear is inside it.
    const span = ghostBytesIn(W, b, bs);
    for (const r of runsIn(o, b, span.from, span.to, bs)) {
      if (r.t === writeToken(W.id, b - W.blk)) {
        if (!mine.includes(b)) mine.push(b);
        continue;
      }
      const X = r.t === ZERO ? zeroerOf(w, o.ino, b, W.start) : writerOf(w, r.t);
      const explained =
        X !== null &&
        X.id !== W.id &&
        coversBytes(X, o.ino, b, r.from, r.to, bs) &&
        (X.end === null || X.end > W.start) &&
        (!X.atomic || wholeOver(X, W, o, bs));
      if (!explained && !foreign.some(([fb]) => fb === b)) foreign.push([b, tokenAt(o, b) ?? r.t]);
    }
  }
  return mine.length > 0 && foreign.length > 0 ? { mine, foreign } : null;
}

function wholeOver(X: GhostWrite, W: GhostWrite, o: Observation, bs: number): boolean {
  for (let b = Math.max(X.blk, W.blk); b < Math.min(X.blk + X.nblk, W.blk + W.nblk); b++) {
    const x = ghostBytesIn(X, b, bs);
    const y = ghostBytesIn(W, b, bs);
    if (runsIn(o, b, Math.max(x.from, y.from), Math.min(x.to, y.to), bs).some((r) => r.t !== writeToken(X.id, b - X.blk))) return false;
  }
  return true;
}

function describeTear(w: World, W: GhostWrite, o: Observation, tear: { mine: number[]; foreign: Array<[number, Token]> }): string {
  const extents = describeExtents(w.inodes[W.ino]?.map ?? []);
  return `${W.atomic ? 'RWF_ATOMIC ' : ''}write ${W.id} (T${W.task + 1}, file ${W.ino} blocks ${W.blk}-${W.blk + W.nblk - 1}) is torn in ${o.what}: blocks ${tear.mine.join(',')} hold its data but ${tear.foreign
    .map(([b, t]) => `block ${b} holds ${t}`)
    .join(', ')} {${o.data.join(',')}}; extents now: ${extents}`;
}

// The invariants every state is checked against, as index loops: in a fresh process they run
// interpreted for thousands of states, where each `for...of` goes through the iterator protocol
// (issue 10u).
function atomicUntorn(w: World, s: Settings): string | null {
  const obs = observations(w, s);
  const writes = w.ghost.writes;
  for (let k = 0; k < obs.length; k++) {
    const o = obs[k]!;
    for (let j = 0; j < writes.length; j++) {
      const W = writes[j]!;
      if (!W.atomic || W.nblk < 2) continue;
      const tear = tornBlocks(w, W, o, s.fs.blockSize);
      if (tear !== null) return describeTear(w, W, o, tear);
    }
  }
  return null;
}

function tornReachable(w: World, s: Settings): string | null {
  if (!w.crashed) return 'no power loss yet';
  for (const o of observations(w, s)) {
    for (const W of w.ghost.writes) {
      if (W.atomic || W.nblk < 2) continue;
      if (tornBlocks(w, W, o, s.fs.blockSize) !== null) return null;
    }
  }
  return 'no non-atomic write is torn here';
}

/**
 * Witness: after a power loss, a buffered RWF_ATOMIC write that returned success (without
 * RWF_SYNC) has none of its data on disk — the old data survived whole.
 */
function atomicOldDataMaySurvive(w: World): string | null {
  if (!w.crashed) return 'no power loss yet';
  for (const W of w.ghost.writes) {
    if (W.path !== 'buffered-rfc' || typeof W.ret !== 'number' || W.ret <= 0) continue;
    const data = fileContent(w, W.ino);
    if (Array.from({ length: W.nblk }, (_, i) => data[W.blk + i]).every((t, i) => t === undefined || !tokenHas(t, writeToken(W.id, i)))) return null;
  }
  return 'no successful buffered atomic write lost whole here';
}

function atomicOneRequest(w: World, s: Settings): string | null {
  const bs = s.fs.blockSize;
  const d = s.device;
  const writes = w.ghost.writes;
  for (let j = 0; j < writes.length; j++) {
    const W = writes[j]!;
    if (!W.atomic) continue;
    const message = atomicRequestProblem(W, bs, d);
    if (message !== null) return `RWF_ATOMIC write ${W.id} (T${W.task + 1}, ${W.nblk * bs} bytes)${message}`;
  }
  return null;
}

/**
 * What is wrong with how atomic write `W` reached the device, as the rest of a sentence naming
 * it, or null. The name is built only for a message: this runs on every state (issue 10q).
 */
function atomicRequestProblem(W: GhostWrite, bs: number, d: Settings['device']): string | null {
  if (W.path === 'buffered-fallback') return ` fell back to buffered I/O: it reaches the device as per-folio writeback requests`;
  if (W.path === 'sw-cow' || W.bios.length === 0) return null;
  if (W.bios.length > 1) return ` reached the device as ${W.bios.length} requests: ${W.bios.map((b) => `${b.atomic ? 'REQ_ATOMIC ' : ''}p${b.p}+${b.n}`).join(', ')}`;
  const b = W.bios[0];
  if (b === undefined) return null;
  if (!b.atomic) return ` reached the device without REQ_ATOMIC (p${b.p}+${b.n})`;
  if (b.n !== W.nblk) return `: its REQ_ATOMIC request covers ${b.n} of ${W.nblk} blocks`;
  const bytes = b.n * bs;
  if (bytes > d.atomicUnitMax || bytes < d.atomicUnitMin) return `: ${bytes} bytes outside atomic_write_unit_min/max ${d.atomicUnitMin}/${d.atomicUnitMax}`;
  if (d.atomicNeedsAlignment && (b.p * bs) % bytes !== 0) return `: REQ_ATOMIC at p${b.p} is not naturally aligned to ${bytes} bytes`;
  if (d.atomicBoundary > 0 && Math.floor((b.p * bs) / d.atomicBoundary) !== Math.floor((b.p * bs + bytes - 1) / d.atomicBoundary)) return ` crosses the atomic write boundary`;
  return null;
}

function durability(w: World, s: Settings): string | null {
  if (!w.crashed && w.recovered === null) return null;
  const bs = s.fs.blockSize;
  // After recovery with post-crash programs, judge what recovery left (later writes may change it).
  const content = (ino: number) => (w.crashed ? fileContent(w, ino) : (w.recovered?.files[ino] ?? []));
  // A file whose unlink became durable is gone with its data (vfs/namei.ts): nothing to keep.
  const dir = w.crashed ? w.dir : (w.recovered?.dir ?? []);
  const named = (ino: number) => dir.some(([, i]) => i === ino);
  for (const o of w.ghost.obligations) {
    if (!named(o.ino)) continue;
    const t = content(o.ino)[o.blk];
    if (t === o.t) continue;
    // Only the bytes the promised write covered are promised (a write smaller than its block).
    // A promised zero comes from a truncate, punch or zero range: its bytes are the promise.
    const owner = o.t === ZERO ? ([...w.ghost.writes].reverse().find((g) => g.zeroes === true && covers(g, o.ino, o.blk)) ?? null) : writerOf(w, o.t);
    const span = owner === null ? { from: 0, to: bs } : ghostBytesIn(owner, o.blk, bs);
    const runs = t === undefined ? [] : sliceToken(t, span.from, span.to, bs);
    const kept = runs.length > 0 && runs.every((r) => {
      if (r.t === o.t) return true;
      // Zeroes a later truncate, punch or zero range put there (spec/vfs/truncate.ts) are no loss.
      const X = r.t === ZERO ? zeroerOf(w, o.ino, o.blk, o.since) : writerOf(w, r.t);
      return X !== null && coversBytes(X, o.ino, o.blk, r.from, r.to, bs) && (X.end === null || X.end > o.since);
    });
    if (kept) continue;
    return `after power loss file ${o.ino} block ${o.blk} holds ${t ?? 'nothing'}, but ${o.t} was made durable by a sync that returned 0`;
  }
  return null;
}

function noStaleData(w: World, s: Settings): string | null {
  const obs = observations(w, s);
  for (let k = 0; k < obs.length; k++) {
    const o = obs[k]!;
    for (let i = 0; i < o.data.length; i++) {
      // Every byte the observation holds: a mixed block is judged run by run.
      const whole = o.data[i] as Token;
      for (const t of tokenParts(whole)) {
        if (t === ZERO || t === UNREAD) continue;
        const id = tokenWriter(t);
        const owner = id === null ? null : id.endsWith('.init') ? Number(id.slice(1, -'.init'.length)) : (w.ghost.writes.find((g) => g.id === id)?.ino ?? null);
        if (owner !== o.ino) return `${o.what} returns ${t}${t === whole ? '' : ` (in ${whole})`} at file ${o.ino} block ${o.firstBlock + i}: ${id === null ? 'a freed block\'s old contents' : `data of file ${owner}`}`;
      }
    }
  }
  return null;
}

/** The runs a read returned of block b (UNREAD left out), cut at every write's byte boundary in the block. */
function readSegments(w: World, s: Settings, ino: number, b: number, tok: Token): Run[] {
  const bs = s.fs.blockSize;
  const cuts = new Set<number>();
  for (const g of w.ghost.writes) {
    if (!covers(g, ino, b)) continue;
    const x = ghostBytesIn(g, b, bs);
    cuts.add(x.from);
    cuts.add(x.to);
  }
  const initialSize = s.files[ino]?.size;
  if (initialSize !== undefined) cuts.add(initialSize - b * bs);
  const out: Run[] = [];
  for (const r of tokenRuns(tok, bs)) {
    if (r.t === UNREAD) continue;
    const inside = [...cuts].filter((c) => c > r.from && c < r.to).sort((a, z) => a - z);
    let at = r.from;
    for (const c of [...inside, r.to]) {
      out.push({ from: at, to: c, t: r.t });
      at = c;
    }
  }
  return out;
}

/**
 * What bytes from `off` of file block b held before any write: the initial content, but
 * zeroes at and beyond the initial i_size (Linux never shows what lies on disk beyond EOF:
 * iomap_block_needs_zeroing, iomap_writeback_handle_eof).
 */
function initialBytes(s: Settings, ino: number, b: number, off: number): Token {
  const size = s.files[ino]?.size;
  return size !== undefined && b * s.fs.blockSize + off >= size ? ZERO : initialContent(s, ino, b);
}

/**
 * After a power loss, every block below the recovered (on-disk) size reads as zeroes or as
 * data some write of the scenario put in that block of that file, or as the file's
 * initial content where it lay below the initial size. Never a freed block's contents,
 * another file's data, or content that lay past the initial EOF and nothing wrote or zeroed.
 * A mixed block (sub-block data) is judged part by part.
 */
function sizeExposesWritten(w: World, s: Settings): string | null {
  if (!w.crashed || w.fuse !== null) return null;
  const bs = s.fs.blockSize;
  for (const [ino, inode] of w.inodes.entries()) {
    const data = fileContent(w, ino);
    const f = s.files[ino];
    const initialEnd = Math.ceil((f?.size ?? (f?.blocks.length ?? 0) * bs) / bs);
    for (let b = 0; b < Math.min(Math.ceil(inode.size / bs), data.length); b++) {
      const whole = data[b] as Token;
      for (const t of tokenParts(whole)) {
        if (t === ZERO) continue;
        const id = tokenWriter(t);
        const why =
          id === null
            ? "a freed block's old contents"
            : id === `f${ino}.init`
              ? b < initialEnd
                ? null
                : `what block ${b} held past the initial EOF (${initialEnd * bs} bytes), which nothing wrote or zeroed`
              : w.ghost.writes.some((g) => g.id === id && covers(g, ino, b))
                ? null
                : `data that no write put in file ${ino} block ${b}`;
        if (why !== null) return `after power loss file ${ino} has on-disk size ${inode.size}, and block ${b} below it reads ${whole}: ${why}; extents ${describeExtents(inode.map)}`;
      }
    }
  }
  return null;
}

function readConsistency(w: World, s: Settings): string | null {
  const bs = s.fs.blockSize;
  // After a power loss the reads are judged by recovered-reads: a completed write may be gone.
  if (w.boot !== null) return null;
  // Index loops: `entries()` with destructuring allocated an iterator and a pair per element,
  // on every state (issue 10q).
  for (let ti = 0; ti < w.tasks.length; ti++) {
    const t = w.tasks[ti]!;
    for (let k = 0; k < t.results.length; k++) {
      const r = t.results[k]!;
      if ((r.op !== 'pread' && r.op !== 'mmap-load') || typeof r.ret !== 'number') continue;
      for (let i = 0; i < r.data.length; i++) {
        const b = r.firstBlock + i;
        const tok = r.data[i] as Token;
        // Judged byte range by byte range: cut the block's runs where a write's bytes begin or end.
        for (const seg of readSegments(w, s, r.file, b, tok)) {
          const ws = w.ghost.writes.filter((g) => coversBytes(g, r.file, b, seg.from, seg.to, bs));
          const completed = ws.filter((g) => g.end !== null && g.end < r.start && ghostSucceeded(g));
          const latest = completed.filter((g) => !completed.some((h) => h.start > (g.end ?? 0)));
          const concurrent = ws.filter((g) => g.start < r.end && (g.end === null || g.end > r.start || typeof g.ret !== 'number'));
          const allowed = new Set<Token>([...latest, ...concurrent].map((g) => ghostToken(g, b - g.blk)));
          if (completed.length === 0) allowed.add(initialBytes(s, r.file, b, seg.from));
          if (!allowed.has(seg.t)) {
            const where = seg.from === 0 && seg.to === bs ? '' : ` bytes ${seg.from}-${seg.to - 1}`;
            return `T${ti + 1}'s read #${k + 1} of file ${r.file} block ${b}${where} returned ${seg.t}${seg.t === tok ? '' : ` (block ${tok})`}; allowed: ${[...allowed].join(', ') || 'nothing'}`;
          }
        }
      }
    }
  }
  return null;
}

function swFallbackNeeded(w: World): string | null {
  const g = w.ghost.writes.find((x) => x.path === 'sw-cow' && x.swCause === 'EAGAIN from invalidation');
  return g === undefined
    ? null
    : `RWF_ATOMIC write ${g.id} (T${g.task + 1}) was redone in software CoW mode because page-cache invalidation returned -EAGAIN, although the hardware path was never refused`;
}

function fsyncReportsErrors(w: World): string | null {
  const o = w.ghost.wbErrOwed.find((x) => x.missed);
  if (o === undefined) return null;
  return `T${o.task + 1}'s fsync on fd ${o.fd} (file ${o.ino}) returned without an error although writeback of the file (bio#${o.bio}) failed while that file was open and after its last fsync; mapping wb_err is ${describeErrseq(w.mappings[o.ino]?.wbErr ?? 0)}`;
}

function flagged(w: World, p: PropertyName): string | null {
  // An index loop, no closure: six invariants call this on every state.
  const all = w.ghost.flagged;
  for (let i = 0; i < all.length; i++) if (all[i]!.property === p) return all[i]!.what ?? null;
  return null;
}

export interface PropertyDef {
  kind: 'invariant' | 'sometimes';
  doc: string;
  /** null = holds (for a sometimes property: the state is a witness). */
  check(w: World, s: Settings): string | null;
  /** Not among the default invariants: a scenario names it (a promise only some configurations make). */
  optIn?: true;
}

export const PROPERTIES: Record<PropertyName, PropertyDef> = {
  'atomic-untorn': {
    kind: 'invariant',
    doc: 'After a power loss, and in every read, each RWF_ATOMIC write is all or nothing over its range, unless a later or concurrent overlapping write explains the difference.',
    check: atomicUntorn,
  },
  'atomic-one-request': {
    kind: 'invariant',
    doc: "A hardware-path RWF_ATOMIC write (and a buffered one under the seed 000 RFC, through its folio's writeback) reaches the device as exactly one REQ_ATOMIC request covering its range, within the device's unit limits and boundary, naturally aligned where the device needs it.",
    check: atomicOneRequest,
  },
  durability: {
    kind: 'invariant',
    doc: 'Data written before an fsync/fdatasync, or by an O_DSYNC/RWF_SYNC/RWF_DSYNC write, that returned success survives a power loss (or is replaced by newer data).',
    check: durability,
  },
  'no-stale-data': {
    kind: 'invariant',
    doc: "No read, before or after a power loss, returns a token of another file or a freed block's old contents.",
    check: noStaleData,
  },
  'read-consistency': {
    kind: 'invariant',
    doc: 'A read returns, per block, the data of the latest write that completed before the read began, or of a write in progress during the read.',
    check: readConsistency,
  },
  'sw-fallback-needed': {
    kind: 'invariant',
    doc: 'XFS redoes an atomic write in software CoW mode only when the hardware path was refused (->iomap_begin), never because page-cache invalidation failed.',
    check: (w) => swFallbackNeeded(w),
  },
  'fsync-reports-errors': {
    kind: 'invariant',
    doc: "If writeback of a file failed while an open file description of it was open and after that description's last fsync, the next fsync/fdatasync through it returns an error (file_check_and_advance_wb_err). Retrying fsync after an error is not assumed to make the lost data durable.",
    check: (w) => fsyncReportsErrors(w),
  },
  'stale-iomap': {
    kind: 'invariant',
    doc: 'No write acts on a mapping that changed since ->iomap_begin returned it in a way that sends data, zeroes or a delalloc punch to the wrong place, and no writeback bio goes out through the mapping an XFS writepage context cached earlier in its pass (wpc->iomap) to a block that no longer backs that file offset (freed, reallocated, or remapped). Reported at the step that acts on the stale mapping.',
    check: (w) => flagged(w, 'stale-iomap'),
  },
  'uncached-iomap-stable': {
    kind: 'invariant',
    doc: "An RWF_UNCACHED / RWF_DONTCACHE write never copies into a folio through a cached iomap that its own (or any) writeback has made stale since ->iomap_begin (Dave Chinner's first objection to the 2019 patch: writeback inside the write actor changes the extent map under the cached iomap).",
    check: (w) => flagged(w, 'uncached-iomap-stable'),
  },
  'uncached-flush-errors': {
    kind: 'invariant',
    doc: 'An RWF_UNCACHED write that writes back and waits for its range before returning (the per-call variant proposed in 2019) does not return success when that writeback failed (the question Dave Chinner left open).',
    check: (w) => flagged(w, 'uncached-flush-errors'),
  },
  'cache-coherence': {
    kind: 'invariant',
    doc: 'FUSE: a page that is uptodate and not dirty holds what the server holds, or what a WRITE in flight (from the copy into its pages until its writer handled the reply) is sending.',
    check: cacheCoherence,
  },
  'monotonic-reads': {
    kind: 'invariant',
    doc: 'FUSE: once a read returned a write\'s data, a later read of the same range, with no write begun after the first read returned (or power loss) in between, never returns older data.',
    check: monotonicReads,
  },
  'write-order': {
    kind: 'invariant',
    doc: 'FUSE: when every task has finished and every request has been answered, the server holds, for each page not dirty, the data of the write(2) or mmap store that completed last (pages a failed or short write touched are not judged).',
    check: writeOrder,
  },
  'atomic-overwritten-before-writeback': {
    kind: 'invariant',
    doc: "No write without RWF_ATOMIC overwrites part of a PG_atomic folio whose atomic write has not been written back yet (the seed 000 RFC clears PG_atomic then, so the atomic write is written back as ordinary data: the user-space usage error its commit message describes). Reported at the overwriting copy.",
    check: (w) => flagged(w, 'atomic-overwritten-before-writeback'),
  },
  'atomic-old-data-may-survive': {
    kind: 'sometimes',
    doc: 'Some power loss after a buffered RWF_ATOMIC write returned success (without RWF_SYNC) leaves none of its data on disk: the RFC promises untorn, not durable.',
    check: (w) => atomicOldDataMaySurvive(w),
  },
  'size-exposes-written': {
    kind: 'invariant',
    doc: "After a power loss, the recovered file size never exposes blocks that were never written: every block below it reads as zeroes or as data a write put there (or the file's initial content below the initial size), never a freed block's contents or old data from past the EOF.",
    check: sizeExposesWritten,
  },
  'mmap-store-backed': {
    kind: 'invariant',
    doc: "A store through a shared mapping lands only in a folio that is dirty (->page_mkwrite dirtied it and no writeback has cleaned it since: folio_mkclean made the PTE read-only, so the store faulted again) and, on XFS, over a block with a delalloc reservation or an extent (->page_mkwrite's iomap_iter reserved it and nothing punched it). Reported at the store.",
    check: (w) => flagged(w, 'mmap-store-backed'),
  },
  'no-fill-during-punch': {
    kind: 'invariant',
    doc: 'When a hole punch frees a block (holding the invalidate_lock exclusive since it truncated the page cache of the range), no folio of that block is cached: no fault or read filled one in between (what 730633f0b7f9 and, before it, the XFS MMAPLOCK and ext4 i_mmap_sem promise). Reported at the freeing step.',
    check: (w) => flagged(w, 'no-fill-during-punch'),
  },
  'torn-reachable': {
    kind: 'sometimes',
    doc: 'Some power loss leaves a non-atomic multi-block write torn (atomic-untorn does not cover such writes).',
    check: tornReachable,
  },
  'rename-old-or-new': {
    kind: 'invariant',
    optIn: true,
    doc: 'After a power loss (and recovery), a name that a rename replaced holds, within its size, wholly the replaced file\'s content or wholly the content the source had when it was renamed (what reads returned then), never zeroes, a shorter file or a mix. A promise only where the file system makes one (ext4 auto_da_alloc is the claimed case); not a default invariant.',
    check: renameOldOrNew,
  },
  'rename-neither-reachable': {
    kind: 'sometimes',
    doc: 'Some power loss leaves a name that a rename replaced holding neither the old nor the new content (zeroes, a hole, a shorter file): the replace-via-rename pattern without fsync is not safe there.',
    check: renameNeitherReachable,
  },
  'recovered-reads': {
    kind: 'invariant',
    doc: 'After a power loss, a read by a post-crash program returns, per block, what recovery left there or the data of a post-crash write to that block.',
    check: recoveredReads,
  },
  'orphans-freed': {
    kind: 'invariant',
    doc: 'After a power loss and recovery (before any post-crash syscall), no inode without a name still holds blocks: orphan cleanup (ext4_orphan_cleanup / xlog_recover_process_iunlinks) freed the files that were unlinked while open.',
    check: (w) => orphansFreed(w),
  },
};

export const ALL_INVARIANTS: PropertyName[] = (Object.keys(PROPERTIES) as PropertyName[]).filter((p) => PROPERTIES[p].kind === 'invariant' && PROPERTIES[p].optIn !== true);
