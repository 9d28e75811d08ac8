/**
 * MailerLite → mirror end to end: the framework's sync engine, the MailerLite connector and the fake on
 * loopback, on a real SQLite file. MailerLite has no changed-since filter, so every sync is a full pass
 * that writes only differences and archives members deleted at MailerLite. Faults: 429 storms with
 * Retry-After, 5xx, truncated JSON, a revoked token mid-sync, members changing while the sync pages.
 * Exchanges are validated against the zod schemas written from MailerLite's reference pages.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { addConnection } from '../../../electron/engine/mirror/esp/connections';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack, pushBack } from '../../../electron/engine/mirror/esp/pushback';
import { unscheduleAtEsp } from '../../../electron/engine/mirror/esp/unschedule';
import { MailerLiteFake, MailerLiteSchemas, mlDate } from '../../fakes/mailerlite';
import { espEngine, type SleepLog } from './helpers';

let fake: MailerLiteFake;
let engine: Engine;
let sleeps: SleepLog;
let schemas: MailerLiteSchemas;

beforeEach(async () => {
  fake = await new MailerLiteFake().start();
  ({ engine, sleeps } = await espEngine());
  schemas = new MailerLiteSchemas();
  fake.onExchange = (x) => schemas.check(x);
  const vip = fake.addGroup('VIP');
  fake.addSubscriber('ann@example.com', { fields: { name: 'Ann', last_name: 'Lee' }, groups: [vip] });
  fake.addSubscriber('bob@example.com', { status: 'unsubscribed', unsubscribed_at: '2025-07-01 10:00:00' });
  fake.addSubscriber('cat@example.com', { status: 'unconfirmed' });
  fake.addSubscriber('dan@example.com', { status: 'bounced' });
  fake.addSubscriber('eve@example.com', { status: 'junk' });
  for (let i = 0; i < 2200; i++) fake.addSubscriber(`user${i}@example.com`, { fields: { name: `U${i}` } });
  fake.addCampaign({ name: 'June news', groups: [vip], scheduled_for: mlDate(Date.now() + 3 * 86_400_000) });
  await addConnection(engine, {
    kind: 'mailerlite',
    name: 'ML',
    apiKey: fake.apiKey,
    baseUrl: `${fake.url}/api`,
    statusUrl: null,
  });
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

const list = () => engine.repos.lists.all().find((l) => l.espListId === 'all')!;
const member = (email: string) => engine.repos.subscribers.byEmail(list().id, email)!;
const byEmail = (email: string) => [...fake.subscribers.values()].find((s) => s.email === email)!;

describe('MailerLite sync', () => {
  it('mirrors every status, fields with definitions, groups as tags, and the ready campaign', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('full');
    expect(s!.members.added).toBe(2206); // 2,205 subscribers + Ann in the targeted VIP group
    const l = list();
    expect(l.name).toBe('MailerLite subscribers');
    expect(l.mergeFields.map((f) => f.tag)).toEqual(['name', 'last_name', 'company', 'country']);
    expect(engine.repos.lists.countsByStatus(l.id)).toMatchObject({
      subscribed: 2201,
      unsubscribed: 1,
      pending: 1,
      bounced: 1,
      complained: 1,
    });
    expect(member('ann@example.com')).toMatchObject({ firstName: 'Ann', lastName: 'Lee', tags: ['VIP'] });
    // Bounced and junk addresses are suppressed on every list.
    const sup = engine.db.prepare(`SELECT email_norm, reason FROM suppressions ORDER BY 1`).all();
    expect(sup).toEqual([
      { email_norm: 'dan@example.com', reason: 'bounced' },
      { email_norm: 'eve@example.com', reason: 'complained' },
    ]);
    const c = engine.db.prepare(`SELECT subject, html, text, reply_to, dialect, status FROM campaigns`).get();
    expect(c).toEqual({
      subject: 'June news',
      html: '<p>Hello {$name}</p>',
      text: 'Hello {$name}',
      reply_to: 'reply@example.com',
      dialect: 'mailerlite',
      status: 'scheduled',
    });
    expect(schemas.problems).toEqual([]);
  });

  it('a second sync writes only the differences and archives members deleted at MailerLite', async () => {
    await syncEsp(engine);
    fake.setStatus(byEmail('user3@example.com').id, 'unsubscribed');
    fake.subscribers.delete(byEmail('user4@example.com').id);
    fake.addSubscriber('new@example.com');
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(1);
    expect(s!.members.updated).toBe(1);
    expect(s!.members.archived).toBe(1);
    expect(s!.members.unchanged).toBe(2204);
    expect(member('user3@example.com').status).toBe('unsubscribed');
    expect(member('user4@example.com').status).toBe('archived');
    expect(schemas.problems).toEqual([]);
  });

  it('resumes an interrupted sync where it stopped', async () => {
    // The count, the unconfirmed pass and two active pages pass; the third active page fails every time.
    fake.fault({
      path: /^\/api\/subscribers$/,
      kind: 'status',
      status: 503,
      times: 1000,
      after: 4,
      body: { message: 'Service Unavailable' },
    });
    await expect(syncEsp(engine)).rejects.toMatchObject({ code: 'esp_unavailable' });
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2001); // unconfirmed + 2,000 active
    const cp = engine.repos.espSync.checkpoint<{ pass: { cursor: { si: number; cursor: string } } }>(
      list().providerId!,
      'members:all',
    )!;
    expect(cp.pass.cursor.si).toBe(1);
    fake.faults.length = 0;
    fake.log.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(2205);
    const first = fake.requests(/^\/api\/subscribers$/).find((x) => x.url.includes('include=groups'))!;
    expect(first.url).toContain(`cursor=${cp.pass.cursor.cursor}`);
    expect(s!.members.archived).toBe(0);
  });

  it('waits as long as Retry-After says through a 429 storm', async () => {
    fake.onExchange = undefined;
    fake.fault({
      path: /^\/api\/subscribers$/,
      kind: 'status',
      status: 429,
      times: 4,
      after: 3,
      headers: { 'retry-after': '30' },
      body: { message: 'Too Many Attempts.' },
    });
    fake.fault({ path: /^\/api\/subscribers$/, kind: 'truncate', times: 1, after: 6 });
    const [s] = await syncEsp(engine);
    expect(s!.members.added).toBe(2206); // 2,205 subscribers + Ann in the targeted VIP group
    expect(sleeps.waits.filter((ms) => ms >= 30_000)).toHaveLength(4);
  });

  it('a revoked token mid-sync stops with a clear message and keeps every applied page', async () => {
    let pages = 0;
    fake.beforeRoute = (req) => {
      if (req.path === '/api/subscribers' && req.query.get('filter[status]') === 'active' && ++pages === 1)
        fake.apiKey = 'revoked';
    };
    const err = await syncEsp(engine).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'esp_auth' });
    expect((err as Error).message).toMatch(/MailerLite refused the API key: Unauthenticated\./);
    expect((err as Error).message).not.toContain('ml-test-token-0001');
    expect(engine.repos.subscribers.count({ listId: list().id })).toBe(1001);
  });

  it('a member who unsubscribes while the sync pages is mirrored as unsubscribed', async () => {
    let pages = 0;
    fake.beforeRoute = (req) => {
      if (req.path === '/api/subscribers' && req.query.get('filter[status]') === 'active' && ++pages === 2) {
        fake.setStatus(byEmail('user1@example.com').id, 'unsubscribed'); // seen on page 1 as active
        fake.setStatus(byEmail('user2100@example.com').id, 'junk'); // not reached yet
      }
    };
    await syncEsp(engine);
    expect(member('user1@example.com').status).toBe('unsubscribed');
    expect(member('user2100@example.com').status).toBe('complained');
  });

  it('cancels the ready campaign before a backup send', async () => {
    await syncEsp(engine);
    const c = engine.db.prepare(`SELECT id, esp_campaign_id FROM campaigns`).get() as {
      id: number;
      esp_campaign_id: string;
    };
    expect((await unscheduleAtEsp(engine, c.id)).result.status).toBe('done');
    expect(fake.campaigns.get(c.esp_campaign_id)!.status).toBe('draft');
    expect(schemas.problems).toEqual([]);
  });

  it('pushes back unsubscribes and bounces once, resuming a half-done push without doubling', async () => {
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
    fake.onExchange = undefined;
    fake.fault({
      path: /^\/api\/subscribers\/[^/]+$/,
      method: 'PUT',
      kind: 'status',
      status: 503,
      times: 1000,
      after: 1,
      body: { message: 'Down' },
    });
    const [first] = await pushBack(engine);
    expect(first!.pushed).toBe(1);
    expect(first!.pending).toBe(2);
    fake.faults.length = 0;
    const [second] = await pushBack(engine);
    expect(second!.pushed).toBe(2);
    const [third] = await pushBack(engine);
    expect(third!.pushed).toBe(0);
    expect(fake.requests(/^\/api\/subscribers\/[^/]+$/, 'PUT').filter((x) => x.status === 200)).toHaveLength(
      3,
    );
    expect(byEmail('user3@example.com').status).toBe('bounced');
  });

  it('mirrors a group that a ready campaign targets as its own list, and links the campaign to it', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.lists).toBe(2);
    const vip = engine.repos.lists.all().find((l) => l.espListId?.startsWith('group:'))!;
    expect(vip.name).toBe('Group: VIP');
    expect(engine.repos.subscribers.count({ listId: vip.id })).toBe(1);
    const c = engine.db.prepare(`SELECT list_id FROM campaigns`).get();
    expect(c).toEqual({ list_id: vip.id });
    // Someone removed from the group is archived in the group's list by the next (full) pass.
    byEmail('ann@example.com').groups.clear();
    await syncEsp(engine);
    expect(engine.repos.subscribers.byEmail(vip.id, 'ann@example.com')!.status).toBe('archived');
    expect(schemas.problems).toEqual([]);
  });
});
