/**
 * A fake Twilio SendGrid v3 API (Marketing Campaigns, suppressions) on 127.0.0.1 for connector tests.
 * Bearer key; no paged contact listing: contacts leave only through the export job
 * (`POST /v3/marketing/contacts/exports` → poll `GET …/exports/{id}` until `ready` → download the
 * `urls`, which this fake serves as presigned-style links needing no key: gzipped NDJSON, split into
 * parts); lists with `page_token` paging; custom field definitions; global unsubscribes, bounces, spam
 * reports, invalid emails (limit/offset) and group unsubscribes; single sends searched by status,
 * fetched, unscheduled with `DELETE …/schedule`; senders; `POST /v3/asm/suppressions/global`; contact
 * upserts. Errors `{errors: [{field, message}]}`; 429 with X-RateLimit-* headers (no Retry-After).
 * Shapes follow test/specs/sendgrid-*.json (one document per area: `SENDGRID_SPECS`).
 */
import { gzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { FakeHarness, type FakeReply, type FakeRequest } from './kit';
import type { Exchange } from './spec';

/** Which published document describes a path. */
export const SENDGRID_SPECS: { file: string; prefix: RegExp }[] = [
  { file: 'sendgrid-mc-contacts.json', prefix: /^\/v3\/marketing\/contacts/ },
  { file: 'sendgrid-mc-lists.json', prefix: /^\/v3\/marketing\/lists/ },
  { file: 'sendgrid-mc-custom-fields.json', prefix: /^\/v3\/marketing\/field_definitions/ },
  { file: 'sendgrid-mc-singlesends.json', prefix: /^\/v3\/marketing\/singlesends/ },
  { file: 'sendgrid-mc-senders.json', prefix: /^\/v3\/marketing\/senders/ },
  { file: 'sendgrid-mc-segments-2.0.json', prefix: /^\/v3\/marketing\/segments/ },
  { file: 'sendgrid-suppressions.json', prefix: /^\/v3\/(asm|suppression)\// },
];

export function sendgridSpecFor(x: Exchange): string | null {
  const path = new URL(x.url, 'http://x').pathname;
  return SENDGRID_SPECS.find((s) => s.prefix.test(path))?.file ?? null;
}

export interface SgContact {
  contact_id: string;
  email: string;
  first_name: string;
  last_name: string;
  city: string;
  country: string;
  phone_number: string;
  created_at: string;
  updated_at: string;
  custom_fields: Record<string, string | number>;
  list_ids: Set<string>;
}

export interface SgSingleSend {
  id: string;
  name: string;
  status: 'draft' | 'scheduled' | 'triggered';
  send_at: string | null;
  list_ids: string[];
  segment_ids: string[];
  all: boolean;
  subject: string;
  html: string;
  plain: string;
  sender_id: number;
  suppression_group_id: number | null;
}

const unix = (iso: string) => Math.floor(Date.parse(iso) / 1000);

export class SendGridFake extends FakeHarness {
  apiKey = 'SG.test-key.0001';
  readonly contacts = new Map<string, SgContact>();
  readonly lists = new Map<string, { id: string; name: string }>();
  /** Segments: id → name and member contact ids. */
  readonly segments = new Map<string, { id: string; name: string; members: Set<string> }>();
  readonly fields: { id: string; name: string; field_type: 'Text' | 'Number' | 'Date' }[] = [
    { id: 'e1_T', name: 'plan', field_type: 'Text' },
    { id: 'e2_N', name: 'score', field_type: 'Number' },
  ];
  readonly unsubscribes: { email: string; created: number }[] = [];
  readonly bounces: { email: string; created: number; reason: string; status: string }[] = [];
  readonly spamReports: { email: string; created: number; ip: string }[] = [];
  readonly invalidEmails: { email: string; created: number; reason: string }[] = [];
  readonly groupUnsubscribes: { email: string; group_id: number; group_name: string; created_at: number }[] =
    [];
  readonly singleSends = new Map<string, SgSingleSend>();
  readonly senders = new Map<
    number,
    {
      id: number;
      nickname: string;
      from: { email: string; name: string };
      reply_to: { email: string; name: string };
    }
  >();
  readonly exports = new Map<
    string,
    {
      id: string;
      listIds: string[];
      polls: number;
      files: Buffer[];
      created: string;
      count: number;
      failed: boolean;
    }
  >();
  /** Status polls an export stays `pending` for. */
  pollsUntilReady = 1;
  /** Contacts per export file part. */
  partSize = 5000;
  /** Contact upserts received (PUT /v3/marketing/contacts). */
  readonly upserts: { email: string; custom_fields?: Record<string, unknown> }[] = [];
  readonly globalSuppressionPosts: string[][] = [];

  constructor(o: { perMinute?: number } = {}) {
    super('sendgrid', o.perMinute ?? 0);
    this.senders.set(7, {
      id: 7,
      nickname: 'Shop',
      from: { email: 'news@example.com', name: 'Example Shop' },
      reply_to: { email: 'reply@example.com', name: 'Shop replies' },
    });
  }

  addList(name: string): string {
    const id = randomUUID();
    this.lists.set(id, { id, name });
    return id;
  }

  addSegment(name: string, contactIds: string[]): string {
    const id = randomUUID();
    this.segments.set(id, { id, name, members: new Set(contactIds) });
    return id;
  }

  addContact(
    email: string,
    p: Partial<Omit<SgContact, 'contact_id' | 'list_ids'>> & { lists?: string[] } = {},
  ): SgContact {
    const c: SgContact = {
      contact_id: randomUUID(),
      email,
      first_name: p.first_name ?? '',
      last_name: p.last_name ?? '',
      city: p.city ?? '',
      country: p.country ?? '',
      phone_number: p.phone_number ?? '',
      created_at: p.created_at ?? '2025-06-01T12:00:00Z',
      updated_at: p.updated_at ?? '2025-06-01T12:00:00Z',
      custom_fields: p.custom_fields ?? {},
      list_ids: new Set(p.lists ?? []),
    };
    this.contacts.set(c.contact_id, c);
    return c;
  }

  addSingleSend(p: Partial<SgSingleSend> & { name: string }): SgSingleSend {
    const s: SgSingleSend = {
      id: randomUUID(),
      status: 'scheduled',
      send_at: new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      list_ids: [],
      segment_ids: [],
      all: false,
      subject: p.name,
      html: '<p>Hi {{first_name}}</p>',
      plain: 'Hi {{first_name}}',
      sender_id: 7,
      suppression_group_id: 12,
      ...p,
    };
    this.singleSends.set(s.id, s);
    return s;
  }

  protected authorize(req: FakeRequest): FakeReply | null {
    if (req.headers.authorization !== `Bearer ${this.apiKey}`)
      return { status: 401, body: { errors: [{ field: null, message: 'authorization required' }] } };
    return null;
  }

  protected rateLimited(_req: FakeRequest, resetInMs: number): FakeReply {
    return {
      status: 429,
      body: { errors: [{ field: null, message: 'too many requests' }] },
      headers: {
        'x-ratelimit-limit': String(this.perMinute),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil((Date.now() + resetInMs) / 1000)),
      },
    };
  }

  protected override isPublic(req: FakeRequest): boolean {
    return req.path.startsWith('/export-files/');
  }

  protected route(req: FakeRequest): FakeReply {
    const { method, path, query: q } = req;
    let m: RegExpMatchArray | null;
    if (method === 'GET' && (m = path.match(/^\/export-files\/([^/]+)\/(\d+)\.json\.gz$/))) {
      // A presigned link: anyone holding it may download; it must never see the API key.
      if (req.headers.authorization)
        return { status: 400, raw: 'Only one auth mechanism allowed', contentType: 'text/plain' };
      const e = this.exports.get(m[1]!);
      const file = e?.files[Number(m[2])];
      return file
        ? { status: 200, raw: file, contentType: 'application/gzip' }
        : { status: 404, raw: 'NoSuchKey', contentType: 'text/plain' };
    }
    if (method === 'GET' && path === '/v3/marketing/lists') {
      const size = Number(q.get('page_size') ?? 100);
      if (!Number.isInteger(size) || size < 1 || size > 1000)
        return bad('page_size', 'page_size must be between 1 and 1000');
      const all = [...this.lists.values()];
      const start = Number(q.get('page_token') ?? 0);
      const page = all.slice(start, start + size);
      const meta: Record<string, unknown> = { self: `${this.url}${req.url}`, count: all.length };
      if (start + size < all.length)
        meta.next = `${this.url}/v3/marketing/lists?page_size=${size}&page_token=${start + size}`;
      return {
        status: 200,
        body: {
          result: page.map((l) => ({
            id: l.id,
            name: l.name,
            contact_count: [...this.contacts.values()].filter((c) => c.list_ids.has(l.id)).length,
            _metadata: { self: `${this.url}/v3/marketing/lists/${l.id}` },
          })),
          _metadata: meta,
        },
      };
    }
    if (method === 'GET' && path === '/v3/marketing/field_definitions')
      return {
        status: 200,
        body: {
          custom_fields: this.fields,
          reserved_fields: [
            'first_name',
            'last_name',
            'email',
            'city',
            'country',
            'phone_number',
            'created_at',
            'updated_at',
            'contact_id',
          ].map((name) => ({
            name,
            field_type: name.endsWith('_at') ? 'Date' : 'Text',
            read_only: ['created_at', 'updated_at', 'contact_id'].includes(name),
          })),
          _metadata: { self: `${this.url}/v3/marketing/field_definitions` },
        },
      };
    if (method === 'POST' && path === '/v3/marketing/field_definitions') {
      const b = req.body as { name?: string; field_type?: 'Text' | 'Number' | 'Date' };
      if (!b?.name || !b.field_type) return bad('name', 'name and field_type are required');
      if (this.fields.some((f) => f.name === b.name)) return bad('name', 'Field name already exists');
      const f = {
        id: `e${this.fields.length + 1}_${b.field_type[0]}`,
        name: b.name,
        field_type: b.field_type,
      };
      this.fields.push(f);
      return {
        status: 200,
        body: { ...f, _metadata: { self: `${this.url}/v3/marketing/field_definitions/${f.id}` } },
      };
    }
    if (method === 'PUT' && path === '/v3/marketing/contacts') {
      const b = req.body as { contacts?: { email?: string; custom_fields?: Record<string, unknown> }[] };
      if (!b?.contacts?.length) return bad('contacts', 'contacts are required');
      for (const c of b.contacts) {
        this.upserts.push({
          email: c.email ?? '',
          ...(c.custom_fields ? { custom_fields: c.custom_fields } : {}),
        });
        const existing = [...this.contacts.values()].find(
          (x) => x.email.toLowerCase() === (c.email ?? '').toLowerCase(),
        );
        if (existing && c.custom_fields) {
          for (const [id, v] of Object.entries(c.custom_fields)) {
            const f = this.fields.find((x) => x.id === id);
            if (f) existing.custom_fields[f.name] = v as string;
          }
          existing.updated_at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        }
      }
      return { status: 202, body: { job_id: randomUUID() } };
    }
    if (method === 'POST' && path === '/v3/marketing/contacts/exports') {
      const b = (req.body ?? {}) as { list_ids?: string[]; segment_ids?: string[]; file_type?: string };
      for (const id of b.list_ids ?? [])
        if (!this.lists.has(id)) return bad('list_ids', `list ${id} does not exist`);
      for (const id of b.segment_ids ?? [])
        if (!this.segments.has(id)) return bad('segment_ids', `segment ${id} does not exist`);
      const id = randomUUID();
      const everyone = !b.list_ids?.length && !b.segment_ids?.length;
      const rows = [...this.contacts.values()].filter(
        (c) =>
          everyone ||
          (b.list_ids ?? []).some((l) => c.list_ids.has(l)) ||
          (b.segment_ids ?? []).some((sid) => this.segments.get(sid)!.members.has(c.contact_id)),
      );
      const files: Buffer[] = [];
      for (let i = 0; i < Math.max(1, rows.length); i += this.partSize) {
        const part = rows.slice(i, i + this.partSize).map((c) =>
          JSON.stringify({
            contact_id: c.contact_id,
            created_at: c.created_at,
            custom_fields: c.custom_fields,
            email: c.email,
            first_name: c.first_name,
            last_name: c.last_name,
            city: c.city,
            country: c.country,
            phone_number: c.phone_number,
            list_ids: [...c.list_ids],
            updated_at: c.updated_at,
          }),
        );
        files.push(gzipSync(Buffer.from(part.length ? `${part.join('\n')}\n` : '')));
      }
      this.exports.set(id, {
        id,
        listIds: b.list_ids ?? [],
        polls: 0,
        files,
        created: new Date().toISOString(),
        count: rows.length,
        failed: false,
      });
      return {
        status: 202,
        body: { _metadata: { self: `${this.url}/v3/marketing/contacts/exports/${id}` }, id },
      };
    }
    if (method === 'GET' && (m = path.match(/^\/v3\/marketing\/contacts\/exports\/([^/]+)$/))) {
      const e = this.exports.get(m[1]!);
      if (!e) return { status: 404, body: { errors: [{ field: null, message: 'export not found' }] } };
      const now = new Date().toISOString();
      const expires = new Date(Date.parse(e.created) + 72 * 3_600_000).toISOString();
      if (e.failed)
        return {
          status: 200,
          body: {
            id: e.id,
            status: 'failure',
            created_at: e.created,
            updated_at: now,
            expires_at: expires,
            message: 'The export failed; try again.',
          },
        };
      if (e.polls++ < this.pollsUntilReady)
        return {
          status: 200,
          body: { id: e.id, status: 'pending', created_at: e.created, updated_at: now, expires_at: expires },
        };
      return {
        status: 200,
        body: {
          id: e.id,
          status: 'ready',
          created_at: e.created,
          updated_at: now,
          completed_at: now,
          expires_at: expires,
          urls: e.files.map(
            (_, i) => `${this.url}/export-files/${e.id}/${i}.json.gz?X-Amz-Signature=${randomUUID()}`,
          ),
          contact_count: e.count,
        },
      };
    }
    const supp = (rows: object[]) => {
      const start = Number(q.get('start_time') ?? 0);
      const limit = Number(q.get('limit') ?? 500);
      const offset = Number(q.get('offset') ?? 0);
      if (limit > 500) return bad('limit', 'limit must be 500 or less');
      const filtered = rows.filter((r) => ((r as { created?: number }).created ?? 0) >= start);
      return { status: 200, body: filtered.slice(offset, offset + limit) };
    };
    if (method === 'GET' && path === '/v3/suppression/unsubscribes') return supp(this.unsubscribes);
    if (method === 'GET' && path === '/v3/suppression/bounces') return supp(this.bounces);
    if (method === 'GET' && path === '/v3/suppression/spam_reports') return supp(this.spamReports);
    if (method === 'GET' && path === '/v3/suppression/invalid_emails') return supp(this.invalidEmails);
    if (method === 'GET' && path === '/v3/asm/suppressions')
      return { status: 200, body: this.groupUnsubscribes };
    if (method === 'POST' && path === '/v3/asm/suppressions/global') {
      const emails = (req.body as { recipient_emails?: string[] })?.recipient_emails ?? [];
      if (!emails.length) return bad('recipient_emails', 'recipient_emails is required');
      this.globalSuppressionPosts.push(emails);
      for (const e of emails)
        if (!this.unsubscribes.some((u) => u.email.toLowerCase() === e.toLowerCase()))
          this.unsubscribes.push({ email: e, created: Math.floor(Date.now() / 1000) });
      return { status: 201, body: { recipient_emails: emails } };
    }
    if (method === 'POST' && path === '/v3/marketing/singlesends/search') {
      const b = (req.body ?? {}) as { status?: string[] };
      const size = Number(q.get('page_size') ?? 100);
      const all = [...this.singleSends.values()].filter(
        (s) => !b.status?.length || b.status.includes(s.status),
      );
      const start = Number(q.get('page_token') ?? 0);
      const page = all.slice(start, start + size);
      const meta: Record<string, unknown> = { self: `${this.url}${req.url}`, count: all.length };
      if (start + size < all.length)
        meta.next = `${this.url}/v3/marketing/singlesends/search?page_size=${size}&page_token=${start + size}`;
      return {
        status: 200,
        body: {
          result: page.map((s) => ({
            id: s.id,
            name: s.name,
            abtest: null,
            status: s.status,
            categories: [],
            ...(s.send_at ? { send_at: s.send_at } : {}),
            is_abtest: false,
            updated_at: '2026-01-02T00:00:00Z',
            created_at: '2026-01-01T00:00:00Z',
          })),
          _metadata: meta,
        },
      };
    }
    if ((m = path.match(/^\/v3\/marketing\/singlesends\/([^/]+)(\/schedule)?$/))) {
      const s = this.singleSends.get(m[1]!);
      if (!s) return { status: 404, body: { errors: [{ field: 'id', message: 'not found' }] } };
      if (method === 'GET' && !m[2])
        return {
          status: 200,
          body: {
            id: s.id,
            name: s.name,
            status: s.status,
            categories: [],
            send_at: s.send_at,
            send_to: { list_ids: s.list_ids, segment_ids: s.segment_ids, all: s.all },
            updated_at: '2026-01-02T00:00:00Z',
            created_at: '2026-01-01T00:00:00Z',
            email_config: {
              subject: s.subject,
              html_content: s.html,
              plain_content: s.plain,
              generate_plain_content: false,
              editor: 'code',
              suppression_group_id: s.suppression_group_id,
              custom_unsubscribe_url: null,
              sender_id: s.sender_id,
              ip_pool: null,
            },
            warnings: [],
          },
        };
      if (method === 'DELETE' && m[2]) {
        if (s.status === 'triggered')
          return {
            status: 404,
            body: { errors: [{ field: 'id', message: 'single send has already been triggered' }] },
          };
        const was = s.send_at;
        s.status = 'draft';
        s.send_at = null;
        return { status: 200, body: { send_at: was ?? new Date().toISOString(), status: 'draft' } };
      }
    }
    if (method === 'GET' && (m = path.match(/^\/v3\/marketing\/segments\/2\.0\/([^/]+)$/))) {
      const sg = this.segments.get(m[1]!);
      if (!sg)
        return { status: 404, body: { errors: [{ field: 'segment_id', message: 'segment not found' }] } };
      return {
        status: 200,
        body: {
          id: sg.id,
          name: sg.name,
          query_dsl: "SELECT c.contact_id FROM contact_data AS c WHERE c.city = 'Lyon'",
          contacts_count: sg.members.size,
          contacts_sample: [],
          created_at: '2026-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
          sample_updated_at: '2026-01-01T00:00:00Z',
          next_sample_update: '2026-01-02T00:00:00Z',
          parent_list_ids: [],
          query_version: '2',
          status: { query_validation: 'VALID' },
        },
      };
    }
    if (method === 'GET' && (m = path.match(/^\/v3\/marketing\/senders\/(\d+)$/))) {
      const s = this.senders.get(Number(m[1]));
      if (!s) return { status: 404, body: { errors: [{ field: 'id', message: 'not found' }] } };
      return {
        status: 200,
        body: {
          ...s,
          address: '1 Main St',
          city: 'Lyon',
          country: 'France',
          verified: true,
          locked: false,
          updated_at: unix('2026-01-01T00:00:00Z'),
          created_at: unix('2025-01-01T00:00:00Z'),
        },
      };
    }
    return { status: 404, body: { errors: [{ field: null, message: `no route ${method} ${path}` }] } };
  }
}

function bad(field: string, message: string): FakeReply {
  return { status: 400, body: { errors: [{ field, message }] } };
}
