#!/usr/bin/env node
// Builds an Electron-ABI copy of better-sqlite3 into .electron-native/better_sqlite3.node, leaving
// node_modules/better-sqlite3 built for plain Node (tests and the CLI need that one). The desktop app
// passes the copy to better-sqlite3 as `nativeBinding`. Skips the work when the copy matches the
// installed Electron and better-sqlite3 versions. Exit 0 ok, 1 could not build (message on stderr).
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronVersion } from './native-electron.mjs';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, '.electron-native');
const target = join(outDir, 'better_sqlite3.node');
const stampFile = join(outDir, 'stamp.json');
const sqliteDir = join(root, 'node_modules', 'better-sqlite3');
const stamp = {
  electron: electronVersion(),
  betterSqlite3: JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version,
  platform: process.platform,
  arch: process.arch,
};

if (
  existsSync(target) &&
  existsSync(stampFile) &&
  readFileSync(stampFile, 'utf8') === JSON.stringify(stamp)
) {
  process.exit(0);
}

const work = join(outDir, 'work');
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'node_modules'), { recursive: true });
writeFileSync(
  join(work, 'package.json'),
  JSON.stringify({
    name: 'native-work',
    version: '1.0.0',
    dependencies: { 'better-sqlite3': stamp.betterSqlite3 },
  }),
);
cpSync(sqliteDir, join(work, 'node_modules', 'better-sqlite3'), {
  recursive: true,
  filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
});

process.stderr.write(
  `Building better-sqlite3 ${stamp.betterSqlite3} for Electron ${stamp.electron} into .electron-native/ ...\n`,
);
try {
  const { rebuild } = await import('@electron/rebuild');
  await rebuild({
    buildPath: work,
    electronVersion: stamp.electron,
    force: true,
    onlyModules: ['better-sqlite3'],
  });
} catch (e) {
  process.stderr.write(
    `Could not build better-sqlite3 for Electron ${stamp.electron}: ${e?.message ?? e}. Electron's headers (from electronjs.org) and a C++ toolchain are needed. node_modules was not touched; tests and \`npm run serve\` still work.\n`,
  );
  process.exit(1);
}
const built = join(work, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
if (!existsSync(built)) {
  process.stderr.write(
    'The Electron build of better-sqlite3 finished without producing better_sqlite3.node.\n',
  );
  process.exit(1);
}
copyFileSync(built, target);
writeFileSync(stampFile, JSON.stringify(stamp));
rmSync(work, { recursive: true, force: true });
process.stderr.write(`Built ${target}\n`);
