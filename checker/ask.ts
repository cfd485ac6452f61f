/**
 * One request to a worker thread and its one reply: the message handler and the error handler
 * each remove the other, so a pool can ask the same worker again and again without leaking
 * listeners. Used by both parallel searches (workers.ts, object-workers.ts).
 */
import type { Worker } from 'node:worker_threads';

export function ask<R>(w: Worker, msg: unknown, transfer: ArrayBuffer[] = []): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const onMessage = (r: R): void => {
      w.off('error', onError);
      resolve(r);
    };
    const onError = (e: Error): void => {
      w.off('message', onMessage);
      reject(e);
    };
    w.once('message', onMessage);
    w.once('error', onError);
    w.postMessage(msg, transfer);
  });
}
