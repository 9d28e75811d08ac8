/**
 * SecretStore on Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on Windows,
 * kwallet/libsecret on Linux): https://www.electronjs.org/docs/latest/api/safe-storage
 * Ciphertexts live in one JSON file in the user-data folder, written atomically; SQLite only ever
 * holds the opaque reference. On Linux without a keyring safeStorage falls back to 'basic_text' (a
 * hard-coded key): we say so and store nothing until the user explicitly consents.
 */
import { safeStorage } from 'electron';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAFE_STORAGE_FILE, type SecretStore } from '../engine/secrets';
import { userError } from '../engine/errors';

interface FileShape {
  version: 1;
  entries: Record<string, string>;
}

export class SafeStorageSecretStore implements SecretStore {
  private readonly file: string;

  constructor(
    userData: string,
    private readonly consentedToBasicText: () => boolean,
  ) {
    this.file = join(userData, SAFE_STORAGE_FILE);
  }

  private backend(): string {
    return process.platform === 'linux'
      ? safeStorage.getSelectedStorageBackend()
      : process.platform === 'darwin'
        ? 'keychain'
        : 'dpapi';
  }

  describe(): { backend: string; secure: boolean; warning?: string } {
    const backend = this.backend();
    if (!safeStorage.isEncryptionAvailable()) {
      return {
        backend,
        secure: false,
        warning: 'The system keychain is not available, so passwords cannot be stored.',
      };
    }
    if (backend === 'basic_text') {
      return {
        backend,
        secure: false,
        warning:
          'No system keyring (GNOME Keyring or KWallet) was found, so passwords would be protected only by a fixed key anyone with your files could undo. Understudy stores them only if you allow it in Settings.',
      };
    }
    return { backend, secure: true };
  }

  private read(): FileShape {
    if (!existsSync(this.file)) return { version: 1, entries: {} };
    return JSON.parse(readFileSync(this.file, 'utf8')) as FileShape;
  }

  private write(data: FileShape): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  async get(ref: string): Promise<string | undefined> {
    const c = this.read().entries[ref];
    if (c === undefined) return undefined;
    return safeStorage.decryptString(Buffer.from(c, 'base64'));
  }

  async set(ref: string, value: string): Promise<void> {
    const d = this.describe();
    if (
      !safeStorage.isEncryptionAvailable() ||
      (d.backend === 'basic_text' && !this.consentedToBasicText())
    ) {
      throw userError('The password was not saved: this computer has no secure place to keep it.', {
        code: 'secrets_insecure_backend',
        safe: 'Nothing was stored, in plain text or otherwise.',
        next:
          d.backend === 'basic_text'
            ? 'Install and unlock a keyring (GNOME Keyring or KWallet) and restart Understudy, or allow weaker storage in Settings → Passwords.'
            : 'Unlock your system keychain and try again.',
      });
    }
    const data = this.read();
    data.entries[ref] = safeStorage.encryptString(value).toString('base64');
    this.write(data);
  }

  async delete(ref: string): Promise<void> {
    const data = this.read();
    if (!(ref in data.entries)) return;
    delete data.entries[ref];
    this.write(data);
  }
}
