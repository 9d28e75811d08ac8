/**
 * The SMTP connection pool the campaign transport sends through (smtpPool.ts), against nodemailer's
 * smtp-server: connections are capped and reused, renewed after maxMessages, a refused recipient
 * fails only its message and keeps the session (RSET), a refused connection fails the message with
 * nodemailer's error, and no message is ever retried by the pool itself.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { SmtpPool } from '../../../electron/engine/sending/smtpPool';
import { createSmtpTransport } from '../../../electron/engine/sending/transport';
import type { ProviderRow } from '../../../electron/engine/db/repos/providers';
import { freePort, startSmtpServer, type SmtpCapture } from '../../helpers/smtp';

const raw = (i: number) =>
  Buffer.from(`From: a@shop.test\r\nTo: u${i}@example.test\r\nSubject: ${i}\r\n\r\n.line ${i}\r\n`);

let server: SmtpCapture | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

describe('SMTP connection pool', () => {
  it('sends over at most maxConnections connections, renews them after maxMessages, dot-stuffs the data', async () => {
    let connections = 0;
    let open = 0;
    let maxOpen = 0;
    server = await startSmtpServer({
      extra: {
        onConnect(_s, cb) {
          connections++;
          maxOpen = Math.max(maxOpen, ++open);
          cb();
        },
        onClose() {
          open--;
        },
      },
    });
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 3,
      maxMessages: 10,
    });
    const infos = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)),
      ),
    );
    pool.close();
    expect(infos.every((x) => /^250/.test(x.response))).toBe(true);
    expect(server.messages).toHaveLength(60);
    expect(maxOpen).toBeLessThanOrEqual(3);
    // 60 messages, 10 per connection at most.
    expect(connections).toBeGreaterThanOrEqual(6);
    const m7 = server.messages.find((m) => m.rcpt[0] === 'u7@example.test')!;
    expect(m7.raw).toContain('\r\n\r\n.line 7\r\n');
  });

  it('a refused recipient fails only its message; the session is reset and reused', async () => {
    let connections = 0;
    server = await startSmtpServer({
      rejectRcpt: { 'gone@example.test': { code: 550, message: '5.1.1 User unknown' } },
      extra: {
        onConnect(_s, cb) {
          connections++;
          cb();
        },
      },
    });
    const pool = new SmtpPool({
      connection: { host: server.host, port: server.port, ignoreTLS: true },
      maxConnections: 1,
      maxMessages: 100,
    });
    const a = await pool.send({ from: 'a@shop.test', to: ['u1@example.test'] }, raw(1));
    const err = await pool.send({ from: 'a@shop.test', to: ['gone@example.test'] }, raw(2)).then(
      () => null,
      (e: unknown) => e as { code?: string; responseCode?: number; command?: string },
    );
    const b = await pool.send({ from: 'a@shop.test', to: ['u3@example.test'] }, raw(3));
    pool.close();
    expect(a.accepted).toEqual(['u1@example.test']);
    expect(err).toMatchObject({ code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' });
    expect(b.accepted).toEqual(['u3@example.test']);
    expect(server.messages.map((m) => m.rcpt[0])).toEqual(['u1@example.test', 'u3@example.test']);
    expect(connections).toBe(1);
  });

  it('a refused connection fails the message with nodemailer’s error, once, and the pool stays usable', async () => {
    const port = await freePort();
    const pool = new SmtpPool({
      connection: { host: '127.0.0.1', port, ignoreTLS: true, connectionTimeout: 2000 },
      maxConnections: 2,
      maxMessages: 100,
    });
    const errs = await Promise.all(
      [1, 2, 3].map((i) =>
        pool.send({ from: 'a@shop.test', to: [`u${i}@example.test`] }, raw(i)).then(
          () => null,
          (e: unknown) => e as { code?: string; originalCode?: string; command?: string },
        ),
      ),
    );
    for (const e of errs)
      expect(e).toMatchObject({ code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' });
    pool.close();
    await expect(pool.send({ from: 'a@shop.test', to: ['x@example.test'] }, raw(9))).rejects.toThrow(
      /closed/,
    );
  });

  it('a message the fast writer leaves to nodemailer (DKIM) is composed and signed by nodemailer, sent through the pool', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    server = await startSmtpServer();
    const t = createSmtpTransport(
      {
        config: { host: server.host, port: server.port, tls: 'none' },
        maxConnections: 1,
      } as unknown as ProviderRow,
      undefined,
    );
    const r = await t.send({
      from: '"Bäckerei" <news@rose.example>',
      to: 'jörg@example.test',
      subject: 'Grüße',
      text: 'Hallo Jörg\n',
      html: '<p>Hallo Jörg</p>',
      messageId: '<understudy.c1.s2@rose.example>',
      headers: { 'List-Id': '<news.rose.example>' },
      dkim: {
        domainName: 'rose.example',
        keySelector: 'sel',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      },
    });
    t.close();
    expect(r.response).toMatch(/^250/);
    expect(server.messages).toHaveLength(1);
    const raw = server.messages[0]!.raw;
    const resolver = async (name: string, rr: string) => {
      if (rr === 'TXT' && name === 'sel._domainkey.rose.example') return [[`v=DKIM1; k=rsa; p=${pub}`]];
      throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    };
    const v = await dkimVerify(Buffer.from(raw), { resolver: resolver as never });
    expect(v.results[0]!.status.result).toBe('pass');
    const mail = await simpleParser(raw);
    expect(mail.messageId).toBe('<understudy.c1.s2@rose.example>');
    expect(mail.text).toBe('Hallo Jörg\n');
  });
});
