/**
 * The one place a SQLite connection is made. Every pragma is set explicitly, with the reason next to it
 * (https://www.sqlite.org/pragma.html). Opening also migrates the schema, refuses a database written by
 * a newer Understudy, and checks the file for damage so a corrupt mirror is reported, never trusted.
 */
import Database from 'better-sqlite3';
import { accessSync, constants as fsConstants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { UnderstudyError, userError, internalError, explainError } from '../errors';
import { migrations, LATEST_VERSION } from './migrations';

export type Db = Database.Database;

export interface OpenOptions {
  /** Read-only connections never migrate and never write (status, reports from a backup). */
  readonly?: boolean;
  /** Run `quick_check` even if the last check was recent. */
  forceCheck?: boolean;
  /** Skip the damage check (a fresh temporary database, tests of the check itself). */
  skipCheck?: boolean;
  /** Path of a better_sqlite3.node built for another ABI (Electron's), see scripts/native.mjs. */
  nativeBinding?: string;
  /** How long a writer waits for another connection's lock before giving up. */
  busyTimeoutMs?: number;
}

/**
 * The better_sqlite3.node this process loads for every connection, when not Node's own build: the
 * desktop app run from a checkout passes Electron's (scripts/native.mjs) once at start. Backups,
 * checks and restores open their connections through `sqliteOptions` and so use it too.
 */
let processBinding: string | undefined;

export function useNativeBinding(path: string | undefined): void {
  processBinding = path;
}

/** better-sqlite3 constructor options with this process's native binding. */
export function sqliteOptions(options: Database.Options = {}): Database.Options {
  return processBinding && !options.nativeBinding ? { ...options, nativeBinding: processBinding } : options;
}

/** How often a database that was closed cleanly gets a `quick_check` on open. */
const CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const memory = path === ':memory:';
  if (!memory && !options.readonly) mkdirSync(dirname(path), { recursive: true });
  if (!memory && options.readonly && !existsSync(path)) {
    throw userError(`No Understudy database at ${path}.`, {
      code: 'db_missing',
      next: 'Check --db, or run a command that creates it (for example `understudy import`).',
    });
  }
  // A WAL file left behind means the last writer did not close cleanly (or another process has the
  // database open right now): both are reasons to look for damage before trusting the file.
  const walLeft = !memory && existsSync(`${path}-wal`) && statSync(`${path}-wal`).size > 0;

  let db: Db;
  try {
    db = new Database(
      path,
      sqliteOptions({
        readonly: options.readonly ?? false,
        ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
      }),
    );
  } catch (e) {
    throw damaged(path, e);
  }
  try {
    // First, before any pragma can touch the file: refuse a database from a newer Understudy.
    refuseNewer(db, path);
    configure(db, options, memory);
    if (!memory && !options.skipCheck) checkIntegrity(db, path, options.forceCheck === true || walLeft);
    if (!options.readonly) migrate(db, path);
    else refuseNewer(db, path);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof UnderstudyError) throw e;
    throw damaged(path, e);
  }
}

function configure(db: Db, options: OpenOptions, memory: boolean): void {
  // WAL: readers (the UI, reports, the CLI) never block the writer and the writer never blocks them.
  // https://www.sqlite.org/wal.html
  if (!memory && !options.readonly) db.pragma('journal_mode = WAL');
  // Durability is a decision per kind of data, and the data here that matters most is small and
  // written in batches: delivery outcomes and unsubscribes must survive a power cut, or a resumed
  // send could mail someone twice or mail someone who left. better-sqlite3 leaves WAL databases at
  // synchronous=NORMAL, where the last commits can be lost on power loss
  // (https://www.sqlite.org/pragma.html#pragma_synchronous). FULL fsyncs the WAL at every commit; the
  // cost is one fsync per transaction, which batching (outbox batches, one transaction per import)
  // keeps small. So: FULL for the whole database, not NORMAL.
  db.pragma('synchronous = FULL');
  // Referential integrity is enforced, not hoped for (off by default for backwards compatibility).
  db.pragma('foreign_keys = ON');
  // The app, the CLI and browser mode may open the same file: wait for a lock instead of failing.
  db.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 10_000)}`);
  // 64 MiB page cache: a million-row import and list search stay in memory without unbounded growth.
  db.pragma('cache_size = -65536');
  // Temporary tables (import staging) go to disk, so a 1,000,000-row import does not grow RSS.
  db.pragma('temp_store = FILE');
  // SQLite's lower() folds ASCII only; names are compared and searched with Unicode lower-casing.
  db.function('unicode_lower', { deterministic: true }, (s: unknown) =>
    typeof s === 'string' ? s.toLowerCase() : s,
  );
}

function refuseNewer(db: Db, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > LATEST_VERSION) {
    throw userError(
      `The database at ${path} was written by a newer Understudy (schema ${version}; this version knows up to ${LATEST_VERSION}).`,
      {
        code: 'db_too_new',
        safe: 'It was not opened for writing and nothing in it was changed.',
        next: 'Update Understudy to the latest version, or point --db at another database.',
      },
    );
  }
  return version;
}

/** Runs every pending step in one transaction: a failed migration leaves the database as it was. */
export function migrate(db: Db, path = ':memory:'): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw internalError(`Migration ${m.name} is numbered ${m.version}, expected ${i + 1}.`);
  });
  const current = refuseNewer(db, path);
  if (current === LATEST_VERSION) return;
  const run = db.transaction(() => {
    for (const m of migrations.filter((step) => step.version > current)) {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
    }
    db.pragma(`user_version = ${LATEST_VERSION}`);
  });
  try {
    run.immediate();
  } catch (e) {
    throw internalError(
      `Upgrading the database at ${path} to schema ${LATEST_VERSION} failed: ${(e as Error).message}`,
      {
        code: 'migration_failed',
        safe: `The upgrade was rolled back; the database is still at schema ${current} and nothing was lost.`,
        next: 'Report this with the message above; keep using the previous version of Understudy meanwhile.',
        cause: e,
      },
    );
  }
}

function checkIntegrity(db: Db, path: string, force: boolean): void {
  let last: string | undefined;
  try {
    const hasMeta = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'`).get();
    if (hasMeta) {
      last = (
        db.prepare(`SELECT value FROM meta WHERE key = 'last_check_at'`).get() as
          { value: string } | undefined
      )?.value;
    }
  } catch (e) {
    throw damaged(path, e);
  }
  if (!force && last && Date.now() - Date.parse(last) < CHECK_INTERVAL_MS) return;
  // The check reads every page once, so a big cache does not help it; through the 64 MiB cache it
  // left up to 64 MiB of pages resident for the rest of the session (freed later, the allocator keeps
  // them), which a campaign sent then carried as its own. Measured on a 1,000,000-subscriber file:
  // +67 MB RSS and 0.75 s with 64 MiB, +3 MB and 0.5 s with 2 MiB.
  const problems = withCache(db, CHECK_CACHE_KIB, () => runCheck(db, 'quick_check'));
  if (problems.length > 0) throw damaged(path, new Error(problems.slice(0, 3).join('; ')));
  if (!db.readonly) {
    try {
      const hasMeta = db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'`).get();
      if (hasMeta) {
        db.prepare(
          `INSERT INTO meta (key, value) VALUES ('last_check_at', ?)
                    ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        ).run(new Date().toISOString());
      }
    } catch {
      // Recording the time of the check is a nicety; a busy database must not stop the app opening.
    }
  }
}

/** Page cache of the connection while the damage check at open runs (KiB). */
const CHECK_CACHE_KIB = 2048;

/** Runs `fn` with the main database's page cache set to `kib`, then restores the cache size. */
function withCache<T>(db: Db, kib: number, fn: () => T): T {
  const saved = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = ${-Math.trunc(kib)}`);
  try {
    return fn();
  } finally {
    db.pragma(`cache_size = ${Math.trunc(saved)}`);
  }
}

/** `quick_check` (O(N), skips index cross-checks) or the full `integrity_check`. Returns the problems. */
export function runCheck(db: Db, kind: 'quick_check' | 'integrity_check'): string[] {
  const rows = db.pragma(kind) as Record<string, string>[];
  const messages = rows.map((r) => Object.values(r)[0] ?? '');
  return messages.length === 1 && messages[0] === 'ok' ? [] : messages;
}

function damaged(path: string, cause: unknown): Error {
  // A read-only file or folder, a full disk, a folder given as the database: not damage, and the
  // person fixes it differently (engine/errors.ts#explainError).
  let known = explainError(cause);
  // SQLite says "unable to open database file" whether the folder is missing or read-only: ask the
  // file system which, so the person is told the right thing to fix.
  if (known.code === 'db_cannot_open') {
    try {
      accessSync(dirname(path), fsConstants.W_OK);
    } catch (e) {
      const fs = explainError(e);
      if (fs.kind === 'user')
        known = userError(
          fs.code === 'read_only' || fs.code === 'permission_denied'
            ? 'The database is in a folder that cannot be written (a read-only disk, or no permission): SQLite needs to write beside it.'
            : fs.message,
          { code: 'db_read_only', ...(known.next ? { next: known.next } : {}) },
        );
    }
  }
  if (known.kind === 'user' && known.code !== 'db_damaged')
    return userError(`${known.message} (${path})`, {
      code: known.code,
      safe: 'Understudy did not write to the database.',
      ...(known.next ? { next: known.next } : {}),
      cause,
    });
  const detail = cause instanceof Error ? cause.message : String(cause);
  return userError(`The database at ${path} is damaged or is not an Understudy database (${detail}).`, {
    code: 'db_damaged',
    safe: 'Understudy did not write to it, so what is left in it is untouched.',
    next: 'Restore the latest backup with `understudy restore FILE` (see `understudy backups`), or move the file aside and re-import your lists.',
    cause,
  });
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
