/**
 * The Kit connector against the Kit fake on loopback, every exchange validated against Kit's published
 * OpenAPI document (kit-v4.json): lists, members with tags, paging, incremental filter, scheduled
 * broadcasts, unschedule, push-back, tagging, and the failure modes (429 without Retry-After, 5xx,
 * timeout, truncated JSON, revoked key).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KitFake } from '../../fakes/kit';
import { loadSpec, type SpecValidator } from '../../fakes/spec';
import { KitConnector, type KitCursor } from '../../../electron/engine/mirror/esp/kit';
import { isEspError } from '../../../electron/engine/mirror/esp/http';
import type { EspMember } from '../../../electron/engine/mirror/esp/types';

const SPEC = 'kit-v4.json';
describe('Kit connector against the fake', () => {
  let fake: KitFake;
  let spec: SpecValidator;
  let sleeps: number[];
  let kit: KitConnector;

  const connector = (over: Partial<ConstructorParameters<typeof KitConnector>[0]> = {}) =>
    new KitConnector({
      apiKey: fake.apiKey,
      baseUrl: fake.url,
      statusUrl: null,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...over,
    });

  beforeEach(async () => {
    fake = await new KitFake().start();
    // Kit's document derives the PUT answer's schema from an example, so fields a draft has as null
    // (send_at after unscheduling!) are typed string there; the GET schema of the same object is right.
    spec = loadSpec(SPEC, {
      schemaOverrides: {
        'PUT /v4/broadcasts/{id}':
          '#/paths/~1v4~1broadcasts~1{id}/get/responses/200/content/application~1json/schema',
      },
    });
    fake.onExchange = (x) => spec.check(x);
    sleeps = [];
    kit = connector();
  });
  afterEach(async () => {
    await fake.stop();
  });

  async function drain(since: string | null = null, k = kit): Promise<EspMember[]> {
    const [list] = await k.lists();
    const out: EspMember[] = [];
    let cursor: KitCursor | null = null;
    do {
      const page = await k.members(list!, { since }, cursor);
      out.push(...page.members);
      cursor = page.next;
    } while (cursor);
    return out;
  }

  it('mirrors every state, field and tag, paging in ascending id order', async () => {
    const vip = fake.addTag('VIP');
    const buyers = fake.addTag('Buyers');
    fake.addField('company', 'Company');
    fake.addSubscriber('ann@example.com', {
      first_name: 'Ann',
      tags: [vip, buyers],
      fields: { company: 'Acme' },
    });
    fake.addSubscriber('bob@example.com', { state: 'cancelled', tags: [vip] });
    fake.addSubscriber('cat@example.com', { state: 'inactive' });
    fake.addSubscriber('dan@example.com', { state: 'bounced' });
    fake.addSubscriber('eve@example.com', { state: 'complained' });
    fake.addSubscriber('fay@example.com', { state: 'cold' });
    for (let i = 0; i < 1500; i++) fake.addSubscriber(`bulk${i}@example.com`);

    const [list] = await kit.lists();
    expect(list!.espListId).toBe('all');
    expect(list!.memberCount).toBe(1506);
    expect(list!.mergeFields.map((f) => f.tag).sort()).toEqual(['category', 'company', 'first_name']);

    const members = await drain();
    expect(members).toHaveLength(1506);
    const by = new Map(members.map((m) => [m.email, m]));
    expect(by.get('ann@example.com')).toMatchObject({
      status: 'subscribed',
      firstName: 'Ann',
      tags: ['Buyers', 'VIP'],
      mergeFields: { category: 'general', company: 'Acme' },
    });
    expect(by.get('bob@example.com')).toMatchObject({ status: 'unsubscribed', tags: ['VIP'] });
    expect(by.get('cat@example.com')!.status).toBe('pending');
    expect(by.get('dan@example.com')!.status).toBe('bounced');
    expect(by.get('eve@example.com')!.status).toBe('complained');
    expect(by.get('fay@example.com')).toMatchObject({ status: 'subscribed', statusReason: 'cold' });
    // Two pages of members, ascending ids, every state asked for.
    const pages = fake.requests(/^\/v4\/subscribers$/).filter((x) => x.url.includes('sort_order=asc'));
    expect(pages).toHaveLength(2);
    expect(pages.every((x) => x.url.includes('status=all'))).toBe(true);
    expect(spec.problems).toEqual([]);
  });

  it('asks only for changes since the checkpoint (a day early: Kit filters by date)', async () => {
    fake.addSubscriber('old@example.com', { updated_at: '2026-01-01T10:00:00Z' });
    fake.addSubscriber('new@example.com', { updated_at: '2026-03-05T10:00:00Z' });
    const members = await drain('2026-03-05T08:00:00.000Z');
    expect(members.map((m) => m.email)).toEqual(['new@example.com']);
    expect(fake.requests(/^\/v4\/subscribers$/).some((x) => x.url.includes('updated_after=2026-03-04'))).toBe(
      true,
    );
    expect(spec.problems).toEqual([]);
  });

  it('resumes from a stored cursor, even in a new process (the tag map is rebuilt)', async () => {
    const t = fake.addTag('VIP');
    for (let i = 0; i < 2500; i++) fake.addSubscriber(`m${i}@example.com`, { tags: i % 2 ? [t] : [] });
    const [list] = await kit.lists();
    const first = await kit.members(list!, { since: null }, null);
    const stored = JSON.parse(JSON.stringify(first.next)) as KitCursor;
    const fresh = connector();
    const rest: EspMember[] = [];
    let cursor: KitCursor | null = stored;
    while (cursor) {
      const p = await fresh.members(list!, { since: null }, cursor);
      rest.push(...p.members);
      cursor = p.next;
    }
    const all = [...first.members, ...rest];
    expect(new Set(all.map((m) => m.email)).size).toBe(2500);
    expect(all.find((m) => m.email === 'm1@example.com')!.tags).toEqual(['VIP']);
  });

  it('lists scheduled broadcasts with content, sender and target tags; skips drafts, past and sent ones', async () => {
    const vip = fake.addTag('VIP');
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const b = fake.addBroadcast({
      subject: 'Spring sale',
      description: 'Spring',
      content: '<p>Hi {{ subscriber.first_name }}</p>',
      send_at: future,
      subscriber_filter: [{ all: [{ type: 'tag', ids: [vip] }] }],
    });
    fake.addBroadcast({ subject: 'Draft' });
    const all = fake.addBroadcast({ subject: 'To everyone', send_at: future });
    fake.addBroadcast({ subject: 'Past', send_at: '2020-01-01T00:00:00Z' });
    fake.addBroadcast({ subject: 'Sent', send_at: future, status: 'completed' });
    const campaigns = await kit.scheduledCampaigns();
    expect(campaigns).toHaveLength(2);
    expect(campaigns.find((c) => c.espCampaignId === String(all.id))).toMatchObject({
      espListId: 'all',
      segment: null,
    });
    expect(campaigns.find((c) => c.espCampaignId === String(b.id))).toMatchObject({
      espCampaignId: String(b.id),
      subject: 'Spring sale',
      fromName: 'Example Shop',
      fromEmail: 'news@example.com',
      html: '<p>Hi {{ subscriber.first_name }}</p>',
      scheduledAt: new Date(future).toISOString(),
      // One tag: mirrored as that tag's own list, never the whole audience.
      espListId: `tag:${vip}`,
      dialect: 'kit',
      segment: { kind: 'kit_filter', tagsAll: ['VIP'] },
    });
    expect(spec.problems).toEqual([]);
  });

  it('unschedules by saving the broadcast back as a draft, and says so when it cannot', async () => {
    const b = fake.addBroadcast({ subject: 'S', send_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect((await kit.unschedule(String(b.id))).status).toBe('done');
    expect(fake.broadcasts.get(b.id)!.send_at).toBeNull();
    expect(fake.broadcasts.get(b.id)!.content).toBe('<p>Hello {{ subscriber.first_name }}</p>');
    // Again: nothing to do, still done.
    expect((await kit.unschedule(String(b.id))).status).toBe('done');
    const sent = fake.addBroadcast({ subject: 'S', send_at: new Date().toISOString(), status: 'completed' });
    const r = await kit.unschedule(String(sent.id));
    expect(r.status).toBe('failed');
    expect(spec.problems).toEqual([]);
    fake.onExchange = undefined; // injected 503s are not in Kit's document
    fake.fault({ path: /broadcasts/, kind: 'status', status: 503, times: 100, body: { errors: ['Down'] } });
    const down = await kit.unschedule(String(b.id));
    expect(down).toMatchObject({ status: 'failed' });
    expect(down.message).toMatch(/may still send/);
  });

  it('pushes back unsubscribes and bounces idempotently', async () => {
    const s = fake.addSubscriber('ann@example.com');
    const item = {
      kind: 'unsubscribe' as const,
      email: 'Ann@Example.com',
      espListId: 'all',
      at: new Date().toISOString(),
    };
    expect((await kit.pushBack(item)).status).toBe('done');
    expect(fake.subscribers.get(s.id)!.state).toBe('cancelled');
    expect((await kit.pushBack(item)).status).toBe('already');
    expect(fake.unsubscribeCalls).toEqual([s.id]);
    const bounced = await kit.pushBack({ ...item, kind: 'bounce', email: 'zed@example.com' });
    expect(bounced.status).toBe('not_found');
    const t = fake.addSubscriber('tom@example.com');
    const r = await kit.pushBack({
      ...item,
      kind: 'bounce',
      email: 'tom@example.com',
      espMemberId: String(t.id),
    });
    expect(r.status).toBe('done');
    expect(r.message).toMatch(/no API to record a bounce/);
    expect(spec.problems).toEqual([]);
  });

  it('tags recipients sent through a backup, creating the tag once', async () => {
    fake.addSubscriber('a@example.com');
    fake.addSubscriber('b@example.com');
    const r = await kit.tagBackupRecipients(
      'all',
      ['a@example.com', 'b@example.com', 'nobody@example.com'],
      'Sent via backup',
    );
    expect(r.tagged).toBe(2);
    await kit.tagBackupRecipients('all', ['a@example.com'], 'Sent via backup');
    expect([...fake.tags.values()].filter((t) => t.name === 'Sent via backup')).toHaveLength(1);
    expect(spec.problems).toEqual([]);
  });

  it('backs off on 429 without Retry-After, retries 5xx and truncated JSON, and never applies half a page', async () => {
    for (let i = 0; i < 10; i++) fake.addSubscriber(`m${i}@example.com`);
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'status', status: 429, raw: 'Retry later', times: 3 });
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'status', status: 502, times: 1 });
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'truncate', times: 1 });
    const members = await drain();
    expect(members).toHaveLength(10);
    expect(sleeps.length).toBeGreaterThanOrEqual(5);
    // No Retry-After: exponential backoff from 1 s doubles (full jitter, bounded by the cap).
    expect(fake.requests(/^\/v4\/subscribers$/).filter((x) => x.status === 429)).toHaveLength(3);
  });

  it('gives up with a clear, retryable error when the 429 storm outlasts the attempts', async () => {
    fake.addSubscriber('a@example.com');
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'status', status: 429, raw: 'Retry later', times: 100 });
    const err = await drain().catch((e: unknown) => e);
    expect(isEspError(err) && err.espCodeName).toBe('esp_rate_limited');
    expect(isEspError(err) && err.retryable).toBe(true);
    expect((err as Error).message).toMatch(/Kit is limiting requests.*Retry later/);
  });

  it('times out a request that never answers and retries it', async () => {
    fake.addSubscriber('a@example.com');
    fake.fault({ path: /^\/v4\/subscribers$/, kind: 'hang', times: 1, after: 1 });
    const quick = connector({ timeoutMs: 300 });
    const members = await drain(null, quick);
    expect(members).toHaveLength(1);
    expect(fake.requests(/^\/v4\/subscribers$/).some((x) => x.status === 0)).toBe(true);
  });

  it('stops with esp_auth when the key is revoked mid-sync, naming no secret', async () => {
    for (let i = 0; i < 1200; i++) fake.addSubscriber(`m${i}@example.com`);
    const [list] = await kit.lists();
    const first = await kit.members(list!, { since: null }, null);
    expect(first.next).not.toBeNull();
    fake.apiKey = 'rotated-key-9999';
    const err = await kit.members(list!, { since: null }, first.next).catch((e: unknown) => e);
    expect(isEspError(err) && err.espCodeName).toBe('esp_auth');
    expect((err as Error).message).toMatch(/The access token is invalid/);
    expect(JSON.stringify((err as { toJSON(): unknown }).toJSON())).not.toContain('kit-test-key-0001');
  });

  it('health: the cheapest authenticated call plus the status page; degraded on a bad page or a refused key', async () => {
    const k = connector({ statusUrl: `${fake.url}/statuspage` });
    const ok = await k.health();
    expect(ok).toMatchObject({
      overall: 'operational',
      api: { state: 'ok', account: 'Example Shop' },
      statusPage: { indicator: 'none' },
    });
    fake.statusPage = { indicator: 'major', description: 'Partial outage', down: ['Sending'] };
    const bad = await k.health();
    expect(bad.overall).toBe('degraded');
    expect(bad.statusPage!.components).toEqual([{ name: 'Sending', status: 'partial_outage' }]);
    fake.apiKey = 'revoked';
    expect((await k.health()).api.state).toBe('auth');
    await fake.stop();
    expect((await connector({ statusUrl: null, maxAttempts: 1 }).health()).overall).toBe('down');
  });
});
