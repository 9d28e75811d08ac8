// Worker-thread entry for TypeScript workers in a checkout (tests, CLI): registers tsx's loader in
// the worker, then loads the real entry named in workerData. Built apps start the compiled .js
// entry directly and never load this file.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
