/**
 * The MailerLite connector against the MailerLite fake on loopback. MailerLite publishes no OpenAPI
 * document: every exchange is validated against the zod schemas written from its reference pages
 * (MailerLiteSchemas in test/fakes/mailerlite.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailerLiteFake, MailerLiteSchemas, mlDate } from '../../fakes/mailerlite';
import { MailerLiteConnector, type MailerLiteCursor } from '../../../electron/engine/mirror/esp/mailerlite';
import { isEspError } from '../../../electron/engine/mirror/esp/http';
import type { EspMember } from '../../../electron/engine/mirror/esp/types';

describe('MailerLite connector against the fake (schemas from the reference pages)', () => {
  let fake: MailerLiteFake;
  let schemas: MailerLiteSchemas;
  let sleeps: number[];
  let ml: MailerLiteConnector;

  const connector = (over: Partial<ConstructorParameters<typeof MailerLiteConnector>[0]> = {}) =>
    new MailerLiteConnector({
      apiKey: fake.apiKey,
      baseUrl: `${fake.url}/api`,
      statusUrl: null,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...over,
    });

  beforeEach(async () => {
    fake = await new MailerLiteFake().start();
    schemas = new MailerLiteSchemas();
    fake.onExchange = (x) => schemas.check(x);
    sleeps = [];
    ml = connector();
  });
  afterEach(async () => {
    await fake.stop();
  });

  async function drain(k = ml): Promise<EspMember[]> {
    const [list] = await k.lists();
    const out: EspMember[] = [];
    let cursor: MailerLiteCursor | null = null;
    do {
      const page = await k.members(list!, { since: null }, cursor);
      out.push(...page.members);
      cursor = page.next;
    } while (cursor);
    return out;
  }

  it('mirrors every status with fields, groups as tags, opt-in and confirm times', async () => {
    const vip = fake.addGroup('VIP');
    fake.addSubscriber('ann@example.com', {
      fields: { name: 'Ann', last_name: 'Lee', company: 'Acme' },
      groups: [vip],
      ip_address: '192.0.2.1',
      opted_in_at: '2025-06-02 08:00:00',
      optin_ip: '192.0.2.2',
    });
    fake.addSubscriber('bob@example.com', { status: 'unsubscribed', unsubscribed_at: '2025-07-01 10:00:00' });
    fake.addSubscriber('cat@example.com', { status: 'unconfirmed' });
    fake.addSubscriber('dan@example.com', { status: 'bounced' });
    fake.addSubscriber('eve@example.com', { status: 'junk' });
    for (let i = 0; i < 1200; i++) fake.addSubscriber(`bulk${i}@example.com`);

    const [list] = await ml.lists();
    expect(list).toMatchObject({ espListId: 'all', memberCount: 1205 });
    expect(list!.mergeFields.map((f) => f.tag)).toEqual(['name', 'last_name', 'company', 'country']);
    const members = await drain();
    expect(members).toHaveLength(1205);
    const by = new Map(members.map((m) => [m.email, m]));
    expect(by.get('ann@example.com')).toMatchObject({
      status: 'subscribed',
      firstName: 'Ann',
      lastName: 'Lee',
      tags: ['VIP'],
      mergeFields: { name: 'Ann', last_name: 'Lee', company: 'Acme' },
      optinTime: '2025-06-01T12:00:00.000Z',
      optinIp: '192.0.2.1',
      confirmTime: '2025-06-02T08:00:00.000Z',
      confirmIp: '192.0.2.2',
    });
    expect(by.get('bob@example.com')).toMatchObject({
      status: 'unsubscribed',
      statusChangedAt: '2025-07-01T10:00:00.000Z',
    });
    expect(by.get('cat@example.com')!.status).toBe('pending');
    expect(by.get('dan@example.com')!.status).toBe('bounced');
    expect(by.get('eve@example.com')!.status).toBe('complained');
    // One pass per status; the active pass took two pages.
    const asked = fake
      .requests(/^\/api\/subscribers$/)
      .map((x) => new URL(x.url, 'http://x').searchParams.get('filter[status]'));
    expect(new Set(asked)).toEqual(
      new Set(['unconfirmed', 'active', 'unsubscribed', 'bounced', 'junk', null]),
    );
    expect(schemas.problems).toEqual([]);
  });

  it('catches a member who unsubscribes while the sync pages (a later pass sees the new status)', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 1500; i++) ids.push(fake.addSubscriber(`m${i}@example.com`).id);
    const [list] = await ml.lists();
    // unconfirmed pass (empty), then the first active page.
    let page = await ml.members(list!, { since: null }, null);
    page = await ml.members(list!, { since: null }, page.next);
    const seen = [...page.members];
    // m5 (already seen as active) and m1400 (not yet seen) unsubscribe now.
    fake.setStatus(ids[5]!, 'unsubscribed');
    fake.setStatus(ids[1400]!, 'unsubscribed');
    let cursor = page.next;
    while (cursor) {
      const p = await ml.members(list!, { since: null }, cursor);
      seen.push(...p.members);
      cursor = p.next;
    }
    const last = new Map<string, string>();
    for (const m of seen) last.set(m.email, m.status);
    expect(last.get('m5@example.com')).toBe('unsubscribed');
    expect(last.get('m1400@example.com')).toBe('unsubscribed');
    expect(last.size).toBe(1500);
  });

  it('lists ready campaigns with the designed HTML, text, sender, reply-to and target groups', async () => {
    const vip = fake.addGroup('VIP');
    const at = Date.UTC(2030, 4, 1, 9, 30);
    const c = fake.addCampaign({
      name: 'May news',
      subject: 'News for {$name}',
      groups: [vip],
      scheduled_for: mlDate(at),
    });
    fake.addCampaign({ name: 'Draft', status: 'draft' });
    const everyone = fake.addCampaign({ name: 'All', scheduled_for: mlDate(at) });
    const [got, other, ...rest] = await ml.scheduledCampaigns();
    expect(rest).toEqual([]);
    expect(other).toMatchObject({ espCampaignId: everyone.id, espListId: 'all', segment: null });
    expect(got).toMatchObject({
      espCampaignId: c.id,
      name: 'May news',
      subject: 'News for {$name}',
      fromName: 'Example Shop',
      fromEmail: 'news@example.com',
      replyTo: 'reply@example.com',
      html: '<p>Hello {$name}</p>',
      text: 'Hello {$name}',
      scheduledAt: new Date(at).toISOString(),
      espListId: `group:${vip}`, // mirrored as its own list, never everyone
      dialect: 'mailerlite',
      segment: { kind: 'mailerlite_filter', tagsAny: ['VIP'] },
    });
    // The web version is fetched without the API key.
    const preview = fake.requests(/^\/preview\//);
    expect(preview).toHaveLength(2); // one web version per campaign
    expect(preview[0]!.headers.authorization).toBeUndefined();
    expect(schemas.problems).toEqual([]);
  });

  it('cancels a ready campaign, is idempotent, and says plainly when it cannot', async () => {
    const c = fake.addCampaign({ name: 'X' });
    expect((await ml.unschedule(c.id)).status).toBe('done');
    expect(fake.campaigns.get(c.id)!.status).toBe('draft');
    expect((await ml.unschedule(c.id)).status).toBe('done');
    const sent = fake.addCampaign({ name: 'Y', status: 'sent' });
    const r = await ml.unschedule(sent.id);
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/may still send/);
    expect(schemas.problems).toEqual([]);
  });

  it('pushes back unsubscribes, bounces and complaints idempotently, never softening a status', async () => {
    const a = fake.addSubscriber('ann@example.com');
    const at = new Date().toISOString();
    expect(
      (await ml.pushBack({ kind: 'unsubscribe', email: 'ann@example.com', espListId: 'all', at })).status,
    ).toBe('done');
    expect(fake.subscribers.get(a.id)!.status).toBe('unsubscribed');
    expect(
      (await ml.pushBack({ kind: 'unsubscribe', email: 'ann@example.com', espListId: 'all', at })).status,
    ).toBe('already');
    expect(
      (await ml.pushBack({ kind: 'complaint', email: 'ann@example.com', espListId: 'all', at })).status,
    ).toBe('done');
    expect(fake.subscribers.get(a.id)!.status).toBe('junk');
    // A later unsubscribe push must not turn junk back into unsubscribed.
    expect(
      (await ml.pushBack({ kind: 'unsubscribe', email: 'ann@example.com', espListId: 'all', at })).status,
    ).toBe('already');
    expect(fake.subscribers.get(a.id)!.status).toBe('junk');
    const b = fake.addSubscriber('bob@example.com');
    expect(
      (
        await ml.pushBack({
          kind: 'bounce',
          email: 'bob@example.com',
          espListId: 'all',
          at,
          espMemberId: b.id,
        })
      ).status,
    ).toBe('done');
    expect(fake.subscribers.get(b.id)!.status).toBe('bounced');
    expect(
      (await ml.pushBack({ kind: 'bounce', email: 'zed@example.com', espListId: 'all', at })).status,
    ).toBe('not_found');
    expect(fake.requests(/^\/api\/subscribers\/[^/]+$/, 'PUT')).toHaveLength(3);
    expect(schemas.problems).toEqual([]);
  });

  it('adds backup recipients to a group named after the tag', async () => {
    fake.addSubscriber('a@example.com');
    fake.addSubscriber('b@example.com');
    const r = await ml.tagBackupRecipients(
      'all',
      ['a@example.com', 'b@example.com', 'x@example.com'],
      'Sent via backup',
    );
    expect(r.tagged).toBe(2);
    await ml.tagBackupRecipients('all', ['a@example.com'], 'Sent via backup');
    expect([...fake.groups.values()].filter((g) => g.name === 'Sent via backup')).toHaveLength(1);
    expect(schemas.problems).toEqual([]);
  });

  it('honours Retry-After on a 429 storm, retries 5xx and truncated JSON', async () => {
    fake.addSubscriber('a@example.com');
    fake.fault({
      path: /^\/api\/subscribers$/,
      kind: 'status',
      status: 429,
      times: 3,
      headers: { 'retry-after': '7' },
      body: { message: 'Too Many Attempts.' },
    });
    fake.fault({
      path: /^\/api\/subscribers$/,
      kind: 'status',
      status: 500,
      times: 1,
      body: { message: 'Server Error' },
    });
    fake.fault({ path: /^\/api\/subscribers$/, kind: 'truncate', times: 1 });
    expect(await drain()).toHaveLength(1);
    // Each 429 wait is at least the 7 s asked for (jittered backoff may add more on other retries).
    expect(sleeps.filter((ms) => ms >= 7000).length).toBeGreaterThanOrEqual(3);
    expect(sleeps.slice(0, 3).every((ms) => ms >= 7000)).toBe(true);
  });

  it('answers the fake’s own per-minute limit with its Retry-After', async () => {
    fake.addSubscriber('a@example.com');
    const [list] = await ml.lists();
    // Nothing left in this minute: the fake answers 429 with Retry-After: 2; the injected sleep records
    // the wait and the fake is then opened up again.
    fake.perMinute = fake.requests().length;
    fake.retryAfterSeconds = 2;
    let calls = 0;
    const k = connector({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (++calls === 2) fake.perMinute = 0;
      },
    });
    const page = await k.members(list!, { since: null }, { si: 1, cursor: null });
    expect(page.members).toHaveLength(1);
    expect(sleeps.filter((ms) => ms >= 2000).length).toBeGreaterThanOrEqual(1);
  });

  it('times out a request that never answers, then succeeds', async () => {
    fake.addSubscriber('a@example.com');
    fake.fault({ path: /^\/api\/subscribers$/, kind: 'hang', after: 1 });
    expect(await drain(connector({ timeoutMs: 300 }))).toHaveLength(1);
  });

  it('fails with esp_auth when the token is revoked mid-sync, without the token in the message', async () => {
    for (let i = 0; i < 1100; i++) fake.addSubscriber(`m${i}@example.com`);
    const [list] = await ml.lists();
    const p1 = await ml.members(list!, { since: null }, { si: 1, cursor: null });
    expect(p1.next).toMatchObject({ si: 1 });
    fake.apiKey = 'new-token';
    const err = await ml.members(list!, { since: null }, p1.next).catch((e: unknown) => e);
    expect(isEspError(err) && err.espCodeName).toBe('esp_auth');
    expect((err as Error).message).toMatch(/MailerLite refused the API key: Unauthenticated\./);
    expect((err as Error).message).not.toContain('ml-test-token-0001');
  });

  it('reports a rejected request with MailerLite’s field errors', async () => {
    fake.fault({
      path: /^\/api\/subscribers\//,
      method: 'PUT',
      kind: 'status',
      status: 422,
      body: {
        message: 'The given data was invalid.',
        errors: { status: ['The selected status is invalid.'] },
      },
    });
    fake.addSubscriber('a@example.com');
    const err = await ml
      .pushBack({ kind: 'unsubscribe', email: 'a@example.com', espListId: 'all', at: '' })
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /The given data was invalid\. \(status: The selected status is invalid\.\)/,
    );
  });

  it('health: counts subscribers as the cheapest authenticated call and reads the status page', async () => {
    const k = connector({ statusUrl: `${fake.url}/statuspage` });
    expect(await k.health()).toMatchObject({
      overall: 'operational',
      api: { state: 'ok' },
      statusPage: { indicator: 'none' },
    });
    expect(fake.requests(/^\/api\/subscribers$/).at(-1)!.url).toContain('limit=0');
    fake.statusPage = { indicator: 'critical', description: 'Major outage', down: ['API'] };
    // A status page that says "Major outage" is down, not degraded (issue 15 §3).
    expect((await k.health()).overall).toBe('down');
    fake.statusPage = { indicator: 'major', description: 'Partial outage', down: ['API'] };
    expect((await k.health()).overall).toBe('degraded');
    expect(schemas.problems).toEqual([]);
  });
});
