/**
 * Backups of the mirror: online copies with SQLite's backup API (the app keeps working while it runs),
 * each verified with integrity_check on the copy before it counts, hourly by default with rotation
 * (24 hourly, 7 daily), and a CSV export of every list beside each one so a business always has its
 * lists in a form any tool opens, outside the app. Restore takes a backup of the current file first,
 * refuses a backup from a newer schema or one that fails its check, and swaps the file atomically.
 */
import {
  copyFileSync,
  constants,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Engine } from '../engine';
import {
  checkFile,
  copyDatabase,
  readBackupRecords,
  swapInto,
  type CopyResult,
  type FileCheck,
} from '../db/backup';
import type { CheckReply, CheckWork } from './checkWorker';
import { LATEST_VERSION } from '../db/migrations';
import type { BackupKind, BackupRow } from '../db/repos/backups';
import { userError } from '../errors';
import { exportList } from '../mirror/csv/exporter';
import { ensureDir, FILE_MODE, outputTarget, protectedPaths, writeTarget } from '../files/protected';
import { prepareWrite, writeFileSafely } from '../files/safeWrite';
import { secretsPathFor, type SecretStore } from '../secrets';
import { spawnWorker } from '../workers/spawn';
import { nativeBindingInUse } from '../db/connection';
import {
  backupSettings,
  backupsDir,
  keysFileOf,
  listsDirOf,
  pendingRestoreFile,
} from '../files/backupSettings';
import {
  backupKey,
  currentKeys,
  decryptTo,
  encryptInto,
  isEncryptedBackup,
  openCarriedSecrets,
  readKeys,
  sha256,
} from './backupKeys';

export {
  BACKUP_SETTINGS_KEY,
  BackupSettingsSchema,
  backupSettings,
  backupsDir,
  listsDirOf,
  pendingRestoreFile,
  type BackupSettings,
} from '../files/backupSettings';

export interface BackupResult extends BackupRow {
  listsDir: string | null;
  lists: number;
  durationMs: number;
  /** The sidecar with the secret file (and the backup key's ref), when there was one to carry. */
  keysFile: string | null;
  encrypted: boolean;
  /** The copy in the second folder, or why it could not be written (the backup itself still counts). */
  mirror?: { path: string } | { error: string };
}

export interface BackupOptions {
  kind?: BackupKind;
  out?: string;
  exportLists?: boolean;
  /** Replace an existing file at `out` that is not a backup (the CLI's `--force`). */
  force?: boolean;
  /** Encrypt the database copy (default: the `encrypt` setting). */
  encrypt?: boolean;
  /** Where the backup key lives (default: the engine's secret store). */
  secrets?: SecretStore;
}

/**
 * `checkFile` in a worker thread (checkWorker.ts), after copying the database at `copyFrom` there
 * when given (copyDatabaseFile): the engine's thread stays free while they run.
 */
function checkFileAside(
  path: string,
  copyFrom?: string,
): Promise<{ copy: CopyResult | null; check: FileCheck }> {
  const work: CheckWork = { path, binding: nativeBindingInUse(), ...(copyFrom ? { copyFrom } : {}) };
  return new Promise((resolve, reject) => {
    const worker = spawnWorker(new URL('./checkWorker.ts', import.meta.url), { ...work }, { native: true });
    worker.once('message', (r: CheckReply) => {
      if (r.ok) resolve({ copy: r.copy, check: r.check });
      else reject(Object.assign(new Error(r.message), r.code ? { code: r.code } : {}));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the copy's check stopped (exit ${code})`)));
  });
}

/** Makes the copy and checks it: in a worker thread, or (an in-memory database) the copy here. */
async function copyAndCheck(engine: Engine, dest: string): Promise<{ sizeBytes: number; check: FileCheck }> {
  if (!engine.db.memory) {
    const { copy, check } = await checkFileAside(dest, engine.db.name);
    return { sizeBytes: copy!.sizeBytes, check };
  }
  const { sizeBytes } = await copyDatabase(engine.db, dest);
  return { sizeBytes, check: (await checkFileAside(dest)).check };
}

/** Takes one verified backup. A copy that fails its check is deleted and reported, never kept. */
export async function takeBackup(engine: Engine, opts: BackupOptions = {}): Promise<BackupResult> {
  const t0 = performance.now();
  const kind = opts.kind ?? 'manual';
  const settings = backupSettings(engine);
  const stamp = engine
    .now()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  // Through the output guard: never over the database, the secret file or another backup (not even
  // with --force); an existing file elsewhere only with --force; owner-only; renamed into place.
  const encrypt = opts.encrypt ?? (settings.encrypt && kind !== 'pre-restore');
  // An encrypted backup needs its key before anything is written (no secret store: a clear error).
  const bk = encrypt ? await backupKey(engine, backupKeyStore(engine, opts.secrets, kind)) : undefined;
  let out = opts.out ?? join(backupsDir(engine), `understudy-${stamp}-${kind}.sqlite`);
  if (encrypt && !/\.enc$/i.test(out)) out += '.enc';
  const target = outputTarget(engine, out, { force: opts.force === true, what: 'the backup' });
  const dest = target.path;
  // Lists in plain CSV beside an encrypted backup would undo its point: only when asked for.
  const wantLists = opts.exportLists ?? (settings.exportLists && !encrypt);
  if (wantLists && existsSync(listsDirOf(dest))) {
    throw userError(`A folder already exists at ${listsDirOf(dest)}, where this backup's list exports go.`, {
      code: 'output_exists',
      safe: 'No backup was written; that folder was not touched.',
      next: 'Choose another --out path, or move that folder away first.',
      appNext: 'Choose another place to save it, or move that folder away first.',
    });
  }
  const partial = encrypt ? `${target.tmp}.plain` : target.tmp;
  const verify = `${target.tmp}.verify`;
  let check: FileCheck;
  let sizeBytes: number;
  let digest: string | undefined;
  try {
    ({ sizeBytes, check } = await copyAndCheck(engine, partial));
    if (encrypt && check.ok) {
      // Verified as a restore would see it: decrypted again and checked.
      digest = encryptInto(partial, target, bk!.key);
      decryptTo(target.tmp, verify, bk!.key);
      check = (await checkFileAside(verify)).check;
    }
  } catch (e) {
    target.abort();
    if (encrypt) for (const f of [partial, verify]) rmSync(f, { force: true });
    engine.record({
      type: 'backup.failed',
      severity: 'error',
      message: `The ${kind} backup failed: ${(e as Error).message}`,
    });
    throw userError(`The backup could not be written: ${(e as Error).message}`, {
      code: 'backup_failed',
      safe: 'The database itself was not touched.',
      next: 'Check free disk space and that the backup folder is writable, then run `understudy backup` again.',
      appNext: 'Check free disk space and that the backup folder is writable, then take the backup again.',
      cause: e,
    });
  }
  if (encrypt) for (const f of [partial, verify]) rmSync(f, { force: true });
  if (!check.ok) {
    target.abort();
    engine.record({
      type: 'backup.failed',
      severity: 'error',
      message: `The ${kind} backup failed its integrity check (${check.integrity}) and was discarded.`,
    });
    throw userError(`The backup copy failed its integrity check: ${check.integrity}.`, {
      code: 'backup_unverified',
      safe: 'The copy was discarded; the database itself was not touched.',
      next: 'Run `understudy status --check` to check the database; restore an earlier backup if it is damaged.',
      appNext: 'Restore an earlier backup if the database is damaged.',
    });
  }
  target.commit();
  // The secret file (ciphertext under the passphrase: passwords, ESP keys, the unsubscribe signing
  // key) goes beside the copy, so a restore on another computer has working credentials and links.
  const keys = currentKeys(engine, {
    ...(bk ? { backupKeyRef: bk.ref } : {}),
    ...(digest ? { sha256: digest } : {}),
  });
  let keysFile: string | null = null;
  if (keys.secretsFile || bk) {
    const t = outputTarget(engine, keysFileOf(dest), { what: 'the keys of the backup' });
    writeTarget(t, JSON.stringify(keys, null, 1) + '\n', 'the keys of the backup');
    keysFile = t.path;
  }

  let listsDir: string | null = null;
  let lists = 0;
  if (wantLists) {
    listsDir = listsDirOf(dest);
    ensureDir(listsDir, 'the list exports');
    const used = new Set<string>();
    for (const list of engine.repos.lists.all()) {
      let name = safeFileName(list.name);
      while (used.has(name.toLowerCase())) name = `${name}-${list.id}`;
      used.add(name.toLowerCase());
      await exportList(engine, list.name, join(listsDir, `${name}.csv`));
      lists++;
    }
  }

  const row = engine.repos.backups.add({
    path: dest,
    kind,
    createdAt: engine.now(),
    sizeBytes,
    schemaVersion: check.schemaVersion,
    integrity: check.integrity,
  });
  engine.record({
    type: 'backup.completed',
    message: `Backup (${kind}) written to ${dest} and verified${lists ? `, with ${lists} list export(s)` : ''}.`,
    data: { backupId: row.id, path: dest, kind, lists, counts: check.counts },
  });
  rotate(engine);
  const mirror = kind === 'pre-restore' ? undefined : mirrorBackup(engine, dest, keysFile, digest);
  return {
    ...row,
    listsDir,
    lists,
    keysFile,
    encrypted: encrypt,
    ...(mirror ? { mirror } : {}),
    durationMs: Math.round(performance.now() - t0),
  };
}

/**
 * Copies a verified backup (and its keys) into the second folder, verifies the copy the same way
 * (integrity check, or the encrypted file's hash), and rotates that folder like the first. A second
 * folder that is missing (a USB disk unplugged) is a warning: the backup in the first still counts.
 */
function mirrorBackup(
  engine: Engine,
  dest: string,
  keysFile: string | null,
  digest: string | undefined,
): { path: string } | { error: string } | undefined {
  const dir = backupSettings(engine).mirrorDir;
  if (!dir) return undefined;
  const to = join(resolve(dir), basename(dest));
  try {
    const protect = protectedPaths(engine);
    for (const src of [dest, keysFile]) {
      if (!src) continue;
      const t = prepareWrite(join(resolve(dir), basename(src)), { protect, what: 'the copy of the backup' });
      try {
        copyFileSync(src, t.tmp, constants.COPYFILE_EXCL);
        const ok =
          src !== dest
            ? readFileSync(t.tmp).equals(readFileSync(src))
            : digest
              ? sha256(readFileSync(t.tmp)) === digest
              : checkFile(t.tmp).ok;
        if (!ok) throw new Error('the copy does not match the backup');
      } catch (e) {
        t.abort();
        throw e;
      }
      t.commit();
    }
    rotateMirror(engine, resolve(dir));
    engine.record({
      type: 'backup.mirrored',
      message: `Backup copied to the second folder and verified: ${to}.`,
      data: { path: to },
    });
    return { path: to };
  } catch (e) {
    const why = (e as Error).message;
    engine.record({
      type: 'backup.mirror_failed',
      severity: 'warning',
      message: `The backup is safe in ${dirname(dest)}, but its copy to the second folder ${dir} failed: ${why}`,
      data: { dir, error: why },
    });
    return { error: why };
  }
}

const MIRRORED = /^understudy-(\d{8}T\d{6}Z)-(hourly|daily|pre-restore)\.sqlite(\.enc)?$/;

/** The second folder keeps as many of each kind as the first (newest first by the name's time). */
function rotateMirror(engine: Engine, dir: string): void {
  const s = backupSettings(engine);
  const keep: Record<string, number> = {
    hourly: s.keepHourly,
    daily: s.keepDaily,
    'pre-restore': s.keepPreRestore,
  };
  const byKind = new Map<string, string[]>();
  for (const name of readdirSync(dir)) {
    const m = MIRRORED.exec(name);
    if (!m) continue;
    byKind.set(m[2]!, [...(byKind.get(m[2]!) ?? []), name]);
  }
  for (const [kind, names] of byKind) {
    for (const name of names.sort().reverse().slice(keep[kind])) {
      const p = join(dir, name);
      rmSync(p, { force: true });
      rmSync(keysFileOf(p), { force: true });
    }
  }
}

/** The secret store that keeps the backup key; without one, an encrypted backup is refused, never written plain. */
function backupKeyStore(engine: Engine, given: SecretStore | undefined, kind: BackupKind): SecretStore {
  try {
    return engine.services.secrets.store(given);
  } catch {
    engine.record({
      type: 'backup.failed',
      severity: 'error',
      message: `The ${kind} backup was not taken: backups are set to be encrypted, and the passphrase was not given.`,
    });
    throw userError(
      'Backups are set to be encrypted, but the passphrase was not given, so no backup was taken.',
      {
        code: 'backup_needs_passphrase',
        safe: 'Nothing was written in plain text; the database itself was not touched.',
        next: 'Start Understudy with UNDERSTUDY_PASSPHRASE set (or enter it in the app), or turn encryption off with `understudy policy --backup-encrypt off`.',
      },
    );
  }
}

/** Removes backups beyond what the settings keep: 24 hourly and 7 daily by default. */
export function rotate(engine: Engine): BackupRow[] {
  const s = backupSettings(engine);
  const removed: BackupRow[] = [];
  const keep: [BackupKind, number][] = [
    ['hourly', s.keepHourly],
    ['daily', s.keepDaily],
    ['pre-restore', s.keepPreRestore],
  ];
  for (const [kind, n] of keep) {
    for (const b of engine.repos.backups.beyond(kind, n)) {
      rmSync(b.path, { force: true });
      rmSync(keysFileOf(b.path), { force: true });
      rmSync(listsDirOf(b.path), { recursive: true, force: true });
      engine.repos.backups.markDeleted(b.id, engine.now());
      removed.push(b);
    }
  }
  return removed;
}

/**
 * The scheduled backup, when one is due: every `intervalMinutes` (hourly by default); a backup counts
 * as the day's 'daily' when the last daily is 24 hours old. Returns undefined when none was due.
 */
export async function backupIfDue(engine: Engine): Promise<BackupResult | undefined> {
  const s = backupSettings(engine);
  const now = engine.clock.now();
  const lastOf = (k: BackupKind) => {
    const b = engine.repos.backups.latest(k);
    return b ? Date.parse(b.createdAt) : Number.NEGATIVE_INFINITY;
  };
  const last = Math.max(lastOf('hourly'), lastOf('daily'));
  if (now - last < s.intervalMinutes * 60_000) return undefined;
  const kind: BackupKind = now - lastOf('daily') >= 24 * 3_600_000 ? 'daily' : 'hourly';
  // Lists go to CSV with the daily backup (and every manual one), not every hour: a large list's
  // export is big, and one a day beside the database copies is what a business keeps outside the app.
  return takeBackup(engine, { kind, exportLists: kind === 'daily' && s.exportLists && !s.encrypt });
}

export interface BackupDescription {
  path: string;
  schemaVersion: number;
  codeSchemaVersion: number;
  integrity: string;
  counts: Record<string, number>;
}

/** What a person reads before confirming a restore. Throws when the file must not be restored. */
export function inspectBackup(file: string, decrypted?: string): BackupDescription {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw userError(`There is no backup at ${path}.`, {
      code: 'backup_missing',
      next: 'Run `understudy backups` to see the backups that exist.',
      appNext: 'Pick one of the backups listed on the Backups screen.',
    });
  }
  if (isEncryptedBackup(path) && !decrypted) {
    throw userError(`The backup at ${path} is encrypted: only its passphrase opens it.`, {
      code: 'restore_needs_passphrase',
      safe: 'Nothing was restored; the current database is untouched.',
      next: 'Restore it with `understudy restore FILE`, giving the passphrase (UNDERSTUDY_PASSPHRASE, or type it when asked).',
    });
  }
  const check = checkFile(decrypted ?? path);
  if (check.schemaVersion > LATEST_VERSION) {
    throw userError(
      `The backup at ${path} was written by a newer Understudy (schema ${check.schemaVersion}; this version knows up to ${LATEST_VERSION}).`,
      {
        code: 'db_too_new',
        safe: 'Nothing was restored; the current database is untouched.',
        next: 'Update Understudy, then restore it.',
      },
    );
  }
  if (!check.ok || check.schemaVersion === 0 || check.counts.lists === undefined) {
    throw userError(`The file at ${path} is not a usable Understudy backup (${check.integrity}).`, {
      code: 'backup_damaged',
      safe: 'Nothing was restored; the current database is untouched.',
      next: 'Pick another backup from `understudy backups`.',
      appNext: 'Pick another backup on the Backups screen.',
    });
  }
  return {
    path,
    schemaVersion: check.schemaVersion,
    codeSchemaVersion: LATEST_VERSION,
    integrity: check.integrity,
    counts: check.counts,
  };
}

export interface RestoreResult {
  engine: Engine;
  restored: BackupDescription;
  preRestore: BackupResult;
  /** The backup's secret file was put in place (it opens with the passphrase of when it was taken). */
  secretsRestored: boolean;
  /** The passphrase was checked against the backup's secret file before anything changed. */
  passphraseChecked: boolean;
}

export interface RestoreOptions {
  /** Checks the backup's secret file first (a wrong one changes nothing); needed for an encrypted backup. */
  passphrase?: string;
}

/**
 * Restores a backup over the engine's database and returns the engine reopened on it. The engine
 * passed in is closed. Order: check the backup; back up the current file (kind 'pre-restore'); close;
 * swap atomically; reopen (which migrates an older backup up to the current schema) with a full check.
 */
export async function restoreBackup(
  engine: Engine,
  file: string,
  opts: RestoreOptions = {},
): Promise<RestoreResult> {
  const src = resolve(file);
  if (src === resolve(engine.dbPath)) throw userError('That file is the database itself, not a backup.');
  const dbPath = resolve(engine.dbPath);
  const keys = existsSync(src) ? readKeys(keysFileOf(src)) : undefined;
  let decrypted: string | undefined;
  if (isEncryptedBackup(src) && existsSync(src)) {
    if (!keys) {
      throw userError(`The keys file beside the encrypted backup is missing (${keysFileOf(src)}).`, {
        code: 'backup_damaged',
        safe: 'Nothing was restored; the current database and secrets are untouched.',
        next: 'Copy the .keys file that was written with the backup next to it, or use the copy in your second backup folder.',
      });
    }
    if (!opts.passphrase) {
      throw userError('This backup is encrypted: its passphrase is needed to restore it.', {
        code: 'restore_needs_passphrase',
        safe: 'Nothing was restored; the current database is untouched.',
        next: 'Set UNDERSTUDY_PASSPHRASE, or run the restore in a terminal to be asked.',
      });
    }
    const { backupKey: key } = await openCarriedSecrets(keys, opts.passphrase);
    if (!key) {
      throw userError('The encrypted backup carries no saved passwords, so its key cannot be found.', {
        code: 'backup_damaged',
        safe: 'Nothing was restored; the current database is untouched.',
        next: 'Pick another backup.',
      });
    }
    decrypted = `${dbPath}.restore-decrypted`;
    rmSync(decrypted, { force: true });
    decryptTo(src, decrypted, key);
  } else if (keys?.secretsFile && opts.passphrase) {
    await openCarriedSecrets(keys, opts.passphrase);
  }
  try {
    const restored = inspectBackup(src, decrypted);
    const preRestore = await takeBackup(engine, { kind: 'pre-restore', exportLists: false });
    const clock = engine.clock;
    await engine.close();
    swapInto(decrypted ?? restored.path, dbPath);
    // The secret file of the backup goes with its database (the pre-restore copy keeps the one
    // replaced): without it the restored providers have no passwords and sent links stop verifying.
    const secretsRestored = Boolean(keys?.secretsFile);
    if (keys?.secretsFile) {
      writeFileSafely(secretsPathFor(dbPath), keys.secretsFile, {
        protect: [],
        force: true,
        what: 'the secret file',
      });
    }
    return finishRestore(dbPath, clock, restored, preRestore, secretsRestored, Boolean(opts.passphrase));
  } finally {
    if (decrypted) rmSync(decrypted, { force: true });
  }
}

function finishRestore(
  dbPath: string,
  clock: Engine['clock'],
  restored: BackupDescription,
  preRestore: BackupResult,
  secretsRestored: boolean,
  passphraseChecked: boolean,
): RestoreResult {
  const next = Engine.open({ dbPath, clock, forceCheck: true });
  // The restored file does not know about the backups taken after it (nor the one taken just now):
  // carry their records over from the pre-restore copy, so `understudy backups` still lists every
  // file on disk and the restore can be undone.
  const known = new Set(next.repos.backups.list().map((b) => b.path));
  const carried = [
    ...readBackupRecords(preRestore.path).map((r) => ({
      path: r.path,
      kind: r.kind as BackupKind,
      createdAt: r.created_at,
      sizeBytes: r.size_bytes,
      schemaVersion: r.schema_version,
      integrity: r.integrity,
    })),
    {
      path: preRestore.path,
      kind: 'pre-restore' as const,
      createdAt: preRestore.createdAt,
      sizeBytes: preRestore.sizeBytes,
      schemaVersion: preRestore.schemaVersion,
      integrity: preRestore.integrity,
    },
  ];
  for (const b of carried) {
    if (known.has(b.path) || !existsSync(b.path)) continue;
    known.add(b.path);
    next.repos.backups.add(b);
  }
  next.record({
    type: 'backup.restored',
    severity: 'warning',
    message: `The database was restored from ${restored.path}${secretsRestored ? ', with its saved passwords' : ''}. The previous state was saved as ${preRestore.path}.`,
    data: { from: restored.path, preRestore: preRestore.path, counts: restored.counts, secretsRestored },
  });
  return { engine: next, restored, preRestore, secretsRestored, passphraseChecked };
}

/**
 * Restores a backup over a database that cannot be opened because it is damaged (the open refuses it,
 * so there is no engine to take a pre-restore backup with). The damaged file is not deleted: it is
 * renamed beside the database (`…sqlite.damaged-TIME`, with its -wal/-shm) for whoever wants to
 * salvage it, then the backup is swapped in and opened with a full check.
 */
export function restoreOverDamaged(
  dbPath: string,
  file: string,
): { engine: Engine; restored: BackupDescription; damagedKept: string } {
  const restored = inspectBackup(file);
  const db = resolve(dbPath);
  if (resolve(file) === db) throw userError('That file is the database itself, not a backup.');
  const kept = `${db}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const side of ['', '-wal', '-shm'])
    if (existsSync(`${db}${side}`)) renameSync(`${db}${side}`, `${kept}${side}`);
  rmSync(`${db}-seal`, { force: true });
  swapInto(restored.path, db);
  const next = Engine.open({ dbPath: db, forceCheck: true });
  next.record({
    type: 'backup.restored',
    severity: 'warning',
    message: `The damaged database was restored from ${restored.path}. The damaged file was kept as ${kept}.`,
    data: { from: restored.path, damaged: kept, counts: restored.counts },
  });
  return { engine: next, restored, damagedKept: kept };
}

function safeFileName(name: string): string {
  const cleaned = [...name]
    .map((ch) => (ch.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(ch) ? '_' : ch))
    .join('')
    .replace(/^\.+/, '_')
    .trim()
    .slice(0, 100);
  return cleaned || 'list';
}

/** Checks a backup and arranges for it to replace the database at the next start. */
export function requestRestore(engine: Engine, file: string): BackupDescription {
  const about = inspectBackup(file);
  writeFileSync(
    pendingRestoreFile(engine.dbPath),
    JSON.stringify({ file: about.path, requestedAt: engine.now() }),
    { mode: FILE_MODE },
  );
  engine.record({
    type: 'backup.restore_requested',
    severity: 'warning',
    message: `Restore of ${about.path} requested: it replaces the database when Understudy starts next (the current one is backed up first).`,
    data: { file: about.path },
  });
  return about;
}

/**
 * Applies a restore requested earlier, before the shell opens its engine. Returns what was restored,
 * or null when none was pending. A failing restore leaves the database as it was and drops the request.
 */
export async function applyPendingRestore(dbPath: string): Promise<RestoreResult['restored'] | null> {
  const marker = pendingRestoreFile(dbPath);
  if (!existsSync(marker)) return null;
  const { file } = JSON.parse(readFileSync(marker, 'utf8')) as { file: string };
  rmSync(marker, { force: true });
  const engine = Engine.open({ dbPath });
  try {
    const r = await restoreBackup(engine, file);
    await r.engine.close();
    return r.restored;
  } catch (e) {
    await engine.close();
    throw e;
  }
}
