/**
 * Starts a worker thread for CPU-heavy engine work (parsing a 1,000,000-row import) so the engine's
 * event loop stays responsive. In a checkout the entry is TypeScript and goes through bootstrap.mjs
 * (tsx); in a build it is the compiled JavaScript file next to this one.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

export interface SpawnOptions {
  /**
   * Caps the worker's heap. V8 otherwise lets a busy worker's garbage pile up to hundreds of MB
   * before collecting; a streaming worker holds little live data, so a small cap keeps RSS flat.
   */
  maxHeapMb?: number;
}

export function spawnWorker(entry: URL, data: Record<string, unknown>, options: SpawnOptions = {}): Worker {
  const path = fileURLToPath(entry);
  const resourceLimits: ResourceLimits | undefined = options.maxHeapMb
    ? { maxOldGenerationSizeMb: options.maxHeapMb, maxYoungGenerationSizeMb: 16 }
    : undefined;
  const limits = resourceLimits ? { resourceLimits } : {};
  if (path.endsWith('.ts')) {
    return new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      workerData: { ...data, __entry: entry.href },
      ...limits,
    });
  }
  return new Worker(path, { workerData: data, ...limits });
}
