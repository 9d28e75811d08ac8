/**
 * A campaign mirrored from an ESP (the Mailchimp fake on loopback), through the real connector: the
 * ESP's API stops answering, the health monitor marks it down and opens an incident, and at the send
 * time the outage policy unschedules the campaign at the ESP (so it cannot go out twice) and sends it
 * through the backup SMTP server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { ManualClock } from '../../../electron/engine/clock';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { addProvider as addSmtpProvider } from '../../../electron/engine/sending/providers';
import { setSendingSetting } from '../../../electron/engine/sending/settings';
import { createContinuity } from '../../../electron/engine/continuity/adapters';
import { updateSettings } from '../../../electron/engine/continuity/settings';
import { FakeMailchimp } from '../../fakes/mailchimp';
import { CUSTODY_EVENTS } from '../../../electron/engine/api/custody';
import { startSmtpServer, type SmtpCapture } from '../../helpers/smtp';
import { engineWithSecrets } from '../../helpers/engineSecrets';
import { tempDir } from '../../helpers/tmp';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
let engine: Engine;
let relay: SmtpCapture;
afterEach(async () => {
  await engine.close();
  await fake.stop();
  await relay.stop();
});

describe('outage policy for an ESP campaign (Mailchimp fake)', () => {
  it('ESP down at send time → incident, unscheduled at the ESP, sent through the backup', async () => {
    fake = new FakeMailchimp();
    await fake.start();
    fake.addList('L1', 'Newsletter');
    for (const e of ['ann@example.org', 'bob@example.org', 'cy@example.org']) fake.upsertMember('L1', e, {});
    fake.campaigns.set('C1', {
      id: 'C1',
      status: 'schedule',
      send_time: '2026-12-01T09:00:00+00:00',
      list_id: 'L1',
      subject_line: 'December news',
      title: 'Dec',
      from_name: 'Acme',
      reply_to: 'news@acme.example',
      html: '<p>Hello *|FNAME|*</p>',
      plain_text: 'Hello *|FNAME|*',
    });
    const clock = new ManualClock(Date.parse('2026-11-30T12:00:00Z'));
    const made = await engineWithSecrets(tempDir(), clock);
    engine = made.engine;
    engine.services.connectorOverrides = {
      sleep: async () => undefined,
      backoffBaseMs: 1,
      backoffMaxMs: 2,
      timeoutMs: 5_000,
    };
    await connectMailchimp(engine, fake);
    await syncEsp(engine);
    relay = await startSmtpServer();
    setSendingSetting(engine, 'postal_address', '1 Harbour Street, Portsmouth');
    setSendingSetting(engine, 'unsubscribe_mailto', 'unsubscribe@acme.example');
    await addSmtpProvider(
      engine,
      { name: 'Backup', host: relay.host, port: relay.port, tls: 'none' },
      made.secrets,
    );
    updateSettings(engine, { outagePolicy: { mode: 'backup' }, health: { failuresToDown: 1 } });

    const service = createContinuity(engine);
    // Mailchimp's API stops answering /ping; the rest of the API still works (a partial outage).
    fake.server.fault({
      match: (r) => r.path.endsWith('/ping'),
      times: 1_000,
      status: 503,
      body: { title: 'Service Unavailable' },
    });
    await service.monitor.tick(true);
    const mc = engine.repos.health.byName('MC')!;
    expect(mc.health).toBe('down');
    const incident = engine.repos.incidents.openFor(mc.id)!;
    expect(incident.title).toBe('MC is down');

    clock.set(Date.parse('2026-12-01T09:00:00Z'));
    const { decisions } = await service.scheduler.tick();
    await service.scheduler.idle();
    expect(decisions.map((d) => d.decision)).toEqual(['backup']);
    expect(fake.campaigns.get('C1')!.status).not.toBe('schedule'); // unscheduled at Mailchimp
    expect(engine.repos.obligations.pendingFor(1)).toBeUndefined(); // the unschedule duty is settled
    // The tag of its recipients at Mailchimp waits for Mailchimp to answer again.
    expect(engine.repos.obligations.pending().map((o) => o.action)).toEqual(['tag']);
    expect(relay.messages.map((m) => m.rcpt[0]).sort()).toEqual([
      'ann@example.org',
      'bob@example.org',
      'cy@example.org',
    ]);
    const types = engine.repos.events.recent(200).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        CUSTODY_EVENTS.taken,
        CUSTODY_EVENTS.unscheduled,
        'outage.backup',
        'campaign.send_finished',
      ]),
    );
  });
});
