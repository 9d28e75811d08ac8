/**
 * Unlocking the secret store from the app (issue 15 §1): browser mode started without a passphrase
 * asks for it in a form instead of sending the user to a terminal. The passphrase and the open store
 * live in this process's memory only (never in SQLite, a log or argv); a wrong one changes nothing.
 */
import { existsSync } from 'node:fs';
import type { Engine } from '../engine';
import type { SecretsStatus } from '../api/sending';
import { EncryptedFileSecretStore, secretsPathFor, type FileStoreOptions } from '../secrets';
import { MIN_NEW_PASSPHRASE, weakPassphrase } from '../secrets/fileStore';

export function secretsStatus(engine: Engine): SecretsStatus {
  const open = engine.services.secrets.open;
  return { open, exists: existsSync(secretsPathFor(engine.dbPath)), canUnlock: !open };
}

export async function unlockSecrets(
  engine: Engine,
  passphrase: string,
  /** KDF cost of a new file; tests lower it, nothing else should. */
  options: FileStoreOptions = {},
): Promise<SecretsStatus> {
  if (engine.services.secrets.open) return secretsStatus(engine);
  const path = secretsPathFor(engine.dbPath);
  if (!existsSync(path) && [...passphrase.normalize('NFC')].length < MIN_NEW_PASSPHRASE)
    throw weakPassphrase('The new passphrase', 'No secret store was created; nothing was changed.');
  const store = new EncryptedFileSecretStore(path, passphrase, options);
  // A wrong passphrase throws here (secrets_wrong_passphrase) and nothing is attached.
  await store.unlock();
  engine.services.secrets.provide(store);
  engine.record({
    type: 'secrets.unlocked',
    message: 'The secret store was unlocked from the app.',
  });
  return secretsStatus(engine);
}
