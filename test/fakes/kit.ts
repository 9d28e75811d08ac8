/**
 * A fake Kit (ConvertKit) API v4 on 127.0.0.1 for connector tests: `X-Kit-Api-Key` auth, cursor paging
 * (`after` / `per_page`, end_cursor/has_next_page), `updated_after` (yyyy-mm-dd, whole days as the spec
 * says), subscriber states, custom fields, tags, broadcasts with `send_at` and HTML `content`, unschedule
 * by `PUT /v4/broadcasts/{id}` with `send_at: null`, unsubscribe, tagging. Kit allows 120 requests a
 * minute and answers a 429 whose body is `Retry later` WITHOUT a Retry-After header; errors are
 * `{errors: [...]}`. Shapes follow test/specs/kit-v4.json; every exchange is logged so a test
 * can validate it against that document.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Exchange } from './spec';

// ---------------------------------------------------------------------------------------------------
// The small HTTP harness the MailerLite, Kit, SendGrid and Klaviyo fakes share (it lives here because
// the fakes' files are the ones this work owns): a node:http server on 127.0.0.1 and a random port,
// per-key auth, a per-minute request window answered the ESP's way, scripted faults (a status with
// headers, a truncated JSON body, a request that never answers, a dropped connection), and a log of
// every exchange for spec validation and assertions.

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  url: string;
}

export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Sent verbatim instead of JSON (Kit's `Retry later`, CSV/NDJSON downloads). */
  raw?: string | Buffer;
  contentType?: string;
}

export interface FakeFault {
  /** Only requests whose method/path match (default: any). */
  method?: string;
  path?: RegExp;
  /** How many matching requests it hits (default 1). */
  times?: number;
  /** Matching requests to let through before the fault starts (default 0). */
  after?: number;
  kind: 'status' | 'truncate' | 'hang' | 'reset';
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  raw?: string;
}

export abstract class FakeHarness {
  url = '';
  /** Every request answered (faults included), in order. */
  readonly log: (Exchange & { path: string; headers: IncomingHttpHeaders })[] = [];
  /** Called with every exchange (spec validation). */
  onExchange: ((x: Exchange) => void) | undefined;
  /** Called before routing; may mutate state (members changing while a sync pages). */
  beforeRoute: ((req: FakeRequest) => void) | undefined;
  readonly faults: (FakeFault & { hits: number; seen: number })[] = [];
  /** Requests per minute before the ESP's 429 (0 = unlimited). */
  perMinute: number;
  private windowStart = 0;
  private windowCount = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<() => void>();

  protected constructor(
    readonly esp: string,
    perMinute: number,
  ) {
    this.perMinute = perMinute;
  }

  protected abstract authorize(req: FakeRequest): FakeReply | null;
  protected abstract rateLimited(req: FakeRequest, resetInMs: number): FakeReply;
  protected abstract route(req: FakeRequest): FakeReply | Promise<FakeReply>;
  /** Paths that need no API key (presigned downloads). */
  protected isPublic(_req: FakeRequest): boolean {
    return false;
  }

  fault(f: FakeFault): void {
    this.faults.push({ ...f, hits: 0, seen: 0 });
  }

  /** Requests whose path matches, for assertions. */
  requests(path?: RegExp, method?: string) {
    return this.log.filter((x) => (!path || path.test(x.path)) && (!method || x.method === method));
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle(
          req.method ?? 'GET',
          req.url ?? '/',
          req.headers,
          Buffer.concat(chunks).toString('utf8'),
          res,
        );
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) release();
    for (const s of this.sockets) s.destroy();
    if (this.server) await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(
    method: string,
    rawUrl: string,
    headers: IncomingHttpHeaders,
    text: string,
    res: import('node:http').ServerResponse,
  ): Promise<void> {
    const u = new URL(rawUrl, 'http://fake.invalid');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const req: FakeRequest = {
      method,
      path: u.pathname,
      query: u.searchParams,
      headers,
      body,
      url: u.pathname + u.search,
    };
    const send = (r: FakeReply, truncate = false) => {
      const payload = r.raw !== undefined ? r.raw : r.body === undefined ? '' : JSON.stringify(r.body);
      const type = r.contentType ?? (r.raw !== undefined ? 'text/plain' : 'application/json');
      const out =
        truncate && typeof payload === 'string'
          ? payload.slice(0, Math.max(1, Math.floor(payload.length / 2)))
          : payload;
      res.writeHead(r.status, { 'content-type': type, ...(r.headers ?? {}) });
      res.end(out);
      const x = {
        method,
        url: req.url,
        status: r.status,
        body: r.raw !== undefined ? undefined : r.body,
        requestBody: body,
        path: req.path,
        headers,
      };
      this.log.push(x);
      // The status page is not part of the ESP's API document.
      if (!truncate && !req.path.startsWith('/statuspage/'))
        this.onExchange?.({
          method,
          url: req.url,
          status: r.status,
          body: x.body,
          ...(body !== undefined ? { requestBody: body } : {}),
        });
    };
    const fault = this.faults.find(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.path || f.path.test(req.path)) &&
        f.hits < (f.times ?? 1) &&
        f.seen++ >= (f.after ?? 0),
    );
    if (fault) {
      fault.hits++;
      if (fault.kind === 'hang') {
        await new Promise<void>((resolve) => {
          this.hanging.add(resolve);
          res.on('close', resolve);
        });
        this.log.push({ method, url: req.url, status: 0, body: undefined, path: req.path, headers });
        return;
      }
      if (fault.kind === 'reset') {
        this.log.push({ method, url: req.url, status: 0, body: undefined, path: req.path, headers });
        res.socket?.destroy();
        return;
      }
      if (fault.kind === 'status') {
        send({
          status: fault.status ?? 500,
          body: fault.body,
          headers: fault.headers,
          ...(fault.raw !== undefined ? { raw: fault.raw } : {}),
        });
        return;
      }
      // truncate: answer the real thing, cut in half.
      const real = await this.answer(req);
      send(real, true);
      return;
    }
    send(await this.answer(req));
  }

  /** The ESP's public Statuspage, served at /statuspage/api/v2/summary.json (null: 404). */
  statusPage: { indicator: string; description: string; down?: string[] } | null = {
    indicator: 'none',
    description: 'All Systems Operational',
  };

  private async answer(req: FakeRequest): Promise<FakeReply> {
    if (req.method === 'GET' && req.path === '/statuspage/api/v2/summary.json') {
      const sp = this.statusPage;
      if (!sp) return { status: 404, body: { error: 'not found' } };
      return {
        status: 200,
        body: {
          page: { id: 'x', name: this.esp, url: `${this.url}/statuspage` },
          status: { indicator: sp.indicator, description: sp.description },
          components: [
            { name: 'API', status: sp.down?.includes('API') ? 'major_outage' : 'operational', group: false },
            {
              name: 'Sending',
              status: sp.down?.includes('Sending') ? 'partial_outage' : 'operational',
              group: false,
            },
          ],
        },
      };
    }
    if (!this.isPublic(req)) {
      const denied = this.authorize(req);
      if (denied) return denied;
      if (this.perMinute > 0) {
        const now = Date.now();
        if (now - this.windowStart >= 60_000) {
          this.windowStart = now;
          this.windowCount = 0;
        }
        if (++this.windowCount > this.perMinute)
          return this.rateLimited(req, this.windowStart + 60_000 - now);
      }
    }
    this.beforeRoute?.(req);
    try {
      return await this.route(req);
    } catch (e) {
      return { status: 500, body: { errors: [`fake ${this.esp} crashed: ${(e as Error).message}`] } };
    }
  }
}

export type KitState = 'active' | 'inactive' | 'cancelled' | 'bounced' | 'complained' | 'cold';

export interface KitSubscriber {
  id: number;
  first_name: string | null;
  email_address: string;
  state: KitState;
  created_at: string;
  updated_at: string;
  fields: Record<string, string | null>;
  tags: Map<number, string>;
}

export interface KitBroadcast {
  id: number;
  created_at: string;
  subject: string;
  description: string | null;
  content: string | null;
  public: boolean;
  published_at: string | null;
  send_at: string | null;
  thumbnail_alt: string | null;
  thumbnail_url: string | null;
  email_address: string | null;
  preview_text: string | null;
  email_template: { id: number; name: string };
  subscriber_filter: { all: { type: string; ids: number[] }[]; any?: unknown; none?: unknown }[];
  publication_id: number;
  status: 'draft' | 'scheduled' | 'completed';
}

export interface KitFakeOptions {
  apiKey?: string;
  /** Requests a minute before 429 (Kit: 120). */
  perMinute?: number;
  /** "now" for send_at comparisons; defaults to the real clock. */
  now?: () => number;
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const unb64 = (s: string): { id?: number } => {
  try {
    return JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as { id?: number };
  } catch {
    return {};
  }
};

export class KitFake extends FakeHarness {
  readonly subscribers = new Map<number, KitSubscriber>();
  readonly tags = new Map<number, { id: number; name: string; created_at: string }>();
  readonly customFields: { id: number; name: string; key: string; label: string }[] = [];
  readonly broadcasts = new Map<number, KitBroadcast>();
  apiKey: string;
  private nextId = 1000;
  private readonly now: () => number;
  /** Every subscriber id unsubscribed through the API (push-back assertions). */
  readonly unsubscribeCalls: number[] = [];

  constructor(o: KitFakeOptions = {}) {
    super('kit', o.perMinute ?? 120);
    this.apiKey = o.apiKey ?? 'kit-test-key-0001';
    this.now = o.now ?? (() => Date.now());
    this.addField('category', 'Category');
  }

  // ---------------------------------------------------------------------------------------------
  // Seeding and mutation (what the person does at Kit while we sync)

  addField(key: string, label: string): void {
    const id = this.nextId++;
    this.customFields.push({ id, name: `ck_field_${id}_${key}`, key, label });
    for (const s of this.subscribers.values()) s.fields[key] ??= null;
  }

  addTag(name: string): number {
    const id = this.nextId++;
    this.tags.set(id, { id, name, created_at: this.iso() });
    return id;
  }

  addSubscriber(
    email: string,
    p: Partial<Omit<KitSubscriber, 'id' | 'tags'>> & { tags?: number[] } = {},
  ): KitSubscriber {
    const id = this.nextId++;
    const fields: Record<string, string | null> = {};
    for (const f of this.customFields) fields[f.key] = null;
    fields.category = 'general';
    const s: KitSubscriber = {
      id,
      first_name: p.first_name ?? '',
      email_address: email,
      state: p.state ?? 'active',
      created_at: p.created_at ?? this.iso(),
      updated_at: p.updated_at ?? p.created_at ?? this.iso(),
      fields: { ...fields, ...(p.fields ?? {}) },
      tags: new Map((p.tags ?? []).map((t) => [t, this.iso()])),
    };
    this.subscribers.set(id, s);
    return s;
  }

  /** Changes a subscriber the way Kit would, bumping updated_at. */
  update(
    id: number,
    change: Partial<Pick<KitSubscriber, 'state' | 'first_name' | 'fields'>>,
    at?: string,
  ): void {
    const s = this.subscribers.get(id);
    if (!s) throw new Error(`no subscriber ${id}`);
    if (change.state) s.state = change.state;
    if (change.first_name !== undefined) s.first_name = change.first_name;
    if (change.fields) s.fields = { ...s.fields, ...change.fields };
    s.updated_at = at ?? this.iso();
  }

  addBroadcast(p: Partial<KitBroadcast> & { subject: string }): KitBroadcast {
    const id = this.nextId++;
    const b: KitBroadcast = {
      id,
      created_at: this.iso(),
      description: null,
      content: '<p>Hello {{ subscriber.first_name }}</p>',
      public: false,
      published_at: null,
      send_at: null,
      thumbnail_alt: null,
      thumbnail_url: null,
      email_address: 'news@example.com',
      preview_text: null,
      email_template: { id: 1, name: 'Classic' },
      subscriber_filter: [{ all: [{ type: 'all_subscribers', ids: [] }] }],
      publication_id: id + 50_000,
      status: p.send_at ? 'scheduled' : 'draft',
      ...p,
    };
    this.broadcasts.set(id, b);
    return b;
  }

  private iso(): string {
    return new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  // ---------------------------------------------------------------------------------------------
  // HTTP

  protected authorize(req: FakeRequest): FakeReply | null {
    if (req.headers['x-kit-api-key'] !== this.apiKey)
      return { status: 401, body: { errors: ['The access token is invalid'] } };
    return null;
  }

  protected rateLimited(): FakeReply {
    // Kit: plain-text body, no Retry-After.
    return { status: 429, raw: 'Retry later', contentType: 'text/plain' };
  }

  protected route(req: FakeRequest): FakeReply {
    const { method, path } = req;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && path === '/v4/account')
      return {
        status: 200,
        body: {
          user: { email: 'owner@example.com' },
          account: {
            name: 'Example Shop',
            plan_type: 'creator',
            primary_email_address: 'owner@example.com',
            created_at: '2020-01-01T00:00:00Z',
            id: 42,
          },
        },
      };
    if (method === 'GET' && path === '/v4/subscribers')
      return this.listSubscribers(req, [...this.subscribers.values()], false);
    if (method === 'GET' && (m = path.match(/^\/v4\/tags\/(\d+)\/subscribers$/))) {
      const tagId = Number(m[1]);
      if (!this.tags.has(tagId)) return notFound();
      return this.listSubscribers(
        req,
        [...this.subscribers.values()].filter((s) => s.tags.has(tagId)),
        tagId,
      );
    }
    if (method === 'GET' && path === '/v4/custom_fields')
      return this.paged(req, 'custom_fields', this.customFields, (f) => f.id);
    if (method === 'GET' && path === '/v4/tags')
      return this.paged(req, 'tags', [...this.tags.values()], (t) => t.id);
    if (method === 'POST' && path === '/v4/tags') {
      const name = String((req.body as { name?: unknown })?.name ?? '').trim();
      if (!name) return { status: 422, body: { errors: ["Name can't be blank"] } };
      const existing = [...this.tags.values()].find((t) => t.name.toLowerCase() === name.toLowerCase());
      if (existing) return { status: 200, body: { tag: existing } };
      const id = this.addTag(name);
      return { status: 201, body: { tag: this.tags.get(id) } };
    }
    if (method === 'POST' && (m = path.match(/^\/v4\/tags\/(\d+)\/subscribers$/))) {
      const tagId = Number(m[1]);
      if (!this.tags.has(tagId)) return notFound();
      const email = String((req.body as { email_address?: unknown })?.email_address ?? '').toLowerCase();
      const s = [...this.subscribers.values()].find((x) => x.email_address.toLowerCase() === email);
      if (!s) return { status: 422, body: { errors: ['Subscriber does not exist'] } };
      const already = s.tags.has(tagId);
      if (!already) {
        s.tags.set(tagId, this.iso());
        s.updated_at = this.iso();
      }
      return { status: already ? 200 : 201, body: { subscriber: this.taggedView(s, tagId) } };
    }
    if (method === 'POST' && (m = path.match(/^\/v4\/subscribers\/(\d+)\/unsubscribe$/))) {
      const s = this.subscribers.get(Number(m[1]));
      if (!s) return notFound();
      this.unsubscribeCalls.push(s.id);
      if (s.state !== 'cancelled') {
        s.state = 'cancelled';
        s.updated_at = this.iso();
      }
      return { status: 204 };
    }
    if (method === 'GET' && (m = path.match(/^\/v4\/subscribers\/(\d+)$/))) {
      const s = this.subscribers.get(Number(m[1]));
      return s ? { status: 200, body: { subscriber: this.view(s) } } : notFound();
    }
    if (method === 'GET' && path === '/v4/broadcasts')
      return this.paged(
        req,
        'broadcasts',
        [...this.broadcasts.values()].map((b) => this.broadcastView(b)),
        (b) => b.id as number,
      );
    if ((m = path.match(/^\/v4\/broadcasts\/(\d+)$/))) {
      const b = this.broadcasts.get(Number(m[1]));
      if (!b) return notFound();
      if (method === 'GET') return { status: 200, body: { broadcast: this.broadcastView(b) } };
      if (method === 'PUT') {
        if (b.status === 'completed')
          return { status: 422, body: { errors: ['Broadcast has already been sent and cannot be updated'] } };
        const body = (req.body ?? {}) as Partial<KitBroadcast>;
        for (const k of Object.keys(body) as (keyof KitBroadcast)[]) {
          if (k === 'id' || k === 'created_at' || k === 'status') continue;
          if (k === 'subscriber_filter' && Array.isArray(body.subscriber_filter)) {
            // Kit answers with the clauses that are set; null clauses are dropped.
            b.subscriber_filter = body.subscriber_filter.map(
              (f) =>
                Object.fromEntries(
                  Object.entries(f).filter(([, v]) => v !== null),
                ) as KitBroadcast['subscriber_filter'][number],
            );
            continue;
          }
          (b as unknown as Record<string, unknown>)[k] = body[k];
        }
        b.status = b.send_at ? 'scheduled' : 'draft';
        return { status: 200, body: { broadcast: this.broadcastView(b) } };
      }
    }
    return notFound();
  }

  private view(s: KitSubscriber) {
    return {
      id: s.id,
      first_name: s.first_name,
      email_address: s.email_address,
      state: s.state,
      created_at: s.created_at,
      fields: { ...s.fields },
    };
  }

  private taggedView(s: KitSubscriber, tagId: number) {
    return { ...this.view(s), tagged_at: s.tags.get(tagId) ?? s.created_at };
  }

  private broadcastView(b: KitBroadcast): Record<string, unknown> {
    const { status, ...rest } = b;
    return {
      ...rest,
      stats: {
        recipients: status === 'completed' ? 10 : 0,
        open_rate: 0,
        emails_opened: 0,
        click_rate: 0,
        unsubscribe_rate: 0,
        unsubscribes: 0,
        total_clicks: 0,
        show_total_clicks: false,
        status,
        progress: status === 'completed' ? 100 : 0,
        open_tracking_disabled: false,
        click_tracking_disabled: false,
      },
    };
  }

  private listSubscribers(req: FakeRequest, all: KitSubscriber[], tagId: number | false): FakeReply {
    const q = req.query;
    const status = q.get('status') ?? 'active';
    const allowed = ['active', 'inactive', 'bounced', 'complained', 'cancelled', 'all'];
    if (!allowed.includes(status))
      return { status: 422, body: { errors: [`Status must be one of ${allowed.join(', ')}`] } };
    let rows = all.filter((s) =>
      status === 'all'
        ? true
        : status === 'active'
          ? s.state === 'active' || s.state === 'cold'
          : s.state === status,
    );
    const email = q.get('email_address');
    if (email) rows = rows.filter((s) => s.email_address.toLowerCase() === email.toLowerCase());
    const dateFilter = (name: string, get: (s: KitSubscriber) => string | undefined, after: boolean) => {
      const v = q.get(name);
      if (!v) return;
      const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
      if (Number.isNaN(t)) throw new Error(`bad date ${v}`);
      rows = rows.filter((s) => {
        const x = Date.parse(get(s) ?? '');
        return after ? x >= t : x < t;
      });
    };
    try {
      dateFilter('updated_after', (s) => s.updated_at, true);
      dateFilter('updated_before', (s) => s.updated_at, false);
      dateFilter('created_after', (s) => s.created_at, true);
      if (tagId !== false) dateFilter('tagged_after', (s) => s.tags.get(tagId), true);
    } catch (e) {
      return { status: 422, body: { errors: [(e as Error).message] } };
    }
    const sortField = q.get('sort_field') ?? 'id';
    if (sortField !== 'id') return { status: 422, body: { errors: ['This fake sorts by id only'] } };
    return this.paged(
      req,
      'subscribers',
      rows.map((s) => (tagId === false ? this.view(s) : this.taggedView(s, tagId))),
      (s) => s.id,
    );
  }

  /** Kit's cursor paging: keyset on id, `after`/`before`, has_next_page, end_cursor. */
  private paged<T>(req: FakeRequest, key: string, rows: T[], id: (r: T) => number): FakeReply {
    const q = req.query;
    const perPage = q.get('per_page') ? Number(q.get('per_page')) : 500;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 1000)
      return { status: 422, body: { errors: ['Per page must be between 1 and 1000'] } };
    const desc = (q.get('sort_order') ?? 'desc') === 'desc';
    const sorted = [...rows].sort((a, b) => (desc ? id(b) - id(a) : id(a) - id(b)));
    let start = 0;
    const after = q.get('after');
    if (after) {
      const c = unb64(after);
      if (typeof c.id !== 'number') return { status: 422, body: { errors: ['Invalid cursor'] } };
      start = sorted.findIndex((r) => (desc ? id(r) < c.id! : id(r) > c.id!));
      if (start < 0) start = sorted.length;
    }
    const page = sorted.slice(start, start + perPage);
    const hasNext = start + perPage < sorted.length;
    const body: Record<string, unknown> = {
      [key]: page,
      pagination: {
        has_previous_page: start > 0,
        has_next_page: hasNext,
        // Kit documents the cursors as strings on some collections: an empty page still gets one.
        start_cursor: b64({ id: page.length ? id(page[0]!) : 0 }),
        end_cursor: b64({ id: page.length ? id(page[page.length - 1]!) : 0 }),
        per_page: perPage,
      },
    };
    if (q.get('include_total_count') === 'true')
      (body.pagination as Record<string, unknown>).total_count = sorted.length;
    return { status: 200, body };
  }
}

function notFound(): FakeReply {
  return { status: 404, body: { errors: ['Not Found'] } };
}
