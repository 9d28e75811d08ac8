/**
 * Issue 16 §5, the reputation guard, against real SMTP servers on loopback (nodemailer's smtp-server
 * refusing some recipients as unknown, like a real mailbox provider): a provider whose bounce rate
 * crosses its limit is paused and alerted while the rest goes through the next provider; below the
 * minimum sample nothing trips; a complaint recorded later (a feedback report) counts against the
 * provider that delivered the message; and people most likely to hurt a cold backup can be left out,
 * counted and recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCampaign } from '../../../electron/engine/sending';
import { classifyAlert } from '../../../electron/engine/continuity/teamAlerts';
import { ALERT_KINDS } from '../../../electron/engine/api/continuity';
import { REPUTATION_EVENTS } from '../../../electron/engine/api/reputation';
import {
  changeReputation,
  leaveOutRisky,
  leftOutRisky,
  reputationSettings,
  riskyOffer,
  ReputationWatch,
} from '../../../electron/engine/sending/reputation';
import { recordSuppressionsAdded, removeSuppression } from '../../../electron/engine/mirror/suppressions';
import { buildReport, renderReportHtml } from '../../../electron/engine/continuity/report';
import { importFile } from '../../../electron/engine/mirror/csv/importer';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SmtpCapture } from '../../helpers/smtp';
import { campaign, FAST, recipient, server, smtpProvider, world, type World } from './fixture';

const servers: SmtpCapture[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

const UNKNOWN = { code: 550, message: '5.1.1 <x>: Recipient address rejected: User unknown' };

/** A server that refuses every `every`-th recipient of the fixture's list as unknown. */
async function bouncing(n: number, every: number): Promise<SmtpCapture> {
  const rejectRcpt: Record<string, { code: number; message: string }> = {};
  for (let i = 0; i < n; i += every) rejectRcpt[recipient(i)] = UNKNOWN;
  const s = await server({ rejectRcpt });
  servers.push(s);
  return s;
}
async function good(): Promise<SmtpCapture> {
  const s = await server();
  servers.push(s);
  return s;
}
function events(w: World, type: string) {
  return w.engine.repos.events.recent(5000).filter((e) => e.type === type);
}
function limit(w: World, name: string, c: Parameters<typeof changeReputation>[2]) {
  changeReputation(w.engine, w.engine.repos.providers.byName(name)!, c);
}

describe('the reputation guard during a send', () => {
  it('pauses a provider whose bounce rate crosses its limit, alerts the team, and sends the rest through the next provider', async () => {
    const w = await world(60);
    const a = await bouncing(60, 5); // 20 % of its people are unknown there
    const b = await good();
    await smtpProvider(w, 'Backup relay', a.port, { priority: 1 });
    await smtpProvider(w, 'Second backup', b.port, { priority: 2 });
    limit(w, 'Backup relay', { maxBounceRate: 0.1, minSample: 20 });

    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });

    expect(s.state).toBe('finished');
    expect(s.queued).toBe(0);
    expect(s.byProvider['Second backup']).toBeGreaterThan(0);
    expect(s.byProvider['Backup relay'] ?? 0).toBeLessThan(60);
    const relay = w.engine.repos.providers.byName('Backup relay')!;
    expect(relay.enabled).toBe(false);
    expect(relay.health).toBe('paused');
    expect(w.engine.repos.providers.byName('Second backup')!.enabled).toBe(true);

    const [trip, ...more] = events(w, REPUTATION_EVENTS.paused);
    expect(more).toHaveLength(0);
    expect(trip).toMatchObject({ providerId: relay.id, campaignId: id, severity: 'error' });
    expect(trip!.data).toMatchObject({ what: 'bounce', othersLeft: true, notify: true });
    expect(trip!.data.outOf as number).toBeGreaterThanOrEqual(20);
    expect(trip!.message).toMatch(
      /^"Backup relay" was paused while sending "Winter sale": \d+ of its last \d+ messages bounced/,
    );
    expect(trip!.message).toContain('the rest goes through "Second backup"');
    // The alert: asked for in the event (the continuity service raises the desktop notification,
    // test/integration/continuity/periodic.test.ts) and the team channel's "provider paused" email.
    expect(trip!.data).toMatchObject({ title: 'Backup relay paused: too many bounces' });
    expect(classifyAlert(w.engine, trip!)?.kind).toBe(ALERT_KINDS.providerPaused);
    // The existing failover path said where the rest went.
    expect(events(w, 'send.failover').length).toBeGreaterThan(0);
    await w.engine.close();
  });

  it('below the minimum sample no rate trips, however high it is', async () => {
    const w = await world(30);
    const a = await bouncing(30, 3); // 33 % bounce, but 30 messages < 200 (the default minimum)
    const b = await good();
    await smtpProvider(w, 'Backup relay', a.port, { priority: 1 });
    await smtpProvider(w, 'Second backup', b.port, { priority: 2 });
    expect(reputationSettings(w.engine, w.engine.repos.providers.byName('Backup relay')!).minSample).toBe(
      200,
    );
    const s = await runCampaign(w.engine, campaign(w), { tuning: FAST });
    expect(s).toMatchObject({ state: 'finished', sent: 20, failed: 10, queued: 0 });
    expect(s.byProvider).toEqual({ 'Backup relay': 20 });
    expect(w.engine.repos.providers.byName('Backup relay')!.enabled).toBe(true);
    expect(events(w, REPUTATION_EVENTS.paused)).toHaveLength(0);
    await w.engine.close();
  });

  it('the only provider over its limit: the campaign pauses, nothing unsent is lost', async () => {
    const w = await world(40);
    const a = await bouncing(40, 4);
    await smtpProvider(w, 'Backup relay', a.port);
    limit(w, 'Backup relay', { maxBounceRate: 0.1, minSample: 10 });
    const id = campaign(w);
    const s = await runCampaign(w.engine, id, { tuning: FAST });
    expect(s.state).toBe('paused');
    expect(s.queued).toBeGreaterThan(0);
    expect(s.sent + s.failed + s.queued).toBe(40);
    expect(w.engine.repos.campaigns.byId(id)!.status).toBe('paused');
    const [trip] = events(w, REPUTATION_EVENTS.paused);
    expect(trip!.data).toMatchObject({ othersLeft: false });
    expect(trip!.message).toContain('no other provider is left, so the campaign is paused');
    await w.engine.close();
  });

  it('a complaint that arrives while the send is still going pauses the provider at the next heartbeat', async () => {
    // The run reads the reports recorded meanwhile at each heartbeat (CampaignRun.keepUp). The cap keeps
    // 200 messages going for about 4 s, far longer than a heartbeat (200 ms here).
    const w = await world(200);
    const a = await good();
    await smtpProvider(w, 'Backup relay', a.port, { perSecond: 50 });
    limit(w, 'Backup relay', { minSample: 10 }); // complaints: 0.3 % (no preset) → 1 of 10+ trips
    const id = campaign(w);
    let complained: string | null = null;
    const s = await runCampaign(w.engine, id, {
      tuning: FAST,
      onProgress: () => {
        if (complained) return;
        // A feedback report about someone whose message it accepted (already written as sent).
        const sent = w.engine.repos.deliveries.page(id, { state: 'sent' });
        if (sent.length < 10) return;
        complained = sent[0]!.email;
        w.engine.repos.suppressions.add(complained, 'complained', 'inbox', 'feedback report', w.engine.now());
        recordSuppressionsAdded(
          w.engine,
          [{ email: complained, reason: 'complained', detail: 'feedback report', previous: [] }],
          { source: 'inbox', how: 'a spam complaint in the backup mailbox', campaignId: id },
        );
      },
    });
    expect(complained).not.toBeNull();
    expect(s.state).toBe('paused');
    expect(s.queued).toBeGreaterThan(0);
    const [trip] = events(w, REPUTATION_EVENTS.paused);
    expect(trip!.data).toMatchObject({ what: 'complaint', count: 1, othersLeft: false });
    await w.engine.close();
  });

  it('a spam complaint recorded after the send (a feedback report, a provider pull) counts against the provider that delivered it', async () => {
    const w = await world(10);
    const a = await good();
    await smtpProvider(w, 'Backup relay', a.port);
    const id = campaign(w);
    await runCampaign(w.engine, id, { tuning: FAST });
    const relay = w.engine.repos.providers.byName('Backup relay')!;
    limit(w, 'Backup relay', { minSample: 10 }); // complaints: 0.3 % (no preset) → 1 of 10 trips

    let paused = 0;
    const watch = new ReputationWatch(w.engine, id, [relay], () => {
      paused++;
      return false;
    });
    for (const d of w.engine.repos.deliveries.page(id, { state: 'sent' })) watch.sent(relay.id, d.id);
    // Another campaign's complaint, and this send's own SMTP bounce, do not count here.
    recordSuppressionsAdded(
      w.engine,
      [{ email: 'stranger@example.test', reason: 'complained', detail: 'feedback report', previous: [] }],
      { source: 'inbox', how: 'a spam complaint in the backup mailbox' },
    );
    watch.poll();
    expect(paused).toBe(0);
    w.engine.repos.suppressions.add(recipient(3), 'complained', 'inbox', 'feedback report', w.engine.now());
    recordSuppressionsAdded(
      w.engine,
      [{ email: recipient(3), reason: 'complained', detail: 'feedback report', previous: [] }],
      { source: 'inbox', how: 'a spam complaint in the backup mailbox', campaignId: id },
    );
    watch.poll();
    expect(paused).toBe(1);
    expect(watch.rates()).toEqual([
      { providerId: relay.id, messages: 10, bounces: 0, complaints: 1, paused: true },
    ]);
    const [trip] = events(w, REPUTATION_EVENTS.paused);
    expect(trip!.data).toMatchObject({ what: 'complaint', count: 1, outOf: 10 });
    expect(trip!.message).toContain('were reported as spam');
    await w.engine.close();
  });
});

describe('the rolling window', () => {
  it('judges a provider on its most recent messages: old bounces leave the window', async () => {
    const w = await world(1);
    await smtpProvider(w, 'Backup relay', 9, { preset: 'ses' }); // 5 % bounces; never connected here
    const relay = w.engine.repos.providers.byName('Backup relay')!;
    expect(reputationSettings(w.engine, relay)).toMatchObject({ minSample: 200, window: 1000 });
    let paused = 0;
    const watch = new ReputationWatch(w.engine, campaign(w), [relay], () => {
      paused++;
      return true;
    });
    let id = 0;
    for (let i = 0; i < 49; i++) watch.bounced(relay.id, ++id);
    for (let i = 0; i < 951; i++) watch.sent(relay.id, ++id);
    expect(watch.rates()[0]).toMatchObject({ messages: 1000, bounces: 49, paused: false }); // 4.9 %
    for (let i = 0; i < 49; i++) watch.sent(relay.id, ++id); // the 49 bounces leave the window
    expect(watch.rates()[0]).toMatchObject({ messages: 1000, bounces: 0 });
    for (let i = 0; i < 49; i++) watch.bounced(relay.id, ++id);
    expect(paused).toBe(0);
    watch.bounced(relay.id, id + 1); // 50 of the last 1,000: 5 %
    expect(paused).toBe(1);
    expect(watch.isPaused(relay.id)).toBe(true);
    await w.engine.close();
  });
});

describe('leaving out the people most likely to hurt a cold backup', () => {
  it('counts them by reason, leaves them out only when asked, records them as skipped, and the report lists them', async () => {
    const w = await world(12);
    // Another list where user1 bounced, user2 was cleaned and user3 never confirmed.
    const csv = join(w.dir, 'old.csv');
    writeFileSync(
      csv,
      ['email,status', `${recipient(1)},bounced`, `${recipient(2)},cleaned`, `${recipient(3)},pending`].join(
        '\n',
      ),
    );
    await importFile(w.engine, { file: csv, list: 'Old', format: 'csv' });
    // user4 hard-bounced in an earlier campaign; the person lifted the suppression since.
    const first = await server({ rejectRcpt: { [recipient(4)]: UNKNOWN } });
    servers.push(first);
    await smtpProvider(w, 'Warm relay', first.port);
    await runCampaign(w.engine, campaign(w, { subject: 'First' }), { tuning: FAST });
    // Importing bounced and cleaned people suppresses them everywhere: the person lifted those too.
    for (const i of [1, 2, 4]) removeSuppression(w.engine, { email: recipient(i), why: 'checked by phone' });
    w.engine.repos.providers.setEnabled(
      w.engine.repos.providers.byName('Warm relay')!.id,
      false,
      w.engine.now(),
    );

    const cold = await good();
    await smtpProvider(w, 'Cold relay', cold.port, { preset: 'sendgrid' }); // a preset with a warm-up curve
    const id = campaign(w);
    const offer = riskyOffer(w.engine, id);
    expect(offer).toMatchObject({ count: 4, offered: true });
    expect(offer.why).toContain('"Cold relay" is cold');
    expect(Object.fromEntries(offer.byReason.map((r) => [r.reason, r.count]))).toEqual({
      bounced_before: 1,
      bounced_elsewhere: 2,
      never_confirmed: 1,
    });
    expect(offer.summary).toMatch(/^4 people are most likely to hurt a cold or small backup’s reputation/);

    const coldId = w.engine.repos.providers.byName('Cold relay')!.id;
    const incident = w.engine.repos.incidents.open(
      coldId,
      'ESP down',
      new Date(Date.now() - 60_000).toISOString(),
    );
    const s = await runCampaign(w.engine, id, { tuning: FAST, skipRisky: true });
    expect(s).toMatchObject({ state: 'finished', sent: 8, skipped: 4, queued: 0 });
    expect(cold.messages.flatMap((m) => m.rcpt).sort()).not.toContain(recipient(1));
    expect(new Set(cold.messages.flatMap((m) => m.rcpt)).size).toBe(8);
    const skipped = w.engine.repos.deliveries.page(id, { state: 'skipped' });
    expect(skipped.map((d) => d.errorClass).sort()).toEqual([
      'risky:bounced_before',
      'risky:bounced_elsewhere',
      'risky:bounced_elsewhere',
      'risky:never_confirmed',
    ]);
    const [left] = events(w, REPUTATION_EVENTS.leftOut);
    expect(left!.data).toMatchObject({ count: 4 });
    expect(leftOutRisky(w.engine, [id]).reduce((a, r) => a + r.count, 0)).toBe(4);
    // The incident report lists them, with the reason in words.
    const report = buildReport(w.engine, incident.id);
    expect(report.leftOut).toEqual([
      { campaignId: id, reason: 'bounced_elsewhere', count: 2 },
      { campaignId: id, reason: 'bounced_before', count: 1 },
      { campaignId: id, reason: 'never_confirmed', count: 1 },
    ]);
    const html = renderReportHtml(report);
    expect(html).toContain("Left out to protect a backup's reputation");
    expect(html).toContain('<td>hard-bounced before</td><td class="num">1</td>');
    // Nobody was unsubscribed or suppressed for it.
    expect(w.engine.repos.suppressions.get(recipient(3))).toBeUndefined();
    // Running it again leaves nobody else out (only queued rows are touched).
    expect(leaveOutRisky(w.engine, id)).toBe(0);
    await w.engine.close();
  });
});
