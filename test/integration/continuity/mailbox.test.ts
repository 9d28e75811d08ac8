/**
 * The backup mailbox and drills against a real Dovecot on loopback: unsubscribe requests (mailto with
 * the signed token) and real-format DSNs become unsubscribes, bounces, suppressions and ESP push-back
 * items exactly once; drills send through real SMTP servers (nodemailer smtp-server delivering into
 * Dovecot) and pass, or fail with an alert when the password is wrong.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/engine/engine';
import type { SecretStore } from '../../../electron/engine/secrets';
import { configureMailbox } from '../../../electron/engine/continuity/mailbox';
import { processInbox } from '../../../electron/engine/continuity/inbox';
import { removeSuppression, suppressionHistory } from '../../../electron/engine/mirror/suppressions';
import { SUPPRESSION_EVENTS, SuppressionAddedDataSchema } from '../../../electron/engine/api/suppressions';
import { runDrills } from '../../../electron/engine/continuity/drills';
import { unsubscribeSecret } from '../../../electron/engine/sending/settings';
import { messageIdFor, unsubscribeToken } from '../../../electron/engine/sending/render/tokens';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { deliveringRelay, startDovecot, freePort, type Dovecot } from '../../helpers/dovecot';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { addCampaign, addProvider } from '../../helpers/continuity';
import { tempDir } from '../../helpers/tmp';

let dovecot: Dovecot;
let engine: Engine;
let secrets: SecretStore;

beforeEach(async () => {
  dovecot = await startDovecot({ bounces: 'imap-pass-1', seed: 'seed-pass-2' });
  ({ engine, secrets } = await engineWithSecrets(tempDir()));
});
afterEach(async () => {
  await engine.close();
  await dovecot.stop();
});

function dsn(opts: { to: string; status: string; action: string; diag: string; originalId: string }): string {
  // The layout Postfix's bounce daemon writes (RFC 3464 multipart/report).
  return [
    'Return-Path: <>',
    'Date: Mon, 23 Nov 2026 09:14:02 +0000 (UTC)',
    'From: MAILER-DAEMON@relay.example.net (Mail Delivery System)',
    'Subject: Undelivered Mail Returned to Sender',
    'To: bounces@shop.example',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status;',
    '\tboundary="4C1A52E0F3.1763889242/relay.example.net"',
    'Message-Id: <20261123091402.4C1A52E0F3@relay.example.net>',
    '',
    'This is a MIME-encapsulated message.',
    '',
    '--4C1A52E0F3.1763889242/relay.example.net',
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host relay.example.net.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${opts.to}>: host mx.example.org[192.0.2.25] said: ${opts.diag}`,
    '',
    '--4C1A52E0F3.1763889242/relay.example.net',
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; relay.example.net',
    'X-Postfix-Queue-ID: 4C1A52E0F3',
    'X-Postfix-Sender: rfc822; bounces@shop.example',
    'Arrival-Date: Mon, 23 Nov 2026 09:14:01 +0000 (UTC)',
    '',
    `Final-Recipient: rfc822; ${opts.to}`,
    `Original-Recipient: rfc822;${opts.to}`,
    `Action: ${opts.action}`,
    `Status: ${opts.status}`,
    'Remote-MTA: dns; mx.example.org',
    `Diagnostic-Code: smtp; ${opts.diag}`,
    '',
    '--4C1A52E0F3.1763889242/relay.example.net',
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Shop <shop@shop.example>',
    `To: ${opts.to}`,
    'Subject: Winter sale',
    `Message-ID: ${opts.originalId}`,
    '',
    '--4C1A52E0F3.1763889242/relay.example.net--',
    '',
  ].join('\r\n');
}

describe('backup mailbox (Dovecot)', () => {
  it('applies unsubscribe requests and hard bounces once, suppresses them and queues them for the ESP', async () => {
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
    const now = engine.now();
    const list = engine.repos.lists.create({ name: 'Customers', providerId: esp, espListId: 'abc123', now });
    const ins = engine.db.prepare(
      `INSERT INTO subscribers (list_id, email, email_norm, status, source, esp_id, created_at, updated_at)
       VALUES (?, ?, ?, 'subscribed', 'test', ?, ?, ?)`,
    );
    const ids = ['ann@example.org', 'bob@example.org', 'cy@example.org', 'dee@example.org'].map((e, i) =>
      Number(ins.run(list.id, e, e, `m${i}`, now, now).lastInsertRowid),
    );
    const campaign = addCampaign(engine, { listId: list.id });
    await configureMailbox(engine, {
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: 'bounces',
      password: 'imap-pass-1',
    });
    const secret = await unsubscribeSecret(engine, secrets);
    const token = unsubscribeToken(campaign, ids[0]!, secret);
    await dovecot.deliver(
      'bounces',
      `From: ann@example.org\r\nTo: unsubscribe@shop.example\r\nSubject: unsubscribe-${token}\r\nMessage-ID: <u1@example.org>\r\n\r\n\r\n`,
    );
    // A forged token (wrong MAC) from an address on no list changes nothing: it is kept for review.
    const forged = `${token.slice(0, -4)}AAAA`;
    await dovecot.deliver(
      'bounces',
      `From: x@example.org\r\nTo: unsubscribe@shop.example\r\nSubject: unsubscribe-${forged}\r\nMessage-ID: <u2@example.org>\r\n\r\n\r\n`,
    );
    await dovecot.deliver(
      'bounces',
      dsn({
        to: 'bob@example.org',
        status: '5.1.1',
        action: 'failed',
        diag: '550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown',
        originalId: `<understudy.c${campaign}.s${ids[1]}@shop.example>`,
      }),
    );
    // A delay notice is not a bounce.
    await dovecot.deliver(
      'bounces',
      dsn({
        to: 'cy@example.org',
        status: '4.4.1',
        action: 'delayed',
        diag: '451 4.4.1 try again later',
        originalId: '<x@y>',
      }),
    );

    const r = await processInbox(engine);
    expect(r).toMatchObject({
      examined: 4,
      unsubscribes: 1,
      bounces: 1,
      ignored: 1,
      forReview: 1,
      queuedForEsp: 2,
    });
    const status = (id: number) => engine.repos.subscribers.byId(id)!.status;
    expect([status(ids[0]!), status(ids[1]!), status(ids[2]!), status(ids[3]!)]).toEqual([
      'unsubscribed',
      'bounced',
      'subscribed',
      'subscribed',
    ]);
    const supp = engine.db.prepare(`SELECT email_norm, reason FROM suppressions ORDER BY 1`).all();
    expect(supp).toEqual([{ email_norm: 'bob@example.org', reason: 'bounced' }]);
    const queued = engine.db
      .prepare(`SELECT email_norm, kind, esp_list_id FROM esp_pushback WHERE state = 'pending' ORDER BY 1`)
      .all();
    expect(queued).toEqual([
      { email_norm: 'ann@example.org', kind: 'unsubscribe', esp_list_id: 'abc123' },
      { email_norm: 'bob@example.org', kind: 'bounce', esp_list_id: 'abc123' },
    ]);

    // Exactly once: a second run reads nothing new; a new message is picked up alone.
    expect(await processInbox(engine)).toMatchObject({ examined: 0, unsubscribes: 0, bounces: 0 });
    await dovecot.deliver(
      'bounces',
      dsn({
        to: 'dee@example.org',
        status: '5.2.1',
        action: 'failed',
        diag: '550 5.2.1 mailbox disabled',
        originalId: '<z@y>',
      }),
    );
    expect(await processInbox(engine)).toMatchObject({ examined: 1, bounces: 1 });
    expect(status(ids[3]!)).toBe('bounced');

    // A spam complaint from a feedback loop (ARF, RFC 5965) naming a Message-ID of another database
    // (another installation id) with ann's number, and no recipient: it says nothing about anyone here.
    await dovecot.deliver(
      'bounces',
      arf('arf0', `<understudy.0123456789ab.c${campaign}.s${ids[0]}@shop.example>`),
    );
    expect(await processInbox(engine)).toMatchObject({ examined: 1, complaints: 0 });
    expect(status(ids[0]!)).toBe('unsubscribed'); // as the unsubscribe email above left her

    // One naming our Message-ID (as this database sends it): complained everywhere.
    const ours = messageIdFor(campaign, ids[2]!, 'shop.example', engine.repos.meta.installationId());
    await dovecot.deliver('bounces', arf('arf1', ours));
    expect(await processInbox(engine)).toMatchObject({ examined: 1, complaints: 1 });
    expect(status(ids[2]!)).toBe('complained');
    expect(
      engine.db.prepare(`SELECT reason FROM suppressions WHERE email_norm = 'cy@example.org'`).get(),
    ).toEqual({
      reason: 'complained',
    });

    // Lifting bob's bounce by hand (issue 11, §2) gives back the status the bounce event recorded.
    const lifted = removeSuppression(engine, { email: 'bob@example.org', why: 'his mailbox works again' });
    expect(lifted.restored).toEqual([
      { list: 'Customers', listId: list.id, from: 'bounced', to: 'subscribed' },
    ]);
    expect(status(ids[1]!)).toBe('subscribed');
  });

  it('§2: a person who asks to unsubscribe by email is unsubscribed even when the code does not verify; the rest wait for review', async () => {
    const esp = addProvider(engine, { name: 'Mailchimp', kind: 'esp' });
    const now = engine.now();
    const customers = engine.repos.lists.create({
      name: 'Customers',
      providerId: esp,
      espListId: 'abc123',
      now,
    });
    const club = engine.repos.lists.create({ name: 'Bakery club', now });
    const ins = engine.db.prepare(
      `INSERT INTO subscribers (list_id, email, email_norm, status, source, esp_id, created_at, updated_at)
       VALUES (?, ?, ?, 'subscribed', 'test', ?, ?, ?)`,
    );
    const add = (list: number, e: string) => Number(ins.run(list, e, e, null, now, now).lastInsertRowid);
    const annA = add(customers.id, 'ann@example.org');
    const annB = add(club.id, 'ann@example.org');
    const bobA = add(customers.id, 'bob@example.org');
    const bobB = add(club.id, 'bob@example.org');
    const campaign = addCampaign(engine, { listId: customers.id });
    await configureMailbox(engine, {
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: 'bounces',
      password: 'imap-pass-1',
    });
    const secret = await unsubscribeSecret(engine, secrets);
    // Ann's mail app mangled the code (a restored backup without the key does the same to every code):
    // the campaign it names still says which list she got it from.
    const damaged = `${unsubscribeToken(campaign, annA, secret).slice(0, -4)}AAAA`;
    await dovecot.deliver(
      'bounces',
      `From: Ann <ann@example.org>\r\nTo: unsubscribe@shop.example\r\nSubject: unsubscribe-${damaged}\r\nMessage-ID: <s1@example.org>\r\n\r\n\r\n`,
    );
    // Bob writes in his own words, with no code at all: every list he is on.
    await dovecot.deliver(
      'bounces',
      `From: bob@example.org\r\nTo: news@shop.example\r\nSubject: Please UNSUBSCRIBE me\r\nMessage-ID: <s2@example.org>\r\n\r\nthanks\r\n`,
    );
    // Someone on no list: kept for review, nothing changed.
    await dovecot.deliver(
      'bounces',
      `From: stranger@example.net\r\nTo: news@shop.example\r\nSubject: unsubscribe\r\nMessage-ID: <s3@example.org>\r\n\r\n\r\n`,
    );
    // Not a request at all.
    await dovecot.deliver(
      'bounces',
      `From: carl@example.org\r\nTo: news@shop.example\r\nSubject: Do you deliver on Sundays?\r\nMessage-ID: <s4@example.org>\r\n\r\n\r\n`,
    );

    const r = await processInbox(engine);
    expect(r).toMatchObject({ examined: 4, unsubscribes: 2, forReview: 1, ignored: 1, queuedForEsp: 2 });
    const status = (id: number) => engine.repos.subscribers.byId(id)!.status;
    expect([status(annA), status(annB), status(bobA), status(bobB)]).toEqual([
      'unsubscribed',
      'subscribed',
      'unsubscribed',
      'unsubscribed',
    ]);
    const ev = engine.db
      .prepare(
        `SELECT list_id AS listId, campaign_id AS campaignId FROM events WHERE type = 'subscriber.unsubscribed' ORDER BY id`,
      )
      .all();
    expect(ev).toEqual([
      { listId: customers.id, campaignId: campaign },
      { listId: customers.id, campaignId: null },
      { listId: club.id, campaignId: null },
    ]);
    expect(engine.db.prepare(`SELECT email_norm AS e, kind FROM esp_pushback ORDER BY 1`).all()).toEqual([
      { e: 'ann@example.org', kind: 'unsubscribe' },
      { e: 'bob@example.org', kind: 'unsubscribe' },
    ]);
    const review = engine.db
      .prepare(`SELECT channel, reason, from_email AS fromEmail, subject FROM unsubscribe_review`)
      .all();
    expect(review).toEqual([
      { channel: 'mailto', reason: 'not_on_list', fromEmail: 'stranger@example.net', subject: 'unsubscribe' },
    ]);
    // Exactly once: nothing is applied or queued twice.
    expect(await processInbox(engine)).toMatchObject({ examined: 0, forReview: 0 });
    expect(engine.db.prepare(`SELECT count(*) FROM unsubscribe_review`).pluck().get()).toBe(1);
  });

  it('drills: a working provider passes by Message-ID in the seed mailbox; a wrong password fails and alerts', async () => {
    // A real SMTP server that requires AUTH and delivers what it accepts into Dovecot (like an MTA).
    const port = await freePort();
    const server = await deliveringRelay(dovecot, port, {
      authOptional: false,
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      onAuth(auth, _s, cb) {
        if (auth.username === 'relay' && auth.password === 'right-password') cb(null, { user: 'relay' });
        else
          cb(Object.assign(new Error('535 5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      },
    });
    try {
      await configureMailbox(engine, {
        host: dovecot.host,
        port: dovecot.port,
        secure: false,
        user: 'seed',
        password: 'seed-pass-2',
        seedAddress: 'seed@shop.example',
      });
      const common = { host: '127.0.0.1', port, tls: 'none' as const, user: 'relay', auth: 'PLAIN' as const };
      await addSmtpProvider(
        engine,
        { name: 'Good relay', ...common, password: 'right-password', priority: 1 },
        secrets,
      );
      await addSmtpProvider(
        engine,
        { name: 'Expired relay', ...common, password: 'old-password', priority: 2 },
        secrets,
      );
      const alerts: string[] = [];
      engine.bus.on('notification', (n) => alerts.push(n.title));

      // The arrival check (SPF/DKIM/DMARC) asks a closed loopback port, never the internet's DNS.
      const drills = await runDrills(engine, { timeoutMs: 20_000, pollMs: 100, dnsServer: '127.0.0.1:9' });
      expect(drills.map((d) => [d.providerName, d.result])).toEqual([
        ['Good relay', 'passed'],
        ['Expired relay', 'failed'],
      ]);
      expect(drills[1]!.detail).toMatch(/login refused/);
      expect(alerts).toEqual(['Drill failed: Expired relay']);
      expect(await dovecot.messageIds('seed')).toEqual([drills[0]!.messageId]);
      expect(engine.repos.drills.list().map((d) => d.result)).toEqual(['failed', 'passed']);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('logs suppression.added for a bounce report and a spam complaint, with the statuses before (issue 11 §2)', async () => {
    const now = engine.now();
    const shop = engine.repos.lists.create({ name: 'Shop', now });
    const news = engine.repos.lists.create({ name: 'News', now });
    const ins = engine.db.prepare(
      `INSERT INTO subscribers (list_id, email, email_norm, status, source, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'test', ?, ?)`,
    );
    const add = (list: number, e: string, status: string) =>
      Number(ins.run(list, e, e, status, now, now).lastInsertRowid);
    const bobShop = add(shop.id, 'bob@example.org', 'subscribed');
    const bobNews = add(news.id, 'bob@example.org', 'unsubscribed');
    const cy = add(shop.id, 'cy@example.org', 'subscribed');
    const campaign = addCampaign(engine, { listId: shop.id });
    await configureMailbox(engine, {
      host: dovecot.host,
      port: dovecot.port,
      secure: false,
      user: 'bounces',
      password: 'imap-pass-1',
    });
    await dovecot.deliver(
      'bounces',
      dsn({
        to: 'Bob@example.org',
        status: '5.1.1',
        action: 'failed',
        diag: '550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown',
        originalId: `<understudy.c${campaign}.s${bobShop}@shop.example>`,
      }),
    );
    await dovecot.deliver(
      'bounces',
      arf('arf2', messageIdFor(campaign, cy, 'shop.example', engine.repos.meta.installationId())),
    );
    expect(await processInbox(engine)).toMatchObject({ bounces: 1, complaints: 1 });

    const added = (email: string) =>
      suppressionHistory(engine, email).events.filter((e) => e.type === SUPPRESSION_EVENTS.added);
    const [bounce, ...more] = added('bob@example.org');
    expect(more).toEqual([]);
    SuppressionAddedDataSchema.parse(bounce!.data);
    expect(bounce!.campaignId).toBe(campaign);
    expect(bounce!.data).toMatchObject({
      email: 'bob@example.org',
      reason: 'bounced',
      source: 'inbox',
      previous: [{ subscriberId: bobShop, status: 'subscribed' }],
    });
    expect(bounce!.message).toContain('a bounce report in the backup mailbox');
    const [complaint] = added('cy@example.org');
    SuppressionAddedDataSchema.parse(complaint!.data);
    expect(complaint!.severity).toBe('warning');
    expect(complaint!.data).toMatchObject({
      email: 'cy@example.org',
      reason: 'complained',
      source: 'inbox',
      detail: 'feedback report',
      previous: [{ subscriberId: cy, status: 'subscribed' }],
    });

    // Removal gives bob's shop row back; his newsletter unsubscribe stands (the bounce did not touch it).
    const lifted = removeSuppression(engine, { email: 'bob@example.org', why: 'mailbox restored' });
    expect(lifted.restored).toEqual([{ list: 'Shop', listId: shop.id, from: 'bounced', to: 'subscribed' }]);
    expect(engine.repos.subscribers.byId(bobNews)!.status).toBe('unsubscribed');
  });
});

/** A spam complaint from a feedback loop (ARF, RFC 5965) about the message with `messageId`. */
function arf(id: string, messageId: string): string {
  return [
    'From: fbl@mailbox-provider.example',
    'To: bounces@shop.example',
    'Subject: FW: Winter sale',
    `Message-ID: <${id}@mailbox-provider.example>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report.',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ExampleFBL/1.0',
    'Version: 1',
    '',
    '--ARF',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Shop <shop@shop.example>',
    'Subject: Winter sale',
    `Message-ID: ${messageId}`,
    '',
    '--ARF--',
    '',
  ].join('\r\n');
}
