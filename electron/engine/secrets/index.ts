/**
 * Secrets (SMTP passwords, OAuth tokens, API keys, DKIM private keys) behind one interface. SQLite
 * only ever holds an opaque reference (`providers.secret_ref`); the value lives in one encrypted file
 * next to the database (`secrets.enc`, see fileStore.ts), shared by the CLI, browser mode and the
 * desktop app, which opens it with a key kept in the OS keychain (appStore.ts).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userError } from '../errors';
import { EncryptedFileSecretStore, type FileStoreOptions } from './fileStore';
import { readPassphraseFromStdin } from './passphrase';

export interface SecretStore {
  get(ref: string): Promise<string | undefined>;
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
  describe(): { backend: string; secure: boolean; warning?: string };
}

export {
  EncryptedFileSecretStore,
  DEFAULT_SCRYPT,
  lockPathOf,
  type FileStoreOptions,
  type KeyMaterial,
} from './fileStore';
export {
  redact,
  redactError,
  registerSecret,
  forgetSecret,
  registerBasicAuth,
  registerSmtpAuth,
  registerXoauth2,
  registerHeaderCredential,
} from './redact';
export { readPassphraseFromStdin } from './passphrase';
export {
  AppSecretStore,
  KEYCHAIN_FILE,
  type AppSecretsStatus,
  type AppSecretStoreOptions,
  type Keychain,
} from './appStore';

export const SECRETS_FILE = 'secrets.enc';
/** The desktop app's safeStorage ciphertexts, in its user-data folder (electron/main/secrets.ts). */
export const SAFE_STORAGE_FILE = 'secrets.safe.json';
export const PASSPHRASE_ENV = 'UNDERSTUDY_PASSPHRASE';

const KIND_RE = /^[a-z][a-z0-9_-]{0,31}$/;
const REF_RE = /^secret:[a-z][a-z0-9_-]{0,31}:[0-9a-f-]{36}$/;

/** An opaque id to store in SQLite in place of a secret, e.g. `secret:smtp:6f1c…`. */
export function newSecretRef(kind: string): string {
  if (!KIND_RE.test(kind)) throw new Error(`newSecretRef: invalid kind ${JSON.stringify(kind)}`);
  return `secret:${kind}:${randomUUID()}`;
}

export function isSecretRef(ref: string): boolean {
  return REF_RE.test(ref);
}

/** Where the CLI/browser-mode secret file lives for a database. */
export function secretsPathFor(dbPath: string): string {
  return join(dirname(dbPath), SECRETS_FILE);
}

/**
 * Open the encrypted secret file next to `dbPath`. The passphrase comes from UNDERSTUDY_PASSPHRASE,
 * else from `readPassphrase` (default: a hidden prompt on a terminal, or the first line of stdin).
 * The passphrase is checked against an existing file at once, so a wrong one fails here with a clear
 * message instead of at the first send.
 */
export async function openCliSecretStore(
  dbPath: string,
  env: NodeJS.ProcessEnv,
  readPassphrase: () => Promise<string> = () =>
    readPassphraseFromStdin(
      existsSync(secretsPathFor(dbPath))
        ? 'Passphrase for the Understudy secret file: '
        : 'Choose a passphrase for the new Understudy secret file: ',
    ),
  /** KDF cost of a new file and lock timeout; tests lower the cost, nothing else should. */
  options: FileStoreOptions = {},
): Promise<SecretStore> {
  const path = secretsPathFor(dbPath);
  let passphrase = env[PASSPHRASE_ENV];
  if (passphrase === undefined || passphrase === '') passphrase = await readPassphrase();
  if (!passphrase) {
    throw userError('No passphrase was given for the secret file.', {
      code: 'secrets_no_passphrase',
      safe: 'No secret was read or written.',
      next: `Set ${PASSPHRASE_ENV} in the environment, or type the passphrase when asked.`,
    });
  }
  const store = new EncryptedFileSecretStore(path, passphrase, options);
  await store.unlock();
  return store;
}
