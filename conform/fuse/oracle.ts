/**
 * The FUSE oracle: runs a FUSE conformance program as a one-task spec scenario (fs
 * 'fuse', fuseMode per the program, every other knob merged) and asks whether some run of
 * the spec shows exactly what the kernel and our server showed.
 *
 * The spec decides what the kernel does; the oracle pins only the environment to what
 * the real one did, so the spec is not asked about runs the lab cannot produce:
 *  - the server answers in the order requests were queued (ours is single-threaded and
 *    reads /dev/fuse in queue order), and answers a WRITE as the program's commands say
 *    (`fail N`: the next N WRITEs get EIO; `short K`: the next one is acknowledged to its
 *    K-th page boundary); READ and FSYNC succeed;
 *  - reclaim happens only at the program's `reclaim` step, and evicts every page the spec
 *    lets reclaim evict then (no memory pressure in between: the lab's files are tiny);
 *  - no background writeback (the flusher writes back inodes dirty for 30 s; a program
 *    lasts milliseconds). Power loss is not part of these programs.
 * Everything else — which steps the task takes, which requests it sends, what each
 * syscall returns, each read's data, which pages are cached or dirty, what the server ends
 * up holding — is the spec's, and each is compared, op by op, as the run goes: a spec run
 * that shows anything else is dropped there. The kernel agrees when some spec run survives
 * to the end.
 *
 * Compared per op:
 *  - syscalls: the return value or errno; a read's data (a token per page);
 *  - cachestat: per page, not cached / cached / dirty / under writeback;
 *  - server: the server's copy of each page (token per page);
 *  - the requests the op caused, from the server's log: write-through, each WRITE's byte
 *    range and result in order (the spec's rule D and short-write handling decide the
 *    ranges); writeback-cache, the pages WRITE covered and whether it failed (the kernel
 *    gathers contiguous dirty pages into one WRITE, the spec sends one per page); both,
 *    the set of pages READ (a READ asks for a page the kernel holds not uptodate: this is
 *    how uptodate is observed) and whether FSYNC and FLUSH were sent.
 */
import * as spec from '../../spec/index.ts';
import { canonicalJson } from '../../checker/index.ts';
import type { Action, InitialBlock, Syscall } from '../../spec/index.ts';
import type { FuseOp, FuseProgram, FuseRun, LoggedRequest } from './program.ts';

type World = ReturnType<typeof spec.initWorld>;
const PS = 4096;

export interface FuseDisagreement {
  /** Index of the op where every spec run left the kernel. */
  op: number;
  /** What is compared there: 'result', 'data', 'cachestat', 'server', 'requests'. */
  what: string;
  kernel: string;
  allowed: string[];
}

export type FuseVerdict = { agreed: true; states: number } | { agreed: false; states: number; disagreement: FuseDisagreement } | { unmodelled: string };

interface Ctl {
  fail: number;
  short: number | null;
}

interface Node {
  w: World;
  k: number;
  reqs: string[];
  ctl: Ctl;
}

/** File pages the program touches or observes. */
export function pagesNeeded(p: FuseProgram): number {
  let n = 1;
  for (const o of p.ops) {
    if (o.op === 'pwrite' || o.op === 'pread') n = Math.max(n, Math.ceil((o.off + o.len) / PS));
    if (o.op === 'cachestat' || o.op === 'server') n = Math.max(n, o.pages);
  }
  return n;
}

function toSyscall(o: FuseOp): Syscall | null {
  switch (o.op) {
    case 'open':
      return { op: 'open', file: 0, access: 'O_RDWR', flags: o.dio === true || o.odirect === true ? ['O_DIRECT'] : [] };
    case 'pwrite':
      return { op: 'pwritev2', fd: 0, offset: o.off, iov: [o.len], flags: o.dsync === true ? ['RWF_DSYNC'] : [], id: `W${o.id}` };
    case 'pread':
      return { op: 'pread', fd: 0, offset: o.off, len: o.len };
    case 'fsync':
      return { op: 'fsync', fd: 0 };
    case 'fdatasync':
      return { op: 'fdatasync', fd: 0 };
    case 'close':
      return { op: 'close', fd: 0 };
    default:
      return null;
  }
}

const pageRange = (off: number, size: number): number[] => {
  const first = Math.floor(off / PS);
  const end = Math.max(first + 1, Math.ceil((off + size) / PS));
  return Array.from({ length: end - first }, (_, i) => first + i);
};

/**
 * The requests of one op in comparable form: write-through WRITEs as `WRITE off+size=res`
 * in order; writeback-cache WRITEs as `WRITE page ok|EIO` per page; `READ page` per page;
 * `FSYNC`. Sorted and deduplicated except the write-through WRITE sequence.
 */
export function requestSignature(mode: FuseProgram['mode'], reqs: string[]): string {
  const ordered = reqs.filter((r) => r.startsWith('WRITE ') && mode === 'write-through');
  const set = [...new Set(reqs.filter((r) => !ordered.includes(r)))].sort();
  return [...ordered, ...set].join('; ') || '(none)';
}

/** The kernel's requests of op `i` from the server log, in the form requestSignature takes. */
export function kernelRequests(mode: FuseProgram['mode'], log: LoggedRequest[], i: number): string[] {
  const out: string[] = [];
  for (const r of log.filter((x) => x.mark === i)) {
    if (r.opcode === 'READ') for (const p of pageRange(r.off, r.size)) out.push(`READ ${p}`);
    else if (r.opcode === 'FSYNC' || r.opcode === 'FSYNC_DATA') out.push('FSYNC');
    else if (r.opcode === 'FLUSH') out.push('FLUSH');
    else if (r.opcode === 'WRITE') {
      if (mode === 'write-through') out.push(`WRITE ${r.off}+${r.size}=${r.res < 0 ? 'EIO' : r.res}`);
      else for (const p of pageRange(r.off, r.size)) out.push(`WRITE ${p} ${r.res < 0 ? 'EIO' : r.res < r.size ? 'short' : 'ok'}`);
    }
  }
  return out;
}

function specRequest(mode: FuseProgram['mode'], w: World, a: Extract<Action, { kind: 'fuse' }>): string[] {
  const r = w.fuse?.reqs.find((x) => x.unique === a.unique);
  if (r === undefined) return [];
  if (r.op === 'READ') return r.data.map((_, i) => `READ ${r.blk + i}`);
  if (r.op === 'FSYNC' || r.op === 'FLUSH') return [r.op];
  const res = a.answer.how === 'eio' ? 'EIO' : a.answer.how === 'short' ? a.answer.size : r.count;
  if (mode === 'write-through') return [`WRITE ${r.pos}+${r.count}=${res}`];
  return r.data.map((_, i) => `WRITE ${r.blk + i} ${a.answer.how === 'eio' ? 'EIO' : a.answer.how === 'short' ? 'short' : 'ok'}`);
}

/** The server's answer the program's commands dictate for request `unique`, and the commands left. */
function dictated(w: World, unique: number, ctl: Ctl): { answer: Extract<Action, { kind: 'fuse' }>['answer']; ctl: Ctl } {
  const r = w.fuse?.reqs.find((x) => x.unique === unique);
  if (r === undefined || r.op !== 'WRITE') return { answer: { how: 'ok' }, ctl };
  if (ctl.fail > 0) return { answer: { how: 'eio' }, ctl: { ...ctl, fail: ctl.fail - 1 } };
  if (ctl.short !== null) {
    const size = ctl.short === 0 ? 0 : (Math.floor(r.pos / PS) + ctl.short) * PS - r.pos;
    const next = { ...ctl, short: null };
    return size < r.count ? { answer: { how: 'short', size }, ctl: next } : { answer: { how: 'ok' }, ctl: next };
  }
  return { answer: { how: 'ok' }, ctl };
}

function showRet(ret: number | string): string {
  return typeof ret === 'number' ? `ret ${ret}` : ret;
}

function residency(w: World, pages: number): string {
  const pc = w.pageCache[0] ?? [];
  return Array.from({ length: pages }, (_, b) => {
    const f = pc[b];
    if (f === null || f === undefined) return '.';
    return f.writeback ? 'w' : f.dirty ? 'd' : 'r';
  }).join('');
}

/** The spec's result of a syscall in the kernel's terms: `ret N` / errno, and data. */
function specResult(r: spec.ObservedResult | undefined, o: FuseOp): { ret: string; data?: string } {
  if (r === undefined) return { ret: '(none)' };
  const ret = o.op === 'open' ? (typeof r.ret === 'number' ? 'success' : r.ret) : showRet(r.ret);
  if (r.op === 'pread' && typeof r.ret === 'number') return { ret, data: r.data.join(' ') };
  return { ret };
}

function kernelResult(k: FuseRun['results'][number] | undefined, o: FuseOp): { ret: string; data?: string } {
  if (k === undefined) return { ret: '(none)' };
  const ret = k.errno !== null ? k.errno : o.op === 'open' ? 'success' : `ret ${k.ret}`;
  if (o.op === 'pread' && k.errno === null) return { ret, data: (k.blocks ?? []).join(' ') };
  return { ret };
}

export interface FuseOracleOptions {
  /** Knobs other than fuseMode (default: merged). Used by tests that break the spec on purpose. */
  knobs?: Partial<spec.Knobs>;
  /** Bound on product states explored (default 50,000). */
  budget?: number;
}

/** Asks the spec whether the kernel's run of `p` is one it allows. */
export function judgeFuse(p: FuseProgram, kernel: FuseRun, opts: FuseOracleOptions = {}): FuseVerdict {
  const syscalls: Syscall[] = [];
  const specIndex: number[] = [];
  for (const o of p.ops) {
    specIndex.push(syscalls.length);
    const s = toSyscall(o);
    if (s !== null) syscalls.push(s);
  }
  if (p.ops[0]?.op !== 'open') return { unmodelled: 'a FUSE program starts with open' };
  if (kernel.results.length !== p.ops.length) {
    return { agreed: false, states: 0, disagreement: { op: kernel.results.length, what: 'result', kernel: `runner returned ${kernel.results.length} results for ${p.ops.length} ops`, allowed: [] } };
  }
  const pages = pagesNeeded(p);
  const s = spec.settings({
    name: 'fuse-conformance',
    fs: 'fuse',
    knobs: { ...opts.knobs, fuseMode: p.mode },
    files: [{ blocks: Array.from({ length: pages }, (): InitialBlock => 'hole'), size: 0 }],
    programs: [syscalls],
    maxPowerLosses: 0,
    maxIoErrors: 0,
    backgroundCommit: false,
    properties: [],
  });
  const withReclaim = { ...s, reclaim: true };
  const model = spec.buildModel(s);
  const budget = opts.budget ?? 50_000;
  const seen = new Set<string>();
  // Per op, the spec's alternatives that failed there, for the report.
  const failures = new Map<number, { what: string; kernel: string; allowed: Set<string> }>();
  const fail = (k: number, what: string, kv: string, sv: string): void => {
    const f = failures.get(k) ?? { what, kernel: kv, allowed: new Set<string>() };
    if (f.what === what) f.allowed.add(sv);
    failures.set(k, f);
  };
  const kreqs = p.ops.map((_, i) => requestSignature(p.mode, kernelRequests(p.mode, kernel.log, i)));
  const specDone = (w: World): number => w.tasks[0]?.results.length ?? 0;
  const idle = (w: World): boolean => (w.tasks[0]?.cur ?? null) === null && (w.fuse?.reqs.length ?? 0) === 0;

  /** Op k is over in node n: compare what it showed; the node for op k+1, or null. */
  const finishOp = (n: Node, w: World, extra: (() => boolean) | null): Node | null => {
    if (extra !== null && !extra()) return null;
    const sig = requestSignature(p.mode, n.reqs);
    if (sig !== kreqs[n.k]) {
      fail(n.k, 'requests', kreqs[n.k] ?? '', sig);
      return null;
    }
    return { w, k: n.k + 1, reqs: [], ctl: n.ctl };
  };

  const successors = (n: Node): Node[] => {
    const o = p.ops[n.k];
    if (o === undefined) return [];
    const kr = kernel.results[n.k];
    const out: Node[] = [];
    const sys = toSyscall(o);
    if (sys === null) {
      if (!idle(n.w)) return serverAnswers(n);
      const at = n.k;
      const go = (w: World, ctl: Ctl, check: (() => boolean) | null): void => {
        const m = finishOp({ ...n, ctl }, w, check);
        if (m !== null) out.push(m);
      };
      switch (o.op) {
        case 'fail':
          go(n.w, { ...n.ctl, fail: o.n }, null);
          break;
        case 'short':
          go(n.w, { ...n.ctl, short: o.k }, null);
          break;
        case 'delay':
          go(n.w, n.ctl, null);
          break;
        case 'reclaim': {
          let w = n.w;
          for (;;) {
            const a = spec.actions(w, withReclaim).find((x) => x.kind === 'reclaim');
            if (a === undefined) break;
            w = spec.next(w, withReclaim, a);
          }
          go(w, n.ctl, null);
          break;
        }
        case 'cachestat':
          go(n.w, n.ctl, () => {
            const sv = residency(n.w, o.pages);
            if (sv === kr?.pages) return true;
            fail(at, 'cachestat', kr?.pages ?? '(none)', sv);
            return false;
          });
          break;
        case 'server':
          go(n.w, n.ctl, () => {
            const srv = n.w.fuse?.server[0] ?? [];
            const sv = Array.from({ length: o.pages }, (_, b) => srv[b] ?? spec.ZERO).join(' ');
            const kv = (kr?.blocks ?? []).join(' ');
            if (sv === kv) return true;
            fail(at, 'server', kv, sv);
            return false;
          });
          break;
        default:
          break;
      }
      return out;
    }
    // A syscall: the task's steps (it may begin op k only once ops before it are over) and the server's answers.
    const t = n.w.tasks[0];
    const mayStep = t !== undefined && (t.cur !== null || specDone(n.w) === specIndex[n.k]);
    if (mayStep) {
      for (const a of spec.actions(n.w, s)) {
        if (a.kind !== 'task') continue;
        const w = spec.next(n.w, s, a);
        const reqs = [...n.reqs];
        const m = /read page (\d+) from the server/.exec(spec.label(a));
        if (m !== null) reqs.push(`READ ${m[1]}`);
        if (specDone(w) > specDone(n.w)) {
          const res = w.tasks[0]?.results[specDone(n.w)];
          const sv = specResult(res === undefined ? undefined : spec.observe(res), o);
          const kv = kernelResult(kr, o);
          if (sv.ret !== kv.ret) {
            fail(n.k, 'result', kv.ret, sv.ret);
            continue;
          }
          if (sv.data !== kv.data) {
            fail(n.k, 'data', kv.data ?? '', sv.data ?? '');
            continue;
          }
          const next = finishOp({ ...n, reqs }, w, null);
          if (next !== null) out.push(next);
        } else out.push({ ...n, w, reqs });
      }
    }
    return [...out, ...serverAnswers(n)];
  };

  const serverAnswers = (n: Node): Node[] => {
    const head = [...(n.w.fuse?.reqs ?? [])].sort((a, b) => a.unique - b.unique)[0];
    if (head === undefined) return [];
    const d = dictated(n.w, head.unique, n.ctl);
    const a: Action = { kind: 'fuse', unique: head.unique, answer: d.answer, what: 'answer' };
    const reqs = [...n.reqs, ...specRequest(p.mode, n.w, a)];
    return [{ w: spec.next(n.w, s, a), k: n.k, reqs, ctl: d.ctl }];
  };

  let frontier: Node[] = model.init().map((w) => ({ w, k: 0, reqs: [], ctl: { fail: 0, short: null } }));
  for (const n of frontier) seen.add(canonicalJson(n));
  while (frontier.length > 0) {
    const next: Node[] = [];
    for (const n of frontier) {
      if (n.k === p.ops.length && idle(n.w)) return { agreed: true, states: seen.size };
      for (const m of successors(n)) {
        const key = canonicalJson(m);
        if (seen.has(key)) continue;
        if (seen.size >= budget) return { unmodelled: `beyond the oracle's state budget (${budget})` };
        seen.add(key);
        next.push(m);
      }
    }
    frontier = next;
  }
  const deepest = Math.max(-1, ...failures.keys());
  const f = failures.get(deepest);
  if (f === undefined) return { agreed: false, states: seen.size, disagreement: { op: 0, what: 'result', kernel: '(no spec run)', allowed: [] } };
  return { agreed: false, states: seen.size, disagreement: { op: deepest, what: f.what, kernel: f.kernel, allowed: [...f.allowed].sort() } };
}
