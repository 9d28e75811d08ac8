import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { describeSecretStore } from './conformance';

describeSecretStore('encrypted file', async () => {
  // The factory runs inside each test, so the folder is removed when that test finishes.
  const dir = mkdtempSync(join(tmpdir(), 'understudy-secrets-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'secrets.enc');
  const make = () =>
    new EncryptedFileSecretStore(path, 'conformance passphrase', { scrypt: { N: 1024, r: 8, p: 1 } });
  return { store: make(), reopen: async () => make() };
});
