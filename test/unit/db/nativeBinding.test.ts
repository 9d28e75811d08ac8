/**
 * One native SQLite build for every connection of a process: the desktop app run from a checkout loads
 * Electron's build (scripts/native.mjs), and backups, checks and restores must load it too — a
 * connection opened with Node's build inside Electron fails to load.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { openDatabase, useNativeBinding } from '../../../electron/engine/db';
import { checkFile } from '../../../electron/engine/db/backup';
import { tempDir } from '../../helpers/tmp';

const nodeBuild = join(
  createRequire(import.meta.url).resolve('better-sqlite3/package.json'),
  '..',
  'build',
  'Release',
  'better_sqlite3.node',
);

afterEach(() => useNativeBinding(undefined));

describe('the process-wide native binding', () => {
  it('is what every connection loads: the engine’s, and the backup checks’', () => {
    const path = join(tempDir(), 'a.sqlite');
    openDatabase(path).close();
    useNativeBinding(join(tempDir(), 'missing', 'better_sqlite3.node'));
    expect(() => openDatabase(path)).toThrow();
    expect(checkFile(path).ok).toBe(false);
    useNativeBinding(nodeBuild);
    openDatabase(path).close();
    expect(checkFile(path)).toMatchObject({ ok: true, integrity: 'ok' });
  });
});
