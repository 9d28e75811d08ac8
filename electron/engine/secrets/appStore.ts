/**
 * One secret file for the desktop app, the command line, `run` and `serve`: `secrets.enc` beside the
 * database (fileStore.ts), encrypted with a key derived from the passphrase.
 *
 * - The command line derives that key from the passphrase (UNDERSTUDY_PASSPHRASE or a prompt).
 * - The desktop app asks for the passphrase once, then keeps the derived key (never the passphrase)
 *   in the OS keychain through Electron's safeStorage, in `secrets.key.safe` beside the file, and
 *   opens the file with it at every start. Electron is not imported here: the main process hands in
 *   `safeStorage` itself, which has the `Keychain` shape; tests hand in a stand-in.
 * - Stores of earlier versions migrate: the app's safeStorage-only store (`secrets.safe.json`) moves
 *   into the file when the person chooses the passphrase; the CLI's file already is the file.
 * - When the passphrase is changed from the command line, the key in the keychain no longer opens
 *   the file; the app then asks for the passphrase once more.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isUnderstudyError, userError } from '../errors';
import { writeFileSafely } from '../files/safeWrite';
import { EncryptedFileSecretStore, type FileStoreOptions, type KeyMaterial } from './fileStore';
import type { SecretStore } from './index';
import { registerSecret } from './redact';

/** The safeStorage ciphertext of the secret file's key, beside the database. */
export const KEYCHAIN_FILE = 'secrets.key.safe';
/** The desktop app's store before version 14 (safeStorage ciphertexts per secret). */
export const LEGACY_SAFE_STORAGE_FILE = 'secrets.safe.json';
const SECRETS_FILE = 'secrets.enc';
const KEY_FORMAT = 'understudy-keychain-key';

/** What the app needs of the OS keychain: exactly Electron's `safeStorage`. */
export interface Keychain {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(cipher: Buffer): string;
}

export type AppSecretsStatus =
  | { state: 'ready' }
  /** No secret stored yet: everything works except what needs a password, until one is chosen. */
  | { state: 'choose'; message: string }
  /** The app's older store holds passwords: choosing a passphrase moves them into the file. */
  | { state: 'migrate'; message: string; secrets: number }
  /** A secret file exists (made by the command line, or the passphrase changed there). */
  | { state: 'unlock'; message: string };

export interface AppSecretStoreOptions extends Omit<FileStoreOptions, 'key'> {
  /** Whether the key may be kept in the keychain (false on Linux without a keyring, unless allowed). */
  remember?: () => boolean;
}

function paths(dbPath: string) {
  const dir = dirname(dbPath);
  return {
    file: join(dir, SECRETS_FILE),
    keyFile: join(dir, KEYCHAIN_FILE),
    legacy: join(dir, LEGACY_SAFE_STORAGE_FILE),
  };
}

function readLegacy(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as { entries?: Record<string, string> };
    return data && typeof data.entries === 'object' && data.entries ? data.entries : {};
  } catch (e) {
    throw userError(`The app's earlier password store ${path} is damaged.`, {
      code: 'secrets_damaged',
      cause: e,
      safe: 'It was left exactly as it is; nothing was moved.',
      next: 'Move it aside and enter the provider passwords again.',
    });
  }
}

function readKeyFile(path: string, keychain: Keychain): KeyMaterial | undefined {
  if (!existsSync(path) || !keychain.isEncryptionAvailable()) return undefined;
  try {
    const data = JSON.parse(readFileSync(path, 'utf8')) as {
      format?: string;
      kdf?: KeyMaterial['kdf'];
      key?: string;
    };
    if (data.format !== KEY_FORMAT || !data.kdf || typeof data.key !== 'string') return undefined;
    const key = Buffer.from(keychain.decryptString(Buffer.from(data.key, 'base64')), 'base64');
    if (key.length !== 32) return undefined;
    return { kdf: data.kdf, key };
  } catch {
    return undefined; // another machine's or account's keychain: ask for the passphrase instead
  }
}

function locked(message: string, next: string) {
  return userError(message, {
    code: 'secrets_locked_app',
    safe: 'Nothing was sent or changed, and no password was read.',
    next,
  });
}

/**
 * The desktop app's SecretStore: the shared secret file, opened with the key kept in the keychain.
 * Until the person gives the passphrase (see `status()`), reading or saving a password fails with
 * a clear message and everything else works.
 */
export class AppSecretStore implements SecretStore {
  readonly #dbPath: string;
  readonly #keychain: Keychain;
  readonly #options: AppSecretStoreOptions;
  #store: EncryptedFileSecretStore | undefined;
  #status: AppSecretsStatus = { state: 'choose', message: '' };

  constructor(dbPath: string, keychain: Keychain, options: AppSecretStoreOptions = {}) {
    this.#dbPath = dbPath;
    this.#keychain = keychain;
    this.#options = options;
  }

  /** Opens the file with the keychain's key when it can; otherwise says what the person must do. */
  async open(): Promise<AppSecretsStatus> {
    const p = paths(this.#dbPath);
    const material = readKeyFile(p.keyFile, this.#keychain);
    if (material) {
      const store = new EncryptedFileSecretStore(p.file, '', { ...this.#fileOptions(), key: material });
      try {
        await store.unlock();
        this.#store = store;
        this.#status = { state: 'ready' };
        return this.#status;
      } catch (e) {
        if (!isUnderstudyError(e) || !/^secrets_(key_stale|wrong_passphrase)$/.test(e.code ?? '')) throw e;
      }
    }
    const legacy = Object.keys(readLegacy(p.legacy)).length;
    if (legacy > 0) {
      this.#status = {
        state: 'migrate',
        secrets: legacy,
        message: `Choose a passphrase for your ${legacy} saved password(s). They move into one protected file that the command line and the app share; this computer remembers the passphrase for you.`,
      };
    } else if (existsSync(p.file)) {
      this.#status = {
        state: 'unlock',
        message:
          'Enter the passphrase of your saved passwords once (the one chosen in the command line or on your other computer); this computer remembers it afterwards.',
      };
    } else {
      this.#status = {
        state: 'choose',
        message:
          'No passwords are saved yet. Choose a passphrase before adding a sending account or an ESP connection; keep it safe, a backup restored on another computer asks for it.',
      };
    }
    return this.#status;
  }

  status(): AppSecretsStatus {
    return this.#status;
  }

  /**
   * Checks `passphrase` against the file (or creates the file with it), moves the older app store's
   * passwords in, and keeps the key in the keychain. A wrong passphrase changes nothing.
   */
  async unlock(passphrase: string): Promise<{ migrated: number; remembered: boolean }> {
    const p = paths(this.#dbPath);
    const store = new EncryptedFileSecretStore(p.file, passphrase, this.#fileOptions());
    await store.unlock();
    const legacy = readLegacy(p.legacy);
    const entries: [string, string][] = [];
    for (const [ref, cipher] of Object.entries(legacy)) {
      let value: string;
      try {
        value = this.#keychain.decryptString(Buffer.from(cipher, 'base64'));
      } catch (e) {
        throw userError(
          'A password in the app’s earlier store cannot be read with this computer’s keychain.',
          {
            code: 'secrets_migration_failed',
            cause: e,
            safe: 'Nothing was moved; the earlier store and the secret file are as they were.',
            next: 'Unlock the system keychain (log in again) and try once more.',
          },
        );
      }
      registerSecret(value);
      entries.push([ref, value]);
    }
    const existing = new Set(await store.refs());
    for (const [ref, value] of entries) if (!existing.has(ref)) await store.set(ref, value);
    if (!existsSync(p.file)) {
      // Create the file now, so the command line asks for this passphrase instead of a new one.
      const probe = `understudy:probe:${randomBytes(8).toString('hex')}`;
      await store.set(probe, randomBytes(16).toString('hex'));
      await store.delete(probe);
    }
    for (const [ref, value] of entries) {
      if ((await store.get(ref)) !== value) throw new Error(`migration check failed for ${ref}`);
    }
    if (entries.length) rmSync(p.legacy, { force: true });
    const remembered = this.#keychain.isEncryptionAvailable() && (this.#options.remember?.() ?? true);
    if (remembered) {
      const m = await store.keyMaterial();
      const doc = {
        format: KEY_FORMAT,
        version: 1,
        kdf: m.kdf,
        key: this.#keychain.encryptString(m.key.toString('base64')).toString('base64'),
      };
      writeFileSafely(p.keyFile, JSON.stringify(doc) + '\n', {
        protect: [],
        force: true,
        what: 'the keychain copy of the secret key',
      });
    }
    this.#store = store;
    this.#status = { state: 'ready' };
    return { migrated: entries.length, remembered };
  }

  #fileOptions(): FileStoreOptions {
    const o: FileStoreOptions = {};
    if (this.#options.scrypt) o.scrypt = this.#options.scrypt;
    if (this.#options.lockTimeoutMs) o.lockTimeoutMs = this.#options.lockTimeoutMs;
    return o;
  }

  #open(): EncryptedFileSecretStore {
    if (this.#store) return this.#store;
    const s = this.#status;
    throw locked(
      s.state === 'unlock'
        ? 'Saved passwords are locked on this computer until you enter their passphrase.'
        : 'No passphrase has been chosen for saved passwords yet.',
      'Open Settings → Passwords and enter (or choose) the passphrase.',
    );
  }

  describe(): { backend: string; secure: boolean; warning?: string } {
    if (!this.#store) {
      return {
        backend: 'encrypted-file',
        secure: true,
        warning: this.#status.state === 'ready' ? '' : this.#status.message,
      };
    }
    return { ...this.#store.describe(), backend: 'encrypted-file+keychain' };
  }

  async get(ref: string): Promise<string | undefined> {
    // Until the passphrase is chosen, the earlier store still answers reads: an upgrade never stops
    // a send that worked the day before. New passwords wait for the passphrase.
    if (!this.#store && this.#status.state === 'migrate') {
      const cipher = readLegacy(paths(this.#dbPath).legacy)[ref];
      if (cipher === undefined) return undefined;
      const value = this.#keychain.decryptString(Buffer.from(cipher, 'base64'));
      registerSecret(value);
      return value;
    }
    return this.#open().get(ref);
  }

  async set(ref: string, value: string): Promise<void> {
    return this.#open().set(ref, value);
  }

  async delete(ref: string): Promise<void> {
    return this.#open().delete(ref);
  }
}
