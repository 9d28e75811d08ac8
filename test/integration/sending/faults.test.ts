/**
 * Each class of SMTP failure, injected with Postfix smtp-sink's fault flags, and what the engine does:
 * retry, fail over, pause for quota, bounce — and never suppress a subscriber for a provider's problem.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCampaign } from '../../../electron/engine/sending';
import { freePort, startSmtpSink, type SmtpSink } from '../../helpers/smtp';
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

/** How many copies of the campaign each recipient got, over all servers. */
function copies(...servers: SmtpSink[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of servers)
    for (const r of s.received()) for (const to of r.rcpt) m.set(to, (m.get(to) ?? 0) + 1);
  return m;
}
function events(w: World, type: string) {
  return w.engine.repos.events.recent(1000).filter((e) => e.type === type);
}

describe('SMTP failure classes against smtp-sink', () => {
  it('4xx on every RCPT: retries with backoff, the breaker opens after repeated 4xx, the backup takes over the same deliveries', async () => {
    const w = await world(20);
    const bad = await sink(['-r', 'RCPT']);
    const good = await sink();
    await smtpProvider(w, 'primary', bad.port, { priority: 1 });
    await smtpProvider(w, 'backup', good.port, { priority: 2 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 20, failed: 0, suppressed: 0 });
    expect(s.byProvider).toEqual({ backup: 20 });
    expect(bad.received()).toHaveLength(0);
    expect([...copies(good).values()].every((n) => n === 1)).toBe(true);
    expect(copies(good).size).toBe(20);
    expect(events(w, 'provider.down')[0]?.providerId).toBe(w.engine.repos.providers.byName('primary')!.id);
    expect(events(w, 'send.failover').length).toBeGreaterThanOrEqual(1);
    expect(w.engine.repos.suppressions.count()).toBe(0);
    await w.engine.close();
  });

  it('421 and disconnect after MAIL FROM: the provider is failing, not the recipients', async () => {
    const w = await world(10);
    const bad = await sink(['-Q', 'MAIL']);
    const good = await sink();
    await smtpProvider(w, 'primary', bad.port, { priority: 1 });
    await smtpProvider(w, 'backup', good.port, { priority: 2 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ sent: 10, failed: 0, suppressed: 0 });
    expect(copies(good).size).toBe(10);
    expect(w.engine.repos.suppressions.count()).toBe(0);
    await w.engine.close();
  });

  it('connection refused: the breaker opens at once and the backup sends everything exactly once', async () => {
    const w = await world(15);
    const nothing = await freePort();
    const good = await sink();
    await smtpProvider(w, 'primary', nothing, { priority: 1 });
    await smtpProvider(w, 'backup', good.port, { priority: 5 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ sent: 15, byProvider: { backup: 15 } });
    expect([...copies(good).values()]).toEqual(Array(15).fill(1));
    const primary = w.engine.repos.providers.byName('primary')!;
    expect(primary.health).toBe('down');
    expect(w.engine.repos.providerState.breaker(primary.id)?.state).toBe('open');
    await w.engine.close();
  });

  it('550 5.1.1 user unknown: permanent for the recipient, recorded as a bounce, added to suppressions', async () => {
    // One unknown address among accepted ones (a provider that rejects everyone is massReject.test.ts).
    const w = await world(3);
    const bounce = await server({
      rejectRcpt: {
        'user1@example.test': { code: 550, message: '5.1.1 Recipient address rejected: User unknown' },
      },
    });
    await smtpProvider(w, 'relay', bounce.port);
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 2, failed: 1 });
    expect(w.engine.repos.suppressions.count()).toBe(1);
    expect(w.engine.repos.suppressions.get('user1@example.test')?.reason).toBe('bounced');
    // The breaker stays closed: a server that bounces recipients is working.
    const p = w.engine.repos.providers.byName('relay')!;
    expect(w.engine.repos.providerState.breaker(p.id)?.state ?? 'closed').toBe('closed');
    await w.engine.close();
  });

  it.each([
    [
      'Gmail daily limit',
      [
        '-f',
        '.',
        '-B',
        '550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852',
      ],
      'day',
    ],
    [
      'Microsoft 365 quota',
      [
        '-f',
        '.',
        '-B',
        '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception',
      ],
      'day',
    ],
    [
      'SES throttling',
      ['-r', 'MAIL', '-b', '454 Throttling failure: Maximum sending rate exceeded.'],
      'rate',
    ],
    [
      '421 rate limit',
      [
        '-r',
        'RCPT',
        '-b',
        '421 4.7.0 Try again later, closing connection. Our system has detected an unusual rate of messages',
      ],
      'rate',
    ],
  ])(
    '%s: the provider is paused until its window resets, the backup takes over, nobody is suppressed',
    async (_name, flags, window) => {
      const w = await world(12);
      const quota = await sink(flags as string[]);
      const good = await sink();
      await smtpProvider(w, 'primary', quota.port, { priority: 1 });
      await smtpProvider(w, 'backup', good.port, { priority: 2 });
      const t0 = Date.now();
      const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
      expect(s).toMatchObject({ sent: 12, failed: 0, suppressed: 0 });
      expect(w.engine.repos.suppressions.count()).toBe(0);
      const list = w.engine.repos.lists.byName('Customers')!;
      expect(w.engine.repos.lists.countsByStatus(list.id).subscribed).toBe(12);
      const p = w.engine.repos.providers.byName('primary')!;
      expect(p.health).toBe('paused');
      const paused = events(w, 'provider.paused');
      expect(paused.length).toBeGreaterThan(0);
      const until = Date.parse(String(paused[0]!.data.until));
      if (window === 'day') expect(until - t0).toBeGreaterThan(10 * 60_000);
      else expect(until - t0).toBeLessThan(60_000);
      await w.engine.close();
    },
  );

  it('connection dropped after the final ".": resent once with the same Message-ID, never more', async () => {
    const w = await world(8);
    const dropper = await sink(['-q', '.']);
    await smtpProvider(w, 'dropper', dropper.port, { maxConnections: 1 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: { ...FAST, breakerThreshold: 1000 } });
    // Each message arrived (smtp-sink stored it) but no reply came: one resend, then the person decides.
    expect(s.failed).toBe(8);
    const got = copies(dropper);
    expect([...got.values()].every((n) => n === 2)).toBe(true);
    const byRcpt = new Map<string, Set<string | null>>();
    for (const r of dropper.received())
      byRcpt.set(r.rcpt[0]!, (byRcpt.get(r.rcpt[0]!) ?? new Set()).add(r.messageId));
    expect([...byRcpt.values()].every((ids) => ids.size === 1)).toBe(true);
    const rows = w.engine.repos.deliveries.page(w.engine.repos.campaigns.all()[0]!.id, {
      state: 'failed_temp',
    });
    expect(rows.every((r) => r.errorClass === 'uncertain')).toBe(true);
    await w.engine.close();
  });

  it('half-open probe: a primary that comes back is probed after its cool-down and takes over again', async () => {
    const w = await world(150);
    const port = await freePort();
    const good = await sink();
    await smtpProvider(w, 'primary', port, { priority: 1 });
    await smtpProvider(w, 'backup', good.port, { priority: 2, perSecond: 40 });
    let primary: SmtpSink | null = null;
    const started = new Promise<void>((resolve) => {
      w.engine.bus.on('event', (ev) => {
        const e = ev as { type: string };
        if (e.type === 'send.failover' && !primary)
          void startSmtpSink({ dump: true, port }).then((s) => {
            primary = s;
            sinks.push(s);
            resolve();
          });
      });
    });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    await started;
    expect(s.sent).toBe(150);
    const types = w.engine.repos.events.recent(1000).map((e) => e.type);
    for (const t of ['provider.down', 'send.failover', 'provider.half_open', 'provider.up', 'send.failback'])
      expect(types).toContain(t);
    const all = copies(good, primary!);
    expect(all.size).toBe(150);
    expect([...all.values()].every((n) => n === 1)).toBe(true);
    expect(primary!.received().length).toBeGreaterThan(0);
    await w.engine.close();
  });
});

describe('caps and weights in a real run', () => {
  it('a provider at its daily cap sends exactly its cap; the rest overflows to the next provider', async () => {
    const w = await world(30);
    const a = await sink();
    const b = await sink();
    await smtpProvider(w, 'capped', a.port, { priority: 1, perDay: 7 });
    await smtpProvider(w, 'backup', b.port, { priority: 2 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s.byProvider).toEqual({ capped: 7, backup: 23 });
    expect(a.received()).toHaveLength(7);
    // The cap is persisted: a second campaign the same day gets nothing more through "capped".
    const s2 = await runCampaign(w.engine, campaign(w, { subject: 'Second' }), { tuning: FAST });
    expect(s2.byProvider).toEqual({ backup: 30 });
    await w.engine.close();
  });

  it('weights spread one campaign over providers of the same priority', async () => {
    const w = await world(80);
    const a = await sink();
    const b = await sink();
    await smtpProvider(w, 'heavy', a.port, { priority: 1, weight: 3, maxConnections: 4 });
    await smtpProvider(w, 'light', b.port, { priority: 1, weight: 1, maxConnections: 4 });
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s.sent).toBe(80);
    expect(s.byProvider.heavy).toBeGreaterThan(2 * s.byProvider.light!);
    expect(s.byProvider.light).toBeGreaterThan(0);
    await w.engine.close();
  });
});
