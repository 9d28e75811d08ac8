/**
 * A sync never hands a campaign Understudy holds back to the ESP's view (issue 13 §2). The marketer
 * reschedules a mirrored Mailchimp campaign here (`schedule set`); Mailchimp refuses the unschedule
 * (the campaign is locked there). The next sync sees it still scheduled at Mailchimp at its old time:
 * that is a discrepancy, recorded, with the duty retried, and the local time is kept. Once Mailchimp
 * lets go, the duty is settled and the following sync does not cancel the rescheduled campaign (before,
 * a campaign no longer scheduled at the ESP was cancelled here as "sent or unscheduled there").
 * Pausing (the sending engine's pause) takes a campaign over in the same way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { pauseCampaign } from '../../../electron/engine/sending';
import { createContinuity } from '../../../electron/engine/continuity/adapters';
import { updateSettings } from '../../../electron/engine/continuity/settings';
import { CUSTODY_EVENTS } from '../../../electron/engine/api/custody';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { tempDir } from '../../helpers/tmp';
import { cli } from '../../helpers/cli';
import { shortTime } from '../../../electron/engine/mirror/esp/custody';
import { startOutageProxy } from '../../helpers/outageProxy';
import { startSmtpServer } from '../../helpers/smtp';
import { getCampaign } from '../../../electron/engine/sending';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { setSendingSetting } from '../../../electron/engine/sending/settings';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
let engine: Engine;
afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

async function setUp(ids: string[]) {
  fake = new FakeMailchimp();
  await fake.start();
  fake.addList('L1', 'Newsletter');
  fake.upsertMember('L1', 'ann@example.org', {});
  for (const id of ids)
    fake.campaigns.set(id, {
      id,
      status: 'schedule',
      send_time: iso(T0 + 3 * 3_600_000),
      list_id: 'L1',
      subject_line: `News ${id}`,
      title: id,
      from_name: 'Acme',
      reply_to: 'news@acme.example',
      html: '<p>Hello</p>',
      plain_text: 'Hello',
    });
  ({ engine } = await engineWithSecrets(tempDir('understudy-custody-sync-'), new ManualClock(T0)));
  engine.services.connectorOverrides = { sleep: async () => undefined, backoffBaseMs: 1, backoffMaxMs: 2 };
  await connectMailchimp(engine, fake);
  updateSettings(engine, { timeZone: 'UTC' });
  await syncEsp(engine);
  const byEsp = (id: string) => engine.repos.schedules.upcoming().find((c) => c.espCampaignId === id)!;
  return { byEsp };
}

describe('a sync and a campaign Understudy holds', () => {
  it('records the ESP still showing it scheduled as a discrepancy, keeps the local time, and never cancels it', async () => {
    const { byEsp } = await setUp(['C1']);
    const c = byEsp('C1');
    fake.campaigns.get('C1')!.locked = true; // Mailchimp refuses to unschedule it
    const newTime = new Date(T0 + 5 * 3_600_000).toISOString();
    await createContinuity(engine).scheduler.schedule(c.id, newTime, 'UTC');
    expect(engine.repos.schedules.get(c.id)).toMatchObject({ sender: 'local', scheduledAt: newTime });
    expect(engine.repos.obligations.pendingFor(c.id)).toMatchObject({
      reason: 'reschedule',
      espSendAt: new Date(T0 + 3 * 3_600_000).toISOString(),
      attempts: 1,
    });

    const [summary] = await syncEsp(engine);
    expect(summary!.campaigns.held).toBe(1);
    // The ESP's time did not overwrite the one chosen here.
    expect(engine.repos.schedules.get(c.id)).toMatchObject({ status: 'scheduled', scheduledAt: newTime });
    const discrepancy = engine.repos.events
      .recent(100, { campaignId: c.id })
      .find((e) => e.type === CUSTODY_EVENTS.discrepancy)!;
    expect(discrepancy.message).toContain('Mailchimp still shows "C1" as scheduled, but Understudy holds it');
    expect(engine.repos.obligations.pendingFor(c.id)).toMatchObject({ discrepancies: 1 });

    fake.campaigns.get('C1')!.locked = false;
    await syncEsp(engine); // the duty runs before the campaigns are read
    expect(fake.campaigns.get('C1')!.status).toBe('save');
    expect(engine.repos.obligations.latestFor(c.id)).toMatchObject({ state: 'done' });
    // No longer scheduled at Mailchimp, and still Understudy's to send at the new time.
    expect(engine.repos.schedules.get(c.id)).toMatchObject({
      status: 'scheduled',
      scheduledAt: newTime,
      sender: 'local',
    });
  });

  it('a pause here takes the campaign over in the same transaction and unschedules it at once', async () => {
    const { byEsp } = await setUp(['C2']);
    const c = byEsp('C2');
    pauseCampaign(engine, c.id);
    expect(engine.repos.obligations.pendingFor(c.id)).toMatchObject({ reason: 'pause' });
    expect(engine.repos.schedules.get(c.id)).toMatchObject({ status: 'paused', sender: 'local' });
    await createContinuity(engine).pass();
    expect(fake.campaigns.get('C2')!.status).toBe('save');
    expect(engine.repos.obligations.latestFor(c.id)).toMatchObject({ state: 'done', reason: 'pause' });
  });
});

describe('`understudy send` of a mirrored campaign while its ESP is down', () => {
  it('says what happens at the ESP, in the words the send-via-backup confirmation shows', async () => {
    const { byEsp } = await setUp(['C3']);
    const c = byEsp('C3');
    const proxy = await startOutageProxy(fake.baseUrl);
    const relay = await startSmtpServer();
    try {
      // The connection goes through the proxy, which is down; the monitor has seen it.
      engine.db
        .prepare(`UPDATE providers SET config = json_set(config, '$.baseUrl', ?) WHERE name = 'MC'`)
        .run(proxy.url);
      proxy.down = true;
      engine.repos.health.setHealth(engine.repos.health.byName('MC')!.id, 'down', engine.now());
      setSendingSetting(engine, 'postal_address', '1 Harbour Street, Portsmouth');
      setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@acme.example');
      await addSmtpProvider(engine, { name: 'Backup', host: relay.host, port: relay.port, tls: 'none' });
      const promised = getCampaign(engine, c.id).custody!.sentence;
      expect(promised).toBe(
        `Mailchimp is down: Understudy will unschedule this campaign there as soon as Mailchimp answers; if it cannot before ${shortTime(new Date(T0 + 3 * 3_600_000).toISOString(), 'UTC', T0)}, you will be alerted.`,
      );
      const dbPath = engine.db.name;
      await engine.close();
      const r = await cli(['send', String(c.id), '--db', dbPath], {
        UNDERSTUDY_PASSPHRASE: 'test passphrase',
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(promised);
      expect(relay.messages).toHaveLength(1);
      expect(r.stdout).toContain(
        'Mailchimp is down: Understudy will unschedule this campaign at Mailchimp as soon as Mailchimp answers',
      );
      expect(fake.campaigns.get('C3')!.status).toBe('schedule'); // not yet: Mailchimp is down
    } finally {
      ({ engine } = await engineWithSecrets(tempDir('understudy-custody-after-'))); // closed above
      await proxy.stop();
      await relay.stop();
    }
  });
});
