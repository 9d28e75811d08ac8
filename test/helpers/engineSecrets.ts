/** An engine with an encrypted secret file (low KDF cost for tests), as the CLI opens it. */
import { join } from 'node:path';
import { Engine } from '../../electron/engine/engine';
import type { Clock } from '../../electron/engine/clock';
import { EncryptedFileSecretStore, type SecretStore } from '../../electron/engine/secrets';

export async function engineWithSecrets(
  dir: string,
  clock?: Clock,
): Promise<{ engine: Engine; secrets: SecretStore }> {
  const secrets = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), 'test passphrase', {
    scrypt: { N: 1024, r: 8, p: 1 },
  });
  await secrets.unlock();
  const engine = Engine.open({
    dbPath: join(dir, 'understudy.sqlite'),
    secrets,
    ...(clock ? { clock } : {}),
  });
  return { engine, secrets };
}
