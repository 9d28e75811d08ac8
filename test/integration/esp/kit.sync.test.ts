/**
 * Kit → mirror end to end: the framework's sync engine, the Kit connector and the Kit fake on loopback,
 * on a real SQLite file. Full then incremental sync, resume after an interruption, 429 storms (Kit sends
 * no Retry-After), 5xx, truncated JSON, a key revoked mid-sync, members changing while the sync pages,
 * unschedule, and push-back that resumes without doubling. Every exchange is checked against Kit's
 * published OpenAPI document.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { unscheduleAtEsp } from '../../../electron/engine/mirror/esp/unschedule';
import { KitFake } from '../../fakes/kit';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { espEngine, type SleepLog } from './helpers';

const SPEC = 'kit-v4.json';
const SPEC_OPTIONS = {
  schemaOverrides: {
    'PUT /v4/broadcasts/{id}':
      '#/paths/~1v4~1broadcasts~1{id}/get/responses/200/content/application~1json/schema',
  },
};

let fake: KitFake;
let engine: Engine;
let sleeps: SleepLog;
let spec: SpecValidator | null;
let vip: number;

beforeEach(async () => {
  fake = await new KitFake().start();
  ({ engine, sleeps } = await espEngine());
  spec = loadSpec(SPEC, SPEC_OPTIONS);
  fake.onExchange = (x) => spec?.check(x);
  vip = fake.addTag('VIP');
  fake.addSubscriber('ann@example.com', { first_name: 'Ann', tags: [vip], fields: { category: 'shoes' } });
  fake.addSubscriber('bob@example.com', { state: 'cancelled' });
  fake.addSubscriber('cat@example.com', { state: 'bounced' });
  fake.addSubscriber('dan@example.com', { state: 'complained' });
  fake.addSubscriber('eve@example.com', { state: 'inactive' });
  for (let i = 0; i < 2500; i++) fake.addSubscriber(`user${i}@example.com`, { first_name: `U${i}` });
  fake.addBroadcast({
    subject: 'Winter sale',
    description: 'Winter',
    send_at: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    subscriber_filter: [{ all: [{ type: 'tag', ids: [vip] }] }],
  });
  await addConnection(engine, {
    kind: 'kit',
    name: 'Kit',
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const list = () => engine.repos.lists.all().find((l) => l.espListId === 'all')!;
const member = (email: string) => engine.repos.subscribers.byEmail(list().id, email)!;
const providerId = () => list().providerId!;

describe('Kit sync', () => {
  it('mirrors the audience losslessly: states, fields with definitions, tags, ids, and the scheduled broadcast', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('full');
    // 2,505 in the audience; the VIP tag's list: Ann, plus (changed-since follow-up) the four
    // non-mailable subscribers who are not tagged, kept so no one there can stay "subscribed".
    expect(s!.members.added).toBe(2510);
    const l = list();
    expect(l.name).toBe('Kit subscribers');
    expect(l.mergeFields.map((f) => f.tag)).toEqual(['first_name', 'category']);
    expect(engine.repos.lists.countsByStatus(l.id)).toMatchObject({
      subscribed: 2501,
      unsubscribed: 1,
      bounced: 1,
      complained: 1,
      pending: 1,
    });
    const ann = member('ann@example.com');
    expect(ann).toMatchObject({
      firstName: 'Ann',
      status: 'subscribed',
      tags: ['VIP'],
      mergeFields: { category: 'shoes' },
    });
    expect(ann.espId).toMatch(/^\d+$/);
    const campaigns = engine.db
      .prepare(`SELECT subject, status, dialect, list_id, segment FROM campaigns`)
      .all() as { subject: string; status: string; dialect: string; list_id: number; segment: string }[];
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({
      subject: 'Winter sale',
      status: 'scheduled',
      dialect: 'kit',
      list_id: engine.repos.lists.all().find((x) => x.espListId?.startsWith('tag:'))!.id, // the tag's own list
    });
    expect(JSON.parse(campaigns[0]!.segment)).toMatchObject({ tagsAll: ['VIP'] });
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('is incremental afterwards and follows changes made at Kit', async () => {
    await syncEsp(engine);
    const bob = [...fake.subscribers.values()].find((x) => x.email_address === 'user7@example.com')!;
    fake.update(bob.id, { state: 'cancelled' });
    fake.addSubscriber('new@example.com');
    fake.log.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(s!.members.added).toBe(2); // new@ in the audience; user7 (now unsubscribed) in the tag's list
    expect(member('user7@example.com').status).toBe('unsubscribed');
    const memberCalls = fake.requests(/^\/v4\/subscribers$/).filter((x) => x.url.includes('sort_order=asc'));
    expect(memberCalls.length).toBeGreaterThan(0);
    expect(memberCalls.every((x) => x.url.includes('updated_after='))).toBe(true);
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('resumes an interrupted sync at the page where it stopped, with no page half-applied', async () => {
    fake.fault({
      path: /^\/v4\/subscribers$/,
      kind: 'status',
      status: 503,
      times: 1000,
      after: 3,
      body: { errors: ['Down'] },
    });
    await expect(syncEsp(engine)).rejects.toMatchObject({ code: 'esp_unavailable' });
    // lists() counted (1 request), then pages 1 and 2 applied; page 3 failed.
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2000);
    const cp = engine.repos.espSync.checkpoint<{ pass: { cursor: { after: string }; pages: number } }>(
      providerId(),
      'members:all',
    )!;
    expect(cp.pass.pages).toBe(2);
    fake.faults.length = 0;
    fake.log.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2505);
    const first = fake.requests(/^\/v4\/subscribers$/).find((x) => x.url.includes('sort_order=asc'))!;
    expect(first.url).toContain(`after=${cp.pass.cursor.after}`);
  });

  it('rides out a 429 storm without Retry-After, 5xx and a truncated page, and the mirror is whole', async () => {
    fake.onExchange = undefined; // injected faults are not in Kit's document
    fake.fault({
      path: /^\/v4\/subscribers$/,
      kind: 'status',
      status: 429,
      raw: 'Retry later',
      times: 3,
      after: 2,
    });
    fake.fault({
      path: /^\/v4\/subscribers$/,
      kind: 'status',
      status: 500,
      times: 1,
      after: 2,
      body: { errors: ['Oops'] },
    });
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'truncate', times: 1, after: 2 });
    const [s] = await syncEsp(engine);
    // 2,505 in the audience; the VIP tag's list: Ann, plus (changed-since follow-up) the four
    // non-mailable subscribers who are not tagged, kept so no one there can stay "subscribed".
    expect(s!.members.added).toBe(2510);
    // Three 429s, a 500 and a cut-off page: five waits, all inside one call's budget of six attempts.
    expect(sleeps.waits.length).toBeGreaterThanOrEqual(5);
    expect(fake.requests(/^\/v4\/subscribers$/).filter((x) => x.status === 429)).toHaveLength(3);
  });

  it('stops cleanly when the key is revoked mid-sync: applied pages kept, a clear message, resumable', async () => {
    let pages = 0;
    fake.beforeRoute = (req) => {
      if (req.path === '/v4/subscribers' && req.query.get('sort_order') === 'asc' && ++pages === 2)
        fake.apiKey = 'revoked';
    };
    const err = await syncEsp(engine).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'esp_auth' });
    expect((err as Error).message).toMatch(/Kit refused the API key: The access token is invalid/);
    // The key changed after page 2 was served: pages 1 and 2 are kept, page 3 was refused.
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2000);
    fake.apiKey = 'kit-test-key-0001';
    fake.beforeRoute = undefined;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2505);
    const events = engine.db
      .prepare(`SELECT type, message FROM events WHERE type = 'esp.sync_failed'`)
      .all() as { message: string }[];
    expect(events).toHaveLength(1);
    expect(events[0]!.message).not.toContain('kit-test-key-0001');
  });

  it('members changing while the sync pages end up current (the follow-up pass catches them)', async () => {
    let pages = 0;
    const late = [...fake.subscribers.values()].find((x) => x.email_address === 'user10@example.com')!;
    const early = [...fake.subscribers.values()].find((x) => x.email_address === 'user2400@example.com')!;
    fake.beforeRoute = (req) => {
      if (req.path === '/v4/subscribers' && req.query.get('sort_order') === 'asc' && ++pages === 2) {
        fake.update(late.id, { state: 'cancelled' }); // already applied on page 1
        fake.update(early.id, { state: 'bounced' }); // still to come on page 3
        fake.addSubscriber('joined-mid-sync@example.com');
      }
    };
    await syncEsp(engine);
    expect(member('user10@example.com').status).toBe('unsubscribed');
    expect(member('user2400@example.com').status).toBe('bounced');
    expect(member('joined-mid-sync@example.com').status).toBe('subscribed');
  });

  it('unschedules the mirrored broadcast at Kit before a backup send', async () => {
    await syncEsp(engine);
    const c = engine.db.prepare(`SELECT id, esp_campaign_id FROM campaigns`).get() as {
      id: number;
      esp_campaign_id: string;
    };
    const out = await unscheduleAtEsp(engine, c.id);
    expect(out.result.status).toBe('done');
    expect(fake.broadcasts.get(Number(c.esp_campaign_id))!.send_at).toBeNull();
    expect(spec?.problems ?? []).toEqual([]);
  });

  it('pushes back local unsubscribes and bounces once; a push that fails halfway resumes without doubling', async () => {
    await syncEsp(engine);
    const emails = ['user1@example.com', 'user2@example.com', 'user3@example.com'];
    for (const e of emails) {
      const row = member(e);
      engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'unsubscribe link', engine.now());
      enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe', detail: 'unsubscribe link' });
    }
    const bounce = member('user4@example.com');
    engine.repos.subscribers.setStatus(bounce.id, 'bounced', '550 5.1.1 no such user', engine.now());
    enqueuePushBack(engine, { subscriberId: bounce.id, kind: 'bounce', detail: '550 5.1.1' });
    // Kit goes away after the first unsubscribe.
    fake.onExchange = undefined;
    fake.fault({
      path: /\/unsubscribe$/,
      kind: 'status',
      status: 503,
      times: 1000,
      after: 1,
      body: { errors: ['Down'] },
    });
    const [first] = await pushBack(engine);
    expect(first!.pushed).toBe(1);
    expect(first!.pending).toBe(3);
    fake.faults.length = 0;
    const [second] = await pushBack(engine);
    expect(second!.pushed).toBe(3);
    const [third] = await pushBack(engine);
    expect(third!.pushed + third!.already).toBe(0);
    // Each address reached Kit exactly once.
    const ids = fake.unsubscribeCalls;
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(4);
    const states = emails.map(
      (e) => [...fake.subscribers.values()].find((s) => s.email_address === e)!.state,
    );
    expect(states).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });

  it('mirrors the tag a broadcast targets as its own list; someone who unsubscribes and loses the tag never stays subscribed there', async () => {
    await syncEsp(engine);
    const tagList = engine.repos.lists.all().find((x) => x.espListId === `tag:${vip}`)!;
    expect(tagList.name).toBe('Tag: VIP');
    expect(engine.repos.subscribers.byEmail(tagList.id, 'ann@example.com')!.status).toBe('subscribed');
    const ann = [...fake.subscribers.values()].find((x) => x.email_address === 'ann@example.com')!;
    ann.tags.delete(vip);
    fake.update(ann.id, { state: 'cancelled' });
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(engine.repos.subscribers.byEmail(tagList.id, 'ann@example.com')!.status).toBe('unsubscribed');
    // The next full pass archives her in the tag's list (she is no longer tagged).
    await syncEsp(engine, { full: true });
    expect(engine.repos.subscribers.byEmail(tagList.id, 'ann@example.com')!.status).not.toBe('subscribed');
    expect(spec?.problems ?? []).toEqual([]);
  });
});
