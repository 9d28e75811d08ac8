/**
 * Custody of a mirrored campaign, on the fakes of all six ESPs (issue 13 §2 and §3). A scheduled
 * campaign is sent through a backup (`send ID`, the same call the UI's "Send via backup" makes) while
 * the ESP is down (a proxy in front of the fake answers 503). Then, with nothing but the continuity
 * service's periodic pass (what `understudy run`, `serve` and the app run; driven here by explicit
 * passes on a ManualClock, no sleeps):
 *
 * - the ESP comes back before its own send time: the campaign is unscheduled there and the
 *   unsubscribe collected during the outage is pushed back, with a result line in the incident and
 *   its report;
 * - the ESP stays down past its send time: alerts at 30, 10 and 2 minutes before it, saying what to do
 *   by hand, and when the ESP answers and says it sent the campaign, a confirmed double send with the
 *   number of people affected in the incident and its report.
 *
 * Without the custody duties the first case leaves the campaign scheduled at the ESP (the send path
 * never unscheduled it) and the second raises no alert and records no double send.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack } from '../../../electron/engine/mirror/esp/pushback';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { setSendingSetting } from '../../../electron/engine/sending/settings';
import { getCampaign, pauseCampaign, runCampaign } from '../../../electron/engine/sending';
import { createContinuity } from '../../../electron/engine/continuity/adapters';
import { updateSettings } from '../../../electron/engine/continuity/settings';
import { buildReport, renderReportHtml } from '../../../electron/engine/continuity/report';
import { CUSTODY_EVENTS } from '../../../electron/engine/api/custody';
import { shortTime } from '../../../electron/engine/mirror/esp/custody';
import type { EspKind } from '../../../electron/engine/mirror/esp/types';
import { FAKES, PEOPLE, SUBJECT, type FakeEsp } from '../../helpers/espWorld';
import { startOutageProxy, type OutageProxy } from '../../helpers/outageProxy';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { tempDir } from '../../helpers/tmp';

interface World {
  esp: FakeEsp;
  proxy: OutageProxy;
  relay: SmtpCapture;
  engine: Engine;
  clock: ManualClock;
  campaignId: number;
  listId: number;
  sendAt: number;
}

let world: World | undefined;
afterEach(async () => {
  const w = world;
  world = undefined;
  if (!w) return;
  await w.engine.close();
  await w.proxy.stop();
  await w.esp.stop();
  await w.relay.stop();
});

async function setUp(kind: EspKind): Promise<World> {
  // Real "now" (some fakes compare send times with the real clock), to the minute; the ESP's own
  // send time 58 minutes later (the 19:36 → 19:58).
  const t0 = Math.floor(Date.now() / 60_000) * 60_000;
  const sendAt = t0 + 58 * 60_000;
  const esp = await FAKES[kind](sendAt);
  const proxy = await startOutageProxy(esp.baseUrl);
  const relay = await startSmtpServer();
  const clock = new ManualClock(t0);
  const { engine } = await engineWithSecrets(tempDir('understudy-custody-'), clock);
  world = { esp, proxy, relay, engine, clock, campaignId: 0, listId: 0, sendAt };
  engine.services.connectorOverrides = {
    sleep: async () => undefined,
    backoffBaseMs: 1,
    backoffMaxMs: 2,
    timeoutMs: 5_000,
    // SendGrid's contacts export: poll at once instead of every 5 s.
    ...(kind === 'sendgrid' ? { config: { exportPollMs: 1 } } : {}),
  };
  await addConnection(engine, { kind, name: 'ESP', apiKey: esp.key, baseUrl: proxy.url, statusUrl: null });
  await syncEsp(engine);
  setSendingSetting(engine, 'postal_address', '1 Harbour Street, Portsmouth');
  setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@acme.example');
  await addSmtpProvider(engine, { name: 'Backup', host: relay.host, port: relay.port, tls: 'none' });
  updateSettings(engine, { timeZone: 'UTC', health: { failuresToDown: 1, successesToUp: 1 } });
  const [c] = engine.repos.schedules.upcoming();
  expect(c).toMatchObject({ subject: SUBJECT, status: 'scheduled', sender: 'esp' });
  expect(c!.listId).not.toBeNull();
  world.campaignId = c!.id;
  world.listId = c!.listId!;
  return world;
}

/** The ESP's send time as a person reads it at `now` (19:58; with the day when it is not today). */
const hhmm = (ms: number, now: number) => shortTime(new Date(ms).toISOString(), 'UTC', now);

/** The ESP goes down, the monitor sees it, and the campaign is sent through the backup by hand. */
async function sendViaBackupWhileDown(w: World) {
  const service = createContinuity(w.engine);
  w.proxy.down = true;
  await service.pass();
  const esp = w.engine.repos.health.byName('ESP')!;
  expect(esp.health).toBe('down');
  const incident = w.engine.repos.incidents.openFor(esp.id)!;
  // What the confirmation (and `send`) says about the ESP, before sending.
  expect(getCampaign(w.engine, w.campaignId).custody?.sentence).toBe(
    `${w.esp.label} is down: Understudy will unschedule this campaign there as soon as ${w.esp.label} answers; if it cannot before ${hhmm(w.sendAt, w.clock.now())}, you will be alerted.`,
  );
  const summary = await runCampaign(w.engine, w.campaignId);
  expect(summary.sent).toBe(3);
  expect(w.relay.messages.map((m) => m.rcpt[0]).sort()).toEqual(PEOPLE);
  // Taken over in the send's transaction; the ESP could not be told yet.
  expect(w.engine.repos.obligations.pendingFor(w.campaignId)).toMatchObject({ reason: 'send' });
  expect(w.esp.scheduled()).toBe(true);
  return { service, esp, incident };
}

const types = (w: World, incidentId: number) =>
  w.engine.repos.events.recent(500, { incidentId }).map((e) => e.type);

describe.each(Object.keys(FAKES) as EspKind[])('custody of a mirrored campaign at %s', (kind) => {
  it('sent via backup while the ESP is down: unscheduled there when it answers, before its send time; unsubscribes pushed back', async () => {
    const w = await setUp(kind);
    const { service, incident } = await sendViaBackupWhileDown(w);
    // During the outage someone unsubscribes here.
    const bob = w.engine.repos.subscribers.byEmail(w.listId, 'bob@example.org')!;
    w.engine.repos.subscribers.setStatus(bob.id, 'unsubscribed', 'unsubscribe link', w.engine.now());
    expect(enqueuePushBack(w.engine, { subscriberId: bob.id, kind: 'unsubscribe' })).toBe(true);

    // A pass while it is still down: the duty is retried, nothing changes at the ESP.
    w.clock.advance(60_000);
    await service.pass();
    expect(w.esp.scheduled()).toBe(true);

    // The ESP answers again; the next pass (no command) finishes the job, before the ESP's send time.
    w.proxy.down = false;
    w.clock.advance(60_000);
    await service.pass();
    expect(w.engine.clock.now()).toBeLessThan(w.sendAt);
    expect(w.esp.scheduled()).toBe(false);
    expect(w.esp.unsubscribed('bob@example.org')).toBe(true);
    expect(w.engine.repos.obligations.latestFor(w.campaignId)).toMatchObject({ state: 'done' });
    expect(getCampaign(w.engine, w.campaignId).custody?.sentence).toMatch(
      new RegExp(`^${w.esp.label} no longer has this campaign scheduled: Understudy unscheduled it there`),
    );
    expect(types(w, incident.id)).toEqual(
      expect.arrayContaining([CUSTODY_EVENTS.taken, CUSTODY_EVENTS.unscheduled, CUSTODY_EVENTS.recovered]),
    );
    const recovered = w.engine.repos.events
      .recent(500, { incidentId: incident.id })
      .find((e) => e.type === CUSTODY_EVENTS.recovered)!;
    expect(recovered.message).toContain('1 campaign(s) Understudy holds were unscheduled there');
    expect(recovered.message).toContain(
      '1 unsubscribe(s), bounce(s) and complaint(s) collected here were pushed back',
    );

    // The people who got the backup send are tagged at the ESP (Brevo's API cannot tag contacts).
    expect(w.engine.repos.obligations.latestFor(w.campaignId, 'tag')).toMatchObject(
      kind === 'brevo' ? { state: 'abandoned' } : { state: 'done', affected: 3 },
    );
    if (kind !== 'brevo') expect(recovered.message).toContain('were tagged there');

    // A later sync sees nothing scheduled there and leaves the campaign as Understudy holds it.
    await syncEsp(w.engine);
    expect(w.engine.repos.schedules.get(w.campaignId)).toMatchObject({ status: 'sent', sender: 'local' });

    const report = buildReport(w.engine, incident.id, 'UTC');
    expect(report.custody).toEqual([expect.objectContaining({ state: 'done', reason: 'send' })]);
    expect(report.doubleSent).toBe(0);
    const html = renderReportHtml(report);
    expect(html).toContain('unscheduled at the ESP');
    expect(html).toContain('collected here were pushed back');
  });

  it('the ESP stays down past its send time: alerts at 30, 10 and 2 minutes, then a confirmed double send', async () => {
    const w = await setUp(kind);
    const { service, incident } = await sendViaBackupWhileDown(w);
    const alerts = () =>
      w.engine.repos.events
        .recent(500, { campaignId: w.campaignId })
        .filter((e) => e.type === CUSTODY_EVENTS.alert)
        .map((e) => e.data.minutesBefore);
    for (const m of [30, 10, 2]) {
      w.clock.set(w.sendAt - m * 60_000);
      await service.pass();
      expect(alerts()).toContain(m);
    }
    expect(alerts().sort((a, b) => Number(a) - Number(b))).toEqual([2, 10, 30]); // once each
    const last = w.engine.repos.events
      .recent(500, { campaignId: w.campaignId })
      .find((e) => e.type === CUSTODY_EVENTS.alert)!;
    expect(last.incidentId).toBe(incident.id);
    expect(last.message).toContain(
      `is still scheduled at ${w.esp.label} for ${hhmm(w.sendAt, w.sendAt - 2 * 60_000)}`,
    );
    expect(last.message).toContain(`Do it by hand now: in ${w.esp.label}`);

    // The ESP sends it at its own time, then answers again.
    w.esp.send();
    w.clock.set(w.sendAt + 60_000);
    w.proxy.down = false;
    await service.pass();
    expect(w.engine.repos.obligations.latestFor(w.campaignId)).toMatchObject({
      state: 'double_sent',
      affected: 3,
    });
    const double = w.engine.repos.events
      .recent(500, { campaignId: w.campaignId })
      .find((e) => e.type === CUSTODY_EVENTS.doubleSend)!;
    expect(double.incidentId).toBe(incident.id);
    expect(double.message).toContain('3 people got it twice');
    const report = buildReport(w.engine, incident.id, 'UTC');
    expect(report.doubleSent).toBe(3);
    expect(renderReportHtml(report)).toContain('Confirmed double send: 3 people got a campaign twice');
  });
});

// Issue 12: custody sits below sending and continuity. It stops Understudy's own send through the
// engine's stopCampaignSend (not sending's cancel), and records its alerts asking for attention; the
// continuity service raises them (desktop notification, team email) from the moment it exists.
describe('a campaign held here that the ESP sends anyway', () => {
  it("stops Understudy's own send and the service raises the alerts custody records", async () => {
    const w = await setUp('mailchimp');
    const service = createContinuity(w.engine);
    const titles: string[] = [];
    w.engine.bus.on('notification', (n) => titles.push(n.title));
    w.proxy.down = true;
    await service.pass();
    // Paused here while the ESP is down: Understudy holds it, the ESP still has it scheduled.
    pauseCampaign(w.engine, w.campaignId);
    expect(w.engine.repos.obligations.pendingFor(w.campaignId)).toMatchObject({ reason: 'pause' });
    w.clock.set(w.sendAt - 30 * 60_000);
    await service.pass();
    expect(titles).toContain(`${w.esp.label} may send a campaign again in 30 min`);

    // The ESP sends it at its own time, then answers again.
    w.esp.send();
    w.clock.set(w.sendAt + 60_000);
    w.proxy.down = false;
    await service.pass();
    expect(w.engine.repos.schedules.get(w.campaignId)).toMatchObject({ status: 'cancelled' });
    const sent = w.engine.repos.events
      .recent(500, { campaignId: w.campaignId })
      .find((e) => e.type === CUSTODY_EVENTS.espSent)!;
    expect(sent.message).toContain("Understudy's own send was stopped.");
    expect(sent.data).toMatchObject({ notify: true, title: 'The ESP sent a campaign held here' });
    expect(titles).toContain('The ESP sent a campaign held here');
    expect(titles.filter((t) => t === 'The ESP sent a campaign held here')).toHaveLength(1);
  });
});
