/**
 * A fake Mailchimp Marketing API 3.0 on loopback, faithful where the connector depends on it: Basic
 * auth with the key as password (401 problem+json otherwise, or once the key is revoked), `count` ≤
 * 1000 + `offset` paging with `total_items`, `since_last_changed` and `sort_field=last_changed`,
 * members by MD5 of the lower-cased address, scheduled campaigns with content, unschedule, PATCH of a
 * member, tags, /ping, and at most 10 simultaneous connections (then 429). Like the real API, a member
 * carries more than the connector mirrors (stats, interests, hypermedia links), and every GET honours
 * `fields` and `exclude_fields` (partial responses). Every response it returns is checked against the
 * published document by the tests (test/fakes/spec.ts).
 */
import { createHash } from 'node:crypto';
import { FakeServer, type FakeReply, type FakeRequest } from './server';

export const MAILCHIMP_SPEC = 'mailchimp-marketing-openapi3.yaml';
/**
 * Known defects of the published document, repaired so every member the fake returns is really
 * checked: the single-member endpoints point at the member *collection* schema (specs/README.md); the
 * collection's `members` items point at the collection again; and `merge_fields` values are declared
 * as objects although Mailchimp sends text (and objects only for ADDRESS fields).
 */
export const MAILCHIMP_SPEC_OPTIONS = {
  basePath: '/3.0',
  patch: (doc: Record<string, unknown>) => {
    type Props = Record<string, { items?: unknown; additionalProperties?: unknown }>;
    const schemas = (doc.components as { schemas: Record<string, { properties: Props }> }).schemas;
    schemas.List_Members_2!.properties.members!.items = { $ref: '#/components/schemas/List_Members' };
    schemas.List_Members!.properties.merge_fields!.additionalProperties = {};
  },
  schemaOverrides: {
    'GET /lists/{list_id}/members/{subscriber_hash}': '#/components/schemas/List_Members',
    'PATCH /lists/{list_id}/members/{subscriber_hash}': '#/components/schemas/List_Members',
  },
};

export interface McFakeMember {
  id: string;
  email_address: string;
  unique_email_id: string;
  status: 'subscribed' | 'unsubscribed' | 'cleaned' | 'pending' | 'transactional';
  merge_fields: Record<string, unknown>;
  tags: { id: number; name: string }[];
  ip_signup: string;
  timestamp_signup: string;
  ip_opt: string;
  timestamp_opt: string;
  last_changed: string;
  member_rating: number;
  language: string;
  vip: boolean;
  list_id: string;
  unsubscribe_reason?: string;
}

export interface McFakeList {
  id: string;
  name: string;
  mergeFields: {
    merge_id: number;
    tag: string;
    name: string;
    type: string;
    required: boolean;
    default_value: string;
    options?: { choices: string[] };
  }[];
  members: Map<string, McFakeMember>;
  /** Members in last_changed order and their times, rebuilt after a change (paging reads them often). */
  ordered?: { members: McFakeMember[]; times: number[] } | undefined;
}

export interface McFakeCampaign {
  id: string;
  status: 'save' | 'schedule' | 'sending' | 'sent' | 'paused';
  send_time: string;
  list_id: string;
  subject_line: string;
  title: string;
  from_name: string;
  reply_to: string;
  html: string;
  plain_text: string;
  /** Campaigns Mailchimp refuses to unschedule (e.g. too close to sending). */
  locked?: boolean;
  /** recipients.segment_opts: a saved segment/tag ({saved_segment_id}) or conditions on the campaign. */
  segment_opts?: { saved_segment_id?: number; match?: 'any' | 'all'; conditions?: unknown[] };
}

/** A saved segment (conditions) or a tag (Mailchimp calls a tag a static segment), by member address. */
export interface McFakeSegment {
  id: number;
  list_id: string;
  name: string;
  type: 'saved' | 'static';
  emails: string[];
}

export const md5 = (email: string) => createHash('md5').update(email.trim().toLowerCase()).digest('hex');

function problem(status: number, title: string, detail: string): FakeReply {
  return {
    status,
    body: {
      type: 'https://mailchimp.com/developer/marketing/docs/errors/',
      title,
      status,
      detail,
      instance: `00000000-0000-0000-0000-${String(status).padStart(12, '0')}`,
    },
  };
}

/** Dotted field paths as a tree: "members.id,total_items" → { members: { id: true }, total_items: true }. */
export interface FieldTree {
  [name: string]: FieldTree | true;
}

export function fieldTree(list: string | null): FieldTree | null {
  if (!list) return null;
  const root: FieldTree = {};
  for (const path of list.split(',')) {
    const parts = path.trim().split('.').filter(Boolean);
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const k = parts[i]!;
      if (i === parts.length - 1) {
        node[k] = true;
        break;
      }
      const child = node[k];
      if (child === true) break; // an ancestor is wanted whole
      node = node[k] = child ?? {};
    }
  }
  return root;
}

/** Keeps only the fields in the tree; arrays are filtered item by item (Mailchimp's partial responses). */
export function pickFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => pickFields(v, tree));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const o = value as Record<string, unknown>;
  for (const [k, sub] of Object.entries(tree))
    if (k in o) out[k] = sub === true ? o[k] : pickFields(o[k], sub);
  return out;
}

/** Drops the fields in the tree. */
export function omitFields(value: unknown, tree: FieldTree): unknown {
  if (Array.isArray(value)) return value.map((v) => omitFields(v, tree));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [k, sub] of Object.entries(tree)) {
    if (sub === true) delete out[k];
    else if (k in out) out[k] = omitFields(out[k], sub);
  }
  return out;
}

/** Would a response filtered by this request's fields/exclude_fields contain `path`? */
function wants(req: FakeRequest, path: string[]): boolean {
  // Excluded when exclude_fields names the path itself or an ancestor.
  let node: FieldTree | true | undefined = fieldTree(req.query.get('exclude_fields')) ?? undefined;
  for (const k of path) {
    if (node === undefined || node === true) break;
    node = node[k];
  }
  if (node === true) return false;
  const fields = fieldTree(req.query.get('fields'));
  if (!fields) return true;
  node = fields;
  for (const k of path) {
    if (node === true) return true;
    node = node[k];
    if (node === undefined) return false;
  }
  return true;
}

const LINK_SCHEMA = 'https://us6.api.mailchimp.com/schema/3.0';

/** The hypermedia links Mailchimp puts in every member (most of a member's bytes). */
function memberLinks(
  listId: string,
  id: string,
): { rel: string; href: string; method: string; targetSchema?: string; schema?: string }[] {
  const self = `https://us6.api.mailchimp.com/3.0/lists/${listId}/members/${id}`;
  return [
    {
      rel: 'self',
      href: self,
      method: 'GET',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Response.json`,
    },
    {
      rel: 'parent',
      href: `https://us6.api.mailchimp.com/3.0/lists/${listId}/members`,
      method: 'GET',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/CollectionResponse.json`,
      schema: `${LINK_SCHEMA}/Paths/Lists/Members/Collection.json`,
    },
    {
      rel: 'update',
      href: self,
      method: 'PATCH',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Response.json`,
      schema: `${LINK_SCHEMA}/Definitions/Lists/Members/PATCH.json`,
    },
    {
      rel: 'upsert',
      href: self,
      method: 'PUT',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Response.json`,
      schema: `${LINK_SCHEMA}/Definitions/Lists/Members/PUT.json`,
    },
    { rel: 'delete', href: self, method: 'DELETE' },
    {
      rel: 'activity',
      href: `${self}/activity`,
      method: 'GET',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Activity/Response.json`,
    },
    {
      rel: 'goals',
      href: `${self}/goals`,
      method: 'GET',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Goals/Response.json`,
    },
    {
      rel: 'notes',
      href: `${self}/notes`,
      method: 'GET',
      targetSchema: `${LINK_SCHEMA}/Definitions/Lists/Members/Notes/CollectionResponse.json`,
    },
    { rel: 'delete_permanent', href: `${self}/actions/delete-permanent`, method: 'POST' },
  ];
}

export class FakeMailchimp {
  readonly server: FakeServer;
  readonly lists = new Map<string, McFakeList>();
  readonly campaigns = new Map<string, McFakeCampaign>();
  readonly segments = new Map<number, McFakeSegment>();
  key = 'abcdef0123456789abcdef0123456789-us6';
  revoked = false;
  accountTimezone = 'Europe/Paris';
  /**
   * last_changed follows the real clock (the client reads the ESP's clock from the Date header),
   * strictly increasing by at least 1 ms per change so changed-since filters are exact. Set
   * `backdateMs` to seed members that changed long ago (benchmarks).
   */
  private t = 0;
  backdateMs = 0;
  readonly patches: { list: string; hash: string; body: unknown }[] = [];

  constructor(opts: { maxConcurrent?: number } = {}) {
    this.server = new FakeServer(
      '/3.0',
      opts.maxConcurrent ?? 10,
      () => problem(429, 'Too Many Requests', 'You have exceeded the limit of 10 simultaneous connections.'),
      (p) => problem(404, 'Resource Not Found', `The requested resource could not be found: ${p}`),
    );
    this.routes();
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  start(): Promise<FakeServer> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Next change instant, ISO with +00:00 as Mailchimp writes it. */
  tick(): string {
    this.t = Math.max(Date.now() - this.backdateMs, this.t + 1);
    return new Date(this.t).toISOString().replace('Z', '+00:00');
  }

  addList(id: string, name: string): McFakeList {
    const l: McFakeList = {
      id,
      name,
      mergeFields: [
        { merge_id: 1, tag: 'FNAME', name: 'First Name', type: 'text', required: false, default_value: '' },
        { merge_id: 2, tag: 'LNAME', name: 'Last Name', type: 'text', required: false, default_value: '' },
        { merge_id: 3, tag: 'CITY', name: 'City', type: 'text', required: false, default_value: '' },
        {
          merge_id: 4,
          tag: 'PLAN',
          name: 'Plan',
          type: 'dropdown',
          required: false,
          default_value: '',
          options: { choices: ['free', 'pro'] },
        },
      ],
      members: new Map(),
    };
    this.lists.set(id, l);
    return l;
  }

  /** Adds or changes a member (bumps last_changed). */
  upsertMember(
    listId: string,
    email: string,
    patch: Partial<Omit<McFakeMember, 'id' | 'email_address' | 'list_id'>> = {},
  ): McFakeMember {
    const list = this.lists.get(listId)!;
    const id = md5(email);
    const prev = list.members.get(id);
    const now = this.tick();
    const m: McFakeMember = {
      id,
      email_address: email,
      unique_email_id: id.slice(0, 10),
      status: 'subscribed',
      merge_fields: { FNAME: '', LNAME: '', CITY: '', PLAN: '' },
      tags: [],
      ip_signup: '198.51.100.4',
      timestamp_signup: '2025-05-30T08:00:00+00:00',
      ip_opt: '203.0.113.7',
      timestamp_opt: '2025-06-01T10:00:00+00:00',
      member_rating: 2,
      language: 'en',
      vip: false,
      ...prev,
      ...patch,
      list_id: listId,
      last_changed: now,
    };
    // A change moves the member to the end of last_changed order: re-insert.
    list.members.delete(id);
    list.members.set(id, m);
    list.ordered = undefined;
    return m;
  }

  /** Adds `n` members quickly (bench/test setup): member i is user{i}@example.com. */
  seedMembers(listId: string, n: number, start = 0): void {
    for (let i = start; i < start + n; i++)
      this.upsertMember(listId, `user${i}@example.com`, {
        merge_fields: { FNAME: `First${i}`, LNAME: `Last${i}`, CITY: i % 2 ? 'Lyon' : 'Paris', PLAN: 'free' },
        tags: i % 10 === 0 ? [{ id: 1, name: 'vip' }] : [],
      });
  }

  removeMember(listId: string, email: string): void {
    const list = this.lists.get(listId)!;
    list.members.delete(md5(email));
    list.ordered = undefined;
  }

  /** A member as the API returns it: what is stored plus what Mailchimp adds (never mirrored). */
  private memberBody(m: McFakeMember, links: boolean): Record<string, unknown> {
    return {
      ...m,
      interests: {},
      stats: { avg_open_rate: 0.42, avg_click_rate: 0.07 },
      email_client: '',
      tags_count: m.tags.length,
      ...(links ? { _links: memberLinks(m.list_id, m.id) } : {}),
    };
  }

  private auth(req: FakeRequest): FakeReply | undefined {
    const h = req.headers.authorization ?? '';
    const m = /^Basic (.+)$/.exec(h);
    const pass = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    if (this.revoked || pass !== this.key)
      return problem(
        401,
        'API Key Invalid',
        "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
      );
    return undefined;
  }

  private page<T>(items: T[], req: FakeRequest): { slice: T[]; total: number } | FakeReply {
    const count = Number(req.query.get('count') ?? 10);
    const offset = Number(req.query.get('offset') ?? 0);
    if (!Number.isInteger(count) || count < 1 || count > 1000)
      return problem(400, 'Invalid Resource', 'The count parameter must be between 1 and 1000.');
    return { slice: items.slice(offset, offset + count), total: items.length };
  }

  private routes(): void {
    const s = this.server;
    // Every GET answer honours `fields` then `exclude_fields`, as Mailchimp's partial responses do.
    const guard =
      (h: (req: FakeRequest) => FakeReply) =>
      (req: FakeRequest): FakeReply => {
        const denied = this.auth(req);
        if (denied) return denied;
        const reply = h(req);
        if (req.method !== 'GET' || reply.status !== 200 || reply.body === undefined) return reply;
        const fields = fieldTree(req.query.get('fields'));
        const exclude = fieldTree(req.query.get('exclude_fields'));
        let body: unknown = reply.body;
        if (fields) body = pickFields(body, fields);
        if (exclude) body = omitFields(body, exclude);
        return { ...reply, body };
      };

    s.route(
      'GET',
      '/ping',
      guard(() => ({ status: 200, body: { health_status: "Everything's Chimpy!" } })),
    );
    s.route(
      'GET',
      '/',
      guard(() => ({
        status: 200,
        body: {
          account_id: 'acc1',
          account_name: 'Acme Bakery',
          email: 'owner@acme.example',
          account_timezone: this.accountTimezone,
        },
      })),
    );
    s.route(
      'GET',
      '/lists',
      guard((req) => {
        const all = [...this.lists.values()].map((l) => {
          const ms = [...l.members.values()];
          return {
            id: l.id,
            name: l.name,
            permission_reminder: 'You signed up on our website.',
            campaign_defaults: {
              from_name: 'Acme',
              from_email: 'news@acme.example',
              subject: '',
              language: 'en',
            },
            stats: {
              member_count: ms.filter((m) => m.status === 'subscribed').length,
              unsubscribe_count: ms.filter((m) => m.status === 'unsubscribed').length,
              cleaned_count: ms.filter((m) => m.status === 'cleaned').length,
            },
          };
        });
        const p = this.page(all, req);
        if ('status' in p) return p;
        return { status: 200, body: { lists: p.slice, total_items: p.total } };
      }),
    );
    s.route(
      'GET',
      '/lists/{list_id}/merge-fields',
      guard((req) => {
        const l = this.lists.get(req.params.list_id!);
        if (!l) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        const p = this.page(l.mergeFields, req);
        if ('status' in p) return p;
        return {
          status: 200,
          body: {
            merge_fields: p.slice.map((f) => ({ ...f, list_id: l.id })),
            list_id: l.id,
            total_items: p.total,
          },
        };
      }),
    );
    s.route(
      'GET',
      '/lists/{list_id}/members',
      guard((req) => {
        const l = this.lists.get(req.params.list_id!);
        if (!l) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        l.ordered ??= {
          members: [...l.members.values()],
          times: [...l.members.values()].map((m) => Date.parse(m.last_changed)),
        };
        let ms = l.ordered.members;
        // The order is last_changed ascending already (a change re-inserts the member at the end).
        const since = req.query.get('since_last_changed');
        if (since) {
          const t = Date.parse(since);
          if (Number.isNaN(t)) return problem(400, 'Invalid Resource', 'since_last_changed is not a date.');
          const times = l.ordered.times;
          let lo = 0;
          let hi = times.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (times[mid]! > t) hi = mid;
            else lo = mid + 1;
          }
          ms = ms.slice(lo);
        }
        const status = req.query.get('status');
        if (status) ms = ms.filter((m) => m.status === status);
        if (req.query.get('sort_field') === 'last_changed' && req.query.get('sort_dir') === 'DESC')
          ms = ms.slice().reverse();
        const p = this.page(ms, req);
        if ('status' in p) return p;
        const links = wants(req, ['members', '_links']);
        return {
          status: 200,
          body: {
            members: p.slice.map((m) => this.memberBody(m, links)),
            list_id: l.id,
            total_items: p.total,
          },
        };
      }),
    );
    const member = (req: FakeRequest) =>
      this.lists.get(req.params.list_id!)?.members.get(req.params.subscriber_hash!);
    s.route(
      'GET',
      '/lists/{list_id}/members/{subscriber_hash}',
      guard((req) => {
        const m = member(req);
        return m
          ? { status: 200, body: this.memberBody(m, wants(req, ['_links'])) }
          : problem(404, 'Resource Not Found', 'The requested resource could not be found.');
      }),
    );
    s.route(
      'PATCH',
      '/lists/{list_id}/members/{subscriber_hash}',
      guard((req) => {
        const m = member(req);
        if (!m) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        const body = (req.body ?? {}) as Partial<McFakeMember>;
        this.patches.push({ list: req.params.list_id!, hash: req.params.subscriber_hash!, body });
        const updated = this.upsertMember(req.params.list_id!, m.email_address, {
          ...(body.status ? { status: body.status } : {}),
        });
        return { status: 200, body: updated };
      }),
    );
    s.route(
      'POST',
      '/lists/{list_id}/members/{subscriber_hash}/tags',
      guard((req) => {
        const m = member(req);
        if (!m) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        const tags = ((req.body as { tags?: { name: string }[] })?.tags ?? []).map((t) => t.name);
        const names = new Set(m.tags.map((t) => t.name));
        this.upsertMember(req.params.list_id!, m.email_address, {
          tags: [...m.tags, ...tags.filter((t) => !names.has(t)).map((name, i) => ({ id: 100 + i, name }))],
        });
        return { status: 204 };
      }),
    );
    const segment = (req: FakeRequest) => {
      const g = this.segments.get(Number(req.params.segment_id));
      return g && g.list_id === req.params.list_id ? g : undefined;
    };
    s.route(
      'GET',
      '/lists/{list_id}/segments/{segment_id}',
      guard((req) => {
        const g = segment(req);
        if (!g) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        return {
          status: 200,
          body: { id: g.id, name: g.name, type: g.type, member_count: g.emails.length, list_id: g.list_id },
        };
      }),
    );
    s.route(
      'GET',
      '/lists/{list_id}/segments/{segment_id}/members',
      guard((req) => {
        const g = segment(req);
        const l = this.lists.get(req.params.list_id!);
        if (!g || !l) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        // Like Mailchimp: only subscribed members unless include_unsubscribed/include_cleaned say otherwise.
        const ms = g.emails
          .map((e) => l.members.get(md5(e)))
          .filter((m): m is McFakeMember => m !== undefined)
          .filter(
            (m) =>
              m.status === 'subscribed' ||
              (m.status === 'unsubscribed' && req.query.get('include_unsubscribed') === 'true') ||
              (m.status === 'cleaned' && req.query.get('include_cleaned') === 'true'),
          );
        const p = this.page(ms, req);
        if ('status' in p) return p;
        return {
          status: 200,
          body: {
            members: p.slice.map((m) => ({
              id: m.id,
              email_address: m.email_address,
              unique_email_id: m.unique_email_id,
              status: m.status,
              merge_fields: m.merge_fields,
              list_id: m.list_id,
              last_changed: m.last_changed,
            })),
            total_items: p.total,
          },
        };
      }),
    );
    s.route(
      'GET',
      '/campaigns',
      guard((req) => {
        let cs = [...this.campaigns.values()];
        const status = req.query.get('status');
        if (status) cs = cs.filter((c) => c.status === status);
        const p = this.page(cs, req);
        if ('status' in p) return p;
        return {
          status: 200,
          body: {
            campaigns: p.slice.map((c) => ({
              id: c.id,
              type: 'regular',
              status: c.status,
              send_time: c.send_time,
              recipients: {
                list_id: c.list_id,
                list_name: this.lists.get(c.list_id)?.name ?? '',
                ...(c.segment_opts ? { segment_opts: c.segment_opts } : {}),
              },
              settings: {
                subject_line: c.subject_line,
                title: c.title,
                from_name: c.from_name,
                reply_to: c.reply_to,
              },
            })),
            total_items: p.total,
          },
        };
      }),
    );
    s.route(
      'GET',
      '/campaigns/{campaign_id}',
      guard((req) => {
        const c = this.campaigns.get(req.params.campaign_id!);
        if (!c) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        return {
          status: 200,
          body: {
            id: c.id,
            type: 'regular',
            status: c.status,
            send_time: c.send_time,
            emails_sent: c.status === 'sent' ? (this.lists.get(c.list_id)?.members.size ?? 0) : 0,
            recipients: {
              list_id: c.list_id,
              list_name: this.lists.get(c.list_id)?.name ?? '',
              ...(c.segment_opts ? { segment_opts: c.segment_opts } : {}),
            },
            settings: {
              subject_line: c.subject_line,
              title: c.title,
              from_name: c.from_name,
              reply_to: c.reply_to,
            },
          },
        };
      }),
    );
    s.route(
      'GET',
      '/campaigns/{campaign_id}/content',
      guard((req) => {
        const c = this.campaigns.get(req.params.campaign_id!);
        if (!c) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        return { status: 200, body: { html: c.html, plain_text: c.plain_text } };
      }),
    );
    s.route(
      'POST',
      '/campaigns/{campaign_id}/actions/unschedule',
      guard((req) => {
        const c = this.campaigns.get(req.params.campaign_id!);
        if (!c) return problem(404, 'Resource Not Found', 'The requested resource could not be found.');
        if (c.status !== 'schedule' || c.locked)
          return problem(
            400,
            'Bad Request',
            'This campaign cannot be unscheduled: it is not scheduled or is already sending.',
          );
        c.status = 'save';
        return { status: 204 };
      }),
    );
  }
}
