/**
 * A credential in the form it travels in. A Mailchimp endpoint that echoes `Authorization: Basic
 * base64("understudy:" + key)` in its error body, and an SMTP server whose 535 reply echoes the AUTH
 * PLAIN / AUTH LOGIN payload, must not put the credential — in any encoding — into the events table,
 * an error message, or `--json` output. Real database, real secret file, the in-process CLI.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';
import { redact } from '../../../electron/engine/secrets';
import { wireForms } from '../../helpers/credentials';

/** The CLI in-process (test/helpers/cli); every env given here already carries process.env. */
const run = cli;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

function expectNone(where: string, text: string, forms: Record<string, string>): void {
  for (const [name, form] of Object.entries(forms)) expect(text, `${name} in ${where}`).not.toContain(form);
}

function eventsText(dbPath: string): string {
  const db = new Database(dbPath, { readonly: true });
  try {
    return JSON.stringify(db.prepare('SELECT message, data FROM events').all());
  } finally {
    db.close();
  }
}

const servers: { stop(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('credentials in encoded form', () => {
  it('the redactor masks every wire form of a registered credential (HTTP Basic, AUTH PLAIN/LOGIN, XOAUTH2, URL, base64url)', () => {
    const forms = wireForms('shop@example.test', 'Tr0ub4dor&3 pass/word+=');
    // Nothing registered yet for this secret: it must be registered at the moment of use.
    const line = Object.entries(forms)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    expectNone('redact(line, [secret])', redact(line, ['Tr0ub4dor&3 pass/word+=']), forms);
  });

  it('an ESP that echoes the Authorization header in its error body leaks nothing (events, errors, --json)', async () => {
    const fake = new FakeMailchimp();
    // A key no other test registered in this process.
    fake.key = 'f00dfeedcafe0123456789abcdef0123-us6';
    await fake.start();
    servers.push(fake);
    const forms = wireForms('understudy', fake.key);
    const dir = tempDir('understudy-echo-esp-');
    const db = join(dir, 'm.db');
    const env = { ...process.env, UNDERSTUDY_PASSPHRASE: 'correct horse battery', MC_KEY: fake.key };
    fake.addList('L1', 'Newsletter');
    const add = await run(
      [
        'esp',
        'add',
        'mailchimp',
        '--name',
        'MC',
        '--key-env',
        'MC_KEY',
        '--base-url',
        fake.baseUrl,
        '--status-url',
        '',
        '--db',
        db,
        '--json',
      ],
      env,
    );
    expect(add.code, add.stderr).toBe(0);
    // From now on every request is refused with a body that quotes what it received.
    fake.server.fault({
      times: 1000,
      status: 400,
      body: {
        type: 'https://mailchimp.com/developer/marketing/docs/errors/',
        title: 'Invalid Resource',
        status: 400,
        detail: `Bad request. Received Authorization: Basic ${forms.basic} (${forms.basicUrl}); key=${forms.urlEncoded}; raw ${forms.base64url}`,
        instance: '0',
      },
    });
    const sync = await run(['sync', '--db', db, '--json'], env);
    const human = await run(['sync', '--db', db], env);
    expect(sync.code + human.code).toBeGreaterThan(0);
    expect(sync.stdout + human.stderr).toMatch(/Invalid Resource|Bad request|\[redacted\]/);
    expectNone('sync --json', sync.stdout + sync.stderr, forms);
    expectNone('sync', human.stdout + human.stderr, forms);
    expectNone('events', eventsText(db), forms);
    expectNone('database file', readFileSync(db).toString('latin1'), forms);
  });

  it.each([
    ['PLAIN', 'shop-plain@example.test', 'sm7p-Pl41n-s3cret!'],
    // The user's length puts the password off a 3-byte boundary in the authzid form, so its own
    // base64 is not a substring of the echo.
    ['LOGIN', 'shop-login@example.tst', 'l0g1n/s3cret+pass'],
    ['XOAUTH2', 'shop-oauth@example.test', 'ya29.a0-access-token-for-test'],
  ])(
    'an SMTP server whose 535 echoes the AUTH %s payload leaks nothing (events, errors, --json)',
    async (method, user, pass) => {
      const forms = wireForms(user, pass);
      const srv: SmtpCapture = await startSmtpServer({
        auth: { user, pass: 'the-right-one', methods: [method] },
        extra: {
          onAuth(auth, _s, cb) {
            // Echo what the client sent, as a careless server does.
            const echoed =
              auth.method === 'PLAIN'
                ? b64(`\0${auth.username}\0${auth.password}`)
                : auth.method === 'XOAUTH2'
                  ? b64(`user=${auth.username}\x01auth=Bearer ${auth.accessToken}\x01\x01`)
                  : `${b64(auth.username ?? '')} ${b64(auth.password ?? '')}`;
            cb(
              new Error(
                `535 5.7.8 Authentication failed for ${echoed} (${b64(`${user}\0${user}\0${pass}`)})`,
              ),
            );
          },
        },
      });
      servers.push(srv);
      const dir = tempDir('understudy-echo-smtp-');
      const db = join(dir, 'm.db');
      const env = { ...process.env, UNDERSTUDY_PASSPHRASE: 'correct horse battery', SMTP_PW: pass };
      const add = await run(
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
          '--password-env',
          'SMTP_PW',
          '--auth',
          method,
          '--db',
          db,
          '--json',
        ],
        env,
      );
      expect(add.code, add.stderr).toBe(0);
      const tested = await run(['providers', 'test', 'relay', '--db', db, '--json'], env);
      const human = await run(['providers', 'test', 'relay', '--db', db], env);
      expect(tested.stdout + tested.stderr).toMatch(/535/);
      expectNone('providers test --json', tested.stdout + tested.stderr, forms);
      expectNone('providers test', human.stdout + human.stderr, forms);
      expectNone('events', eventsText(db), forms);
      expectNone('database file', readFileSync(db).toString('latin1'), forms);
    },
  );
});
