/**
 * Mailchimp → mirror, end to end against the fake on loopback: full then incremental sync, resume
 * after a failure mid-list, the local-unsubscribe rule, scheduled campaigns, and spec conformance of
 * every exchange.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../../electron/engine/engine';
import { syncEsp } from '../../../electron/engine/mirror/esp/sync';
import { enqueuePushBack } from '../../../electron/engine/mirror/esp/pushback';
import { FakeMailchimp, MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS } from '../../fakes/mailchimp';
import { MEMBER_FIELDS } from '../../../electron/engine/mirror/esp/mailchimp';
import { attachSpec, espEngine } from './helpers';
import { connectMailchimp } from '../../helpers/connectMailchimp';

let fake: FakeMailchimp;
let engine: Engine;

beforeEach(async () => {
  fake = new FakeMailchimp();
  await fake.start();
  ({ engine } = await espEngine());
  fake.addList('L1', 'Newsletter');
  fake.seedMembers('L1', 2500);
  fake.upsertMember('L1', 'gone@example.com', {
    status: 'unsubscribed',
    unsubscribe_reason: 'N/A (Unsubscribed by admin)',
  });
  fake.upsertMember('L1', 'bounced@example.com', { status: 'cleaned' });
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
  fake.campaigns.set('C2', { ...fake.campaigns.get('C1')!, id: 'C2', status: 'sent' });
  await connectMailchimp(engine, fake);
});

afterEach(async () => {
  await engine.close();
  await fake.stop();
});

function localList() {
  return engine.repos.lists.all().find((l) => l.espListId === 'L1')!;
}

describe('Mailchimp sync', () => {
  it('mirrors lists, merge field definitions, every member with its status, and scheduled campaigns', async () => {
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('full');
    expect(s!.members.added).toBe(2502);
    expect(s!.lists).toBe(1);
    const list = localList();
    expect(list.name).toBe('Newsletter');
    expect(list.mergeFields.map((f) => f.tag)).toEqual(['FNAME', 'LNAME', 'CITY', 'PLAN']);
    const counts = engine.repos.lists.countsByStatus(list.id);
    expect(counts.subscribed).toBe(2500);
    expect(counts.unsubscribed).toBe(1);
    expect(counts.cleaned).toBe(1);
    const m = engine.repos.subscribers.byEmail(list.id, 'user7@example.com')!;
    expect(m).toMatchObject({
      firstName: 'First7',
      lastName: 'Last7',
      status: 'subscribed',
      optinIp: '198.51.100.4',
      optinTime: '2025-05-30T08:00:00.000Z',
    });
    expect(m.mergeFields).toEqual({ CITY: 'Lyon', PLAN: 'free' });
    expect(m.espId).toMatch(/^[0-9a-f]{32}$/);
    expect(m.confirmTime).toBe('2025-06-01T10:00:00.000Z');
    // A cleaned address is suppressed everywhere.
    const campaigns = engine.db
      .prepare(
        `SELECT esp_campaign_id, status, scheduled_at, time_zone, dialect, subject, list_id FROM campaigns`,
      )
      .all();
    expect(campaigns).toEqual([
      {
        esp_campaign_id: 'C1',
        status: 'scheduled',
        scheduled_at: '2026-12-01T09:00:00.000Z',
        time_zone: 'Europe/Paris',
        dialect: 'mailchimp',
        subject: 'December news',
        list_id: list.id,
      },
    ]);
  });

  it('is incremental after the first sync and follows status changes made at Mailchimp', async () => {
    await syncEsp(engine);
    fake.upsertMember('L1', 'user3@example.com', { status: 'unsubscribed' });
    fake.upsertMember('L1', 'new@example.com', {});
    fake.server.requests = 0;
    const [s] = await syncEsp(engine);
    expect(s!.mode).toBe('incremental');
    expect(s!.members.added).toBe(1);
    expect(s!.members.updated).toBe(1);
    expect(engine.repos.subscribers.byEmail(localList().id, 'user3@example.com')!.status).toBe(
      'unsubscribed',
    );
    // Only changes travelled: far fewer member requests than a full pass (3 pages).
    const memberCalls = fake.server.exchanges.filter(
      (x) => x.url.includes('/members?') && x.url.includes('since_last_changed'),
    );
    expect(memberCalls.length).toBeGreaterThan(0);
  });

  it('never lets a stale "subscribed" from the ESP overwrite a local unsubscribe not yet pushed back', async () => {
    await syncEsp(engine);
    const list = localList();
    const row = engine.repos.subscribers.byEmail(list.id, 'user5@example.com')!;
    // Unsubscribed locally (a link clicked while Mailchimp was down) after Mailchimp's last change.
    engine.repos.subscribers.setStatus(
      row.id,
      'unsubscribed',
      'unsubscribe link',
      '2099-01-01T00:00:00.000Z',
    );
    enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe', detail: 'unsubscribe link' });
    // Mailchimp changes something else about the member: it comes back "subscribed".
    fake.upsertMember('L1', 'user5@example.com', {
      merge_fields: { FNAME: 'Renamed', LNAME: '', CITY: '', PLAN: '' },
    });
    // Mailchimp answers reads but fails writes, so the push-back before the sync cannot land.
    fake.server.fault({ match: (r) => r.method === 'PATCH', times: 1000, status: 503 });
    const [s] = await syncEsp(engine, { full: true });
    expect(s!.pushedBack).toBe(0);
    const after = engine.repos.subscribers.byEmail(list.id, 'user5@example.com')!;
    expect(after.status).toBe('unsubscribed');
    expect(after.firstName).toBe('Renamed');
    expect(s!.members.keptLocal).toBeGreaterThanOrEqual(1);
  });

  it('pushes queued local unsubscribes to Mailchimp before syncing, once it answers again', async () => {
    await syncEsp(engine);
    const list = localList();
    const row = engine.repos.subscribers.byEmail(list.id, 'user8@example.com')!;
    engine.repos.subscribers.setStatus(row.id, 'unsubscribed', 'unsubscribe link', engine.now());
    enqueuePushBack(engine, { subscriberId: row.id, kind: 'unsubscribe' });
    const [s] = await syncEsp(engine);
    expect(s!.pushedBack).toBe(1);
    expect(fake.lists.get('L1')!.members.get(row.espId!)!.status).toBe('unsubscribed');
    expect(engine.repos.subscribers.byEmail(list.id, 'user8@example.com')!.status).toBe('unsubscribed');
  });

  it('asks only for the member fields it mirrors, and Mailchimp (the fake) answers with those alone', async () => {
    await syncEsp(engine);
    const pages = fake.server.exchanges.filter((x) => x.url.startsWith('/lists/L1/members?'));
    expect(pages.length).toBeGreaterThan(0);
    const asked = new Set(MEMBER_FIELDS.split(',').map((f) => f.replace(/^members\./, '')));
    for (const x of pages) {
      expect(new URL(x.url, 'http://x').searchParams.get('fields')).toBe(MEMBER_FIELDS);
      const body = x.body as { members: Record<string, unknown>[]; total_items: number };
      expect(Object.keys(body).sort()).toEqual(['members', 'total_items']);
      for (const m of body.members) for (const k of Object.keys(m)) expect(asked).toContain(k);
    }
    // What a member page carries without `fields` (hypermedia links, stats …), and `exclude_fields`.
    const get = async (query: string) => {
      const res = await fetch(`${fake.baseUrl}/lists/L1/members?count=2&${query}`, {
        headers: { authorization: `Basic ${Buffer.from(`x:${fake.key}`).toString('base64')}` },
      });
      return (await res.json()) as { members: Record<string, unknown>[]; list_id?: string };
    };
    const whole = await get('');
    expect(whole.members[0]).toHaveProperty('_links');
    expect(whole.members[0]).toHaveProperty('stats');
    const trimmed = await get('exclude_fields=members._links,members.stats.avg_click_rate');
    expect(trimmed.members[0]).not.toHaveProperty('_links');
    expect(trimmed.members[0]!.stats).toEqual({ avg_open_rate: 0.42 });
    expect(trimmed.list_id).toBe('L1');
    const some = await get('fields=members.email_address,members.stats');
    expect(some).toEqual({
      members: [
        { email_address: expect.any(String), stats: expect.any(Object) },
        { email_address: expect.any(String), stats: expect.any(Object) },
      ],
    });
  });

  it('resumes an interrupted sync at the page where it stopped, with no page half-applied', async () => {
    // Page 3 (offset 2000) fails every time: the first two pages are applied and checkpointed.
    fake.server.fault({
      match: (r) => r.path === '/lists/L1/members' && r.query.get('offset') === '2000',
      times: 1000,
      status: 503,
      body: { type: 'x', title: 'Service Unavailable', status: 503, detail: 'Try later', instance: 'i' },
    });
    await expect(syncEsp(engine)).rejects.toMatchObject({ code: 'esp_unavailable' });
    const list = localList();
    expect(engine.repos.subscribers.count({ listId: list.id })).toBe(2000);
    const cp = engine.repos.espSync.checkpoint<{ pass: { cursor: { offset: number }; pages: number } }>(
      engine.repos.lists.all()[0]!.providerId!,
      'members:L1',
    )!;
    expect(cp.pass.cursor).toEqual({ offset: 2000 });
    expect(cp.pass.pages).toBe(2);
    fake.server.faults.length = 0;
    fake.server.exchanges.length = 0;
    const [s] = await syncEsp(engine);
    expect(s!.resumed).toBe(true);
    expect(engine.repos.subscribers.count({ listId: list.id })).toBe(2502);
    // It did not start over: the first member page requested is offset 2000.
    const first = fake.server.exchanges.find((x) => x.url.startsWith('/lists/L1/members?'))!;
    expect(first.url).toContain('offset=2000');
  });

  it("every request and response matches Mailchimp's published OpenAPI document", async () => {
    const spec = attachSpec(fake.server, MAILCHIMP_SPEC, MAILCHIMP_SPEC_OPTIONS)!;
    await syncEsp(engine);
    fake.upsertMember('L1', 'user1@example.com', { status: 'unsubscribed' });
    await syncEsp(engine);
    expect(spec.problems).toEqual([]);
    expect([...spec.seen].sort()).toEqual(
      expect.arrayContaining([
        'GET /lists 200',
        'GET /lists/{list_id}/members 200',
        'GET /lists/{list_id}/merge-fields 200',
        'GET /campaigns 200',
        'GET /campaigns/{campaign_id}/content 200',
      ]),
    );
  });
});
