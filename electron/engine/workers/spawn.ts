/**
 * Starts a worker thread for CPU-heavy engine work (parsing a 1,000,000-row import) so the engine's
 * event loop stays responsive. In a checkout the entry is TypeScript: it is compiled once per process
 * with esbuild into one script (bootstrap.mjs and tsx only if esbuild is missing); in a build, where
 * the TypeScript file is not there, it is the compiled `.js` entry beside the bundle that names it.
 */
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join, sep } from 'node:path';
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
    if (options.native) {
      const file = bundledFile(path);
      if (file !== undefined) return new Worker(file, { workerData: data, ...limits });
    } else {
      const code = bundled(path);
      if (code !== undefined) return new Worker(code, { eval: true, workerData: data, ...limits });
    }
    return new Worker(new URL('./bootstrap.mjs', import.meta.url), {
      workerData: { ...data, __entry: entry.href },
      ...limits,
    });
  }
  return new Worker(path, { workerData: data, ...limits });
}

const bundles = new Map<string, string | undefined>();
const bundleFiles = new Map<string, string | undefined>();

/**
 * For an entry that loads better-sqlite3: the same one-script bundle, with better-sqlite3 left out
 * (its binary is found from its own folder) and written to a file under node_modules/.cache, from
 * where `require('better-sqlite3')` finds the checkout's copy. Starting a worker through tsx instead
 * took ~0.2 s each (the backup rotation test takes 216 backups, each checked in a worker: 48 s).
 */
function bundledFile(path: string): string | undefined {
  if (!bundleFiles.has(path)) {
    let file: string | undefined;
    try {
      const require = createRequire(import.meta.url);
      const sqlite = require.resolve('better-sqlite3');
      const modules = sqlite.slice(
        0,
        sqlite.lastIndexOf(`${sep}node_modules${sep}`) + `${sep}node_modules`.length,
      );
      const code = bundleText(path, ['better-sqlite3']);
      if (code !== undefined) {
        const dir = join(modules, '.cache', 'understudy-workers');
        mkdirSync(dir, { recursive: true });
        const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
        file = join(dir, `${basename(path, '.ts')}-${hash}.cjs`);
        if (!existsSync(file)) {
          // Another process may write the same file at the same moment: each writes its own, then renames.
          const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
          writeFileSync(tmp, code);
          renameSync(tmp, file);
        }
      }
    } catch {
      file = undefined;
    }
    bundleFiles.set(path, file);
  }
  return bundleFiles.get(path);
}

/** One CommonJS script of an entry and everything it imports but `external`; undefined without esbuild. */
function bundleText(path: string, external: string[] = []): string | undefined {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild') as typeof import('esbuild');
  const out = esbuild.buildSync({
    entryPoints: [path],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]?.text;
}

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
      code = bundleText(path);
    } catch {
      code = undefined;
    }
    bundles.set(path, code);
  }
  return bundles.get(path);
}
