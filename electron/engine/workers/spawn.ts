/**
 * Starts a worker thread for CPU-heavy engine work (parsing a 1,000,000-row import) so the engine's
 * event loop stays responsive. In a checkout the entry is TypeScript: it is compiled once per process
 * with esbuild into one script (bootstrap.mjs and tsx only if esbuild is missing); in a build, where
 * the TypeScript file is not there, it is the compiled `.js` entry beside the bundle that names it.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { internalError } from '../errors';

export interface SpawnOptions {
  /**
   * Caps the worker's old generation. V8 otherwise lets a busy worker's garbage pile up to hundreds of
   * MB before collecting; a streaming worker holds little live data, so a cap keeps RSS flat.
   */
  maxHeapMb?: number;
  /**
   * Size of the young generation. A parser allocates a few KB per row that die within a batch, but
   * the rows of the batch being filled survive each scavenge and are copied: the import reader keeps
   * batches small (500 rows) so a 16 MB young generation suffices (a bigger one costs RSS, not time).
   */
  youngMb?: number;
  /**
   * The entry loads a native module (better-sqlite3): a bundle evaluated from a string cannot find
   * its binary, so in a checkout the TypeScript loader runs it instead (a build runs the compiled file).
   */
  native?: boolean;
}

export function spawnWorker(entry: URL, data: Record<string, unknown>, options: SpawnOptions = {}): Worker {
  const path = fileURLToPath(entry);
  const resourceLimits: ResourceLimits = {
    ...(options.maxHeapMb ? { maxOldGenerationSizeMb: options.maxHeapMb } : {}),
    ...(options.youngMb ? { maxYoungGenerationSizeMb: options.youngMb } : {}),
  };
  const limits = Object.keys(resourceLimits).length ? { resourceLimits } : {};
  if (path.endsWith('.ts') && !existsSync(path)) {
    // A build (the desktop app's electron-vite output): the code that names `./x.ts` was bundled, and
    // the entry was compiled beside it as `x.js` (electron.vite.config.ts lists every worker entry).
    const compiled = path.replace(/\.ts$/, '.js');
    if (existsSync(compiled)) return new Worker(compiled, { workerData: data, ...limits });
    throw internalError(`This build of Understudy is missing its worker ${basename(compiled)}.`, {
      safe: 'Nothing was changed.',
      next: 'Reinstall Understudy; if it persists, report it with this message.',
    });
  }
  if (path.endsWith('.ts')) {
    const code = options.native ? undefined : bundled(path);
    if (code !== undefined) return new Worker(code, { eval: true, workerData: data, ...limits });
    return new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      workerData: { ...data, __entry: entry.href },
      ...limits,
    });
  }
  return new Worker(path, { workerData: data, ...limits });
}

const bundles = new Map<string, string | undefined>();

/**
 * A TypeScript worker entry compiled to one self-contained script, once per process. Loading it
 * through tsx instead (bootstrap.mjs) gives the worker its own loader thread and transforms every
 * module again: 27 MB more RSS before it reads a byte, measured. esbuild comes with tsx; if it cannot
 * run here, the worker falls back to tsx.
 */
function bundled(path: string): string | undefined {
  if (!bundles.has(path)) {
    let code: string | undefined;
    try {
      const require = createRequire(import.meta.url);
      const esbuild = require('esbuild') as typeof import('esbuild');
      const out = esbuild.buildSync({
        entryPoints: [path],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        write: false,
        logLevel: 'silent',
      });
      code = out.outputFiles[0]?.text;
    } catch {
      code = undefined;
    }
    bundles.set(path, code);
  }
  return bundles.get(path);
}
