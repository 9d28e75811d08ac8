/**
 * Issue 11 §2: one misconfigured backup account must not suppress a list. Real servers on loopback:
 * Postfix's smtp-sink answering every RCPT with "550 5.1.1 ... User unknown in local recipient table"
 * (the reproduction of the issue), nodemailer's smtp-server for a provider that breaks half-way, and
 * the sender / relay / permission / authentication replies that are the account's problem.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { retryFailed, runCampaign } from '../../../electron/engine/sending';
import { SuppressionRolledBackDataSchema } from '../../../electron/engine/api/sending';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp';
import { campaign, FAST, server, smtpProvider, world, type World } from './fixture';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const s of sinks.splice(0)) await s.stop();
});
async function sink(flags: string[] = []): Promise<SmtpSink> {
  const s = await startSmtpSink({ dump: true, flags });
  sinks.push(s);
  return s;
}

const UNKNOWN = '550 5.1.1 <x>: Recipient address rejected: User unknown in local recipient table';

/** n subscribers spread over three domains (user0..@example.test is the fixture's; the rest vary). */
async function mixedWorld(n: number): Promise<World> {
  const third = Math.ceil(n / 3);
  const extra = Array.from(
    { length: n - third },
    (_, i) => `member${i}@${i % 2 ? 'mail.test' : 'post.test'},M${i},subscribed`,
  );
  const w = await world(third, { extraCsvRows: extra });
  w.emails.push(...extra.map((r) => r.split(',')[0]!));
  return w;
}

function events(w: World, type: string) {
  return w.engine.repos.events.recent(5000).filter((e) => e.type === type);
}
function statuses(w: World): Record<string, number> {
  const list = w.engine.repos.lists.byName('Customers')!;
  const out: Record<string, number> = {};
  for (const s of w.engine.repos.subscribers.iterate(list.id)) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}
function copies(...servers: SmtpSink[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of servers)
    for (const r of s.received()) for (const to of r.rcpt) m.set(to, (m.get(to) ?? 0) + 1);
  return m;
}

describe('a provider that rejects everyone as unknown', () => {
  it('the issue reproduction: 0 suppressions, everyone sent once through the backup, an incident naming the provider, an audit event per restored address', async () => {
    const w = await mixedWorld(40);
    const broken = await sink(['-f', 'RCPT', '-B', UNKNOWN]);
    const good = await sink();
    await smtpProvider(w, 'Backup relay', broken.port, { priority: 1 });
    await smtpProvider(w, 'Second backup', good.port, { priority: 2 });
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });

    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(statuses(w)).toEqual({ subscribed: 40 });
    expect(s).toMatchObject({ state: 'finished', sent: 40, failed: 0, suppressed: 0, queued: 0 });
    expect(s.byProvider).toEqual({ 'Second backup': 40 });
    expect(copies(good).size).toBe(40);
    expect([...copies(good).values()].every((n) => n === 1)).toBe(true);

    const relay = w.engine.repos.providers.byName('Backup relay')!;
    expect(relay.enabled).toBe(false);
    const incident = w.engine.repos.incidents.openFor(relay.id);
    expect(incident?.providerName).toBe('Backup relay');
    const [trip] = events(w, 'provider.mass_rejection');
    expect(trip?.incidentId).toBe(incident!.id);
    // It asks for a person's attention: the continuity service raises the alert with this title.
    expect(trip?.data).toMatchObject({ notify: true, title: 'Backup relay paused: it rejected everyone' });
    expect(trip?.message).toMatch(
      /^"Backup relay" rejected \d+ different people (in a row )?as unknown.*; that is the account's problem, not theirs\. Understudy paused it and restored them/,
    );
    const rolled = events(w, 'suppression.rolled_back');
    expect(rolled.length).toBeGreaterThanOrEqual(5);
    for (const e of rolled) {
      SuppressionRolledBackDataSchema.parse(e.data);
      expect(e.incidentId).toBe(incident!.id);
      expect(e.data).toMatchObject({
        restoredStatus: 'subscribed',
        suppressionRemoved: true,
        requeued: true,
      });
      expect(w.emails).toContain(e.data.email);
    }
    // No delivery is left failed_perm: nothing for retry-failed to skip.
    expect(w.engine.repos.deliveries.page(id, { state: 'failed_perm' })).toHaveLength(0);
    await w.engine.close();
  });

  it('the only provider: nobody is suppressed, the campaign waits, and a working provider later sends to everyone (retry-failed skips nobody)', async () => {
    const w = await mixedWorld(12);
    const broken = await sink(['-f', 'RCPT', '-B', UNKNOWN]);
    await smtpProvider(w, 'Backup relay', broken.port);
    const id = campaign(w);
    const first = await runCampaign(w.engine, id, { tuning: FAST });
    expect(first).toMatchObject({ state: 'waiting', sent: 0, failed: 0, suppressed: 0, queued: 12 });
    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(statuses(w)).toEqual({ subscribed: 12 });

    const good = await sink();
    await smtpProvider(w, 'Fixed relay', good.port);
    const again = await retryFailed(w.engine, id, { tuning: FAST });
    expect(again).toMatchObject({ state: 'finished', sent: 12, suppressed: 0, skipped: 0 });
    expect(copies(good).size).toBe(12);
    await w.engine.close();
  });

  it('a small list (5 people) through a broken account is not suppressed', async () => {
    const w = await world(5);
    const broken = await sink(['-f', 'RCPT', '-B', UNKNOWN]);
    const good = await sink();
    await smtpProvider(w, 'Backup relay', broken.port, { priority: 1 });
    await smtpProvider(w, 'Second backup', good.port, { priority: 2 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(statuses(w)).toEqual({ subscribed: 5 });
    expect(s).toMatchObject({ sent: 5, failed: 0, byProvider: { 'Second backup': 5 } });
    await w.engine.close();
  });

  it('a provider that works and then starts rejecting everyone: the streak trips, what it did before stays sent', async () => {
    const w = await mixedWorld(60);
    let accepted = 0;
    const flaky = await server({
      extra: {
        onRcptTo(_address, _session, cb) {
          if (accepted++ < 10) return cb();
          const err = new Error('5.1.1 <x>: Recipient address rejected: User unknown') as Error & {
            responseCode: number;
          };
          err.responseCode = 550;
          cb(err);
        },
      },
    });
    const good = await sink();
    await smtpProvider(w, 'Flaky relay', flaky.port, { priority: 1, maxConnections: 1 });
    await smtpProvider(w, 'Second backup', good.port, { priority: 2 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(statuses(w)).toEqual({ subscribed: 60 });
    expect(s).toMatchObject({ state: 'finished', sent: 60, failed: 0 });
    expect(s.byProvider['Flaky relay']).toBe(10);
    expect(s.byProvider['Second backup']).toBe(50);
    expect(events(w, 'provider.mass_rejection')[0]?.data.rule).toBe('streak');
    await w.engine.close();
  });

  it('a genuine unknown address among accepted ones is still bounced and suppressed (that one only)', async () => {
    const w = await mixedWorld(30);
    const srv = await server({
      rejectRcpt: {
        'user3@example.test': {
          code: 550,
          message:
            '5.1.1 <user3@example.test>: Recipient address rejected: User unknown in virtual mailbox table',
        },
      },
    });
    await smtpProvider(w, 'relay', srv.port);
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 29, failed: 1 });
    expect(w.engine.repos.suppressions.count()).toBe(1);
    expect(w.engine.repos.suppressions.get('user3@example.test')?.reason).toBe('bounced');
    expect(statuses(w)).toEqual({ subscribed: 29, bounced: 1 });
    expect(events(w, 'provider.mass_rejection')).toHaveLength(0);
    expect(w.engine.repos.providers.byName('relay')!.enabled).toBe(true);
    await w.engine.close();
  });
});

describe('replies that name the sender, relay, permission, authentication or a policy', () => {
  it.each([
    ['Postfix sender denied (a 5.1.x code)', ['-f', 'RCPT', '-B', '550 5.1.0 Sender denied']],
    ['Postfix relay access denied', ['-f', 'RCPT', '-B', '554 5.7.1 <x>: Relay access denied']],
    ['sender address rejected', ['-f', 'MAIL', '-B', '553 5.7.1 Sender address rejected']],
    [
      'Microsoft 365 send-as permission',
      ['-f', '.', '-B', '550 5.7.60 SMTP; Client does not have permissions to send as this sender'],
    ],
    [
      'Microsoft 365 5.7.515 authentication level',
      [
        '-f',
        'RCPT',
        '-B',
        '550 5.7.515 Access denied, sending domain shop.test does not meet the required authentication level.',
      ],
    ],
    [
      'Gmail 5.7.26 DMARC',
      [
        '-f',
        '.',
        '-B',
        "550 5.7.26 Unauthenticated email from shop.test is not accepted due to domain's DMARC policy.",
      ],
    ],
  ])('%s: fail over, suppress nobody, nothing failed_perm', async (_name, flags) => {
    const w = await world(8);
    const bad = await sink(flags);
    const good = await sink();
    await smtpProvider(w, 'primary', bad.port, { priority: 1 });
    await smtpProvider(w, 'backup', good.port, { priority: 2 });
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 8, failed: 0, suppressed: 0 });
    expect(s.byProvider).toEqual({ backup: 8 });
    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(statuses(w)).toEqual({ subscribed: 8 });
    expect(w.engine.repos.deliveries.page(id, { state: 'failed_perm' })).toHaveLength(0);
    await w.engine.close();
  });

  it('one recipient refused for a policy reason by the only provider: that message waits for the person, the rest go out, nobody is suppressed', async () => {
    const w = await world(10);
    const srv = await server({
      rejectRcpt: {
        'user4@example.test': {
          code: 550,
          message: '5.7.1 <user4@example.test>: Recipient address rejected: Access denied',
        },
      },
    });
    await smtpProvider(w, 'relay', srv.port);
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 9, failed: 1, suppressed: 0 });
    expect(w.engine.repos.suppressions.count()).toBe(0);
    expect(w.engine.repos.deliveries.page(id, { state: 'failed_perm' })).toHaveLength(0);
    const [refused] = w.engine.repos.deliveries.page(id, { state: 'failed_temp' });
    expect(refused).toMatchObject({ email: 'user4@example.test', errorClass: 'account_refused' });
    await w.engine.close();
  });
});
