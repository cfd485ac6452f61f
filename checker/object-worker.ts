/**
 * One worker thread of the parallel object search (object-workers.ts). It loads its own copy of
 * the model by module reference, then expands the slices of BFS levels it is given: chunks of
 * states it holds itself, and chunks from other workers, serialized (v8's structured-clone
 * format) and frozen again here. Successors go into the shared fingerprint table; the ones this
 * worker inserted first it keeps, for the next level, and reports with their parent links. Properties, deadlocks, coverage and model exceptions are the sequential
 * engine's (engine.ts), so messages and counts are the same.
 */
import { parentPort } from 'node:worker_threads';
import { deserialize, serialize } from 'node:v8';
import type { CheckOptions, Model } from './types.ts';
import { Engine, ModelError, describeError, type Found } from './engine.ts';
import { SharedTable } from './shared-table.ts';
import { loadModel } from './model-ref.ts';
import { withSanity } from './sanity.ts';
import { CHUNK, LOCAL, STOP, STORED, STOP_REASON, type ExpandRequest, type ExpandReply, type GiveRequest, type ObjectWorkerReply, type SearchRequest } from './object-protocol.ts';

const port = parentPort;
if (port === null) throw new Error('object-worker.ts runs only as a worker thread');

const models = new Map<string, Model<unknown, unknown>>();

interface Search {
  engine: Engine<unknown, unknown>;
  /** The new states of the last level this worker expanded, in the chunks of its reply. */
  own: unknown[][];
  table: SharedTable;
  control: Int32Array;
  /** Found entries already reported. */
  reported: number;
}
let search: Search | undefined;

/**
 * Structured clone drops Object.freeze; the spec's fingerprint cache and its shared members
 * trust only frozen objects. Children first, so a frozen object is one whose members are frozen
 * too, and a member shared by several states of a chunk is visited once.
 */
function deepFreeze(v: unknown): void {
  if (typeof v !== 'object' || v === null || Object.isFrozen(v)) return;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      deepFreeze(k);
      deepFreeze(x);
    }
  } else if (v instanceof Set) {
    for (const x of v) deepFreeze(x);
  } else {
    for (const x of Object.values(v)) deepFreeze(x);
  }
  Object.freeze(v);
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer) return b.buffer;
  return new Uint8Array(b).buffer;
}

async function start(req: SearchRequest): Promise<void> {
  const key = JSON.stringify(req.ref);
  let model = models.get(key);
  if (model === undefined) {
    model = await loadModel(req.ref);
    // Scenarios of one CLI run come one after another: keep a few, not all.
    if (models.size >= 8) models.clear();
    models.set(key, model);
  }
  const options: CheckOptions = { ...req.options, stopAtFirst: req.options.stopAtFirst ?? true };
  search = { engine: new Engine(withSanity(model, options.sanity), options), table: new SharedTable(req.table), control: new Int32Array(req.control), reported: 0, own: [] };
}

/** Stops every worker's level (the first reason set wins). */
function stopAll(control: Int32Array, reason: number): void {
  Atomics.compareExchange(control, STOP, 0, reason);
}

function expand(s: Search, req: ExpandRequest): ExpandReply {
  if (s.table.buffer !== req.table) s.table = new SharedTable(req.table);
  const { engine: e, table, control } = s;
  // Sometimes-properties another worker has seen need not be checked again.
  for (let i = e.pendingSometimes.length - 1; i >= 0; i--) if (req.sometimesHeld.includes(e.pendingSometimes[i]![0])) e.pendingSometimes.splice(i, 1);
  const out: unknown[] = [];
  const parents: number[] = [];
  const actions: number[] = [];
  const depth = req.depth;
  let cutHit = false;
  let error: ExpandReply['error'];
  let violationBelow = false;
  try {
    const sources: Array<{ states: unknown[]; firstId: number }> = req.own.map((c) => ({ states: s.own[c.index]!, firstId: c.firstId }));
    req.chunks.forEach((b, c) => {
      const states = deserialize(new Uint8Array(b)) as unknown[];
      for (const st of states) deepFreeze(st);
      sources.push({ states, firstId: req.firstIds[c]! });
    });
    s.own = [];
    for (const { states, firstId } of sources) {
      for (let j = 0; j < states.length; j++) {
        if (Atomics.load(control, STOP) !== 0) break;
        if (Date.now() > req.deadline) {
          stopAll(control, STOP_REASON.timeLimit);
          break;
        }
        const st = states[j];
        const id = firstId + j;
        const acts = e.enabled(st, id, depth);
        if (e.stop) break;
        if (acts.length === 0 || violationBelow) continue;
        if (req.cut) {
          cutHit = true;
          continue;
        }
        e.forEachSuccessor(st, acts, id, (k, t) => {
          e.fingerprint(t, id);
          if (!table.add(e.scratch.hi, e.scratch.lo)) return true;
          const n = Atomics.add(control, STORED, 1);
          // The state budget is global and exact: the state that would exceed it is not kept.
          if (req.maxStates !== undefined && n >= req.maxStates) {
            stopAll(control, STOP_REASON.maxStates);
            return false;
          }
          if (n >= req.tableLimit) {
            stopAll(control, STOP_REASON.tableFull);
            return false;
          }
          out.push(t);
          parents.push(id);
          actions.push(k);
          e.checkState(t, LOCAL + out.length - 1, depth + 1);
          return !e.stop;
        });
        // As in bfs.ts: a violation one level down still lets this level be checked for deadlocks.
        if (e.stop && e.stopAtFirst && e.foundCount > s.reported) {
          e.stop = false;
          violationBelow = true;
        }
        if (e.stop || Atomics.load(control, STOP) !== 0) break;
      }
      if (e.stop || Atomics.load(control, STOP) !== 0) break;
    }
  } catch (x) {
    if (!(x instanceof ModelError)) throw x;
    error = { message: `${x.where} threw ${describeError(x.thrown)}`, id: x.id };
  }
  const found: Found[] = e.foundList().slice(s.reported);
  s.reported = e.foundList().length;
  for (let i = 0; i < out.length; i += CHUNK) s.own.push(out.slice(i, i + CHUNK));
  const reply: ExpandReply = {
    type: 'level',
    counts: s.own.map((c) => c.length),
    parents: Uint32Array.from(parents),
    actions: Uint16Array.from(actions),
    transitions: e.transitions,
    found: found.map((f) => ({ property: f.property, kind: f.kind, message: f.message ?? '', id: f.id, depth: f.depth, hi: f.fp.hi, lo: f.fp.lo })),
    sometimesHeld: Object.keys(e.model.sometimes ?? {}).filter((n) => !e.pendingSometimes.some(([p]) => p === n)),
    cutHit,
    ...(error === undefined ? {} : { error }),
  };
  return reply;
}

/** Serializes chunks this worker holds for another worker to expand. */
function give(s: Search, indexes: readonly number[]): ArrayBuffer[] {
  return indexes.map((i) => toArrayBuffer(serialize(s.own[i]!)));
}

port.on('message', (msg: SearchRequest | GiveRequest | ExpandRequest | { type: 'finish' }) => {
  void (async () => {
    let reply: ObjectWorkerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      if (msg.type === 'search') {
        await start(msg);
        reply = { type: 'ready' };
      } else if (msg.type === 'expand') {
        if (search === undefined) throw new Error('expand before search');
        reply = expand(search, msg);
      } else if (msg.type === 'give') {
        if (search === undefined) throw new Error('give before search');
        transfer = give(search, msg.indexes);
        reply = { type: 'given', buffers: transfer };
      } else {
        reply = { type: 'coverage', coverage: search?.engine.coverage() ?? {} };
        search = undefined;
      }
    } catch (e) {
      reply = { type: 'error', message: describeError(e) };
    }
    port.postMessage(reply, transfer);
  })();
});
