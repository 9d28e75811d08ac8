/**
 * Where the desktop app finds its parts, in a checkout (`npm start`) and when packaged. The
 * Electron-ABI copy of better-sqlite3 is used in a checkout (scripts/native.mjs builds it into
 * .electron-native/ so node_modules keeps the plain-Node build that tests and the CLI use); a packaged
 * app has its own rebuilt copy unpacked from the asar.
 */
import { app } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function appPaths(mainDir: string): {
  renderer: string;
  preload: string;
  engineHost: string;
  trayIcon: string;
  nativeBinding?: string;
} {
  const out = join(mainDir, '..');
  const root = join(out, '..');
  const native = join(root, '.electron-native', 'better_sqlite3.node');
  const resources = app.isPackaged ? process.resourcesPath : join(root, 'resources');
  return {
    renderer: join(out, 'renderer'),
    preload: join(out, 'preload', 'index.cjs'),
    engineHost: join(mainDir, 'engineHost.js'),
    trayIcon: join(resources, 'tray.png'),
    ...(!app.isPackaged && existsSync(native) ? { nativeBinding: native } : {}),
  };
}
