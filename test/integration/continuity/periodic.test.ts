/**
 * Issue 13 §1 and §5: the periodic work every runtime starts (continuity/periodic.ts), driven pass by
 * pass with a ManualClock against a fake Mailchimp, and the team alert channel delivering to a real
 * SMTP server (nodemailer's smtp-server).
 *
 * - The ESP is synced on its interval (full first, then incremental), skipped while it is down (no
 *   sync, one "waits" event), and synced at the first pass after it is back, after its recovery
 *   (custody duties, push-back) has run.
 * - A mirror older than twice the interval raises one warning (event + alert email), and a line when
 *   it is current again.
 * - Alerts say what happened, what Understudy did, what to do; they are throttled per kind and
 *   subject, except outage start and end; alerts the sending engine records itself are emailed too.
 *
 * Before this change nothing synced on its own, there was no stale warning and no alert email.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import type { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { createContinuity } from '../../../electron/engine/continuity/adapters';
import { updateSettings, readSettings } from '../../../electron/engine/continuity/settings';
import {
  periodicJobs,
  checkFreshness,
  syncIdle,
  lastSyncLine,
} from '../../../electron/engine/continuity/periodic';
import { startTeamAlerts } from '../../../electron/engine/continuity/teamAlerts';
import { notify } from '../../../electron/engine/continuity/notify';
import { onHealthChange } from '../../../electron/engine/continuity/incidents';
import { mirrorAge } from '../../../electron/engine/mirror/esp/freshness';
import { ALERT_EVENTS } from '../../../electron/engine/api/continuity';
import { MIRROR_EVENTS } from '../../../electron/engine/api/esp';
import { CUSTODY_EVENTS } from '../../../electron/engine/api/custody';
import { SendingEventType } from '../../../electron/engine/api/sending';
import { REPUTATION_EVENTS } from '../../../electron/engine/api/reputation';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';
import { connectMailchimp } from '../../helpers/connectMailchimp';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const MIN = 60_000;

async function setUp() {
  const fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.upsertMember('L1', 'ann@example.org', {});
  const relay = await startSmtpServer();
  const clock = new ManualClock(T0);
  const { engine, secrets } = await engineWithSecrets(tempDir('understudy-periodic-'), clock);
  cleanup.push(
    () => fake.stop(),
    () => relay.stop(),
  );
  cleanup.push(() => engine.close());
  engine.services.connectorOverrides = { sleep: async () => undefined, backoffBaseMs: 1, backoffMaxMs: 2 };
  const mc = await connectMailchimp(engine, fake);
  await addSmtpProvider(
    engine,
    { name: 'Relay', host: relay.host, port: relay.port, tls: 'none', priority: 5 },
    secrets,
  );
  updateSettings(engine, {
    timeZone: 'UTC',
    health: { failuresToDown: 1, successesToUp: 1, intervalSeconds: 60 },
    sync: { everyMinutes: 15 },
    alerts: { to: ['team@shop.example', 'boss@shop.example'], from: 'understudy@shop.example' },
  });
  return { fake, relay, clock, engine, espId: mc.provider.id };
}

const events = (engine: Engine, type: string) =>
  engine.repos.events
    .recent(1000)
    .filter((e) => e.type === type)
    .sort((a, b) => a.id - b.id);

/** What the first address got (each address gets its own copy). */
async function mails(relay: SmtpCapture) {
  return Promise.all(
    relay.messages.filter((m) => m.rcpt.includes('team@shop.example')).map((m) => simpleParser(m.raw)),
  );
}
const sentTo = (relay: SmtpCapture, who: string) => relay.messages.filter((m) => m.rcpt.includes(who)).length;

describe('scheduled sync in every runtime', () => {
  it('syncs on its interval, skips while the ESP is down, syncs when it is back, and warns of a stale mirror', async () => {
    const { fake, relay, clock, engine, espId } = await setUp();
    const alerts = startTeamAlerts(engine);
    const service = createContinuity(engine, { periodic: periodicJobs(engine) });
    const pass = async (advanceMs: number) => {
      clock.advance(advanceMs);
      await service.pass();
      await syncIdle(engine); // the sync runs beside the pass (the scheduler never waits for it)
      await alerts.idle();
    };

    await pass(0);
    expect(events(engine, 'esp.synced')).toHaveLength(1); // the first pass syncs (a full one)
    expect(events(engine, 'esp.synced')[0]!.data.mode).toBe('full');
    expect(mirrorAge(engine, espId)).toMatchObject({ ageMs: 0, stale: false, words: 'just now' });

    await pass(5 * MIN);
    expect(events(engine, 'esp.synced')).toHaveLength(1); // not due yet
    expect(mirrorAge(engine, espId).words).toBe('5 minutes ago');

    fake.upsertMember('L1', 'bob@example.org', {});
    await pass(11 * MIN); // 16 min after the first: due
    expect(events(engine, 'esp.synced')).toHaveLength(2);
    expect(events(engine, 'esp.synced')[1]!.data.mode).toBe('incremental');
    expect(engine.repos.subscribers.query({ listId: 1, limit: 10 }).map((s) => s.email)).toContain(
      'bob@example.org',
    );
    expect(service.jobs().find((j) => j.name === 'sync')).toMatchObject({ lastResult: 'ok' });
    expect(lastSyncLine(engine)).toBe('MC: incremental sync');

    // Mailchimp goes down: the probe marks it down and the due sync is skipped, once said.
    fake.server.fault({ times: 100_000, status: 503, body: { title: 'Service Unavailable' } });
    await pass(16 * MIN);
    expect(engine.repos.health.byId(espId)!.health).toBe('down');
    const syncRequests = () => fake.server.exchanges.filter((x) => /\/members/.test(x.url)).length;
    const before = syncRequests();
    await pass(MIN);
    await pass(MIN);
    expect(events(engine, 'esp.synced')).toHaveLength(2);
    expect(syncRequests()).toBe(before);
    const skipped = events(engine, MIRROR_EVENTS.skipped);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.message).toContain('runs as soon as Mailchimp is back');
    expect(events(engine, MIRROR_EVENTS.stale)).toHaveLength(0);

    // Twice the interval since the last sync: one warning, emailed.
    await pass(13 * MIN); // 31 min since the last sync
    const stale = events(engine, MIRROR_EVENTS.stale);
    expect(stale).toHaveLength(1);
    expect(stale[0]!.message).toContain('last synced 31 minutes ago');
    expect(stale[0]!.message).toContain('Mailchimp is down');
    await pass(MIN);
    expect(events(engine, MIRROR_EVENTS.stale)).toHaveLength(1);

    // Back: the recovery runs first, then the sync, in the same pass; the mirror is current again.
    fake.server.faults.length = 0;
    await pass(MIN);
    expect(engine.repos.health.byId(espId)!.health).not.toBe('down');
    const synced = events(engine, 'esp.synced');
    expect(synced).toHaveLength(3);
    const recovered = events(engine, CUSTODY_EVENTS.recovered);
    expect(recovered.length).toBeGreaterThan(0);
    expect(recovered.at(-1)!.id).toBeLessThan(synced[2]!.id);
    expect(events(engine, MIRROR_EVENTS.fresh)).toHaveLength(1);

    // `esp list` says how current the copy is (the CLI's clock is the real one: the copy is from "now").
    const list = await cli(['esp', 'list', '--db', engine.dbPath]);
    expect(list.stdout).toMatch(
      /^MC \(mailchimp\): \w+, 1 lists, mirror as of just now, push-back pending 0$/m,
    );

    // The team heard of it: down, stale, back — each in plain words, to both addresses.
    const got = await mails(relay);
    const subjects = got.map((m) => m.subject);
    expect(subjects).toEqual([
      '[Understudy] Incident: MC is down',
      '[Understudy] Your copy of Mailchimp "MC" is out of date',
      '[Understudy] Resolved: MC is back',
    ]);
    expect(sentTo(relay, 'boss@shop.example')).toBe(3);
    const staleMail = got[1]!.text!;
    expect(staleMail).toContain('What happened');
    expect(staleMail).toContain('last synced 31 minutes ago');
    expect(staleMail).toContain('What Understudy did');
    expect(staleMail).toContain('the sync runs as soon as it is back');
    expect(staleMail).toContain('What you should do');
    expect(got[2]!.text).not.toContain('`'); // no command lines in an email to a marketer
    expect(got[2]!.text).toContain('syncing your lists again');
  });

  it('policy --sync-every and --alert-to are settings with checked values', async () => {
    const { engine } = await setUp();
    expect(readSettings(engine).sync).toEqual({ everyMinutes: 15, fullEveryHours: 24 });
    expect(() => updateSettings(engine, { alerts: { to: ['ann@shop.example', 'not an address'] } })).toThrow(
      /"not an address" cannot receive alerts/,
    );
    expect(() => updateSettings(engine, { sync: { everyMinutes: 0 } })).toThrow(/sync setting is not valid/);
    expect(readSettings(engine).alerts.to).toEqual(['team@shop.example', 'boss@shop.example']);
  });
});

describe('alerts that reach someone', () => {
  it('emails each alert once per kind and subject in 30 minutes, but every outage start and end', async () => {
    const { relay, clock, engine, espId } = await setUp();
    const alerts = startTeamAlerts(engine);
    const smtpId = engine.repos.providers.all('smtp')[0]!.id;
    const desktop: string[] = [];
    engine.bus.on('notification', (n) => desktop.push(n.title));

    // The desktop notification path and the email are one: notify() reaches both.
    const drill = () =>
      notify(engine, 'Drill failed: Relay', {
        type: 'drill.failed',
        severity: 'error',
        providerId: smtpId,
        message: 'The drill message through "Relay" did not arrive within 10 min.',
      });
    drill();
    drill(); // same kind and subject within 30 min: not emailed again
    await alerts.idle();
    expect(desktop).toEqual(['Drill failed: Relay', 'Drill failed: Relay']);
    expect(sentTo(relay, 'team@shop.example')).toBe(1);
    expect(events(engine, ALERT_EVENTS.throttled)).toHaveLength(1);
    clock.advance(31 * MIN);
    drill();
    await alerts.idle();
    expect(sentTo(relay, 'team@shop.example')).toBe(2);

    // An outage that flaps: each start and end goes out, never throttled.
    const esp = { id: espId, name: 'MC', kind: 'esp' as const };
    for (let i = 0; i < 2; i++) {
      onHealthChange(engine, esp, 'operational', 'down', 'the API answered 503');
      clock.advance(MIN);
      onHealthChange(engine, esp, 'down', 'operational', 'the API answered');
      clock.advance(MIN);
    }
    await alerts.idle();
    expect(sentTo(relay, 'team@shop.example')).toBe(6);
    expect(sentTo(relay, 'boss@shop.example')).toBe(6);

    // A provider resting at its limit is recorded by the sending engine itself: emailed too.
    engine.record({
      type: 'provider.paused',
      severity: 'warning',
      providerId: smtpId,
      message:
        '"Relay" reported a sending limit (452 too many messages); it rests until 10:00. No subscriber is affected.',
    });
    await alerts.idle();
    const got = await mails(relay);
    expect(got).toHaveLength(7);
    const [drillMail, , down, up] = got;
    expect(drillMail!.subject).toBe('[Understudy] Drill failed: Relay');
    expect(drillMail!.text).toContain('did not arrive within 10 min');
    expect(drillMail!.text).toContain('Check the Relay account');
    expect(down!.subject).toBe('[Understudy] Incident: MC is down');
    expect(down!.text).toContain('The ESP "MC" is down (the API answered 503)');
    expect(down!.text).toContain('choose "Send via backup"');
    expect(up!.subject).toBe('[Understudy] Resolved: MC is back');
    expect(got[6]!.text).toContain('Understudy stopped sending through Relay for now');
    expect(got.every((m) => m.headers.get('auto-submitted') === 'auto-generated')).toBe(true);
    // Counted against the relay's caps like any message.
    expect(events(engine, ALERT_EVENTS.sent)).toHaveLength(7);
  });

  // Issue 12 §3: sending sits below continuity, so the run only records the trip or the pause (asking
  // for a person's attention in its data); the running service turns it into the desktop notification
  // and the team email, as alert() did when the run imported it.
  const paused = [
    {
      what: 'switched off for rejecting everyone',
      type: SendingEventType.massRejection,
      message:
        '"Relay" rejected 10 different people in a row as unknown; that is the account\'s problem, not theirs. Understudy paused it and restored them.',
      data: { rule: 'streak', rejected: 10 },
      title: 'Relay paused: it rejected everyone',
    },
    {
      what: 'paused by the reputation guard',
      type: REPUTATION_EVENTS.paused,
      message:
        '"Relay" was paused while sending "Winter sale": 30 of its last 200 messages bounced (15 %), and the limit set for it is bounces at 5 %.',
      data: { what: 'bounce', rate: 0.15, limit: 0.05, count: 30, outOf: 200, othersLeft: true },
      title: 'Relay paused: too many bounces',
    },
  ];
  for (const c of paused) {
    it(`a provider ${c.what}: the sending engine records it, the continuity service raises the alert`, async () => {
      const { relay, engine } = await setUp();
      const alerts = startTeamAlerts(engine);
      createContinuity(engine).start();
      const smtpId = engine.repos.providers.all('smtp')[0]!.id;
      const desktop: string[] = [];
      engine.bus.on('notification', (...a: unknown[]) => desktop.push((a[0] as { title: string }).title));
      engine.record({
        type: c.type,
        severity: 'error',
        providerId: smtpId,
        message: c.message,
        data: { ...c.data, notify: true, title: c.title },
      });
      await alerts.idle();
      expect(desktop.filter((t) => t === c.title)).toHaveLength(1);
      const subjects = (await mails(relay)).map((m) => m.subject);
      expect(subjects).toContain(`[Understudy] ${c.title}`);
      expect(subjects.filter((x) => x?.includes(c.title))).toHaveLength(1);
    });
  }

  it('emails each threshold of an unmet unschedule duty, with what to do by hand', async () => {
    const { relay, engine, espId } = await setUp();
    const alerts = startTeamAlerts(engine);
    const duty = (minutesBefore: number) =>
      notify(engine, 'Mailchimp may send a campaign again in ' + minutesBefore + ' min', {
        type: CUSTODY_EVENTS.alert,
        severity: 'error',
        providerId: espId,
        campaignId: null,
        message: `"Winter sale" is still scheduled at Mailchimp for 19:58 (in ${minutesBefore} min), and Understudy could not unschedule it there. Do it by hand now: in Mailchimp, open Campaigns, find "Winter sale" and choose Unschedule (it becomes a draft). Understudy keeps trying meanwhile.`,
        data: { minutesBefore },
      });
    duty(30);
    duty(30); // the same threshold again: throttled
    duty(10);
    duty(2);
    await alerts.idle();
    const got = await mails(relay);
    expect(got.map((m) => m.subject)).toEqual([
      '[Understudy] Mailchimp may send a campaign again in 30 min',
      '[Understudy] Mailchimp may send a campaign again in 10 min',
      '[Understudy] Mailchimp may send a campaign again in 2 min',
    ]);
    expect(got[2]!.text).toContain('find "Winter sale" and choose Unschedule');
    expect(got[2]!.text).toContain('Unschedule the campaign at the ESP by hand now');
  });

  it('says so on the timeline when no backup can take the alert, and sends nothing without addresses', async () => {
    const { relay, engine } = await setUp();
    const alerts = startTeamAlerts(engine);
    await relay.stop();
    notify(engine, 'Drill failed: Relay', { type: 'drill.failed', severity: 'error', message: 'It failed.' });
    await alerts.idle();
    const failed = events(engine, ALERT_EVENTS.failed);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.message).toContain('could not be emailed to team@shop.example, boss@shop.example');
    expect(failed[0]!.message).toContain('It is still shown in Understudy');

    updateSettings(engine, { alerts: { to: [] } });
    expect(checkFreshness(engine)).toBe('all current');
    notify(engine, 'Drill failed: Relay', { type: 'drill.failed', severity: 'error', message: 'Again.' });
    await alerts.idle();
    expect(events(engine, ALERT_EVENTS.failed)).toHaveLength(1);
  });
});
