/**
 * One worker thread of the parallel compact search (workers.ts). It loads its own copy of the
 * model by module path, then expands the slices of BFS levels it is given, inserting into the
 * shared fingerprint table, and sends back the new states it owns with their parent links.
 */
import { parentPort } from 'node:worker_threads';
import type { CompactModel } from './compact.ts';
import { fingerprintWords, type Fingerprint } from './fingerprint.ts';
import { SharedTable } from './shared-table.ts';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import type { ExpandRequest, ExpandReply, WorkerReply } from './workers.ts';

const port = parentPort;
if (port === null) throw new Error('compact-worker.ts runs only as a worker thread');

let model: CompactModel | undefined;
let table: SharedTable | undefined;
let tableBuffer: SharedArrayBuffer | undefined;

function expand(cm: CompactModel, req: ExpandRequest): ExpandReply {
  if (tableBuffer !== req.table) {
    tableBuffer = req.table;
    table = new SharedTable(req.table);
  }
  const t = table!;
  const width = cm.width;
  const T = cm.transitions.length;
  const level = new Int32Array(req.level);
  const cur = new Int32Array(width);
  const out = new Int32Array(width);
  const fp: Fingerprint = { hi: 0, lo: 0 };
  // Properties already violated in earlier levels are not checked again.
  const invariants = Object.entries(cm.invariants ?? {}).filter(([name]) => !req.found.includes(name));
  const pending = new Set(Object.keys(cm.sometimes ?? {}).filter((k) => !req.sometimesHeld.includes(k)));
  const sometimes = Object.entries(cm.sometimes ?? {});
  let states = new Int32Array(width * 1024);
  let parents = new Uint32Array(1024);
  let actions = new Uint16Array(1024);
  let count = 0;
  let transitions = 0;
  const coverage = new Float64Array(T);
  let deadlock = -1;
  const violations: Array<{ property: string; index: number }> = [];
  const violated = new Set<string>();
  let cutHit = false;
  let stopped: ExpandReply['stopped'] = null;
  let violationSeen = false;
  for (let j = req.from; j < req.to; j++) {
    const id = req.firstId + j;
    const base = j * width;
    for (let i = 0; i < width; i++) cur[i] = level[base + i]!;
    let k = 0;
    for (let tr = 0; tr < T; tr++) {
      if (!cm.enabled(cur, tr)) continue;
      if (req.cut || violationSeen) {
        k++;
        break;
      }
      for (let i = 0; i < width; i++) out[i] = cur[i]!;
      cm.apply(cur, tr, out);
      transitions++;
      coverage[tr]!++;
      fingerprintWords(out, 0, width, fp);
      // The table's count as of this level's start, plus what this worker added: other
      // workers' additions are not seen, so a budget can be overrun by up to a level's worth.
      if (req.stored + count >= req.limit) {
        if (!t.has(fp.hi, fp.lo)) stopped = req.stored + count >= req.tableLimit ? 'tableFull' : 'maxStates';
        k++;
        continue;
      }
      if (t.add(fp.hi, fp.lo)) {
        // Grown by hand, each with its own type, so that every access stays monomorphic.
        if (count === parents.length) {
          const p2 = new Uint32Array(count * 2);
          p2.set(parents);
          parents = p2;
          const a2 = new Uint16Array(count * 2);
          a2.set(actions);
          actions = a2;
          const s2 = new Int32Array(count * 2 * width);
          s2.set(states);
          states = s2;
        }
        const at = count * width;
        for (let i = 0; i < width; i++) states[at + i] = out[i]!;
        parents[count] = id;
        actions[count] = k;
        for (let v = 0; v < invariants.length; v++) {
          const [name, holds] = invariants[v]!;
          if (!holds(out) && !violated.has(name)) {
            violated.add(name);
            violations.push({ property: name, index: count });
            if (req.stopAtFirst) violationSeen = true;
          }
        }
        if (pending.size > 0) for (const [name, holds] of sometimes) if (pending.has(name) && holds(out)) pending.delete(name);
        count++;
      }
      k++;
    }
    if (k === 0 && deadlock < 0 && !(cm.done?.(cur) ?? false)) {
      deadlock = id;
      if (req.stopAtFirst) break;
    }
    if (req.cut && k > 0) cutHit = true;
    if (stopped !== null) break;
    if ((j & 1023) === 0 && Date.now() > req.deadline) {
      stopped = 'timeLimit';
      break;
    }
  }
  return {
    type: 'level',
    states: states.buffer.slice(0, count * width * 4),
    parents: parents.buffer.slice(0, count * 4),
    actions: actions.buffer.slice(0, count * 2),
    count,
    transitions,
    coverage,
    deadlock,
    violations,
    sometimesHeld: Object.keys(cm.sometimes ?? {}).filter((n) => !pending.has(n)),
    cutHit,
    stopped,
  };
}

port.on('message', (msg: { type: 'init'; ref: ModelRef } | ExpandRequest) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      if (msg.type === 'init') {
        model = await loadCompactModel(msg.ref);
        reply = { type: 'ready' };
      } else {
        if (model === undefined) throw new Error('expand before init');
        reply = expand(model, msg);
        port.postMessage(reply, [reply.states, reply.parents, reply.actions]);
        return;
      }
    } catch (e) {
      reply = { type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    port.postMessage(reply);
  })();
});
