/**
 * Starts a worker thread for CPU-heavy engine work (parsing a 1,000,000-row import) so the engine's
 * event loop stays responsive. In a checkout the entry is TypeScript and goes through bootstrap.mjs
 * (tsx); in a build it is the compiled JavaScript file next to this one.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export interface SpawnOptions {
  /**
   * Caps the worker's old generation. V8 otherwise lets a busy worker's garbage pile up to hundreds of
   * MB before collecting; a streaming worker holds little live data, so a cap keeps RSS flat.
   */
  maxHeapMb?: number;
  /**
   * Size of the young generation. A parser allocates a few KB per row that die within a batch, but
   * the rows of the batch being filled survive each scavenge and are copied: the import reader keeps
   * batches small (500 rows) so a 32 MB young generation suffices (a bigger one costs RSS, not time).
   */
  youngMb?: number;
}

export function spawnWorker(entry: URL, data: Record<string, unknown>, options: SpawnOptions = {}): Worker {
  const path = fileURLToPath(entry);
  const resourceLimits: ResourceLimits = {
    ...(options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : {}),
    ...(options.youngMb ? { maxYoungGenerationSizeMb: options.youngMb } : {}),
  };
  const limits = Object.keys(resourceLimits).length ? { resourceLimits } : {};
  if (path.endsWith('.ts')) {
    return new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      workerData: { ...data, __entry: entry.href },
      ...limits,
    });
  }
  return new Worker(path, { workerData: data, ...limits });
}
