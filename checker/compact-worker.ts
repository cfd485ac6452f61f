/**
 * One worker thread of the parallel compact search (workers.ts). It loads its own copy of the
 * model by module path (usually the coordinator's compiled copy, worker-bundle.ts), then
 * expands the levels it is given (compact-expand.ts).
 */
import { parentPort } from 'node:worker_threads';
import type { CompactModel } from './compact.ts';
import { expandLevel, LevelOutput, TableView, type LevelJob } from './compact-expand.ts';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import type { WorkerReply } from './workers.ts';

const port = parentPort;
if (port === null) throw new Error('compact-worker.ts runs only as a worker thread');

let model: CompactModel | undefined;
let out: LevelOutput | undefined;
const tables = new TableView();

port.on('message', (msg: { type: 'init'; ref: ModelRef } | ({ type: 'expand' } & LevelJob)) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      if (msg.type === 'init') {
        model = await loadCompactModel(msg.ref);
        out = new LevelOutput(model.width);
        reply = { type: 'ready' };
      } else {
        if (model === undefined || out === undefined) throw new Error('expand before init');
        reply = { type: 'level', ...expandLevel(model, msg, out, tables) };
      }
    } catch (e) {
      reply = { type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    port.postMessage(reply);
  })();
});
