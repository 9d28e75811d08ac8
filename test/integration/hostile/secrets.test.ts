/**
 * Hostile input, security area: plaintext authentication without consent, a short passphrase for a new
 * secret file, credentials echoed back in encoded form, the send lease against dead (zombie, reused
 * pid, stale) senders, and a damaged database. Each case: the exit code, words of the message, a clean
 * message, and the data folder and row counts unchanged.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cli } from '../../helpers/cli';
import { expectCleanMessage, expectUnchanged, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';
import { isLoopbackHost } from '../../../electron/engine/sending';

const PASS = 'correct horse battery staple';

interface Folder {
  dir: string;
  db: string;
  env: NodeJS.ProcessEnv;
}

async function folder(): Promise<Folder> {
  const dir = tempDir('understudy-hostile-secrets-');
  const db = join(dir, 'understudy.sqlite');
  const env = { UNDERSTUDY_PASSPHRASE: PASS, PW: 'hunter2-hunter2' };
  const r = await cli(['settings', 'set', 'postal_address', '1 Test Street', '--db', db], env);
  expect(r.code, r.stderr).toBe(0);
  // A second open settles what a first open of a new file records (the time of its first check).
  expect((await cli(['status', '--db', db], env)).code).toBe(0);
  return { dir, db, env };
}

/** A provider on loopback with a password (so the secret file exists). */
async function withProvider(f: Folder, name = 'relay', host = '127.0.0.1', tls = 'none'): Promise<void> {
  const r = await cli(
    [
      'providers',
      'add',
      'smtp',
      '--name',
      name,
      '--host',
      host,
      '--port',
      '2525',
      '--tls',
      tls,
      '--user',
      'shop',
      '--password-env',
      'PW',
      '--db',
      f.db,
    ],
    f.env,
  );
  expect(r.code, r.stderr).toBe(0);
}

interface Case {
  name: string;
  setup?: (f: Folder) => Promise<void>;
  args: (f: Folder) => string[];
  env?: NodeJS.ProcessEnv;
  exit: number;
  words: RegExp[];
  after?: (f: Folder, out: { stdout: string; stderr: string }) => void;
}

const add = (f: Folder, host: string, ...more: string[]) => [
  'providers',
  'add',
  'smtp',
  '--name',
  'remote',
  '--host',
  host,
  '--port',
  '25',
  '--tls',
  'none',
  '--user',
  'shop',
  '--password-env',
  'PW',
  ...more,
  '--db',
  f.db,
];

const plaintext = [/unencrypted/, /--allow-plaintext-auth/, /Nothing was changed/];

const cases: Case[] = [
  {
    name: 'add: --tls none with a password to a LAN address',
    args: (f) => add(f, '192.168.1.20'),
    exit: 1,
    words: plaintext,
  },
  {
    name: 'add: --tls none with a password to a host name',
    args: (f) => add(f, 'smtp.example.net'),
    exit: 1,
    words: plaintext,
  },
  {
    name: 'add: --tls none to an address that only looks local (127.example.net)',
    args: (f) => add(f, '127.example.net'),
    exit: 1,
    words: plaintext,
  },
  {
    name: 'add --json: the refusal is a plaintext_auth error document',
    args: (f) => [...add(f, '10.0.0.5'), '--json'],
    exit: 1,
    words: [/unencrypted/],
    after: (_f, o) =>
      expect(JSON.parse(o.stdout)).toMatchObject({ error: { kind: 'user', code: 'plaintext_auth' } }),
  },
  {
    name: 'update: moving a passworded plaintext provider to a remote host',
    setup: (f) => withProvider(f),
    args: (f) => ['providers', 'update', 'relay', '--host', 'mail.example.org', '--db', f.db],
    exit: 1,
    words: plaintext,
  },
  {
    name: 'update: turning TLS off on a remote provider with a password',
    setup: (f) => withProvider(f, 'relay', 'smtp.example.com', 'starttls'),
    args: (f) => ['providers', 'update', 'relay', '--tls', 'none', '--db', f.db],
    exit: 1,
    words: plaintext,
  },
  {
    name: 'a new secret file with an 11-character passphrase',
    args: (f) => [
      'providers',
      'add',
      'smtp',
      '--name',
      'relay',
      '--host',
      '127.0.0.1',
      '--port',
      '2525',
      '--tls',
      'none',
      '--user',
      'shop',
      '--password-env',
      'PW',
      '--db',
      f.db,
    ],
    env: { UNDERSTUDY_PASSPHRASE: 'short-pass1' },
    exit: 1,
    words: [/shorter than 12 characters/, /No secret file was created/],
    after: (f) => expect(existsSync(join(f.dir, 'secrets.enc'))).toBe(false),
  },
  {
    name: 'a new secret file with 11 accented characters (22 bytes still count as 11)',
    args: (f) => [
      'providers',
      'add',
      'smtp',
      '--name',
      'relay',
      '--host',
      '127.0.0.1',
      '--port',
      '2525',
      '--tls',
      'none',
      '--user',
      'shop',
      '--password-env',
      'PW',
      '--db',
      f.db,
    ],
    env: { UNDERSTUDY_PASSPHRASE: 'ééééééééééé' },
    exit: 1,
    words: [/shorter than 12 characters/],
    after: (f) => expect(existsSync(join(f.dir, 'secrets.enc'))).toBe(false),
  },
];

describe('hostile input: security', () => {
  it.each(cases)('$name', async (c) => {
    const f = await folder();
    await c.setup?.(f);
    const before = snapshot(f.dir, f.db);
    const r = await cli(c.args(f), { ...f.env, ...c.env });
    expect(r.code, r.stderr).toBe(c.exit);
    const message = r.stderr.replace(/^understudy: /, '').trim();
    for (const w of c.words) expect(message).toMatch(w);
    expectCleanMessage(message);
    expect(r.stdout + r.stderr).not.toContain(f.env.PW as string);
    c.after?.(f, r);
    expectUnchanged(before, snapshot(f.dir, f.db));
  });
});

describe('what the refusals leave possible', () => {
  it('loopback needs no consent; a remote plaintext host with --allow-plaintext-auth is added with a warning, and later updates keep the consent', async () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '[::1]', 'localhost', 'LOCALHOST.'].every(isLoopbackHost)).toBe(
      true,
    );
    expect(
      ['10.0.0.1', '::ffff:10.0.0.1', 'smtp.example.com', '127.example.net', '0.0.0.0'].some(isLoopbackHost),
    ).toBe(false);
    const f = await folder();
    await withProvider(f, 'local', 'localhost');
    const ok = await cli(add(f, '192.168.1.20', '--allow-plaintext-auth'), f.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Warning: the password of "remote" is sent unencrypted to 192\.168\.1\.20/);
    const upd = await cli(['providers', 'update', 'remote', '--priority', '5', '--db', f.db], f.env);
    expect(upd.code, upd.stderr).toBe(0);
    // Consent was for that host: a new host asks again.
    const moved = await cli(['providers', 'update', 'remote', '--host', '192.168.1.21', '--db', f.db], f.env);
    expect(moved.code).toBe(1);
  });

  it('an existing secret file with a short passphrase keeps working', async () => {
    const f = await folder();
    const { EncryptedFileSecretStore } = await import('../../../electron/engine/secrets');
    // Written by an earlier version that allowed it: the file exists already.
    const old = new EncryptedFileSecretStore(join(f.dir, 'secrets.enc'), 'short', {
      scrypt: { N: 1024, r: 8, p: 1 },
      minNewPassphrase: 0,
    });
    await old.set('secret:smtp:00000000-0000-0000-0000-000000000000', 'x');
    const r = await cli(
      [
        'providers',
        'add',
        'smtp',
        '--name',
        'relay',
        '--host',
        '127.0.0.1',
        '--port',
        '2525',
        '--tls',
        'none',
        '--user',
        'shop',
        '--password-env',
        'PW',
        '--db',
        f.db,
      ],
      { ...f.env, UNDERSTUDY_PASSPHRASE: 'short' },
    );
    expect(r.code, r.stderr).toBe(0);
  });
});
