/** Models for the benchmarks. */
import { produce } from 'immer';
import type { Model } from '../checker/index.ts';

/**
 * `n` counters modulo `mod` (at most 128), each action incrementing one: mod^n reachable
 * states, n transitions out of each. The state is one packed number, so the figures measure
 * the checker (fingerprint, table, parent links, frontier), not the model.
 * counters(3, 128): 2,097,152 states; counters(4, 72): 26,873,856 states, past the 2^24
 * entries where a V8 Set or Map stops.
 */
export function counters(n = 3, mod = 128): Model<number, number> {
  const labels = Array.from({ length: n }, (_, i) => `inc ${String.fromCharCode(97 + i)}`);
  const all = Array.from({ length: n }, (_, i) => i);
  return {
    name: `counters-${mod}^${n}`,
    init: () => [0],
    actions: () => all,
    next: (s, i) => {
      const shift = i * 7;
      const v = (s >>> shift) & 127;
      return (s & ~(127 << shift)) | ((v + 1 === mod ? 0 : v + 1) << shift);
    },
    label: (i) => labels[i]!,
    invariants: { 'in range': (s) => s >= 0 && s < 2 ** (7 * n) },
  };
}

/**
 * A small "write path" built with immer, as the spec builds its states: two tasks each writing
 * tokens into a shared array of blocks through a volatile cache, a device that destages the
 * cache, and per-task logs. Nested objects and arrays, structurally shared between steps.
 */
export interface Block {
  durable: number;
  cached: number | null;
}
export interface Syscall {
  op: string;
  fd: number;
  offset: number;
  length: number;
  flags: string[];
}
export interface Task {
  pc: number;
  /** The task's program: never changes, as in the spec, where it is most of a task's state. */
  program: Syscall[];
  written: number[];
}
export interface Extent {
  fileOffset: number;
  start: number;
  length: number;
  kind: string;
}
export interface World {
  /** Geometry and limits: never change. */
  config: { blockSize: number; atomicMin: number; atomicMax: number; knobs: Record<string, string> };
  tasks: Task[];
  extents: Extent[];
  blocks: Block[];
  flushes: number;
}
export type WorldAction = { kind: 'write'; task: number } | { kind: 'destage'; block: number } | { kind: 'flush' };

export function immerWorld(blocks: number, writesPerTask: number): Model<World, WorldAction> {
  return {
    name: `immer-world-${blocks}x${writesPerTask}`,
    init: () => [
      produce(
        {
          config: { blockSize: 4096, atomicMin: 4096, atomicMax: 65536, knobs: { 'ext4-atomic-alloc': 'aligned-or-fail', 'xfs-sw-retry': 'merged-6.16' } },
          tasks: [0, 1].map((t) => ({
            pc: 0,
            written: [],
            program: Array.from({ length: writesPerTask }, (_, i) => ({ op: 'pwritev2', fd: 3, offset: ((i * 3 + t) % blocks) * 4096, length: 4096, flags: ['RWF_ATOMIC', 'RWF_DSYNC'] })),
          })),
          extents: Array.from({ length: blocks }, (_, i) => ({ fileOffset: i * 4096, start: 1000 + i, length: 1, kind: 'written' })),
          blocks: Array.from({ length: blocks }, () => ({ durable: 0, cached: null })),
          flushes: 0,
        } as World,
        () => {},
      ),
    ],
    actions: (s) => {
      const out: WorldAction[] = [];
      s.tasks.forEach((t, i) => {
        if (t.pc < writesPerTask) out.push({ kind: 'write', task: i });
      });
      s.blocks.forEach((b, i) => {
        if (b.cached !== null) out.push({ kind: 'destage', block: i });
      });
      if (s.flushes < 1 && s.blocks.some((b) => b.cached !== null)) out.push({ kind: 'flush' });
      return out;
    },
    next: (s, a) =>
      produce(s, (d) => {
        switch (a.kind) {
          case 'write': {
            const t = d.tasks[a.task]!;
            const block = (t.pc * 3 + a.task) % blocks;
            const token = (a.task + 1) * 100 + t.pc;
            d.blocks[block]!.cached = token;
            t.written.push(token);
            t.pc++;
            break;
          }
          case 'destage': {
            const b = d.blocks[a.block]!;
            b.durable = b.cached ?? b.durable;
            b.cached = null;
            break;
          }
          case 'flush':
            for (const b of d.blocks) {
              b.durable = b.cached ?? b.durable;
              b.cached = null;
            }
            d.flushes++;
            break;
        }
      }),
    done: (s) => s.tasks.every((t) => t.pc >= writesPerTask) && s.blocks.every((b) => b.cached === null),
    label: (a) => (a.kind === 'write' ? `T${a.task} write` : a.kind === 'destage' ? `dev destage ${a.block}` : 'dev flush'),
  };
}
