/**
 * The parallel object search's protocol: what the coordinator (object-workers.ts) and its
 * workers (object-worker.ts) say to each other, the shared control words, and how a level's
 * chunks are shared out among the workers.
 */
import type { CheckOptions, CheckResult, ViolationKind } from './types.ts';
import type { ModelRef } from './model-ref.ts';

/** States per serialized chunk: the unit of work given to a worker. */
export const CHUNK = 64;
/** Ids at or above this name a worker's new state by its index in the reply, before numbering. */
export const LOCAL = 2 ** 31;
/** Control words (Int32Array over a SharedArrayBuffer): why to stop, and states stored. */
export const STOP = 0;
export const STORED = 1;
export const STOP_REASON = { interrupted: 1, timeLimit: 2, maxMemory: 3, maxStates: 4, tableFull: 5 } as const;
export const REASON_NAMES: Record<number, NonNullable<CheckResult<unknown, unknown>['incompleteReason']>> = { 1: 'interrupted', 2: 'timeLimit', 3: 'maxMemory', 4: 'maxStates', 5: 'maxStates' };

/** The options a worker needs: the plain-data part of CheckOptions. */
export type WorkerOptions = Pick<CheckOptions, 'stopAtFirst' | 'symmetry' | 'view' | 'sanity'>;

export interface SearchRequest {
  type: 'search';
  ref: ModelRef;
  options: WorkerOptions;
  table: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

/** Hand the coordinator these of your chunks, serialized, for another worker to expand. */
export interface GiveRequest {
  type: 'give';
  indexes: number[];
}

export interface ExpandRequest {
  type: 'expand';
  table: SharedArrayBuffer;
  /** Chunks this worker holds (from its last reply), with the global id of each one's first state. */
  own: Array<{ index: number; firstId: number }>;
  /** Chunks from elsewhere, serialized, and the global id of each one's first state. */
  chunks: ArrayBuffer[];
  firstIds: number[];
  depth: number;
  cut: boolean;
  maxStates?: number;
  tableLimit: number;
  deadline: number;
  sometimesHeld: string[];
}

export interface FoundMessage {
  property: string;
  kind: ViolationKind;
  message: string;
  /** Global id, or LOCAL + index into this reply's new states. */
  id: number;
  depth: number;
  hi: number;
  lo: number;
}

export interface ExpandReply {
  type: 'level';
  /** The new states are kept by the worker in chunks of these sizes (its chunks 0, 1, ...). */
  counts: number[];
  parents: Uint32Array;
  actions: Uint16Array;
  /** Transitions this worker has taken in the whole search so far. */
  transitions: number;
  found: FoundMessage[];
  sometimesHeld: string[];
  cutHit: boolean;
  /** A model exception: the message and the state (global or LOCAL id). */
  error?: { message: string; id: number };
}

export type ObjectWorkerReply = ExpandReply | { type: 'given'; buffers: ArrayBuffer[] } | { type: 'ready' } | { type: 'coverage'; coverage: Record<string, number> } | { type: 'error'; message: string };

/** A run of states of a level: kept by worker `owner` as its chunk `index`, or serialized in `buffer`. */
export interface Chunk {
  owner: number;
  index: number;
  buffer?: ArrayBuffer;
  firstId: number;
  count: number;
}

/**
 * Which worker expands each chunk: its owner (the worker holding its states) while the owner
 * has less than its share of the level, so that most states never cross threads; the rest go
 * to the workers below their share. Chunks the coordinator holds (owner -1) go where there is
 * room. Returns a worker index per chunk.
 */
export function shareOut(chunks: ReadonlyArray<{ owner: number; count: number }>, workers: number): number[] {
  const total = chunks.reduce((n, c) => n + c.count, 0);
  const share = Math.ceil(total / workers);
  const load = new Array<number>(workers).fill(0);
  const to = chunks.map((c) => {
    if (c.owner < 0 || load[c.owner]! >= share) return -1;
    load[c.owner]! += c.count;
    return c.owner;
  });
  for (let i = 0; i < chunks.length; i++) {
    if (to[i]! >= 0) continue;
    let w = 0;
    for (let v = 1; v < workers; v++) if (load[v]! < load[w]!) w = v;
    to[i] = w;
    load[w]! += chunks[i]!.count;
  }
  return to;
}

