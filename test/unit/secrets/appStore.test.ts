/**
 * One secret file for the app and the command line: the app opens it with the key kept in the OS
 * keychain (a stand-in here: Electron's safeStorage cannot exist outside Electron), the command line
 * with the passphrase; the app's older safeStorage-only store moves into it.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AppSecretStore,
  KEYCHAIN_FILE,
  newSecretRef,
  openCliSecretStore,
  type Keychain,
} from '../../../electron/engine/secrets';
import { scratchDir as tempDir } from './scratch';
import { describeSecretStore } from './conformance';

const FAST = { scrypt: { N: 1024, r: 8, p: 1 } };
const PASS = 'correct horse battery staple';

/** A keychain of one machine: AES-GCM under a key that never leaves this object, like safeStorage. */
function keychain(available = true): Keychain & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), data]);
    },
    decryptString(buf) {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

describe('AppSecretStore: one secret file for the app and the command line', () => {
  it('a new installation: the app asks for a passphrase, then the CLI reads what the app saved, and the reverse', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const kc = keychain();
    const app = new AppSecretStore(db, kc, FAST);
    expect((await app.open()).state).toBe('choose');
    await expect(app.get(newSecretRef('smtp'))).rejects.toThrow(/No passphrase has been chosen/);
    await app.unlock(PASS);
    const ref = newSecretRef('smtp');
    await app.set(ref, 'app-password-1');
    // The keychain file holds the key under the keychain, never the passphrase or the key in plain.
    const keyDoc = readFileSync(join(dir, KEYCHAIN_FILE), 'utf8');
    expect(keyDoc).not.toContain(PASS);
    const cli = await openCliSecretStore(db, { UNDERSTUDY_PASSPHRASE: PASS }, undefined, FAST);
    expect(await cli.get(ref)).toBe('app-password-1');
    const ref2 = newSecretRef('esp');
    await cli.set(ref2, 'cli-api-key-2');
    // The app at its next start opens the file with the keychain alone.
    const again = new AppSecretStore(db, kc, FAST);
    expect((await again.open()).state).toBe('ready');
    expect(await again.get(ref2)).toBe('cli-api-key-2');
    expect(again.describe().backend).toBe('encrypted-file+keychain');
  });

  it('a file made by the command line: the app asks for its passphrase once; a wrong one changes nothing', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const cli = await openCliSecretStore(db, { UNDERSTUDY_PASSPHRASE: PASS }, undefined, FAST);
    const ref = newSecretRef('smtp');
    await cli.set(ref, 'from-the-cli');
    const before = readFileSync(join(dir, 'secrets.enc'));
    const app = new AppSecretStore(db, keychain(), FAST);
    expect((await app.open()).state).toBe('unlock');
    await expect(app.unlock('not the passphrase')).rejects.toMatchObject({
      code: 'secrets_wrong_passphrase',
    });
    expect(readFileSync(join(dir, 'secrets.enc'))).toEqual(before);
    expect(existsSync(join(dir, KEYCHAIN_FILE))).toBe(false);
    await app.unlock(PASS);
    expect(await app.get(ref)).toBe('from-the-cli');
  });

  it('moves the app’s older safeStorage store into the file, then removes it', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const kc = keychain();
    const ref = newSecretRef('smtp');
    writeFileSync(
      join(dir, 'secrets.safe.json'),
      JSON.stringify({ version: 1, entries: { [ref]: kc.encryptString('legacy-pw').toString('base64') } }),
    );
    const app = new AppSecretStore(db, kc, FAST);
    expect(await app.open()).toMatchObject({ state: 'migrate', secrets: 1 });
    // Before the passphrase is chosen, sends keep working from the earlier store; new ones wait.
    expect(await app.get(ref)).toBe('legacy-pw');
    await expect(app.set(newSecretRef('smtp'), 'x')).rejects.toThrow(/No passphrase has been chosen/);
    expect(await app.unlock(PASS)).toEqual({ migrated: 1, remembered: true });
    expect(existsSync(join(dir, 'secrets.safe.json'))).toBe(false);
    expect(readFileSync(join(dir, 'secrets.enc'), 'utf8')).not.toContain('legacy-pw');
    const cli = await openCliSecretStore(db, { UNDERSTUDY_PASSPHRASE: PASS }, undefined, FAST);
    expect(await cli.get(ref)).toBe('legacy-pw');
  });

  it('after the passphrase changes in the command line, or on another computer’s keychain, the app asks again', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const kc = keychain();
    const app = new AppSecretStore(db, kc, FAST);
    await app.open();
    await app.unlock(PASS);
    const ref = newSecretRef('smtp');
    await app.set(ref, 'pw');
    // Another machine's keychain cannot read the key file: it asks for the passphrase.
    const elsewhere = new AppSecretStore(db, keychain(), FAST);
    expect((await elsewhere.open()).state).toBe('unlock');
    const { EncryptedFileSecretStore } = await import('../../../electron/engine/secrets');
    const cli = new EncryptedFileSecretStore(join(dir, 'secrets.enc'), PASS, FAST);
    await cli.changePassphrase('a brand new passphrase');
    const reopened = new AppSecretStore(db, kc, FAST);
    expect((await reopened.open()).state).toBe('unlock');
    await reopened.unlock('a brand new passphrase');
    expect(await reopened.get(ref)).toBe('pw');
  });

  it('without a usable keychain the passphrase works for the session but is not remembered', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const app = new AppSecretStore(db, keychain(false), FAST);
    await app.open();
    expect(await app.unlock(PASS)).toEqual({ migrated: 0, remembered: false });
    expect(existsSync(join(dir, KEYCHAIN_FILE))).toBe(false);
    const ref = newSecretRef('smtp');
    await app.set(ref, 'pw');
    expect(await app.get(ref)).toBe('pw');
  });
});

describeSecretStore('app (secret file opened with the keychain)', async () => {
  const db = join(tempDir(), 'understudy.sqlite');
  const kc = keychain();
  const first = new AppSecretStore(db, kc, FAST);
  await first.open();
  await first.unlock(PASS);
  return {
    store: first,
    // The next start: opened with the keychain alone, no passphrase.
    reopen: async () => {
      const next = new AppSecretStore(db, kc, FAST);
      expect((await next.open()).state).toBe('ready');
      return next;
    },
  };
});
