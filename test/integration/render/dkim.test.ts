/**
 * End to end through real SMTP: render with DKIM, send with nodemailer to a nodemailer smtp-server on
 * loopback, capture the raw message, verify the DKIM signature with mailauth against the public key
 * made here, and check what a recipient would see (headers, merge tags, footer, text part).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { dkimVerify } from 'mailauth/lib/dkim/verify';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compileCampaign,
  parseUnsubscribeToken,
  type RenderSettings,
  type RenderedMessage,
  type RenderSubscriber,
} from '../../../electron/engine/sending/render';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_B64 = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const settings: RenderSettings = {
  listName: 'Bakery News',
  postalAddress: 'Rose Bakery\n12 High Street\nBristol BS1 4AA',
  companyName: 'Rose Bakery Ltd',
  unsubscribeMailto: 'unsubscribe@rose.example',
  unsubscribeUrl: 'https://rose.example/unsubscribe',
  unsubscribeSecret: 'integration-secret-0123456789',
  messageIdDomain: 'rose.example',
  dkim: { domainName: 'rose.example', keySelector: 'us2026', privateKey: PRIVATE_PEM },
};

/** DNS for the verifier: only our selector's TXT record exists. */
async function resolver(name: string, rr: string): Promise<string[][]> {
  if (rr === 'TXT' && name === 'us2026._domainkey.rose.example') return [[`v=DKIM1; k=rsa; p=${PUBLIC_B64}`]];
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
}

let server: SMTPServer;
let port: number;
let received: { from: string; to: string[]; raw: Buffer }[];

beforeEach(async () => {
  received = [];
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function send(messages: RenderedMessage[]): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  try {
    for (const m of messages) await transport.sendMail(m);
  } finally {
    transport.close();
  }
}

describe('a rendered campaign through SMTP', () => {
  it('arrives DKIM-signed (covering the unsubscribe headers) with its merge tags, footer and text part', async () => {
    const render = compileCampaign(
      {
        id: 9,
        subject: 'Fresh bread for *|FNAME|*',
        fromName: 'Rose Bakery',
        fromEmail: 'news@rose.example',
        replyTo: 'Rose <hello@rose.example>',
        dialect: 'mailchimp',
        text: null,
        html: `<html><body><h1>Hello *|IF:FNAME|**|FNAME|**|ELSE:|*friend*|END:IF|*</h1>
          <p>New in *|CITY|*: rye &amp; sourdough.</p><p><a href="*|UNSUB|*">Unsubscribe</a></p></body></html>`,
      },
      settings,
    );
    const subscribers: RenderSubscriber[] = [
      {
        id: 1,
        email: 'ann@example.org',
        firstName: 'Ann',
        lastName: 'Lee',
        mergeFields: { CITY: 'Bath' },
        tags: [],
      },
      { id: 2, email: 'zoë@example.org', firstName: '', lastName: '', mergeFields: {}, tags: [] },
    ];
    await send(subscribers.map((s) => render(s)));
    expect(received).toHaveLength(2);

    for (const [i, got] of received.entries()) {
      const result = await dkimVerify(got.raw, { resolver: resolver as never });
      expect(result.results).toHaveLength(1);
      const sig = result.results[0]!;
      expect(sig.status.result).toBe('pass');
      expect(sig.signingDomain).toBe('rose.example');
      expect(sig.status.aligned).toBe('rose.example');
      const signed = (
        sig as unknown as { signingHeaders: { keys: string } }
      ).signingHeaders.keys.toLowerCase();
      expect(signed).toContain('list-unsubscribe');
      expect(signed).toContain('list-unsubscribe-post');
      expect(signed).toContain('from');

      const mail = await simpleParser(got.raw);
      const sub = subscribers[i]!;
      expect(got.to).toEqual([sub.email]);
      expect(mail.messageId).toBe(`<understudy.c9.s${sub.id}@rose.example>`);
      expect(mail.from?.value).toEqual([{ name: 'Rose Bakery', address: 'news@rose.example' }]);
      expect(mail.replyTo?.value).toEqual([{ name: 'Rose', address: 'hello@rose.example' }]);
      const lu = String(mail.headers.get('list-unsubscribe') ?? '');
      const raw = got.raw.toString('utf8');
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r$/m);
      const token = /unsubscribe\/u\/([^>\s]+)>/.exec(raw.replace(/\r\n\s+/g, ' '))![1]!;
      expect(parseUnsubscribeToken(token, settings.unsubscribeSecret)).toEqual({
        campaignId: 9,
        subscriberId: sub.id,
      });
      expect(lu || raw).toContain('unsubscribe@rose.example?subject=unsubscribe-');
      expect(raw).toMatch(/^List-Id: Bakery News <bakery-news\.rose\.example>\r$/im);
      expect(mail.html).toContain('12 High Street');
      expect(mail.text).toContain('Bristol BS1 4AA');
      if (sub.id === 1) {
        expect(mail.subject).toBe('Fresh bread for Ann');
        expect(mail.html).toContain('<h1>Hello Ann</h1>');
        expect(mail.html).toContain('New in Bath: rye &amp; sourdough.');
        expect(mail.text).toMatch(/Hello Ann\n\nNew in Bath: rye & sourdough\./);
      } else {
        expect(mail.subject).toBe('Fresh bread for');
        expect(mail.html).toContain('<h1>Hello friend</h1>');
      }
      expect(mail.text).toContain(`Unsubscribe (https://rose.example/unsubscribe/u/${token})`);
    }
  });

  it('a text-only campaign with non-ASCII names and subject arrives signed and intact', async () => {
    const render = compileCampaign(
      {
        id: 11,
        subject: 'Pain d’épices für {{ subscriber.first_name | default: "Freund" }} 🍞',
        fromName: 'Bäckerei Rosé',
        fromEmail: 'news@rose.example',
        replyTo: null,
        dialect: 'kit',
        html: null,
        text: 'Hallo {{ subscriber.first_name }},\nfrisches Brot.\n{{ unsubscribe_url }}',
      },
      settings,
    );
    await send([
      render({
        id: 4,
        email: 'jörg@example.org',
        firstName: 'Jörg',
        lastName: '',
        mergeFields: {},
        tags: [],
      }),
    ]);
    const got = received[0]!;
    expect((await dkimVerify(got.raw, { resolver: resolver as never })).results[0]!.status.result).toBe(
      'pass',
    );
    const mail = await simpleParser(got.raw);
    expect(mail.subject).toBe('Pain d’épices für Jörg 🍞');
    expect(mail.from?.value).toEqual([{ name: 'Bäckerei Rosé', address: 'news@rose.example' }]);
    expect(mail.html).toBe(false);
    expect(mail.text).toMatch(/^Hallo Jörg,\nfrisches Brot\.\nhttps:\/\/rose\.example\/unsubscribe\/u\//);
    expect(mail.text).toContain('Bristol BS1 4AA');
  });

  it('the verifier catches a message changed after signing (so the check above can fail)', async () => {
    const render = compileCampaign(
      {
        id: 10,
        subject: 'Hi',
        fromName: 'Rose',
        fromEmail: 'news@rose.example',
        replyTo: null,
        dialect: 'local',
        html: '<p>Hi {{first_name}}</p>',
        text: null,
      },
      settings,
    );
    await send([
      render({ id: 3, email: 'ann@example.org', firstName: 'Ann', lastName: '', mergeFields: {}, tags: [] }),
    ]);
    const raw = received[0]!.raw.toString('utf8');
    expect(
      (await dkimVerify(Buffer.from(raw), { resolver: resolver as never })).results[0]!.status.result,
    ).toBe('pass');
    const bodyChanged = raw.replace('Hi Ann', 'Hi Bob');
    expect(bodyChanged).not.toBe(raw);
    // mailauth reports a body-hash mismatch as "neutral" (RFC 6376 6.3 leaves it to the verifier).
    expect(
      (await dkimVerify(Buffer.from(bodyChanged), { resolver: resolver as never })).results[0]!.status.result,
    ).not.toBe('pass');
    // Dropping the one-click header after signing also breaks the signature.
    const headerDropped = raw.replace(/^List-Unsubscribe-Post: .*\r\n/m, '');
    expect(headerDropped).not.toBe(raw);
    expect(
      (await dkimVerify(Buffer.from(headerDropped), { resolver: resolver as never })).results[0]!.status
        .result,
    ).not.toBe('pass');
  });
});
