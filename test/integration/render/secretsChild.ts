/**
 * Child for secretsCrash.test.ts: writes secrets to the file store in a loop and prints the index
 * of each write once it has returned (so it is durable). Usage:
 *   run-ts.mjs secretsChild.ts FILE START   (passphrase in UNDERSTUDY_PASSPHRASE)
 */
import { EncryptedFileSecretStore } from '../../../electron/engine/secrets';

const [file, start] = process.argv.slice(2);
const store = new EncryptedFileSecretStore(file!, process.env.UNDERSTUDY_PASSPHRASE!, {
  scrypt: { N: 1024, r: 8, p: 1 },
});
for (let i = Number(start); ; i++) {
  await store.set(`secret:test:${i}`, `value-${i}-${'x'.repeat(i % 97)}`);
  process.stdout.write(`${i}\n`);
}
