/**
 * The one place a SQLite connection is made. Every pragma is set explicitly, with the reason next to it
 * (https://www.sqlite.org/pragma.html). Opening also migrates the schema, refuses a database written by
 * a newer Understudy, and checks the file for damage so a corrupt mirror is reported, never trusted.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants as fsConstants,
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { UnderstudyError, userError, internalError, explainError } from '../errors';
import { migrations, LATEST_VERSION } from './migrations';
import { DIR_MODE, FILE_MODE } from '../files/safeWrite';

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

/** The binding set by useNativeBinding (a worker thread's connection must load the same one). */
export function nativeBindingInUse(): string | undefined {
  return processBinding;
}

/** better-sqlite3 constructor options with this process's native binding. */
export function sqliteOptions(options: Database.Options = {}): Database.Options {
  return processBinding && !options.nativeBinding ? { ...options, nativeBinding: processBinding } : options;
}

/** How often a database that was closed cleanly gets a `quick_check` on open. */
const CHECK_INTERVAL_MS = 24 * 60 * 60 * 1000;

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const memory = path === ':memory:';
  if (!memory && !options.readonly) {
    mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
    ownerOnly(path);
  }
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
    if (!memory && !options.skipCheck) {
      if (options.readonly) checkIntegrity(db, path, options.forceCheck === true || walLeft);
      else checkBeforeWrite(db, path, walLeft, options.forceCheck === true);
    }
    if (!options.readonly) migrate(db, path);
    else refuseNewer(db, path);
    return db;
  } catch (e) {
    db.close();
    if (e instanceof UnderstudyError) throw e;
    throw damaged(path, e);
  }
}

/**
 * The database holds every subscriber: owner-only (0600), like its `-wal`/`-shm`. SQLite creates a
 * missing database with 0644 (readable by every account on the machine) and gives its `-wal`, `-shm`
 * and `-journal` the mode of the database file, so the file is created here first, owner-only, and an
 * existing one (from an older version, a copy) is tightened with its side files. Best effort: a file
 * owned by someone else cannot be changed, and that must not stop the app opening.
 */
function ownerOnly(path: string): void {
  try {
    closeSync(openSync(path, 'wx', FILE_MODE));
    return;
  } catch {
    // It exists (or cannot be created: SQLite's own open reports that with its usual message).
  }
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    try {
      const st = statSync(p);
      if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(p, FILE_MODE);
    } catch {
      // Missing side file, or not ours to change.
    }
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
  recordCheck(db);
}

/*
 * Damage check before anything writes.
 *
 * What sees what, measured by flipping 1 or 4 bytes in one page of a real 100,000-subscriber database
 * (69 MB, 4 KiB pages; timings on the 2-core development machine, under load):
 *
 *   flipped                                  quick_check   + cell_size_check   integrity_check
 *   page header / cell pointers (any tree)   seen          seen                seen
 *   key bytes in an index page (leaf, inner) NOT seen      NOT seen            seen ("row N missing
 *                                                                               from index ...")
 *   payload bytes in a table leaf            NOT seen      NOT seen            NOT seen
 *   time, healthy file                       ~0.3 s        ~0.3 s              ~1.5-2.5 s
 *   (SHA-256 of the whole file: ~0.2 s)
 *
 * quick_check skips exactly what the issue hit: it does not cross-check indexes against their table,
 * so an import (which looks rows up by the email index) wrote into a file that `status --check`
 * (integrity_check) then called damaged. cell_size_check only adds cell-size checks to ordinary reads
 * and saw nothing more here. Payload bytes that keep a record well-formed are seen by no SQL check at
 * all: only a checksum can. SQLite's checksum VFS (ext/misc/cksumvfs.c) needs 8 reserved bytes on
 * every page (a VACUUM of every existing file) and a loadable extension better-sqlite3 does not ship,
 * so Understudy checksums the whole file instead, at the one moment it knows the file's exact
 * contents: after its last connection closed cleanly (the "seal", below).
 *
 * So, before a connection that may write:
 * - the file is sealed and untouched since (same size, mtime and inode, no WAL left behind): its
 *   SHA-256 must equal the seal's (~80 ms for 69 MB, about a quick_check). This catches ANY flipped
 *   byte that did not go through a write — bit rot, a bad disk or RAM — and costs nothing in SQL;
 * - no seal yet, or the file changed by something other than Understudy since (size, mtime or inode
 *   differ): the full integrity_check, which sees every structural and index flip. A payload-only
 *   change made by a write outside Understudy stays invisible to it; that is the limit of checking a
 *   plain SQLite file;
 * - a WAL left behind (a crash, or another Understudy process has the file open): quick_check, as
 *   before — a full check on every command while the app runs would cost seconds.
 * Read-only connections keep the daily quick_check: they never write.
 */

/** The seal: what the database file was when Understudy's last connection closed it cleanly. */
interface Seal {
  v: 1;
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

export function sealPathOf(dbPath: string): string {
  return `${dbPath}-seal`;
}

function sha256File(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function readSeal(dbPath: string): Seal | null {
  try {
    const s = JSON.parse(readFileSync(sealPathOf(dbPath), 'utf8')) as Seal;
    return s && s.v === 1 && typeof s.sha256 === 'string' ? s : null;
  } catch {
    return null;
  }
}

/**
 * Records the file's size, time and SHA-256 after a clean close. Only when no WAL is left: then this
 * was the last connection and the main file holds everything. Another process still open keeps a WAL,
 * and its own clean close seals the file. Never throws: a missing seal only means a full check later.
 */
export function sealDatabase(dbPath: string): void {
  if (dbPath === ':memory:' || existsSync(`${dbPath}-wal`)) return;
  try {
    // Nothing reached the main file since the seal was verified at open: it still holds, and hashing
    // the file again would double the cost of every command that only reads.
    const now = statSync(dbPath);
    const verified = verifiedSeals.get(dbPath);
    verifiedSeals.delete(dbPath);
    if (
      verified &&
      verified.size === now.size &&
      verified.mtimeMs === Math.floor(now.mtimeMs) &&
      verified.ino === now.ino &&
      existsSync(sealPathOf(dbPath))
    )
      return;
    const before = statSync(dbPath);
    const sha256 = sha256File(dbPath);
    const after = statSync(dbPath);
    if (after.mtimeMs !== before.mtimeMs || after.size !== before.size) return; // written meanwhile
    const seal: Seal = { v: 1, size: after.size, mtimeMs: Math.floor(after.mtimeMs), ino: after.ino, sha256 };
    const text = JSON.stringify(seal);
    const target = sealPathOf(dbPath);
    if (existsSync(target) && readFileSync(target, 'utf8') === text) return;
    const tmp = `${target}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, target);
  } catch {
    rmSync(`${sealPathOf(dbPath)}.tmp`, { force: true });
  }
}

/** Seals verified at open in this process, by path (sealDatabase skips re-hashing an untouched file). */
const verifiedSeals = new Map<string, Seal>();

function checkBeforeWrite(db: Db, path: string, walLeft: boolean, force: boolean): void {
  if (walLeft && !force) {
    // A crash, or another Understudy process has it open right now (the app while the CLI runs): the
    // main file is not what the seal describes, and a full check on every command beside a running
    // app would cost seconds. quick_check, as before; the next clean close seals the file again.
    const quick = withCache(db, CHECK_CACHE_KIB, () => runCheck(db, 'quick_check'));
    if (quick.length > 0) throw damaged(path, new Error(quick.slice(0, 3).join('; ')));
    return;
  }
  const seal = force ? null : readSeal(path);
  if (seal) {
    const st = statSync(path);
    // Milliseconds: tools that copy or restore a file's time keep no finer precision.
    if (st.size === seal.size && Math.floor(st.mtimeMs) === seal.mtimeMs && st.ino === seal.ino) {
      if (sha256File(path) === seal.sha256) {
        verifiedSeals.set(path, seal);
        return;
      }
      throw damaged(
        path,
        new Error(
          'its bytes changed since Understudy last closed it, without any program writing to it (a disk or memory fault)',
        ),
      );
    }
  }
  // No seal yet, or the file was changed by something other than Understudy since its last clean
  // close: the full check, once (the clean close that follows seals it). Not recorded in meta: that
  // would be a write before the caller's first one.
  const problems = withCache(db, CHECK_CACHE_KIB, () => runCheck(db, 'integrity_check'));
  if (problems.length > 0) throw damaged(path, new Error(problems.slice(0, 3).join('; ')));
}

function recordCheck(db: Db): void {
  if (db.readonly) return;
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
    next: 'Restore the latest backup with `understudy restore FILE --yes` (see `understudy backups`; the damaged file is kept beside it), or move the file aside and re-import your lists.',
    appNext:
      'Restore the latest backup on the Backups screen (the damaged file is kept beside it), or move the file aside and re-import your lists.',
    cause,
  });
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
