// The renderer's own build (browser mode serves out/renderer; electron.vite.config.ts builds the same
// sources for the desktop app). Relative asset paths so the build works under app://understudy/ too.
// (No node: imports here: the renderer folder's lint rule forbids them; Vite provides import.meta.dirname.)
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root,
  base: './',
  build: {
    outDir: `${root}/../out/renderer`,
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
