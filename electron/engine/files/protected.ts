/**
 * The files of an Understudy installation that no output may ever overwrite, and `outputTarget()`,
 * the door every engine write to a path a person named goes through (see safeWrite.ts for how).
 *
 * Protected: the database and its `-wal`/`-shm`/`-journal` (also of the desktop app's default
 * database when the engine was opened on another one), the secret file, its lock and the desktop
 * app's safeStorage file, a pending-restore note, every recorded backup with its folder of list
 * exports, and everything already in the backups folder (a new file may go there: a new backup,
 * or an export a person chose to keep beside them; refusing those would turn a backups folder set
 * to a shared place such as Documents into a trap).
 */
import { dirname, join, resolve } from 'node:path';
import type { Engine } from '../engine';
import { defaultDbPath } from '../paths';
import { KEYCHAIN_FILE, lockPathOf, SAFE_STORAGE_FILE, secretsPathFor } from '../secrets';
import { backupsDir, keysFileOf, listsDirOf, pendingRestoreFile } from './backupSettings';
import { prepareWrite, type ProtectedPath, type SafeTarget } from './safeWrite';

export interface ProtectOptions {
  /** More paths to refuse for this write (the file being imported, for its reject report). */
  also?: readonly ProtectedPath[];
}

/** The database files of the installation whose database is at `dbPath`. */
export function databaseFiles(dbPath: string): ProtectedPath[] {
  const db = resolve(dbPath);
  const secrets = secretsPathFor(db);
  return [
    { path: db, what: 'the Understudy database' },
    { path: `${db}-wal`, what: "the Understudy database's write-ahead log" },
    { path: `${db}-shm`, what: "the Understudy database's shared-memory file" },
    { path: `${db}-journal`, what: "the Understudy database's journal" },
    { path: secrets, what: 'the secret file (your saved passwords)' },
    { path: lockPathOf(secrets), what: "the secret file's lock" },
    { path: join(dirname(db), SAFE_STORAGE_FILE), what: 'the secret file (your saved passwords)' },
    { path: join(dirname(db), KEYCHAIN_FILE), what: "the secret file's key (kept for the desktop app)" },
    { path: pendingRestoreFile(db), what: 'the note of a restore waiting for the next start' },
  ];
}

/** Everything an output of this engine must refuse. */
export function protectedPaths(engine: Engine, options: ProtectOptions = {}): ProtectedPath[] {
  const out: ProtectedPath[] = [];
  const live = engine.dbPath;
  if (live && live !== ':memory:') {
    out.push(...databaseFiles(live));
    out.push({
      path: backupsDir(engine),
      what: 'the backups folder',
      tree: 'existing',
    });
  }
  const app = defaultDbPath();
  if (!live || resolve(app) !== resolve(live)) out.push(...databaseFiles(app));
  for (const b of engine.repos.backups.list()) {
    out.push({ path: b.path, what: 'a backup of your data' });
    out.push({ path: keysFileOf(b.path), what: 'the keys of a backup' });
    out.push({ path: listsDirOf(b.path), what: 'the list exports of a backup', tree: 'all' });
  }
  out.push(...(options.also ?? []));
  return out;
}

export interface OutputOptions extends ProtectOptions {
  /** Replace an existing file (the CLI's `--force`). Protected files are refused regardless. */
  force?: boolean;
  /** What is written, for messages: "the export", "the report", … */
  what: string;
}

/** Checks `path` against this installation and returns a target to write and commit. */
export function outputTarget(engine: Engine, path: string, options: OutputOptions): SafeTarget {
  return prepareWrite(path, {
    protect: protectedPaths(engine, options),
    force: options.force === true,
    what: options.what,
  });
}

export { writeTarget, ensureDir, FILE_MODE, DIR_MODE, type SafeTarget } from './safeWrite';
