/**
 * One worker thread of the parallel compact search (workers.ts). It is started with its model
 * (by module path: usually the coordinator's compiled copy, worker-bundle.ts), its port and the
 * shared control words in `workerData`; it loads the model, says it is ready in its control word
 * (so that the coordinator, busy searching, need not turn its event loop to hear it), then
 * serves levels (compact-expand.ts) until told to quit, meeting the coordinator at each level
 * through the control words and its port (compact-protocol.ts).
 */
import { isMainThread, workerData, type MessagePort } from 'node:worker_threads';
import type { CompactModel } from './compact.ts';
import { expandLevel, growShare, LevelOutput, TableView, type GrowJob, type LevelJob } from './compact-expand.ts';
import { loadCompactModel } from './model-ref.ts';
import { cpuWord, startCpuWord, DONE, GO, QUIT, readyWord, take, threadCpuMs, waitChange, type WorkerInit, type WorkerReply } from './compact-protocol.ts';

if (isMainThread) throw new Error('compact-worker.ts runs only as a worker thread');

const describe = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

function serve(model: CompactModel, ctl: Int32Array, port: MessagePort, index: number): void {
  const out = new LevelOutput(model.width);
  const tables = new TableView();
  // The coordinator moves GO only after every worker is ready (or to quit), so it is 0 here.
  let seen = 0;
  for (;;) {
    seen = waitChange(ctl, GO, seen);
    if (Atomics.load(ctl, QUIT) !== 0) return;
    let reply: WorkerReply;
    const job = take<LevelJob | GrowJob>(port);
    try {
      if ('grow' in job) {
        growShare(job);
        reply = { type: 'grown' };
      } else reply = { type: 'level', ...expandLevel(model, job, out, tables) };
    } catch (e) {
      reply = { type: 'error', message: describe(e) };
    }
    if (!('grow' in job) && job.measure) Atomics.store(ctl, cpuWord(index), Math.round(threadCpuMs()));
    port.postMessage(reply);
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

const init = workerData as WorkerInit;
const ctl = new Int32Array(init.control);
const ready = (state: 1 | -1): void => {
  Atomics.store(ctl, readyWord(init.index), state);
  Atomics.notify(ctl, readyWord(init.index));
};
void (async () => {
  let model: CompactModel;
  try {
    model = await loadCompactModel(init.ref);
  } catch (e) {
    init.port.postMessage({ type: 'error', message: describe(e) } satisfies WorkerReply);
    ready(-1);
    return;
  }
  Atomics.store(ctl, startCpuWord(init.index), Math.round(threadCpuMs()));
  ready(1);
  serve(model, ctl, init.port, init.index);
  // Nothing else keeps the thread's event loop alive: it ends.
  init.port.close();
})();
