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
import { expectCleanMessage, expectUnchanged, hashTree, snapshot } from '../../helpers/hostile';
import { tempDir } from '../../helpers/tmp';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { isLoopbackHost, probeProcess } from '../../../electron/engine/sending';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { campaign, PASSPHRASE, smtpProvider, world } from '../sending/fixture';
import { cleanup } from '../../helpers/tmp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { createDispatcher } from '../../../electron/engine/handlers';
import { flipBytes, flipInValue } from '../../helpers/damage';
import { writeFileSync } from 'node:fs';
import { startSmtpServer } from '../../helpers/smtp';
import { wireForms } from '../../helpers/credentials';
import { waitUntil } from '../../helpers/wait';

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

/**
 * A campaign whose lease is held by a live process (a real `sleep`, recorded with its own start time
 * and a fresh heartbeat), on this host or another.
 */
async function leased(host: 'here' | 'elsewhere'): Promise<Folder> {
  const w = await world(3);
  await smtpProvider(w, 'relay', 2525);
  const id = campaign(w);
  await unsubscribeSecret(w.engine, w.secrets);
  const holder = spawn('sleep', ['600'], { stdio: 'ignore' });
  cleanup(() => void holder.kill('SIGKILL'));
  const identity = await waitUntil('the holder to run', () => probeProcess(holder.pid!).identity);
  w.engine.repos.campaignRuns.start(
    {
      campaignId: id,
      via: null,
      dryRun: false,
      pid: holder.pid!,
      host: host === 'here' ? hostname() : 'another-machine',
      now: w.engine.now(),
      identity,
    },
    () => false,
  );
  await w.engine.close();
  return { dir: w.dir, db: w.dbPath, env: { UNDERSTUDY_PASSPHRASE: PASSPHRASE, PW: 'hunter2-hunter2' } };
}

/** A list of 500 people, cleanly closed (sealed), then damaged by `flip`. */
function damaged(flip: (db: string) => unknown): () => Promise<Folder> {
  return async () => {
    const f = await folder();
    const csv = join(f.dir, 'list.csv');
    writeFileSync(
      csv,
      ['email,first_name', ...Array.from({ length: 500 }, (_, i) => `p${i}@example.test,Ann${i}`)].join('\n'),
    );
    const r = await cli(['import', csv, '--list', 'Main', '--db', f.db], f.env);
    expect(r.code, r.stderr).toBe(0);
    flip(f.db);
    return f;
  };
}

/** A provider whose server answers AUTH with a 535 that quotes the payload it received. */
function echoing(method: 'PLAIN' | 'LOGIN', user: string, pass: string): () => Promise<Folder> {
  return async () => {
    const srv = await startSmtpServer({
      auth: { user, pass: 'not-this-one', methods: [method] },
      extra: {
        onAuth(auth, _s, cb) {
          const b64 = (x: string) => Buffer.from(x).toString('base64');
          const echoed =
            auth.method === 'PLAIN'
              ? b64(`\0${auth.username}\0${auth.password}`)
              : `${b64(auth.username ?? '')} ${b64(auth.password ?? '')}`;
          cb(new Error(`535 5.7.8 Authentication failed: ${echoed}`));
        },
      },
    });
    cleanup(() => srv.stop());
    const f = await folder();
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
        String(srv.port),
        '--tls',
        'none',
        '--user',
        user,
        '--auth',
        method,
        '--password-env',
        'SMTP_PW',
        '--db',
        f.db,
      ],
      { ...f.env, SMTP_PW: pass },
    );
    expect(r.code, r.stderr).toBe(0);
    return f;
  };
}

const damagedWords = [/is damaged/, /did not write to it/, /understudy restore FILE/];

interface Case {
  name: string;
  /** The database file cannot be read for row counts: compare its bytes instead. */
  dbBytes?: boolean;
  /** A folder other than the default one. */
  make?: () => Promise<Folder>;
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
    args: (f) => add(f, '127.0.0.1'),
    env: { UNDERSTUDY_PASSPHRASE: 'short-pass1' },
    exit: 1,
    words: [/shorter than 12 characters/, /No secret file was created/],
    after: (f) => expect(existsSync(join(f.dir, 'secrets.enc'))).toBe(false),
  },
  {
    name: 'a new secret file with 11 accented characters (22 bytes still count as 11)',
    args: (f) => add(f, '127.0.0.1'),
    env: { UNDERSTUDY_PASSPHRASE: 'ééééééééééé' },
    exit: 1,
    words: [/shorter than 12 characters/],
    after: (f) => expect(existsSync(join(f.dir, 'secrets.enc'))).toBe(false),
  },
  {
    name: 'send: a live process on this computer is sending the campaign',
    make: () => leased('here'),
    args: (f) => ['send', '1', '--db', f.db],
    exit: 1,
    words: [/already being sent by another process \(pid \d+/, /sent nothing/, /--wait/],
  },
  {
    name: 'send --json: the same, as an already_sending error document',
    make: () => leased('here'),
    args: (f) => ['send', '1', '--json', '--db', f.db],
    exit: 1,
    words: [/already being sent/],
    after: (_f, o) =>
      expect(JSON.parse(o.stdout)).toMatchObject({ error: { kind: 'user', code: 'already_sending' } }),
  },
  {
    name: 'send --via: a live sender holds the campaign whichever provider is asked for',
    make: () => leased('here'),
    args: (f) => ['send', '1', '--via', 'relay', '--db', f.db],
    exit: 1,
    words: [/already being sent/],
  },
  {
    name: 'send: a sender on another computer with a fresh heartbeat',
    make: () => leased('elsewhere'),
    args: (f) => ['send', '1', '--db', f.db],
    exit: 1,
    words: [/already being sent by another process \(pid \d+ on another-machine\)/],
  },
  {
    name: 'a server whose 535 echoes the AUTH PLAIN payload: no form of the password is shown',
    make: echoing('PLAIN', 'hostile-plain@shop.test', 'h0stile-PLAIN-pass'),
    args: (f) => ['providers', 'test', 'relay', '--db', f.db],
    exit: 1,
    words: [/did not pass the test/, /Nothing was sent/],
    after: (_f, o) => {
      expect(o.stdout).toMatch(/Login failed: .*535/);
      for (const form of Object.values(wireForms('hostile-plain@shop.test', 'h0stile-PLAIN-pass')))
        expect(o.stdout + o.stderr).not.toContain(form);
    },
  },
  {
    name: 'a server whose 535 echoes the AUTH LOGIN parts (--json): no form of the password is shown',
    make: echoing('LOGIN', 'hostile-login@shop.tst', 'h0stile-LOGIN-pass'),
    args: (f) => ['providers', 'test', 'relay', '--json', '--db', f.db],
    exit: 1,
    words: [/did not pass the test/],
    after: (_f, o) => {
      for (const form of Object.values(wireForms('hostile-login@shop.tst', 'h0stile-LOGIN-pass')))
        expect(o.stdout + o.stderr).not.toContain(form);
    },
  },
  {
    name: 'damaged database (index key bytes flipped): import is refused before it writes',
    make: damaged((db) => flipBytes(db, 'subscribers_email', 'content')),
    args: (f) => ['import', join(f.dir, 'list.csv'), '--list', 'Main', '--db', f.db],
    exit: 1,
    words: damagedWords,
    dbBytes: true,
  },
  {
    name: 'damaged database (index key bytes flipped): settings set is refused',
    make: damaged((db) => flipBytes(db, 'subscribers_email', 'content')),
    args: (f) => ['settings', 'set', 'postal_address', '2 Other Road', '--db', f.db],
    exit: 1,
    words: damagedWords,
    dbBytes: true,
  },
  {
    name: 'damaged database (a stored value flipped on disk, time unchanged): providers add is refused',
    make: damaged((db) => flipInValue(db, 'Ann250', { keepTime: true })),
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
      '--db',
      f.db,
    ],
    exit: 1,
    words: [...damagedWords, /without any program writing to it/],
    dbBytes: true,
  },
  {
    name: 'damaged database (table page header): --json says db_damaged',
    make: damaged((db) => flipBytes(db, 'subscribers', 'header')),
    args: (f) => ['import', join(f.dir, 'list.csv'), '--list', 'Main', '--json', '--db', f.db],
    exit: 1,
    words: damagedWords,
    dbBytes: true,
    after: (_f, o) =>
      expect(JSON.parse(o.stdout)).toMatchObject({ error: { kind: 'user', code: 'db_damaged' } }),
  },
];

describe('hostile input: security', () => {
  it.each(cases)('$name', async (c) => {
    const f = await (c.make ?? folder)();
    await c.setup?.(f);
    const take = () => (c.dbBytes ? { files: hashTree(f.dir), counts: {} } : snapshot(f.dir, f.db));
    const before = take();
    const r = await cli(c.args(f), { ...f.env, ...c.env });
    expect(r.code, r.stderr).toBe(c.exit);
    const message = r.stderr.replace(/^understudy: /, '').trim();
    for (const w of c.words) expect(message).toMatch(w);
    expectCleanMessage(message);
    expect(r.stdout + r.stderr).not.toContain(f.env.PW as string);
    c.after?.(f, r);
    expectUnchanged(before, take());
  });
});

describe('the API (what the app and browser mode call)', () => {
  it('addProvider/updateProvider refuse plaintext authentication to a remote host without consent, and accept it with', async () => {
    const dir = tempDir('understudy-hostile-api-');
    const { engine } = await engineWithSecrets(dir);
    try {
      const d = createDispatcher(engine);
      const input = {
        name: 'remote',
        host: 'smtp.example.net',
        port: 25,
        tls: 'none',
        user: 'shop',
        password: 'api-pass-123456',
      };
      const refused = await d.dispatch('addProvider', input);
      expect(refused).toMatchObject({ ok: false, error: { code: 'plaintext_auth' } });
      expect(JSON.stringify(refused)).not.toContain('api-pass-123456');
      expect(engine.repos.providers.all('smtp')).toHaveLength(0);
      const ok = await d.dispatch('addProvider', { ...input, allowPlaintextAuth: true });
      expect(ok).toMatchObject({ ok: true, value: { name: 'remote', tls: 'none' } });
      const moved = await d.dispatch('updateProvider', { current: 'remote', host: 'other.example.net' });
      expect(moved).toMatchObject({ ok: false, error: { code: 'plaintext_auth' } });
    } finally {
      await engine.close();
    }
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
