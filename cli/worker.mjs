// Entry of the search worker (cli/worker.ts): a worker thread does not inherit the main
// thread's tsx hooks on Node 20, so it registers them itself before loading TypeScript.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
