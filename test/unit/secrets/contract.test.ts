import { join } from 'node:path';
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';
import { describeSecretStore } from './conformance';
import { scratchDir } from './scratch';

describeSecretStore('encrypted file', async () => {
  const path = join(scratchDir(), 'secrets.enc');
  const make = () =>
    new EncryptedFileSecretStore(path, 'conformance passphrase', { scrypt: { N: 1024, r: 8, p: 1 } });
  return { store: make(), reopen: async () => make() };
});
