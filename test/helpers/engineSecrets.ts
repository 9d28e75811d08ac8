/** An engine with an encrypted secret file (low KDF cost for tests), as the CLI opens it. */
import { join } from 'node:path';
import { Engine } from '../../electron/engine/engine';
import type { Clock } from '../../electron/engine/clock';
import { EncryptedFileSecretStore, type SecretStore } from '../../electron/engine/secrets';
import { useSecretStore } from '../../electron/engine/sending/context';
import { useSecretStore as useEspSecrets } from '../../electron/engine/mirror/esp/connections';

export async function engineWithSecrets(
  dir: string,
  clock?: Clock,
): Promise<{ engine: Engine; secrets: SecretStore }> {
  const engine = Engine.open({ dbPath: join(dir, 'understudy.sqlite'), ...(clock ? { clock } : {}) });
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), 'test passphrase', {
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await secrets.unlock();
  useSecretStore(engine, secrets);
  useEspSecrets(engine, secrets);
  return { engine, secrets };
}
