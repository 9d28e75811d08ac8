// Finds Electron's binary without triggering its lazy download (requiring `electron` would start one
// and wait on it), and optionally tries the download once with a time limit so nothing ever hangs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const electronDir = join(root, 'node_modules', 'electron');

export function electronVersion() {
  return JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
}

/** The Electron executable, or undefined when it is not installed. */
export function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(electronDir, 'dist');
  const bin = join(dist, rel || 'electron');
  return existsSync(bin) ? bin : undefined;
}

/** Tries Electron's own installer once, bounded in time; returns the binary or undefined. */
export function tryInstallElectron(timeoutMs = 45_000) {
  if (!existsSync(join(electronDir, 'install.js'))) return undefined;
  spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    stdio: 'ignore',
    timeout: timeoutMs,
    cwd: electronDir,
  });
  return electronBinary();
}
