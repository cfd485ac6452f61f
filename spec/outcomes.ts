/**
 * The conformance oracle's view of the model: run a scenario to completion (no power loss)
 * and collect, from every terminal state, what each task's syscalls returned. A real-kernel
 * run of the same programs must match one of these outcomes.
 *
 * Models Linux 6.18.
 */
import type { Model } from '../checker/types.ts';
import { canonicalJson } from '../checker/index.ts';
import { buildModel } from './model.ts';
import type { Ret, Settings, StatxAtomic, SyscallResult, Token, World } from './types.ts';

/** What a test on the real kernel can observe of one syscall. */
export type ObservedResult =
  | { op: 'open' | 'fsync' | 'fdatasync' | 'mmap-store' | 'openat' | 'close' | 'unlink' | 'rename' | 'ftruncate' | 'fallocate' | 'mmap' | 'msync' | 'munmap'; ret: Ret }
  | { op: 'mmap-load'; ret: Ret; data: Token[] }
  | { op: 'pwritev2'; id: string; ret: Ret }
  | { op: 'pread'; ret: Ret; data: Token[] }
  | { op: 'statx'; ret: Ret; atomic: StatxAtomic | null }
  | { op: 'mincore'; ret: Ret; pages: string };

/** One allowed outcome: per task, the observed results of its program in order. */
export type Outcome = ObservedResult[][];

export function observe(r: SyscallResult): ObservedResult {
  switch (r.op) {
    case 'pwritev2':
      return { op: r.op, id: r.id, ret: r.ret };
    case 'pread':
    case 'mmap-load':
      return { op: r.op, ret: r.ret, data: r.data };
    case 'statx':
      return { op: r.op, ret: r.ret, atomic: r.atomic };
    case 'mincore':
      return { op: r.op, ret: r.ret, pages: r.pages };
    default:
      return { op: r.op, ret: r.ret };
  }
}

/** A search that visits every state reachable in `model` (e.g. a plain BFS). */
export type Explorer = <S, A>(model: Model<S, A>, visit: (state: S) => void) => void;

/** Breadth-first exploration keyed by canonical JSON; fine for the small single-task runs. */
export const bfsExplorer: Explorer = (model, visit) => {
  const seen = new Set<string>();
  let frontier = model.init();
  for (const s of frontier) seen.add(canonicalJson(s));
  while (frontier.length > 0) {
    const nextFrontier: typeof frontier = [];
    for (const s of frontier) {
      visit(s);
      for (const a of model.actions(s)) {
        const t = model.next(s, a);
        const k = canonicalJson(t);
        if (!seen.has(k)) {
          seen.add(k);
          nextFrontier.push(t);
        }
      }
    }
    frontier = nextFrontier;
  }
};

/**
 * Every outcome the model allows for the scenario's programs, without power loss or
 * injected errors, sorted and deduplicated.
 */
export function allowedOutcomes(s: Settings, explore: Explorer = bfsExplorer): Outcome[] {
  const model = buildModel({ ...s, maxPowerLosses: 0, maxIoErrors: 0, properties: [] });
  const found = new Map<string, Outcome>();
  explore(model, (w: World) => {
    if (model.done?.(w) !== true || w.crashed) return;
    const o: Outcome = w.tasks.map((t) => t.results.map(observe));
    found.set(canonicalJson(o), o);
  });
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
}
