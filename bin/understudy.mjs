#!/usr/bin/env node
// The `understudy` command. A checkout needs no build step: the TypeScript CLI is compiled with
// esbuild into one cached script (node_modules/.cache/understudy-cli), rebuilt when a source file
// changes, and loaded as plain JavaScript. Loading it through tsx instead costs a loader thread and a
// transform of every module at each start (measured: `understudy status` 0.7 s and 155 MB of RSS,
// against about 0.2 s and 70 MB from the cached script). If esbuild cannot run, tsx it is.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Everything the CLI bundle is built from: the engine, the CLI, browser mode, and the worker entries.
const SOURCES = ['electron/engine', 'electron/cli', 'electron/server'];
const ENTRIES = {
  main: 'electron/cli/main.ts',
  // Started by `new URL('./importWorker.ts', import.meta.url)`; workers/spawn.ts finds importWorker.js.
  importWorker: 'electron/engine/mirror/csv/importWorker.ts',
  // Started by `new URL('./checkWorker.ts', import.meta.url)` to verify a backup copy.
  checkWorker: 'electron/engine/continuity/checkWorker.ts',
  // Started by `new URL('./writerWorker.ts', import.meta.url)` to write a large first sync's pages.
  writerWorker: 'electron/engine/mirror/esp/writerWorker.ts',
};

/** A fingerprint of the sources: every file's path, size and modification time. */
function fingerprint() {
  const parts = [readFileSync(join(root, 'package.json'), 'utf8').length];
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        parts.push(`${p}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  for (const d of SOURCES) walk(join(root, d));
  return parts.join('|');
}

/**
 * The cached bundle's main script, built first if the sources changed; null if it cannot be built.
 * Each version of the sources gets a folder of its own (named by the fingerprint's hash), moved into
 * place once complete: commands starting at once never see half a bundle or lose theirs to another.
 */
function bundle() {
  try {
    const cache = join(root, 'node_modules', '.cache', 'understudy-cli');
    const id = createHash('sha256').update(fingerprint()).digest('hex').slice(0, 16);
    const dir = join(cache, id);
    const mainJs = join(dir, 'main.js');
    if (existsSync(mainJs)) return mainJs;
    const esbuild = createRequire(import.meta.url)('esbuild');
    const tmp = join(cache, `.${id}.${process.pid}.tmp`);
    mkdirSync(tmp, { recursive: true });
    esbuild.buildSync({
      entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, join(root, v)])),
      outdir: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}\n');
    try {
      renameSync(tmp, dir);
    } catch {
      // Another command moved the same build into place first.
      rmSync(tmp, { recursive: true, force: true });
    }
    // Builds of older sources, left for an hour in case a running command still starts a worker there.
    for (const old of readdirSync(cache)) {
      const p = join(cache, old);
      if (old !== id && Date.now() - statSync(p).mtimeMs > 3_600_000)
        rmSync(p, { recursive: true, force: true });
    }
    return existsSync(mainJs) ? mainJs : null;
  } catch {
    return null;
  }
}

const built = process.env.UNDERSTUDY_CLI_TSX ? null : bundle();
let main;
if (built) ({ main } = await import(pathToFileURL(built).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(pathToFileURL(join(root, 'electron', 'cli', 'main.ts')).href));
}
process.exitCode = await main(process.argv.slice(2));
