/**
 * The desktop app's secrets: the same encrypted file as the command line (`secrets.enc` beside the
 * database), opened with its key kept in the OS keychain through Electron's safeStorage (Keychain on
 * macOS, DPAPI on Windows, kwallet/libsecret on Linux): https://www.electronjs.org/docs/latest/api/safe-storage
 * All of the logic is in the engine (engine/secrets/appStore.ts, tested there with a stand-in
 * keychain); this file only hands it `safeStorage`. On Linux without a keyring safeStorage falls back
 * to 'basic_text' (a hard-coded key): the key is then not remembered unless the user consents, and
 * the passphrase is asked at each start.
 */
import { safeStorage } from 'electron';
import { AppSecretStore } from '../engine/secrets';

export type { AppSecretStore } from '../engine/secrets';

export function basicTextOnly(): boolean {
  return process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
}

export function createAppSecrets(dbPath: string, consentedToBasicText: () => boolean): AppSecretStore {
  return new AppSecretStore(dbPath, safeStorage, {
    remember: () => safeStorage.isEncryptionAvailable() && (!basicTextOnly() || consentedToBasicText()),
  });
}
