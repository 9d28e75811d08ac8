/**
 * Brevo → mirror against the fake on loopback: sync (blocklisted = unsubscribed, attributes as merge
 * fields), modifiedSince incremental, rate limits with Brevo's reset header, suspend before a backup
 * send, push-back of a local unsubscribe, and spec conformance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { unscheduleAtEsp } from '../../../electron/engine/mirror/esp/unschedule';
import { FakeBrevo, BREVO_SPEC, BREVO_SPEC_OPTIONS } from '../../fakes/brevo';
import { attachSpec, espEngine, type SleepLog } from './helpers';

let fake: FakeBrevo;
let engine: Engine;
let sleeps: SleepLog;

beforeEach(async () => {
  fake = new FakeBrevo();
  await fake.start();
  ({ engine, sleeps } = await espEngine());
  fake.addList(7, 'Customers');
  fake.seed(7, 1200);
  fake.upsertContact('blocked@example.org', { listIds: [7], emailBlacklisted: true });
  fake.upsertContact('leftlist@example.org', { listIds: [7], listUnsubscribed: [7] });
  fake.campaigns.set(31, {
    id: 31,
    name: 'Spring sale',
    subject: 'Spring is here',
    status: 'queued',
    scheduledAt: '2026-12-03T08:30:00.000+00:00',
    sender: { name: 'Shop', email: 'news@shop.example', id: 1 },
    replyTo: 'help@shop.example',
    htmlContent: '<p>Bonjour {{ contact.FIRSTNAME }}</p>',
    lists: [7],
  });
  await addConnection(engine, {
    kind: 'brevo',
    name: 'Shop Brevo',
    apiKey: fake.key,
    baseUrl: fake.baseUrl,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const list = () => engine.repos.lists.all().find((l) => l.espListId === '7')!;

describe('Brevo', () => {
  it('mirrors contacts with attributes, blocklisted and list-unsubscribed as unsubscribed, and queued campaigns', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(1202);
    const l = list();
    expect(l.name).toBe('Customers');
    expect(l.mergeFields.map((f) => f.tag)).toEqual(['FIRSTNAME', 'LASTNAME', 'CITY', 'GENDER']);
    const counts = engine.repos.lists.countsByStatus(l.id);
    expect(counts).toMatchObject({ subscribed: 1200, unsubscribed: 2 });
    expect(engine.repos.subscribers.byEmail(l.id, 'person3@example.org')).toMatchObject({
      firstName: 'Ann3',
      lastName: 'Lee3',
      mergeFields: { CITY: 'Nantes' },
      status: 'subscribed',
    });
    const c = engine.db
      .prepare(`SELECT esp_campaign_id, scheduled_at, dialect, from_email, reply_to FROM campaigns`)
      .get();
    expect(c).toEqual({
      esp_campaign_id: '31',
      scheduled_at: '2026-12-03T08:30:00.000Z',
      dialect: 'brevo',
      from_email: 'news@shop.example',
      reply_to: 'help@shop.example',
    });
  });

  it('syncs only contacts modified since the last sync', async () => {
    await syncEsp(engine);
    fake.upsertContact('person9@example.org', { emailBlacklisted: true });
    fake.server.exchanges.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(s!.members.updated).toBe(1);
    expect(fake.server.exchanges.some((x) => x.url.includes('modifiedSince='))).toBe(true);
    expect(engine.repos.subscribers.byEmail(list().id, 'person9@example.org')!.status).toBe('unsubscribed');
  });

  it("waits as long as Brevo's x-sib-ratelimit-reset says after a 429, then carries on", async () => {
    fake.contactsLimit = 1;
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(1202);
    expect(sleeps.waits).toContain(1000);
  });

  it('suspends a queued campaign before a backup send', async () => {
    await syncEsp(engine);
    const id = (
      engine.db.prepare(`SELECT id FROM campaigns WHERE esp_campaign_id = '31'`).get() as { id: number }
    ).id;
    const r = await unscheduleAtEsp(engine, id);
    expect(r.result.status).toBe('done');
    expect(fake.campaigns.get(31)!.status).toBe('suspended');
  });

  it('says plainly that Brevo may still send when it refuses to suspend', async () => {
    await syncEsp(engine);
    fake.campaigns.get(31)!.status = 'inProcess';
    const id = (
      engine.db.prepare(`SELECT id FROM campaigns WHERE esp_campaign_id = '31'`).get() as { id: number }
    ).id;
    const r = await unscheduleAtEsp(engine, id);
    expect(r.result.status).toBe('failed');
    expect(r.result.message).toMatch(/may still send/);
  });

  it('pushes a local unsubscribe back once, idempotently', async () => {
    await syncEsp(engine);
    const row = engine.repos.subscribers.byEmail(list().id, 'person4@example.org')!;
    engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'link', engine.now());
    expect(enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' })).toBe(true);
    expect(enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' })).toBe(false);
    const [r] = await pushBack(engine);
    expect(r).toMatchObject({ pushed: 1, pending: 0 });
    expect(fake.contacts.get('person4@example.org')!.emailBlacklisted).toBe(true);
    const [again] = await pushBack(engine);
    expect(again).toMatchObject({ pushed: 0, pending: 0 });
    expect(fake.updates).toHaveLength(1);
  });

  it('refuses a revoked key with a clear message and changes nothing', async () => {
    await syncEsp(engine);
    const before = engine.repos.subscribers.count({ listId: list().id });
    fake.revoked = true;
    const e = await syncEsp(engine).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'esp_auth' });
    expect((e as Error).message).toMatch(/Brevo refused the API key: Key not found/);
    expect((e as Error).message).not.toContain(fake.key);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(before);
  });

  it("every request and response matches Brevo's published OpenAPI document", async () => {
    const spec = attachSpec(fake.server, BREVO_SPEC, BREVO_SPEC_OPTIONS)!;
    await syncEsp(engine);
    const row = engine.repos.subscribers.byEmail(list().id, 'person4@example.org')!;
    engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'link', engine.now());
    enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' });
    await pushBack(engine);
    const id = (engine.db.prepare(`SELECT id FROM campaigns`).get() as { id: number }).id;
    await unscheduleAtEsp(engine, id);
    await engine.repos.subscribers.count({ listId: list().id });
    expect(spec.problems).toEqual([]);
    expect([...spec.seen]).toEqual(
      expect.arrayContaining([
        'GET /contacts/lists 200',
        'GET /contacts/lists/{listId}/contacts 200',
        'GET /contacts/attributes 200',
        'GET /emailCampaigns 200',
        'GET /contacts/{identifier} 200',
        'PUT /contacts/{identifier} 204',
        'PUT /emailCampaigns/{campaignId}/status 204',
      ]),
    );
  });
});
