/**
 * End to end through real servers: content, headers, TLS and AUTH against nodemailer's smtp-server;
 * the outbox's promises (exactly once, unsubscribes honoured at claim time, resume, retry-failed).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { runCampaign, retryFailed, testProvider, getCampaign } from '../../../electron/engine/sending';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { campaign, FAST, recipient, server, smtpProvider, world } from './fixture';
import { UnderstudyError } from '../../../electron/engine/errors';

const servers: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});
async function sink(opts: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink({ dump: true, ...opts });
  servers.push(s);
  return s;
}

describe('sending through real SMTP servers', () => {
  it('sends each subscriber one personalized message with List-Unsubscribe, postal address and a deterministic Message-ID', async () => {
    const w = await world(5);
    const srv = await server();
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 5, failed: 0, byProvider: { relay: 5 } });
    expect(srv.messages.map((m) => m.rcpt[0]).sort()).toEqual(w.emails.slice().sort());
    const m = srv.messages.find((x) => x.rcpt[0] === recipient(3))!;
    const parsed = await simpleParser(m.raw);
    expect(parsed.subject).toBe('Winter sale');
    // The database's installation id keeps it apart from the same numbers sent by another database.
    const scope = w.engine.repos.meta.installationId();
    expect(scope).toMatch(/^[0-9a-f]{12}$/);
    expect(parsed.messageId).toMatch(new RegExp(`^<understudy\\.${scope}\\.c${id}\\.s\\d+@shop\\.test>$`));
    const head = m.raw.slice(0, m.raw.search(/\r?\n\r?\n/)).replace(/\r?\n[ \t]+/g, ' ');
    expect(head).toMatch(
      /^List-Unsubscribe: <mailto:unsubscribe@shop\.test\?subject=unsubscribe-\S+>, <https:\/\/shop\.test\/u\/u\/\S+>$/m,
    );
    expect(head).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    expect(parsed.html).toContain('Hello Name3');
    expect(parsed.text).toContain('1 Test Street, Testville');
    expect(m.from).toBe('news@shop.test');
    // Sending again is refused: the campaign is sent.
    await expect(runCampaign(w.engine, id, { tuning: FAST })).rejects.toThrow(/already been sent/);
    await w.engine.close();
  });

  it('logs in with AUTH PLAIN over STARTTLS when the certificate is trusted, and refuses a self-signed one by default', async () => {
    const w = await world(2);
    const srv = await server({ tls: 'starttls', auth: { user: 'shop', pass: 's3cret-pass' } });
    await smtpProvider(w, 'strict', srv.port, { tls: 'starttls', user: 'shop', password: 's3cret-pass' });
    const strict = await testProvider(w.engine, 'strict');
    expect(strict.ok).toBe(false);
    expect(strict.message).toMatch(/TLS|certificate/i);
    expect(strict.message).not.toContain('s3cret-pass');

    await smtpProvider(w, 'lenient', srv.port, {
      tls: 'starttls',
      user: 'shop',
      password: 's3cret-pass',
      allowInvalidCertificate: true,
    });
    expect((await testProvider(w.engine, 'lenient')).ok).toBe(true);
    expect(srv.messages).toHaveLength(0); // a test sends nothing

    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { via: 'lenient', tuning: FAST });
    expect(s.sent).toBe(2);
    expect(srv.messages.every((m) => m.user === 'shop' && m.secure)).toBe(true);
    // The password is in the secret file, never in SQLite.
    const rows = w.engine.db.prepare('SELECT * FROM providers').all();
    expect(JSON.stringify(rows)).not.toContain('s3cret-pass');
    await w.engine.close();
  });

  it('sends over implicit TLS with AUTH LOGIN, and reports a wrong password without leaking it', async () => {
    const w = await world(1);
    const srv = await server({ tls: 'implicit', auth: { user: 'u', pass: 'right-password' } });
    await smtpProvider(w, 'tls', srv.port, {
      tls: 'implicit',
      user: 'u',
      auth: 'LOGIN',
      password: 'right-password',
      allowInvalidCertificate: true,
    });
    await smtpProvider(w, 'bad', srv.port, {
      tls: 'implicit',
      user: 'u',
      auth: 'LOGIN',
      password: 'wrong-password',
      allowInvalidCertificate: true,
    });
    const bad = await testProvider(w.engine, 'bad');
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/Login failed/);
    expect(bad.message).not.toContain('wrong-password');
    const s = await runCampaign(w.engine, campaign(w), { via: 'tls', tuning: FAST });
    expect(s.sent).toBe(1);
    expect(srv.messages[0]!.secure).toBe(true);
    await w.engine.close();
  });

  it('authenticates with XOAUTH2', async () => {
    const w = await world(1);
    const srv = await server({
      tls: 'starttls',
      auth: { user: 'me@shop.test', pass: 'ya29.token', methods: ['XOAUTH2'] },
    });
    await smtpProvider(w, 'oauth', srv.port, {
      tls: 'starttls',
      user: 'me@shop.test',
      auth: 'XOAUTH2',
      password: 'ya29.token',
      allowInvalidCertificate: true,
    });
    expect((await testProvider(w.engine, 'oauth')).ok).toBe(true);
    await w.engine.close();
  });

  it('skips someone who unsubscribed after the campaign started, and a globally suppressed address', async () => {
    const w = await world(6);
    const srv = await server();
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    // Materialize the outbox with a paused first run: pause right away via an aborted signal.
    const ac = new AbortController();
    ac.abort();
    const first = await runCampaign(w.engine, id, { tuning: FAST, signal: ac.signal });
    expect(first.state).toBe('paused');
    expect(srv.messages).toHaveLength(0);
    // Now one unsubscribes and one is suppressed (a complaint from another list).
    const list = w.engine.repos.lists.byName('Customers')!;
    const sub1 = w.engine.repos.subscribers.byEmail(list.id, recipient(1))!;
    w.engine.repos.subscribers.setStatus(sub1.id, 'unsubscribed', 'clicked unsubscribe', w.engine.now());
    w.engine.repos.suppressions.add(recipient(2), 'complained', 'test', null, w.engine.now());
    const { resumeCampaign } = await import('../../../electron/engine/sending');
    const s = await resumeCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 4, skipped: 1, suppressed: 1 });
    const got = srv.messages.map((m) => m.rcpt[0]);
    expect(got).not.toContain(recipient(1));
    expect(got).not.toContain(recipient(2));
    await w.engine.close();
  });

  it('bounces a 550 5.1.1 recipient into suppressions, and retry-failed resends only the others that failed', async () => {
    const w = await world(4);
    const srv = await server({
      rejectRcpt: {
        [recipient(1)]: {
          code: 550,
          message: '5.1.1 <user1@example.test>: Recipient address rejected: User unknown',
        },
        [recipient(2)]: { code: 554, message: '5.6.0 Message content rejected' },
      },
    });
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ sent: 2, failed: 2 });
    expect(w.engine.repos.suppressions.get(recipient(1))?.reason).toBe('bounced');
    // A content rejection is not the recipient's fault: no suppression.
    expect(w.engine.repos.suppressions.get(recipient(2))).toBeUndefined();
    const list = w.engine.repos.lists.byName('Customers')!;
    expect(w.engine.repos.subscribers.byEmail(list.id, recipient(1))!.status).toBe('bounced');
    const detail = getCampaign(w.engine, id);
    expect(detail.failures.map((f) => f.errorClass).sort()).toEqual(['bounced', 'rejected']);

    const before = srv.messages.length;
    const r = await retryFailed(w.engine, id, { tuning: FAST });
    // The bounced address stays excluded (suppressed), the other is tried again (and fails again).
    expect(r.suppressed).toBe(1);
    expect(srv.messages.length).toBe(before);
    expect(r.sent).toBe(2);
    await w.engine.close();
  });

  it('refuses to send without a postal address, saying what to set', async () => {
    const w = await world(1);
    const srv = await sink();
    await smtpProvider(w, 'relay', srv.port);
    w.engine.repos.settings.delete('sending.postal_address');
    const err = await runCampaign(w.engine, campaign(w)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnderstudyError);
    expect((err as UnderstudyError).code).toBe('no_postal_address');
    expect((err as UnderstudyError).toLine()).toMatch(/settings set postal_address/);
    expect(srv.received()).toHaveLength(0);
    await w.engine.close();
  });
});

describe('interruptions', () => {
  it('a run stopped by shutdown is resumed by resumeInterruptedRuns when the engine starts again', async () => {
    const w = await world(300);
    const srv = await startSmtpSink({ dump: true });
    servers.push(srv);
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const ac = new AbortController();
    const first = await runCampaign(w.engine, id, {
      // A progress event for every step of the loop, so the abort lands at 50 sent however fast the
      // machine is (at the default 250 ms, a quick machine sends all 300 before the first event).
      tuning: { ...FAST, progressMs: 0 },
      signal: ac.signal,
      onProgress: (p) => {
        if (p.sent >= 50) ac.abort('shutdown');
      },
    });
    expect(first.state).toBe('waiting');
    expect(first.queued).toBeGreaterThan(0);
    expect(w.engine.repos.campaigns.byId(id)!.status).toBe('sending');
    await w.engine.close();

    const { Engine } = await import('../../../electron/engine/engine');
    const { resumeInterruptedRuns } = await import('../../../electron/engine/sending');
    const engine = Engine.open({ dbPath: w.dbPath });
    engine.services.secrets.provide(w.secrets);
    const [s] = await resumeInterruptedRuns(engine, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 300, failed: 0 });
    const count = new Map<string, number>();
    for (const m of srv.received()) count.set(m.rcpt[0]!, (count.get(m.rcpt[0]!) ?? 0) + 1);
    expect(count.size).toBe(300);
    expect([...count.values()].every((n) => n === 1)).toBe(true); // a clean shutdown leaves nothing in flight
    expect(await resumeInterruptedRuns(engine)).toEqual([]);
    await engine.close();
  });

  it('a crash in the middle of enqueueing the audience: the next run finishes the enqueue, then sends everyone once', async () => {
    const w = await world(40);
    const srv = await sink();
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const repo = w.engine.repos.deliveries;
    const listId = w.engine.repos.campaigns.byId(id)!.listId!;
    // What runCampaign does before it dies in the second range of 15: marker, 'sending', first range.
    repo.beginEnqueue(id);
    w.engine.repos.campaigns.transition(id, ['draft'], 'sending', w.engine.now());
    let calls = 0;
    const dying = (c: number, s: number) => {
      if (++calls > 20) throw new Error('killed');
      return `<understudy.c${c}.s${s}@shop.test>`;
    };
    expect(() => repo.enqueue(id, listId, dying, w.engine.now(), { chunkSize: 15 })).toThrow(/killed/);
    expect(repo.counts(id).total).toBe(15);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 40, failed: 0 });
    const got = srv.received().map((m) => m.rcpt[0]!);
    expect(new Set(got).size).toBe(40);
    expect(got).toHaveLength(40);
    expect(repo.enqueuePending(id)).toBe(false);
    await w.engine.close();
  });

  it('pause stops a running send within a second, and resume finishes exactly the rest', async () => {
    const w = await world(400);
    const srv = await startSmtpSink({ dump: true });
    servers.push(srv);
    await smtpProvider(w, 'relay', srv.port, { perSecond: 200 });
    const id = campaign(w);
    const { pauseCampaign, resumeCampaign, cancelCampaign } =
      await import('../../../electron/engine/sending');
    let paused = false;
    const first = await runCampaign(w.engine, id, {
      tuning: { ...FAST, progressMs: 0 }, // every progress step, so the pause lands at 30 sent
      onProgress: (p) => {
        if (!paused && p.sent >= 30) {
          paused = true;
          pauseCampaign(w.engine, id);
        }
      },
    });
    expect(first.state).toBe('paused');
    expect(w.engine.repos.campaigns.byId(id)!.status).toBe('paused');
    await expect(runCampaign(w.engine, id)).rejects.toThrow(/paused/);
    const rest = await resumeCampaign(w.engine, id, { tuning: FAST });
    expect(rest).toMatchObject({ state: 'finished', sent: 400 });
    const count = new Map<string, number>();
    for (const m of srv.received()) count.set(m.rcpt[0]!, (count.get(m.rcpt[0]!) ?? 0) + 1);
    expect(count.size).toBe(400);
    expect([...count.values()].every((n) => n === 1)).toBe(true);
    expect(() => cancelCampaign(w.engine, id)).toThrow(/cannot be cancelled/);
    await w.engine.close();
  });
});

describe('targeting', () => {
  it('refuses a campaign that targets a segment instead of sending it to the whole list', async () => {
    const w = await world(3);
    const srv = await startSmtpSink({ dump: true });
    servers.push(srv);
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    w.engine.db.prepare(`UPDATE campaigns SET segment = '{"tag":"vip"}' WHERE id = ?`).run(id);
    const err = await runCampaign(w.engine, id, { tuning: FAST }).catch((e: unknown) => e);
    expect((err as UnderstudyError).code).toBe('segment_unsupported');
    expect(srv.received()).toHaveLength(0);
    expect(w.engine.repos.deliveries.counts(id).total).toBe(0);
    await w.engine.close();
  });
});
