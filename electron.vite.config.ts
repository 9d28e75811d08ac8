// Builds the desktop app with electron-vite: the main process (plus the engine host that runs in a
// utility process), the sandboxed preload (one CommonJS bundle, as a sandboxed preload requires), and
// the renderer (the same sources browser mode serves).
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

const root = import.meta.dirname;
// Tests build into a folder of their own (test/integration/build) instead of the checkout's out/.
const out = process.env.UNDERSTUDY_BUILD_OUT ?? resolve(root, 'out');

export default defineConfig({
  main: {
    build: {
      outDir: resolve(out, 'main'),
      // better-sqlite3 and the other runtime dependencies stay in node_modules (unpacked from the asar).
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          engineHost: resolve(root, 'electron/main/engineHost.ts'),
          // Worker threads the engine starts by `new URL('./x.ts', import.meta.url)`: each is compiled
          // beside the bundle as x.js, where spawnWorker looks for it (workers/spawn.ts).
          importWorker: resolve(root, 'electron/engine/mirror/csv/importWorker.ts'),
          checkWorker: resolve(root, 'electron/engine/continuity/checkWorker.ts'),
          writerWorker: resolve(root, 'electron/engine/mirror/esp/writerWorker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(out, 'preload'),
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve(root, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    build: {
      outDir: resolve(out, 'renderer'),
      target: 'chrome120',
      rollupOptions: { input: resolve(root, 'renderer/index.html') },
    },
    oxc: { jsx: { runtime: 'automatic' } },
  },
});
