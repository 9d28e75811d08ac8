/**
 * Starts a worker thread for CPU-heavy engine work (parsing a 1,000,000-row import) so the engine's
 * event loop stays responsive. In a checkout the entry is TypeScript and goes through bootstrap.mjs
 * (tsx); in a build it is the compiled JavaScript file next to this one.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export function spawnWorker(entry: URL, data: Record<string, unknown>): Worker {
  const path = fileURLToPath(entry);
  if (path.endsWith('.ts')) {
    return new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      workerData: { ...data, __entry: entry.href },
    });
  }
  return new Worker(path, { workerData: data });
}
