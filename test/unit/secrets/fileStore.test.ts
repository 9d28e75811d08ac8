import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EncryptedFileSecretStore,
  isSecretRef,
  newSecretRef,
  openCliSecretStore,
  secretsPathFor,
} from '../../../electron/engine/secrets';
import { scratchDir as tempDir } from './scratch';

// Tests use a cheap KDF so they stay fast; one test below opens a store with the real default cost.
const FAST = { scrypt: { N: 1024, r: 8, p: 1 } };
const open = (path: string, pass = 'correct horse battery staple') =>
  new EncryptedFileSecretStore(path, pass, FAST);

async function userErrorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e as { kind: string; code: string; message: string; safe: string; next: string };
  }
  throw new Error('expected a rejection');
}

describe('EncryptedFileSecretStore', () => {
  it('keeps secrets across instances, deletes them, and never writes them in plain text', async () => {
    const path = join(tempDir(), 'secrets.enc');
    const ref = newSecretRef('smtp');
    const a = open(path);
    expect(await a.get(ref)).toBeUndefined();
    await a.set(ref, 'hunter2-smtp-password');
    await a.set('secret:dkim:x', '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
    expect(await open(path).get(ref)).toBe('hunter2-smtp-password');

    const raw = readFileSync(path, 'utf8');
    expect(raw).not.toContain('hunter2');
    expect(raw).not.toContain(ref); // refs are inside the ciphertext too
    expect(raw).not.toContain('BEGIN PRIVATE KEY');
    expect(JSON.parse(raw)).toMatchObject({
      format: 'understudy-secrets',
      version: 1,
      cipher: 'aes-256-gcm',
    });

    await a.delete(ref);
    expect(await open(path).get(ref)).toBeUndefined();
    expect(await open(path).get('secret:dkim:x')).toContain('BEGIN PRIVATE KEY');
  });

  it('writes the file with mode 0600 and leaves no temp or lock file behind', async () => {
    const dir = tempDir();
    const path = join(dir, 'secrets.enc');
    await open(path).set('r', 'v');
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secrets.enc']);
  });

  it('a wrong passphrase is a clear user error and changes nothing', async () => {
    const path = join(tempDir(), 'secrets.enc');
    await open(path).set('r', 'v');
    const before = readFileSync(path);
    const wrong = open(path, 'not the passphrase');
    const e = await userErrorOf(wrong.unlock());
    expect(e.kind).toBe('user');
    expect(e.code).toBe('secrets_wrong_passphrase');
    expect(e.message).toMatch(/passphrase .* wrong/);
    expect(e.safe).toMatch(/intact/);
    expect(e.next).toMatch(/UNDERSTUDY_PASSPHRASE/);
    expect((await userErrorOf(wrong.set('r', 'x'))).code).toBe('secrets_wrong_passphrase');
    expect((await userErrorOf(wrong.get('r'))).code).toBe('secrets_wrong_passphrase');
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('a tampered ciphertext or header is reported as damaged, not as a wrong passphrase', async () => {
    const path = join(tempDir(), 'secrets.enc');
    await open(path).set('r', 'v');
    const body = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

    const data = Buffer.from(body.data as string, 'base64');
    data[0] = data[0]! ^ 1;
    writeFileSync(path, JSON.stringify({ ...body, data: data.toString('base64') }));
    expect((await userErrorOf(open(path).get('r'))).code).toBe('secrets_damaged');

    // Lowering the KDF cost in the header is detected (the header is authenticated).
    writeFileSync(path, JSON.stringify({ ...body, kdf: { ...(body.kdf as object), N: 2048 } }));
    expect((await userErrorOf(open(path).get('r'))).code).toMatch(/secrets_(damaged|wrong_passphrase)/);

    writeFileSync(path, 'not json');
    expect((await userErrorOf(open(path).get('r'))).code).toBe('secrets_damaged');
  });

  it('concurrent writers (two stores, same file) lose no secret', async () => {
    const path = join(tempDir(), 'secrets.enc');
    const a = open(path);
    const b = open(path);
    await a.unlock(); // both must agree on one salt: the first write creates the file
    await a.set('seed', 'x');
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`r${i}`, `value-${i}`)));
    const c = open(path);
    for (let i = 0; i < 20; i++) expect(await c.get(`r${i}`)).toBe(`value-${i}`);
  });

  it('a lock left by a process that died is taken over', async () => {
    const path = join(tempDir(), 'secrets.enc');
    writeFileSync(`${path}.lock`, '999999999'); // no such pid
    await open(path).set('r', 'v');
    expect(await open(path).get('r')).toBe('v');
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('changePassphrase re-encrypts everything: the old passphrase stops working, the new one opens it', async () => {
    const path = join(tempDir(), 'secrets.enc');
    const a = open(path, 'old passphrase 123');
    await a.set('r1', 'v1');
    await a.set('r2', 'v2');
    const saltBefore = JSON.parse(readFileSync(path, 'utf8')).kdf.salt;
    await a.changePassphrase('new passphrase 456');
    expect(JSON.parse(readFileSync(path, 'utf8')).kdf.salt).not.toBe(saltBefore);
    expect(await a.get('r1')).toBe('v1'); // the same object keeps working
    expect((await userErrorOf(open(path, 'old passphrase 123').get('r1'))).code).toBe(
      'secrets_wrong_passphrase',
    );
    const b = open(path, 'new passphrase 456');
    expect(await b.get('r1')).toBe('v1');
    expect(await b.get('r2')).toBe('v2');
    expect((await userErrorOf(b.changePassphrase(''))).code).toBe('secrets_no_passphrase');
  });

  it('describe() names the backend and warns about a short passphrase', () => {
    const path = join(tempDir(), 'secrets.enc');
    expect(open(path).describe()).toEqual({ backend: 'encrypted-file', secure: true });
    expect(open(path, 'short').describe().warning).toMatch(/shorter than 12/);
  });

  it('refuses an empty passphrase', () => {
    expect(() => new EncryptedFileSecretStore(join(tempDir(), 's.enc'), '')).toThrow(/passphrase/);
  });
});

describe('openCliSecretStore', () => {
  it('uses secrets.enc next to the database and the passphrase from UNDERSTUDY_PASSPHRASE (default KDF cost)', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const env = { UNDERSTUDY_PASSPHRASE: 'a long enough passphrase' };
    const store = await openCliSecretStore(db, env, () => Promise.reject(new Error('must not prompt')));
    await store.set('secret:smtp:1', 'pw');
    expect(secretsPathFor(db)).toBe(join(dir, 'secrets.enc'));
    expect(JSON.parse(readFileSync(join(dir, 'secrets.enc'), 'utf8')).kdf).toMatchObject({
      name: 'scrypt',
      N: 2 ** 17,
      r: 8,
      p: 1,
    });
    const again = await openCliSecretStore(db, env);
    expect(await again.get('secret:smtp:1')).toBe('pw');
  });

  it('asks for the passphrase when the environment has none, and checks it at once', async () => {
    const dir = tempDir();
    const db = join(dir, 'understudy.sqlite');
    const first = await openCliSecretStore(db, {}, async () => 'typed passphrase 1', FAST);
    await first.set('k', 'v');
    const e = await userErrorOf(openCliSecretStore(db, {}, async () => 'typo', FAST));
    expect(e.code).toBe('secrets_wrong_passphrase');
    const e2 = await userErrorOf(openCliSecretStore(db, {}, async () => '', FAST));
    expect(e2.code).toBe('secrets_no_passphrase');
  });
});

describe('secret refs', () => {
  it('are opaque, unique and recognisable', () => {
    const a = newSecretRef('smtp');
    const b = newSecretRef('smtp');
    expect(a).not.toBe(b);
    expect(isSecretRef(a)).toBe(true);
    expect(a).toMatch(/^secret:smtp:[0-9a-f-]{36}$/);
    expect(isSecretRef('hunter2')).toBe(false);
    expect(() => newSecretRef('Bad Kind')).toThrow();
  });
});
