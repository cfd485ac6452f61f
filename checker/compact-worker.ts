/**
 * One worker thread of the parallel compact search (workers.ts). It loads its own copy of the
 * model by module path (usually the coordinator's compiled copy, worker-bundle.ts), answers
 * 'ready', then serves levels (compact-expand.ts) until told to quit, meeting the coordinator at
 * each level through shared control words and its own port (compact-protocol.ts): it never
 * returns to its event loop in between.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { CompactModel } from './compact.ts';
import { expandLevel, LevelOutput, TableView, type LevelJob } from './compact-expand.ts';
import { loadCompactModel, type ModelRef } from './model-ref.ts';
import { CONTROL_WORDS, DONE, GO, QUIT, take, threadCpuMs, waitChange, type WorkerReply } from './compact-protocol.ts';

const parent = parentPort;
if (parent === null) throw new Error('compact-worker.ts runs only as a worker thread');

export interface InitMessage {
  type: 'init';
  ref: ModelRef;
  control: SharedArrayBuffer;
  port: MessagePort;
  /** This thread's number, for its word in the control words. */
  index: number;
}

function serve(model: CompactModel, ctl: Int32Array, port: MessagePort, cpuWord: number): void {
  const out = new LevelOutput(model.width);
  const tables = new TableView();
  // The coordinator moves GO only after every worker is ready (or to quit), so it is 0 here.
  let seen = 0;
  for (;;) {
    seen = waitChange(ctl, GO, seen);
    if (Atomics.load(ctl, QUIT) !== 0) return;
    let reply: WorkerReply;
    const job = take<LevelJob>(port);
    try {
      reply = { type: 'level', ...expandLevel(model, job, out, tables) };
    } catch (e) {
      reply = { type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
    if (job.measure) Atomics.store(ctl, cpuWord, Math.round(threadCpuMs()));
    port.postMessage(reply);
    Atomics.add(ctl, DONE, 1);
    Atomics.notify(ctl, DONE);
  }
}

parent.once('message', (msg: InitMessage) => {
  void (async () => {
    let model: CompactModel;
    try {
      model = await loadCompactModel(msg.ref);
    } catch (e) {
      parent.postMessage({ type: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) } satisfies WorkerReply);
      return;
    }
    parent.postMessage({ type: 'ready' } satisfies WorkerReply);
    serve(model, new Int32Array(msg.control), msg.port, CONTROL_WORDS + msg.index);
    closePorts(msg.port);
  })();
});

/** Lets the thread end once it has quit: nothing else keeps its event loop alive. */
function closePorts(port: MessagePort): void {
  port.close();
  parent?.close();
}
