/**
 * What a backup needs to restore a *working* setup on another computer, beside the database copy:
 *
 * - `<backup>.keys`: the secret file as it was (already encrypted under the passphrase: provider and
 *   mailbox passwords, ESP keys, the unsubscribe signing key, so links in messages sent before the
 *   backup still verify), and which secret is the backup key. The settings are in the database copy.
 * - Optionally the database copy itself encrypted (`.sqlite.enc`, AES-256-GCM) under a random backup
 *   key kept in the secret store, so only the passphrase opens the whole backup. The backup key is a
 *   secret like any other; this works the same in the app (key in the keychain) and the CLI.
 *
 * Restoring checks the passphrase against the carried secret file before anything changes.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Engine } from '../engine';
import { isUnderstudyError, userError } from '../errors';
import { FILE_MODE, type SafeTarget } from '../files/safeWrite';
import {
  EncryptedFileSecretStore,
  newSecretRef,
  registerSecret,
  secretsPathFor,
  type SecretStore,
} from '../secrets';

const KEYS_FORMAT = 'understudy-backup-keys';
const MAGIC = Buffer.from('USBKENC1');
const BACKUP_KEY_SETTING = 'continuity.backup_key_ref';

export function isEncryptedBackup(path: string): boolean {
  return /\.enc$/i.test(path);
}

export interface BackupKeys {
  format: string;
  version: 1;
  /** The secret file's JSON as it was: ciphertext under the passphrase. */
  secretsFile: string | null;
  /** The ref (not the value) of the key that encrypts the database copy, when it is encrypted. */
  backupKeyRef?: string;
  /** sha256 of the encrypted database copy, to verify mirrors and restores. */
  sha256?: string;
}

/** The sidecar's content for this installation now; null when there is nothing to carry. */
export function currentKeys(
  engine: Engine,
  extra: Omit<BackupKeys, 'format' | 'version' | 'secretsFile'> = {},
): BackupKeys {
  const path = secretsPathFor(engine.dbPath);
  return {
    format: KEYS_FORMAT,
    version: 1,
    secretsFile: existsSync(path) ? readFileSync(path, 'utf8') : null,
    ...extra,
  };
}

export function readKeys(path: string): BackupKeys | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const k = JSON.parse(readFileSync(path, 'utf8')) as BackupKeys;
    if (k?.format !== KEYS_FORMAT) throw new Error('not a keys file');
    return k;
  } catch (e) {
    throw userError(`The keys file beside the backup (${path}) is damaged.`, {
      code: 'backup_damaged',
      cause: e,
      safe: 'Nothing was restored; the current database and secrets are untouched.',
      next: 'Pick another backup from `understudy backups`, or the same backup from your second backup folder.',
    });
  }
}

/** The random key that encrypts database copies: created once, kept in the secret store. */
export async function backupKey(engine: Engine, store: SecretStore): Promise<{ ref: string; key: Buffer }> {
  const ref = engine.repos.settings.get<string>(BACKUP_KEY_SETTING);
  if (ref) {
    const v = await store.get(ref);
    if (v) return { ref, key: Buffer.from(v, 'base64') };
  }
  const value = randomBytes(32).toString('base64');
  const newRef = newSecretRef('backup');
  await store.set(newRef, value);
  engine.repos.settings.set(BACKUP_KEY_SETTING, newRef, engine.now());
  return { ref: newRef, key: Buffer.from(value, 'base64') };
}

/** Encrypts `plainPath` into a prepared target (fsynced, renamed into place by commit). Returns its sha256. */
export function encryptInto(plainPath: string, target: SafeTarget, key: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(MAGIC);
  const data = Buffer.concat([c.update(readFileSync(plainPath)), c.final()]);
  const out = Buffer.concat([MAGIC, iv, c.getAuthTag(), data]);
  writeFileSync(target.tmp, out, { mode: FILE_MODE, flag: 'wx' });
  return sha256(out);
}

export function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** Decrypts an encrypted backup into `dest` (created owner-only). Throws a user error when it fails. */
export function decryptTo(encPath: string, dest: string, key: Buffer): void {
  const buf = readFileSync(encPath);
  let plain: Buffer;
  try {
    if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an encrypted Understudy backup');
    const d = createDecipheriv('aes-256-gcm', key, buf.subarray(8, 20));
    d.setAAD(MAGIC);
    d.setAuthTag(buf.subarray(20, 36));
    plain = Buffer.concat([d.update(buf.subarray(36)), d.final()]);
  } catch (e) {
    throw userError(
      `The encrypted backup ${encPath} cannot be decrypted: it is damaged or not from this setup.`,
      {
        code: 'backup_damaged',
        cause: e,
        safe: 'Nothing was restored; the current database and secrets are untouched.',
        next: 'Pick another backup, or the same backup from your second backup folder.',
      },
    );
  }
  writeFileSync(dest, plain, { mode: FILE_MODE, flag: 'wx' });
}

/**
 * Opens the secret file a backup carries with `passphrase` (on a private temporary copy) and hands
 * back the backup key when asked. A wrong passphrase is a clear error; nothing is changed anywhere.
 */
export async function openCarriedSecrets(
  keys: BackupKeys,
  passphrase: string,
): Promise<{ backupKey?: Buffer }> {
  if (!keys.secretsFile) return {};
  const dir = mkdtempSync(join(tmpdir(), 'understudy-restore-'));
  try {
    const path = join(dir, 'secrets.enc');
    writeFileSync(path, keys.secretsFile, { mode: FILE_MODE });
    const store = new EncryptedFileSecretStore(path, passphrase);
    try {
      await store.unlock();
    } catch (e) {
      if (isUnderstudyError(e) && e.code === 'secrets_wrong_passphrase') {
        throw userError('The passphrase does not open the saved passwords in this backup.', {
          code: 'restore_wrong_passphrase',
          safe: 'Nothing was restored: the current database, secret file and backups are exactly as they were.',
          next: 'Give the passphrase that was in use when the backup was taken (UNDERSTUDY_PASSPHRASE, or type it when asked).',
        });
      }
      throw e;
    }
    if (!keys.backupKeyRef) return {};
    const v = await store.get(keys.backupKeyRef);
    if (!v) {
      throw userError('The saved passwords in this backup do not hold the key of its encrypted database.', {
        code: 'backup_damaged',
        safe: 'Nothing was restored; the current database and secrets are untouched.',
        next: 'Pick another backup.',
      });
    }
    registerSecret(v);
    return { backupKey: Buffer.from(v, 'base64') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
