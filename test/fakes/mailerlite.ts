/**
 * A fake MailerLite API (connect.mailerlite.com/api) on 127.0.0.1 for connector tests. MailerLite
 * publishes no OpenAPI document, so its shapes are written here as zod schemas from the reference pages
 * (https://developers.mailerlite.com/docs/ : subscribers, groups, fields, campaigns) and the official
 * SDK's types (mailerlite/mailerlite-nodejs src/modules/*.types.ts); `MailerLiteSchemas.check` validates
 * every exchange the way the shared spec helper does for the ESPs that publish one.
 *
 * Behaviour: Bearer token; subscribers paged by cursor (`limit`, `cursor`, `meta.next_cursor`), filtered
 * by `filter[status]` which defaults to active (so a full mirror asks for each status); `include=groups`;
 * groups/fields/campaigns paged by `page`; ready campaigns via `filter[status]=ready`;
 * `POST /campaigns/{id}/cancel` turns a ready campaign back into a draft; 120 requests a minute, then
 * 429 with Retry-After; errors `{message, errors}`.
 */
import { z } from 'zod';
import { FakeHarness, type FakeReply, type FakeRequest } from './kit';
import type { Exchange } from './spec';

export type MlStatus = 'active' | 'unsubscribed' | 'unconfirmed' | 'bounced' | 'junk';
export const ML_STATUSES: MlStatus[] = ['active', 'unsubscribed', 'unconfirmed', 'bounced', 'junk'];

// ---------------------------------------------------------------------------------------------------
// Schemas from the reference pages

const dateTime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'yyyy-MM-dd HH:mm:ss');
const group = z.object({
  id: z.string(),
  name: z.string(),
  active_count: z.number().int(),
  sent_count: z.number().int(),
  opens_count: z.number().int(),
  open_rate: z.object({ float: z.number(), string: z.string() }),
  clicks_count: z.number().int(),
  click_rate: z.object({ float: z.number(), string: z.string() }),
  unsubscribed_count: z.number().int(),
  unconfirmed_count: z.number().int(),
  bounced_count: z.number().int(),
  junk_count: z.number().int(),
  created_at: dateTime,
});
const subscriber = z.object({
  id: z.string(),
  email: z.string(),
  status: z.enum(['active', 'unsubscribed', 'unconfirmed', 'bounced', 'junk']),
  source: z.string(),
  sent: z.number().int(),
  opens_count: z.number().int(),
  clicks_count: z.number().int(),
  open_rate: z.number(),
  click_rate: z.number(),
  ip_address: z.string().nullable(),
  subscribed_at: dateTime.nullable(),
  unsubscribed_at: dateTime.nullable(),
  created_at: dateTime,
  updated_at: dateTime,
  fields: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  groups: z.array(group).optional(),
  opted_in_at: dateTime.nullable(),
  optin_ip: z.string().nullable(),
});
const cursorMeta = z.object({
  path: z.string(),
  per_page: z.number().int(),
  next_cursor: z.string().nullable(),
  prev_cursor: z.string().nullable(),
});
const cursorLinks = z.object({
  first: z.string().nullable(),
  last: z.string().nullable(),
  prev: z.string().nullable(),
  next: z.string().nullable(),
});
const pageMeta = z.object({
  current_page: z.number().int(),
  from: z.number().int().nullable(),
  last_page: z.number().int(),
  links: z.array(z.object({ url: z.string().nullable(), label: z.string(), active: z.boolean() })),
  path: z.string(),
  per_page: z.number().int(),
  to: z.number().int().nullable(),
  total: z.number().int(),
});
const field = z.object({
  id: z.string(),
  name: z.string(),
  key: z.string(),
  type: z.enum(['text', 'number', 'date']),
});
const email = z.object({
  id: z.string(),
  account_id: z.string(),
  emailable_id: z.string(),
  emailable_type: z.literal('campaigns'),
  type: z.string(),
  from: z.string(),
  from_name: z.string(),
  reply_to: z.string().nullable().optional(),
  name: z.string().nullable(),
  subject: z.string(),
  plain_text: z.string().nullable(),
  content: z.string().nullable().optional(),
  screenshot_url: z.string().nullable(),
  preview_url: z.string().nullable(),
  created_at: dateTime,
  updated_at: dateTime,
  is_designed: z.boolean(),
  language_id: z.string().nullable(),
  is_winner: z.boolean(),
  send_after: z.string().nullable(),
  track_opens: z.boolean(),
});
const campaign = z.object({
  id: z.string(),
  account_id: z.string(),
  name: z.string(),
  type: z.enum(['regular', 'ab', 'resend', 'rss']),
  status: z.enum(['draft', 'ready', 'sent']),
  missing_data: z.array(z.string()),
  settings: z.record(z.string(), z.unknown()),
  filter: z.array(
    z.array(z.object({ operator: z.string(), args: z.tuple([z.string(), z.array(z.string())]) })),
  ),
  filter_for_humans: z.array(z.array(z.string())),
  delivery_schedule: z.enum(['instant', 'scheduled', 'timezone_based', 'smart_sending']).nullable(),
  language_id: z.string().nullable(),
  created_at: dateTime,
  updated_at: dateTime,
  scheduled_for: dateTime.nullable(),
  queued_at: dateTime.nullable(),
  started_at: dateTime.nullable(),
  finished_at: dateTime.nullable(),
  stopped_at: dateTime.nullable(),
  default_email_id: z.string(),
  emails: z.array(email),
  can_be_scheduled: z.boolean(),
});
const errorBody = z.object({
  message: z.string(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
});

interface Route {
  method: string;
  path: RegExp;
  query?: string[];
  request?: z.ZodType;
  responses: Record<number, z.ZodType | null>;
}
const errs = { 401: errorBody, 404: errorBody, 422: errorBody, 429: errorBody };
const ROUTES: Route[] = [
  {
    method: 'GET',
    path: /^\/api\/subscribers$/,
    query: ['filter[status]', 'limit', 'cursor', 'include'],
    responses: {
      200: z.union([
        z.object({ data: z.array(subscriber), links: cursorLinks, meta: cursorMeta }),
        z.object({ total: z.number().int() }),
      ]),
      ...errs,
    },
  },
  {
    method: 'GET',
    path: /^\/api\/groups\/[^/]+\/subscribers$/,
    query: ['filter[status]', 'limit', 'cursor', 'include'],
    responses: {
      200: z.object({ data: z.array(subscriber), links: cursorLinks, meta: cursorMeta }),
      ...errs,
    },
  },
  {
    method: 'GET',
    path: /^\/api\/segments\/[^/]+\/subscribers$/,
    query: ['filter[status]', 'limit', 'cursor'],
    responses: {
      200: z.object({ data: z.array(subscriber), links: cursorLinks, meta: cursorMeta }),
      ...errs,
    },
  },
  {
    method: 'GET',
    path: /^\/api\/subscribers\/[^/]+$/,
    responses: { 200: z.object({ data: subscriber }), ...errs },
  },
  {
    method: 'PUT',
    path: /^\/api\/subscribers\/[^/]+$/,
    request: z
      .object({
        status: z.enum(['active', 'unsubscribed', 'unconfirmed', 'bounced', 'junk']).optional(),
        fields: z.record(z.string(), z.unknown()).optional(),
        groups: z.array(z.string()).optional(),
      })
      .strict(),
    responses: { 200: z.object({ data: subscriber }), ...errs },
  },
  {
    method: 'GET',
    path: /^\/api\/groups$/,
    query: ['limit', 'page', 'filter[name]', 'sort'],
    responses: { 200: z.object({ data: z.array(group), links: cursorLinks, meta: pageMeta }), ...errs },
  },
  {
    method: 'POST',
    path: /^\/api\/groups$/,
    request: z.object({ name: z.string().min(1).max(255) }).strict(),
    responses: { 201: z.object({ data: group }), ...errs },
  },
  {
    method: 'POST',
    path: /^\/api\/subscribers\/[^/]+\/groups\/[^/]+$/,
    responses: { 200: z.object({ data: group }), ...errs },
  },
  {
    method: 'GET',
    path: /^\/api\/fields$/,
    query: ['limit', 'page', 'filter[keyword]', 'filter[type]', 'sort'],
    responses: { 200: z.object({ data: z.array(field), links: cursorLinks, meta: pageMeta }), ...errs },
  },
  {
    method: 'GET',
    path: /^\/api\/campaigns$/,
    query: ['filter[status]', 'filter[type]', 'limit', 'page'],
    responses: { 200: z.object({ data: z.array(campaign), links: cursorLinks, meta: pageMeta }), ...errs },
  },
  {
    method: 'GET',
    path: /^\/api\/campaigns\/[^/]+$/,
    responses: { 200: z.object({ data: campaign }), ...errs },
  },
  {
    method: 'POST',
    path: /^\/api\/campaigns\/[^/]+\/cancel$/,
    responses: { 200: z.object({ data: campaign }), ...errs },
  },
];

/** Validates exchanges against the schemas above (same contract as test/fakes/spec.ts). */
export class MailerLiteSchemas {
  readonly problems: string[] = [];
  readonly seen = new Set<string>();
  check(x: Exchange): void {
    const u = new URL(x.url, 'http://fake.invalid');
    if (u.pathname.startsWith('/preview/')) return; // the public web version, not the API
    const route = ROUTES.find((r) => r.method === x.method && r.path.test(u.pathname));
    if (!route) {
      this.problems.push(`${x.method} ${u.pathname}: not an endpoint of the MailerLite reference`);
      return;
    }
    const key = `${x.method} ${route.path.source}`;
    this.seen.add(`${key} ${x.status}`);
    for (const name of u.searchParams.keys())
      if (!route.query?.includes(name))
        this.problems.push(`${key}: query parameter "${name}" is not documented`);
    if (route.request && x.requestBody !== undefined) {
      const r = route.request.safeParse(x.requestBody);
      if (!r.success) this.problems.push(`${key} request body: ${r.error.message}`);
    }
    const schema = route.responses[x.status];
    if (schema === undefined) {
      this.problems.push(`${key}: status ${x.status} is not documented`);
      return;
    }
    if (schema === null) return;
    const r = schema.safeParse(x.body);
    if (!r.success) this.problems.push(`${key} ${x.status} response: ${r.error.message.slice(0, 500)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// The fake

export interface MlSubscriber {
  id: string;
  email: string;
  status: MlStatus;
  source: string;
  ip_address: string | null;
  subscribed_at: string | null;
  unsubscribed_at: string | null;
  created_at: string;
  updated_at: string;
  fields: Record<string, string | number | null>;
  groups: Set<string>;
  opted_in_at: string | null;
  optin_ip: string | null;
}

export interface MlCampaign {
  id: string;
  name: string;
  status: 'draft' | 'ready' | 'sent';
  delivery_schedule: 'instant' | 'scheduled' | 'timezone_based' | 'smart_sending' | null;
  scheduled_for: string | null;
  groups: string[];
  /** Segments the campaign targets (`in_any segments` rule). */
  segments?: string[];
  /** Extra filter rules (conditions the fake cannot evaluate, e.g. on a field). */
  rules?: { operator: string; args: [string, string[]] }[];
  subject: string;
  from: string;
  from_name: string;
  reply_to: string | null;
  plain_text: string | null;
  html: string;
}

let seq = 97_397_363_737_000; // MailerLite ids are long decimal strings (below 2^53 here)
const nextId = () => String(++seq);
/** MailerLite's timestamp format (UTC). */
export const mlDate = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export class MailerLiteFake extends FakeHarness {
  apiKey = 'ml-test-token-0001';
  readonly subscribers = new Map<string, MlSubscriber>();
  readonly groups = new Map<string, { id: string; name: string; created_at: string }>();
  readonly fields = [
    { id: '1', name: 'Name', key: 'name', type: 'text' as const },
    { id: '2', name: 'Last name', key: 'last_name', type: 'text' as const },
    { id: '3', name: 'Company', key: 'company', type: 'text' as const },
    { id: '4', name: 'Country', key: 'country', type: 'text' as const },
  ];
  readonly campaigns = new Map<string, MlCampaign>();
  /** Segments by id: their name and the ids of the subscribers each holds. */
  readonly segments = new Map<string, { name: string; subscriberIds: Set<string> }>();
  /** Seconds sent in Retry-After with a 429. */
  retryAfterSeconds: number | null = null;

  constructor(o: { perMinute?: number } = {}) {
    super('mailerlite', o.perMinute ?? 120);
  }

  addGroup(name: string): string {
    const id = nextId();
    this.groups.set(id, { id, name, created_at: mlDate(Date.UTC(2025, 0, 1)) });
    return id;
  }

  addSubscriber(
    email: string,
    p: Partial<Omit<MlSubscriber, 'groups' | 'id'>> & { groups?: string[] } = {},
  ): MlSubscriber {
    const id = nextId();
    const created = p.created_at ?? mlDate(Date.UTC(2025, 5, 1, 12));
    const fields: Record<string, string | number | null> = {};
    for (const f of this.fields) fields[f.key] = null;
    const s: MlSubscriber = {
      id,
      email,
      status: p.status ?? 'active',
      source: p.source ?? 'api',
      ip_address: p.ip_address ?? null,
      subscribed_at: p.subscribed_at ?? created,
      unsubscribed_at: p.unsubscribed_at ?? null,
      created_at: created,
      updated_at: p.updated_at ?? created,
      fields: { ...fields, ...(p.fields ?? {}) },
      groups: new Set(p.groups ?? []),
      opted_in_at: p.opted_in_at ?? null,
      optin_ip: p.optin_ip ?? null,
    };
    this.subscribers.set(id, s);
    return s;
  }

  setStatus(id: string, status: MlStatus): void {
    const s = this.subscribers.get(id)!;
    s.status = status;
    s.updated_at = mlDate(Date.now());
    if (status === 'unsubscribed') s.unsubscribed_at = s.updated_at;
  }

  addCampaign(p: Partial<MlCampaign> & { name: string }): MlCampaign {
    const c: MlCampaign = {
      id: nextId(),
      status: 'ready',
      delivery_schedule: 'scheduled',
      scheduled_for: mlDate(Date.now() + 86_400_000),
      groups: [],
      subject: p.name,
      from: 'news@example.com',
      from_name: 'Example Shop',
      reply_to: 'reply@example.com',
      plain_text: 'Hello {$name}',
      html: '<p>Hello {$name}</p>',
      ...p,
    };
    this.campaigns.set(c.id, c);
    return c;
  }

  protected authorize(req: FakeRequest): FakeReply | null {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return { status: 401, body: { message: 'Unauthenticated.' } };
    return null;
  }

  protected rateLimited(_req: FakeRequest, resetInMs: number): FakeReply {
    const after = this.retryAfterSeconds ?? Math.max(1, Math.ceil(resetInMs / 1000));
    return {
      status: 429,
      body: { message: 'Too Many Attempts.' },
      headers: {
        'retry-after': String(after),
        'x-ratelimit-limit': String(this.perMinute),
        'x-ratelimit-remaining': '0',
      },
    };
  }

  protected override isPublic(req: FakeRequest): boolean {
    return req.path.startsWith('/preview/');
  }

  protected route(req: FakeRequest): FakeReply {
    const { method, path, query: q } = req;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = path.match(/^\/preview\/(\w+)$/))) {
      const c = this.campaigns.get(m[1]!);
      return c
        ? { status: 200, raw: c.html, contentType: 'text/html; charset=utf-8' }
        : { status: 404, raw: 'Not found' };
    }
    const groupPath = path.match(/^\/api\/groups\/([^/]+)\/subscribers$/);
    const segmentPath = path.match(/^\/api\/segments\/([^/]+)\/subscribers$/);
    if (method === 'GET' && (path === '/api/subscribers' || groupPath || segmentPath)) {
      const groupId = groupPath?.[1];
      if (groupId !== undefined && !this.groups.has(groupId))
        return { status: 404, body: { message: 'Resource not found.' } };
      const segment = segmentPath ? this.segments.get(segmentPath[1]!) : undefined;
      if (segmentPath && !segment) return { status: 404, body: { message: 'Resource not found.' } };
      const status = q.get('filter[status]') ?? 'active';
      if (!ML_STATUSES.includes(status as MlStatus))
        return invalid('filter.status', 'The selected filter.status is invalid.');
      const limit = q.get('limit') === null ? 25 : Number(q.get('limit'));
      if (!Number.isInteger(limit) || limit < 0 || limit > 1000)
        return invalid('limit', 'The limit must be between 0 and 1000.');
      const rows = [...this.subscribers.values()]
        .filter(
          (s) =>
            s.status === status &&
            (groupId === undefined || s.groups.has(groupId)) &&
            (segment === undefined || segment.subscriberIds.has(s.id)),
        )
        .sort((a, b) => cmpId(a.id, b.id));
      if (limit === 0 && groupId === undefined && segment === undefined)
        return { status: 200, body: { total: this.subscribers.size } };
      let start = 0;
      const cursor = q.get('cursor');
      if (cursor) {
        const after = Buffer.from(cursor, 'base64url').toString('utf8');
        if (!/^\d+$/.test(after)) return invalid('cursor', 'The cursor is invalid.');
        start = rows.findIndex((s) => cmpId(s.id, after) > 0);
        if (start < 0) start = rows.length;
      }
      const page = rows.slice(start, start + limit);
      const more = start + limit < rows.length;
      const nextCursor = more ? Buffer.from(page[page.length - 1]!.id).toString('base64url') : null;
      const prevCursor = start > 0 ? Buffer.from(page[0]?.id ?? '0').toString('base64url') : null;
      const include = (q.get('include') ?? '').split(',').includes('groups');
      return {
        status: 200,
        body: {
          data: page.map((s) => this.view(s, include)),
          links: {
            first: null,
            last: null,
            prev: prevCursor ? `${this.url}${path}?cursor=${prevCursor}` : null,
            next: nextCursor ? `${this.url}${path}?cursor=${nextCursor}` : null,
          },
          meta: {
            path: `${this.url}${path}`,
            per_page: limit,
            next_cursor: nextCursor,
            prev_cursor: prevCursor,
          },
        },
      };
    }
    if ((m = path.match(/^\/api\/subscribers\/([^/]+)$/))) {
      const key = decodeURIComponent(m[1]!).toLowerCase();
      const s =
        this.subscribers.get(key) ??
        [...this.subscribers.values()].find((x) => x.email.toLowerCase() === key);
      if (!s) return { status: 404, body: { message: 'Resource not found.' } };
      if (method === 'GET') return { status: 200, body: { data: this.view(s, true) } };
      if (method === 'PUT') {
        const b = (req.body ?? {}) as { status?: string };
        if (b.status !== undefined) {
          if (!ML_STATUSES.includes(b.status as MlStatus))
            return invalid('status', 'The selected status is invalid.');
          if (b.status !== s.status) this.setStatus(s.id, b.status as MlStatus);
        }
        return { status: 200, body: { data: this.view(s, true) } };
      }
    }
    if (method === 'POST' && (m = path.match(/^\/api\/subscribers\/([^/]+)\/groups\/([^/]+)$/))) {
      const s = this.subscribers.get(m[1]!);
      const g = this.groups.get(m[2]!);
      if (!s || !g) return { status: 404, body: { message: 'Resource not found.' } };
      if (!s.groups.has(g.id)) {
        s.groups.add(g.id);
        s.updated_at = mlDate(Date.now());
      }
      return { status: 200, body: { data: this.groupView(g.id) } };
    }
    if (method === 'GET' && path === '/api/groups')
      return this.paged(
        req,
        [...this.groups.keys()].map((id) => this.groupView(id)),
      );
    if (method === 'POST' && path === '/api/groups') {
      const name = String((req.body as { name?: unknown })?.name ?? '');
      if (!name) return invalid('name', 'The name field is required.');
      return { status: 201, body: { data: this.groupView(this.addGroup(name)) } };
    }
    if (method === 'GET' && path === '/api/fields') return this.paged(req, this.fields);
    if (method === 'GET' && path === '/api/campaigns') {
      const status = q.get('filter[status]') ?? 'ready';
      return this.paged(
        req,
        [...this.campaigns.values()].filter((c) => c.status === status).map((c) => this.campaignView(c)),
      );
    }
    if ((m = path.match(/^\/api\/campaigns\/([^/]+)(\/cancel)?$/))) {
      const c = this.campaigns.get(m[1]!);
      if (!c) return { status: 404, body: { message: 'Resource not found.' } };
      if (method === 'GET' && !m[2]) return { status: 200, body: { data: this.campaignView(c) } };
      if (method === 'POST' && m[2]) {
        if (c.status !== 'ready')
          return invalid('campaign', 'Only campaigns with the ready status can be canceled.');
        c.status = 'draft';
        c.scheduled_for = null;
        return { status: 200, body: { data: this.campaignView(c) } };
      }
    }
    return { status: 404, body: { message: 'Resource not found.' } };
  }

  private groupView(id: string) {
    const g = this.groups.get(id)!;
    const members = [...this.subscribers.values()].filter((s) => s.groups.has(id));
    const n = (st: MlStatus) => members.filter((s) => s.status === st).length;
    return {
      id: g.id,
      name: g.name,
      active_count: n('active'),
      sent_count: 0,
      opens_count: 0,
      open_rate: { float: 0, string: '0%' },
      clicks_count: 0,
      click_rate: { float: 0, string: '0%' },
      unsubscribed_count: n('unsubscribed'),
      unconfirmed_count: n('unconfirmed'),
      bounced_count: n('bounced'),
      junk_count: n('junk'),
      created_at: g.created_at,
    };
  }

  private view(s: MlSubscriber, withGroups: boolean) {
    return {
      id: s.id,
      email: s.email,
      status: s.status,
      source: s.source,
      sent: 0,
      opens_count: 0,
      clicks_count: 0,
      open_rate: 0,
      click_rate: 0,
      ip_address: s.ip_address,
      subscribed_at: s.subscribed_at,
      unsubscribed_at: s.unsubscribed_at,
      created_at: s.created_at,
      updated_at: s.updated_at,
      fields: { ...s.fields },
      ...(withGroups
        ? { groups: [...s.groups].filter((id) => this.groups.has(id)).map((id) => this.groupView(id)) }
        : {}),
      opted_in_at: s.opted_in_at,
      optin_ip: s.optin_ip,
    };
  }

  private campaignView(c: MlCampaign) {
    const emailId = `${c.id}1`;
    const groupNames = c.groups.map((id) => this.groups.get(id)?.name ?? id);
    return {
      id: c.id,
      account_id: '1',
      name: c.name,
      type: 'regular',
      status: c.status,
      missing_data: [],
      settings: { track_opens: true, use_google_analytics: false, ecommerce_tracking: false },
      filter: ((rules) => (rules.length ? [rules] : []))([
        ...(c.groups.length ? [{ operator: 'in_any', args: ['groups', c.groups] }] : []),
        ...(c.segments?.length ? [{ operator: 'in_any', args: ['segments', c.segments] }] : []),
        ...(c.rules ?? []),
      ]),
      filter_for_humans: c.groups.length ? [[`In any group: ${groupNames.join(', ')}`]] : [],
      delivery_schedule: c.delivery_schedule,
      language_id: '4',
      created_at: mlDate(Date.UTC(2026, 0, 1)),
      updated_at: mlDate(Date.UTC(2026, 0, 2)),
      scheduled_for: c.scheduled_for,
      queued_at: c.status === 'ready' ? mlDate(Date.UTC(2026, 0, 2)) : null,
      started_at: null,
      finished_at: null,
      stopped_at: null,
      default_email_id: emailId,
      emails: [
        {
          id: emailId,
          account_id: '1',
          emailable_id: c.id,
          emailable_type: 'campaigns',
          type: 'builder',
          from: c.from,
          from_name: c.from_name,
          reply_to: c.reply_to,
          name: null,
          subject: c.subject,
          plain_text: c.plain_text,
          screenshot_url: null,
          preview_url: `${this.url}/preview/${c.id}`,
          created_at: mlDate(Date.UTC(2026, 0, 1)),
          updated_at: mlDate(Date.UTC(2026, 0, 2)),
          is_designed: true,
          language_id: '4',
          is_winner: false,
          send_after: null,
          track_opens: true,
        },
      ],
      can_be_scheduled: c.status === 'draft',
    };
  }

  /** Page-number paging (`limit`, `page`) with Laravel's meta block. */
  private paged<T>(req: FakeRequest, rows: T[]): FakeReply {
    const limit = Number(req.query.get('limit') ?? 25);
    const page = Number(req.query.get('page') ?? 1);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid('limit', 'The limit must be between 1 and 100.');
    const last = Math.max(1, Math.ceil(rows.length / limit));
    const slice = rows.slice((page - 1) * limit, page * limit);
    const base = `${this.url}${req.path}`;
    return {
      status: 200,
      body: {
        data: slice,
        links: {
          first: `${base}?page=1`,
          last: `${base}?page=${last}`,
          prev: page > 1 ? `${base}?page=${page - 1}` : null,
          next: page < last ? `${base}?page=${page + 1}` : null,
        },
        meta: {
          current_page: page,
          from: slice.length ? (page - 1) * limit + 1 : null,
          last_page: last,
          links: [],
          path: base,
          per_page: limit,
          to: slice.length ? (page - 1) * limit + slice.length : null,
          total: rows.length,
        },
      },
    };
  }
}

function invalid(field: string, message: string): FakeReply {
  return { status: 422, body: { message, errors: { [field]: [message] } } };
}

/** MailerLite ids are big decimal strings: compare by length, then text. */
function cmpId(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
