/**
 * Klaviyo → mirror end to end: the framework's sync engine, the Klaviyo connector and the fake on
 * loopback, on a real SQLite file, with every exchange checked against Klaviyo's published OpenAPI
 * document (klaviyo-stable.json, revision 2026-07-15). Lists, consent and suppressions → statuses, the
 * two-phase changed-since pass, resume, 429 with Retry-After, 5xx, truncated JSON, a revoked key,
 * members changing while paging, revert of a scheduled campaign, push-back, tagging by list.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { unscheduleAtEsp } from '../../../electron/engine/mirror/esp/unschedule';
import { KlaviyoConnector } from '../../../electron/engine/mirror/esp/klaviyo';
import { KlaviyoFake } from '../../fakes/klaviyo';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { espEngine, type SleepLog } from './helpers';

const SPEC = 'klaviyo-stable.json';

let fake: KlaviyoFake;
let engine: Engine;
let sleeps: SleepLog;
let spec: SpecValidator | null;
let news: string;
let vipList: string;

beforeEach(async () => {
  fake = await new KlaviyoFake().start();
  ({ engine, sleeps } = await espEngine());
  spec = loadSpec(SPEC, { oneOfAsAnyOf: true });
  fake.onExchange = (x) => spec?.check(x);
  news = fake.addList('Newsletter');
  vipList = fake.addList('VIP', 'double_opt_in');
  const t = '2025-06-01T12:00:00+00:00';
  fake.addProfile('ann@example.com', {
    first_name: 'Ann',
    organization: 'Acme',
    properties: { Plan: 'gold', Score: 7 },
    lists: [news, vipList],
    doubleOptin: true,
  });
  fake.addProfile('bob@example.com', { consent: 'UNSUBSCRIBED', lists: [news] });
  fake.addProfile('cat@example.com', {
    suppression: [{ reason: 'HARD_BOUNCE', timestamp: t }],
    lists: [news],
  });
  fake.addProfile('dan@example.com', {
    suppression: [{ reason: 'SPAM_COMPLAINT', timestamp: t }],
    lists: [news],
  });
  fake.addProfile('eve@example.com', { consent: 'NEVER_SUBSCRIBED', lists: [news] });
  fake.addProfile('fay@example.com', {
    listSuppressions: [{ list_id: news, reason: 'USER_SUPPRESSED', timestamp: t }],
    lists: [news],
  });
  fake.addProfile('gus@example.com', {
    suppression: [{ reason: 'INVALID_EMAIL', timestamp: t }],
    lists: [news],
  });
  for (let i = 0; i < 250; i++)
    fake.addProfile(`user${i}@example.com`, { first_name: `U${i}`, lists: [news] });
  fake.addCampaign({ name: 'Autumn', subject: 'Autumn sale', included: [news] });
  fake.addCampaign({ name: 'Old', included: [news], status: 'Sent' });
  await addConnection(engine, {
    kind: 'klaviyo',
    name: 'KL',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const list = (esp: string) => engine.repos.lists.all().find((l) => l.espListId === esp)!;
const member = (email: string, esp = news) => engine.repos.subscribers.byEmail(list(esp).id, email)!;

describe('Klaviyo sync', () => {
  it('mirrors lists and profiles: consent and suppressions to statuses, properties, ids; the scheduled campaign', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(2);
    expect(s!.members.added).toBe(258);
    expect(engine.repos.lists.countsByStatus(list(news).id)).toMatchObject({
      subscribed: 252, // ann, eve (never subscribed but Klaviyo emails her), 250 users
      unsubscribed: 2,
      bounced: 1,
      complained: 1,
      cleaned: 1,
    });
    expect(member('ann@example.com')).toMatchObject({
      firstName: 'Ann',
      status: 'subscribed',
      mergeFields: { organization: 'Acme', Plan: 'gold', Score: '7' },
    });
    expect(member('ann@example.com').confirmTime).toBe('2025-06-01T12:00:00.000Z');
    expect(member('fay@example.com')).toMatchObject({
      status: 'unsubscribed',
      statusReason: 'list USER_SUPPRESSED',
    });
    expect(member('ann@example.com', vipList).status).toBe('subscribed');
    const c = engine.db
      .prepare(
        `SELECT subject, from_email, from_name, reply_to, html, text, time_zone, dialect, list_id FROM campaigns`,
      )
      .all();
    expect(c).toEqual([
      {
        subject: 'Autumn sale',
        from_email: 'news@example.com',
        from_name: 'Example Shop',
        reply_to: 'reply@example.com',
        html: '<p>Hi {{ first_name|default:"there" }}</p>',
        text: 'Hi {{ first_name }}',
        time_zone: 'Europe/Paris',
        dialect: 'klaviyo',
        list_id: list(news).id,
      },
    ]);
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('is incremental: new joins and consent changes since the last pass, only for members of the list', async () => {
    await syncEsp(engine);
    fake.log.length = 0;
    const u3 = fake.byEmail('user3@example.com')!;
    fake.change(u3.id, (p) => (p.consent = 'UNSUBSCRIBED'));
    fake.addProfile('new@example.com', {
      lists: [news],
      joined: new Date().toISOString(),
      created: new Date().toISOString(),
    });
    fake.addProfile('outsider@example.com', { created: new Date().toISOString() }); // in no list
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(member('user3@example.com').status).toBe('unsubscribed');
    expect(member('new@example.com').status).toBe('subscribed');
    expect(engine.repos.subscribers.byEmail(list(news).id, 'outsider@example.com')).toBeUndefined();
    expect(fake.requests(/^\/api\/profiles$/).some((x) => x.url.includes('greater-than%28updated'))).toBe(
      true,
    );
    expect(fake.requests(/\/profiles$/).some((x) => x.url.includes('joined_group_at'))).toBe(true);
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('resumes an interrupted sync at the stored cursor', async () => {
    fake.onExchange = undefined;
    fake.fault({
      path: new RegExp(`^/api/lists/${news}/profiles$`),
      kind: 'status',
      status: 503,
      times: 1000,
      after: 2,
      body: { errors: [{ id: 'x', code: 'error', title: 'Down', detail: 'Service unavailable' }] },
    });
    await expect(syncEsp(engine)).rejects.toMatchObject({ code: 'esp_unavailable' });
    const cp = engine.repos.espSync.checkpoint<{ pass: { cursor: { next: string }; pages: number } }>(
      list(news).providerId!,
      `members:${news}`,
    )!;
    expect(cp.pass.pages).toBe(2);
    expect(engine.repos.subscribers.count({ listId: list(news).id })).toBe(200);
    fake.faults.length = 0;
    fake.log.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list(news).id })).toBe(257);
    expect(fake.requests(/\/profiles$/)[0]!.url).toContain(encodeURIComponent(cp.pass.cursor.next));
  });

  it('honours Retry-After, retries 5xx and truncated JSON', async () => {
    fake.onExchange = undefined;
    fake.fault({
      path: /\/profiles$/,
      kind: 'status',
      status: 429,
      times: 2,
      after: 1,
      headers: { 'retry-after': '12' },
      body: {
        errors: [
          {
            id: 'x',
            code: 'throttled',
            title: 'Request was throttled.',
            detail: 'Expected available in 12 seconds.',
          },
        ],
      },
    });
    fake.fault({ path: /\/profiles$/, kind: 'status', status: 502, times: 1, after: 1 });
    fake.fault({ path: /\/profiles$/, kind: 'truncate', times: 1, after: 1 });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(258);
    expect(sleeps.waits.filter((ms) => ms >= 12_000)).toHaveLength(2);
  });

  it('stops with a clear message when the key is revoked mid-sync, keeping applied pages', async () => {
    let pages = 0;
    fake.beforeRoute = (req) => {
      if (req.path.endsWith('/profiles') && ++pages === 1) fake.apiKey = 'pk_rotated';
    };
    const err = await syncEsp(engine).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'esp_auth' });
    expect((err as Error).message).toMatch(/Klaviyo refused the API key: Missing or invalid private key\./);
    expect((err as Error).message).not.toContain('pk_test_klaviyo_0001');
    expect(engine.repos.subscribers.count({ listId: list(news).id })).toBe(100);
  });

  it('a profile that unsubscribes while the list pages is mirrored as unsubscribed', async () => {
    let pages = 0;
    fake.beforeRoute = (req) => {
      if (req.path === `/api/lists/${news}/profiles` && ++pages === 2) {
        fake.change(fake.byEmail('user1@example.com')!.id, (p) => (p.consent = 'UNSUBSCRIBED')); // already applied
      }
    };
    await syncEsp(engine);
    expect(member('user1@example.com').status).toBe('unsubscribed');
  });

  it('reverts the scheduled campaign to a draft before a backup send; a sent one cannot be', async () => {
    await syncEsp(engine);
    const c = engine.db.prepare(`SELECT id, esp_campaign_id FROM campaigns`).get() as {
      id: number;
      esp_campaign_id: string;
    };
    expect((await unscheduleAtEsp(engine, c.id)).result.status).toBe('done');
    expect(fake.campaigns.get(c.esp_campaign_id)!.status).toBe('Draft');
    expect(fake.sendJobActions).toEqual([{ id: c.esp_campaign_id, action: 'revert' }]);
    const k = new KlaviyoConnector({ apiKey: fake.apiKey, baseUrl: fake.url, statusUrl: null });
    const sent = [...fake.campaigns.values()].find((x) => x.status === 'Sent')!;
    const r = await k.unschedule(sent.id);
    expect(r.status).toBe('failed');
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('pushes back unsubscribes (per list) and bounces (suppression) once, resuming without doubling', async () => {
    await syncEsp(engine);
    for (const [e, kind, status] of [
      ['user1@example.com', 'unsubscribe', 'unsubscribed'],
      ['user2@example.com', 'unsubscribe', 'unsubscribed'],
      ['user3@example.com', 'bounce', 'bounced'],
    ] as const) {
      const row = member(e);
      engine.repos.subscribers.setStatus(row.id, status, 'local', engine.now());
      enqueuePushBack(engine, { subscriberId: row.id, kind });
    }
    fake.faults.push({
      path: /bulk/,
      kind: 'status',
      status: 503,
      times: 1000,
      after: 1,
      hits: 0,
      seen: 0,
      body: { errors: [{ id: 'x', code: 'e', title: 'Down', detail: 'Down' }] },
    });
    const [first] = await pushBack(engine);
    expect(first!.pushed).toBe(1);
    fake.faults.length = 0;
    const [second] = await pushBack(engine);
    expect(second!.pushed).toBe(2);
    const [third] = await pushBack(engine);
    expect(third!.pushed).toBe(0);
    const jobs = fake.jobs.map((j) => `${j.type}:${j.emails.join(',')}:${j.listId ?? ''}`);
    expect(jobs.filter((j) => !j.includes('undefined'))).toEqual(
      expect.arrayContaining([
        `unsubscribe:user1@example.com:${news}`,
        `unsubscribe:user2@example.com:${news}`,
        'suppress:user3@example.com:',
      ]),
    );
    expect(fake.byEmail('user3@example.com')!.suppression[0]!.reason).toBe('USER_SUPPRESSED');
    // The job documents were checked against the published request schemas.
    if (spec) {
      expect(spec.problems).toEqual([]);
      expect([...spec.seen]).toEqual(
        expect.arrayContaining([
          'POST /api/profile-subscription-bulk-delete-jobs 202',
          'POST /api/profile-suppression-bulk-create-jobs 202',
        ]),
      );
    }
  });

  it('adds backup recipients to a list named after the tag', async () => {
    const k = new KlaviyoConnector({ apiKey: fake.apiKey, baseUrl: fake.url, statusUrl: null });
    const r = await k.tagBackupRecipients(
      news,
      ['user1@example.com', 'user2@example.com', 'nobody@example.com'],
      'Sent via backup',
    );
    expect(r.tagged).toBe(2);
    await k.tagBackupRecipients(news, ['user1@example.com'], 'Sent via backup');
    const tagged = [...fake.lists.values()].filter((l) => l.name === 'Sent via backup');
    expect(tagged).toHaveLength(1);
    expect(fake.byEmail('user2@example.com')!.lists.has(tagged[0]!.id)).toBe(true);
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('times out a request that never answers and carries on', async () => {
    engine.services.connectorOverrides = {
      sleep: sleeps.sleep,
      backoffBaseMs: 1,
      backoffMaxMs: 4,
      timeoutMs: 300,
    };
    fake.fault({ path: new RegExp(`^/api/lists/${news}/profiles$`), kind: 'hang', times: 1, after: 1 });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(258);
    expect(fake.requests(/\/profiles$/).some((x) => x.status === 0)).toBe(true);
  });

  it('health: the accounts call plus the status page', async () => {
    const k = new KlaviyoConnector({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      statusUrl: `${fake.url}/statuspage`,
    });
    expect(await k.health()).toMatchObject({
      overall: 'operational',
      api: { state: 'ok', account: 'Example Shop Ltd' },
    });
    fake.statusPage = { indicator: 'minor', description: 'Delayed sends' };
    expect((await k.health()).overall).toBe('degraded');
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('mirrors a segment that a scheduled campaign targets as a list, and links the campaign to it', async () => {
    const members = ['user1@example.com', 'user2@example.com', 'bob@example.com'].map(
      (e) => fake.byEmail(e)!.id,
    );
    const seg = fake.addSegment('Big spenders', members);
    fake.addSegment('Not targeted', members);
    fake.addCampaign({ name: 'VIP preview', included: [seg] });
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(3); // two lists + the targeted segment only
    const l = list(`segment:${seg}`);
    expect(l.name).toBe('Segment: Big spenders');
    expect(engine.repos.lists.countsByStatus(l.id)).toMatchObject({ subscribed: 2, unsubscribed: 1 });
    const c = engine.db.prepare(`SELECT list_id, segment FROM campaigns WHERE name = 'VIP preview'`).get();
    expect(c).toEqual({ list_id: l.id, segment: null });
    // A profile that leaves the segment is archived by the next full pass.
    fake.segments.get(seg)!.members.delete(members[0]!);
    await syncEsp(engine, { full: true });
    expect(engine.repos.subscribers.byEmail(l.id, 'user1@example.com')!.status).toBe('archived');
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('an incremental pass never leaves someone "subscribed" who unsubscribed and left the list', async () => {
    await syncEsp(engine);
    const u9 = fake.byEmail('user9@example.com')!;
    fake.change(u9.id, (p) => {
      p.consent = 'UNSUBSCRIBED';
      p.lists.delete(news);
    });
    fake.addProfile('stranger@example.com', { consent: 'UNSUBSCRIBED', created: new Date().toISOString() });
    fake.addProfile('fan@example.com', { created: new Date().toISOString() }); // subscribed, in no list
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(member('user9@example.com').status).toBe('unsubscribed');
    // A subscribed profile outside the list is never added to it.
    expect(engine.repos.subscribers.byEmail(list(news).id, 'fan@example.com')).toBeUndefined();
    expect(spec?.problems ?? []).toEqual([]);
  });
});
