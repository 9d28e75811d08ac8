#!/usr/bin/env node
// `npm start`: builds the app and launches Electron. Where Electron's binary cannot be obtained (no
// download access), says so in one line and offers browser mode; never waits forever.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { electronBinary, tryInstallElectron } from './native-electron.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

const electron = electronBinary() ?? tryInstallElectron();
if (!electron) {
  console.error(
    "Understudy can't start the desktop app: Electron's binary is not installed and could not be downloaded here. Run `npm run serve` to use Understudy in your browser instead.",
  );
  process.exit(1);
}

const build = spawnSync(bin('electron-vite'), ['build'], {
  cwd: root,
  stdio: 'inherit',
  timeout: 10 * 60_000,
});
if (build.status !== 0) {
  console.error('The app did not build (see above). Nothing was changed in your data.');
  process.exit(1);
}
const native = spawnSync(process.execPath, [join(root, 'scripts', 'native.mjs')], {
  cwd: root,
  stdio: 'inherit',
  timeout: 10 * 60_000,
});
if (native.status !== 0) {
  console.error(
    'better-sqlite3 could not be built for Electron (see above). Run `npm run serve` to use Understudy in your browser instead.',
  );
  process.exit(1);
}
const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
