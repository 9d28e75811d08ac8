/**
 * A fake Klaviyo API (revision 2026-07-15) on 127.0.0.1 for connector tests: `Authorization:
 * Klaviyo-API-Key …` plus the `revision` header, JSON:API documents (application/vnd.api+json), cursor
 * paging through `links.next` / `page[cursor]`, the filter language (`equals`, `any`,
 * `greater-than`, `and`), lists and their profiles with `joined_group_at`, email consent and
 * suppressions (`additional-fields[profile]=subscriptions`), campaigns with their messages and
 * templates, `PATCH /api/campaign-send-jobs/{id}` (cancel / revert), bulk unsubscribe and bulk
 * suppress jobs, adding profiles to a list; 429 with Retry-After; errors
 * `{errors: [{id, status, code, title, detail, source}]}`. Shapes follow
 * test/specs/klaviyo-stable.json.
 */
import { randomUUID } from 'node:crypto';
import { FakeHarness, type FakeReply, type FakeRequest } from './kit';

export const KLAVIYO_REVISION = '2026-07-15';

export interface KlSuppression {
  reason: 'HARD_BOUNCE' | 'INVALID_EMAIL' | 'SPAM_COMPLAINT' | 'UNSUBSCRIBE' | 'USER_SUPPRESSED';
  timestamp: string;
}

export interface KlProfile {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone_number: string | null;
  organization: string | null;
  created: string;
  updated: string;
  properties: Record<string, unknown>;
  location: { city: string | null; country: string | null; timezone: string | null; ip: string | null };
  consent: 'SUBSCRIBED' | 'UNSUBSCRIBED' | 'NEVER_SUBSCRIBED';
  consentTimestamp: string | null;
  doubleOptin: boolean;
  suppression: KlSuppression[];
  listSuppressions: { list_id: string; reason: string; timestamp: string }[];
  /** list id → joined_group_at */
  lists: Map<string, string>;
}

export interface KlCampaign {
  id: string;
  name: string;
  status: 'Draft' | 'Scheduled' | 'Sending' | 'Sent' | 'Cancelled';
  included: string[];
  excluded: string[];
  scheduledAt: string | null;
  isLocal: boolean;
  subject: string;
  fromEmail: string;
  fromLabel: string;
  replyTo: string | null;
  html: string;
  text: string | null;
  messageId: string;
  templateId: string;
}

const ulid = () => randomUUID().replace(/-/g, '').slice(0, 26).toUpperCase();
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');

type Filter = { op: string; field: string; value: unknown } | { op: 'and'; parts: Filter[] };

/** Klaviyo's filter syntax: op(field,value) and and(...); values quoted strings, lists, dates, bools. */
export function parseFilter(src: string): Filter {
  let i = 0;
  const ws = () => {
    while (src[i] === ' ') i++;
  };
  const ident = () => {
    const m = /^[\w.-]+/.exec(src.slice(i));
    if (!m) throw new Error(`bad filter at ${i}: ${src}`);
    i += m[0].length;
    return m[0];
  };
  const value = (): unknown => {
    ws();
    const c = src[i];
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      const v = src.slice(i + 1, end);
      i = end + 1;
      return v;
    }
    if (c === '[') {
      i++;
      const out: unknown[] = [];
      ws();
      while (src[i] !== ']') {
        out.push(value());
        ws();
        if (src[i] === ',') i++;
        ws();
      }
      i++;
      return out;
    }
    const m = /^[^,)\]]+/.exec(src.slice(i))!;
    i += m[0].length;
    const raw = m[0].trim();
    return raw === 'true' ? true : raw === 'false' ? false : raw;
  };
  const expr = (): Filter => {
    ws();
    const op = ident();
    if (src[i] !== '(') throw new Error(`bad filter: ${src}`);
    i++;
    if (op === 'and') {
      const parts: Filter[] = [];
      for (;;) {
        parts.push(expr());
        ws();
        if (src[i] === ',') {
          i++;
          continue;
        }
        if (src[i] === ')') {
          i++;
          return { op, parts };
        }
        throw new Error(`bad filter: ${src}`);
      }
    }
    ws();
    const field = ident();
    ws();
    if (src[i] !== ',') throw new Error(`bad filter: ${src}`);
    i++;
    const v = value();
    ws();
    if (src[i] !== ')') throw new Error(`bad filter: ${src}`);
    i++;
    return { op, field, value: v };
  };
  const f = expr();
  ws();
  if (i !== src.length) throw new Error(`bad filter: ${src}`);
  return f;
}

function matches(f: Filter, get: (field: string) => unknown, allowed: Record<string, string[]>): boolean {
  if ('parts' in f) return f.parts.every((p) => matches(p, get, allowed));
  const ok = allowed[f.field];
  if (!ok || !ok.includes(f.op))
    throw new Error(`'${f.op}' is not a valid operator for the field '${f.field}'`);
  const v = get(f.field);
  switch (f.op) {
    case 'equals':
      return typeof v === 'string' && typeof f.value === 'string'
        ? v.toLowerCase() === f.value.toLowerCase()
        : v === f.value;
    case 'any':
      return (
        Array.isArray(f.value) && f.value.some((x) => String(x).toLowerCase() === String(v).toLowerCase())
      );
    case 'greater-than':
      return Date.parse(String(v)) > Date.parse(String(f.value));
    case 'less-than':
      return Date.parse(String(v)) < Date.parse(String(f.value));
    default:
      throw new Error(`unsupported operator ${f.op}`);
  }
}

export class KlaviyoFake extends FakeHarness {
  apiKey = 'pk_test_klaviyo_0001';
  readonly profiles = new Map<string, KlProfile>();
  readonly lists = new Map<
    string,
    { id: string; name: string; created: string; optIn: 'single_opt_in' | 'double_opt_in' }
  >();
  readonly campaigns = new Map<string, KlCampaign>();
  /** Segments: id → name and members (profile id → joined_group_at). */
  readonly segments = new Map<string, { id: string; name: string; members: Map<string, string> }>();
  /** Bulk jobs received (push-back assertions). */
  readonly jobs: { type: string; emails: string[]; listId: string | null }[] = [];
  /** PATCH campaign-send-jobs received. */
  readonly sendJobActions: { id: string; action: string }[] = [];
  retryAfterSeconds = 1;

  constructor(o: { perMinute?: number } = {}) {
    super('klaviyo', o.perMinute ?? 0);
  }

  addList(name: string, optIn: 'single_opt_in' | 'double_opt_in' = 'single_opt_in'): string {
    const id = Math.random().toString(36).slice(2, 8).padEnd(6, 'x');
    this.lists.set(id, { id, name, created: iso(Date.UTC(2025, 0, 1)), optIn });
    return id;
  }

  addProfile(
    email: string,
    p: Partial<Omit<KlProfile, 'lists' | 'id'>> & { lists?: string[]; joined?: string } = {},
  ): KlProfile {
    const created = p.created ?? iso(Date.UTC(2025, 5, 1, 12));
    const prof: KlProfile = {
      id: ulid(),
      email,
      first_name: p.first_name ?? null,
      last_name: p.last_name ?? null,
      phone_number: p.phone_number ?? null,
      organization: p.organization ?? null,
      created,
      updated: p.updated ?? created,
      properties: p.properties ?? {},
      location: p.location ?? { city: null, country: null, timezone: null, ip: null },
      consent: p.consent ?? 'SUBSCRIBED',
      consentTimestamp: p.consentTimestamp ?? created,
      doubleOptin: p.doubleOptin ?? false,
      suppression: p.suppression ?? [],
      listSuppressions: p.listSuppressions ?? [],
      lists: new Map((p.lists ?? []).map((l) => [l, p.joined ?? created])),
    };
    this.profiles.set(prof.id, prof);
    return prof;
  }

  addSegment(name: string, profileIds: string[]): string {
    const id = `S${Math.random().toString(36).slice(2, 7)}`;
    this.segments.set(id, {
      id,
      name,
      members: new Map(profileIds.map((p) => [p, iso(Date.UTC(2025, 6, 1))])),
    });
    return id;
  }

  /** Changes a profile the way Klaviyo would, bumping `updated`. */
  change(id: string, f: (p: KlProfile) => void): void {
    const p = this.profiles.get(id)!;
    f(p);
    p.updated = iso(Date.now());
  }

  byEmail(email: string): KlProfile | undefined {
    return [...this.profiles.values()].find((p) => p.email.toLowerCase() === email.toLowerCase());
  }

  addCampaign(p: Partial<KlCampaign> & { name: string; included: string[] }): KlCampaign {
    const c: KlCampaign = {
      id: ulid(),
      status: 'Scheduled',
      excluded: [],
      scheduledAt: iso(Date.now() + 86_400_000),
      isLocal: false,
      subject: p.name,
      fromEmail: 'news@example.com',
      fromLabel: 'Example Shop',
      replyTo: 'reply@example.com',
      html: '<p>Hi {{ first_name|default:"there" }}</p>',
      text: 'Hi {{ first_name }}',
      messageId: ulid(),
      templateId: ulid().slice(0, 6),
      ...p,
    };
    this.campaigns.set(c.id, c);
    return c;
  }

  // ---------------------------------------------------------------------------------------------

  protected authorize(req: FakeRequest): FakeReply | null {
    if (req.headers.authorization !== `Klaviyo-API-Key ${this.apiKey}`)
      return error(
        401,
        'not_authenticated',
        'Authentication credentials were not provided.',
        'Missing or invalid private key.',
      );
    if (!req.headers.revision)
      return error(400, 'invalid', 'Invalid input.', 'A revision header is required.');
    return null;
  }

  protected rateLimited(): FakeReply {
    return {
      ...error(
        429,
        'throttled',
        'Request was throttled.',
        `Request was throttled. Expected available in ${this.retryAfterSeconds} second.`,
      ),
      headers: { 'retry-after': String(this.retryAfterSeconds), 'content-type': 'application/vnd.api+json' },
    };
  }

  protected route(req: FakeRequest): FakeReply {
    const { method, path, query: q } = req;
    let m: RegExpMatchArray | null;
    try {
      if (method === 'GET' && path === '/api/accounts')
        return ok({
          data: [
            {
              type: 'account',
              id: 'AbC123',
              attributes: {
                test_account: false,
                contact_information: {
                  default_sender_name: 'Example Shop',
                  default_sender_email: 'news@example.com',
                  website_url: 'https://example.com',
                  organization_name: 'Example Shop Ltd',
                  street_address: {
                    address1: '1 Main St',
                    address2: null,
                    city: 'Lyon',
                    region: null,
                    country: 'FR',
                    zip: '69001',
                  },
                },
                industry: null,
                timezone: 'Europe/Paris',
                preferred_currency: 'EUR',
                public_api_key: 'AbC123',
                locale: 'fr-FR',
              },
              links: { self: `${this.url}/api/accounts/AbC123/` },
            },
          ],
          links: { self: `${this.url}/api/accounts/` },
        });
      if (method === 'GET' && path === '/api/lists') {
        let rows = [...this.lists.values()];
        const f = q.get('filter');
        if (f) {
          const pf = parseFilter(f);
          rows = rows.filter((l) =>
            matches(pf, (k) => (k === 'name' ? l.name : k === 'id' ? l.id : undefined), {
              name: ['any', 'equals'],
              id: ['any', 'equals'],
            }),
          );
        }
        return this.paged(
          req,
          rows.map((l) => this.listView(l.id, false)),
          10,
          10,
        );
      }
      if (method === 'POST' && path === '/api/lists') {
        const name = (req.body as { data?: { attributes?: { name?: string } } })?.data?.attributes?.name;
        if (!name)
          return error(400, 'invalid', 'Invalid input.', 'name is required', '/data/attributes/name');
        const id = this.addList(name);
        return {
          status: 201,
          body: { data: this.listView(id, false), links: { self: `${this.url}/api/lists/${id}/` } },
          contentType: JSONAPI,
        };
      }
      if (method === 'GET' && (m = path.match(/^\/api\/lists\/([^/]+)$/))) {
        if (!this.lists.has(m[1]!)) return notFound();
        const count = (q.get('additional-fields[list]') ?? '').includes('profile_count');
        return ok({ data: this.listView(m[1]!, count), links: { self: `${this.url}/api/lists/${m[1]}/` } });
      }
      if (method === 'GET' && (m = path.match(/^\/api\/segments\/([^/]+)$/))) {
        const sg = this.segments.get(m[1]!);
        if (!sg) return notFound();
        const count = (q.get('additional-fields[segment]') ?? '').includes('profile_count');
        return ok({
          data: {
            type: 'segment',
            id: sg.id,
            attributes: {
              name: sg.name,
              created: iso(Date.UTC(2025, 0, 1)),
              updated: iso(Date.UTC(2025, 0, 1)),
              is_active: true,
              is_processing: false,
              is_starred: false,
              ...(count ? { profile_count: sg.members.size } : {}),
            },
            links: { self: `${this.url}/api/segments/${sg.id}/` },
          },
          links: { self: `${this.url}/api/segments/${sg.id}/` },
        });
      }
      if (method === 'GET' && (m = path.match(/^\/api\/(lists|segments)\/([^/]+)\/profiles$/))) {
        const listId = m[2]!;
        const seg = m[1] === 'segments' ? this.segments.get(listId) : undefined;
        if (m[1] === 'segments' ? !seg : !this.lists.has(listId)) return notFound();
        const joinedAt = (p: KlProfile) => (seg ? seg.members.get(p.id) : p.lists.get(listId));
        let rows = [...this.profiles.values()].filter((p) => joinedAt(p) !== undefined);
        const f = q.get('filter');
        if (f) {
          const pf = parseFilter(f);
          rows = rows.filter((p) =>
            matches(
              pf,
              (k) => (k === 'email' ? p.email : k === 'joined_group_at' ? joinedAt(p) : undefined),
              {
                email: ['any', 'equals'],
                joined_group_at: ['greater-or-equal', 'greater-than', 'less-or-equal', 'less-than'],
              },
            ),
          );
        }
        const key = (p: KlProfile) => `${joinedAt(p)}|${p.id}`;
        rows.sort((a, b) => (key(a) < key(b) ? -1 : 1));
        const subs = (q.get('additional-fields[profile]') ?? '').includes('subscriptions');
        return this.paged(
          req,
          rows.map((p) => this.profileView(p, subs, listId, joinedAt(p))),
          20,
          100,
        );
      }
      if (method === 'GET' && path === '/api/profiles') {
        let rows = [...this.profiles.values()];
        const f = q.get('filter');
        if (f) {
          const pf = parseFilter(f);
          rows = rows.filter((p) =>
            matches(
              pf,
              (k) =>
                k === 'email'
                  ? p.email
                  : k === 'id'
                    ? p.id
                    : k === 'updated'
                      ? p.updated
                      : k === 'created'
                        ? p.created
                        : undefined,
              {
                id: ['any', 'equals'],
                email: ['any', 'equals'],
                updated: ['greater-than', 'less-than'],
                created: ['greater-than', 'less-than'],
              },
            ),
          );
        }
        rows.sort((a, b) => (a.updated < b.updated ? -1 : a.updated > b.updated ? 1 : a.id < b.id ? -1 : 1));
        const subs = (q.get('additional-fields[profile]') ?? '').includes('subscriptions');
        return this.paged(
          req,
          rows.map((p) => this.profileView(p, subs, null)),
          20,
          100,
        );
      }
      if (method === 'POST' && (m = path.match(/^\/api\/lists\/([^/]+)\/relationships\/profiles$/))) {
        const listId = m[1]!;
        if (!this.lists.has(listId)) return notFound();
        for (const d of (req.body as { data?: { id: string }[] })?.data ?? []) {
          const p = this.profiles.get(d.id);
          if (!p) return error(404, 'not_found', 'Not found.', `Profile ${d.id} does not exist.`);
          if (!p.lists.has(listId)) p.lists.set(listId, iso(Date.now()));
        }
        return { status: 204 };
      }
      if (
        method === 'POST' &&
        (path === '/api/profile-subscription-bulk-delete-jobs' ||
          path === '/api/profile-suppression-bulk-create-jobs')
      ) {
        const data = (
          req.body as {
            data?: {
              attributes?: { profiles?: { data?: { attributes?: { email?: string } }[] } };
              relationships?: { list?: { data?: { id?: string } } };
            };
          }
        )?.data;
        const emails = (data?.attributes?.profiles?.data ?? []).map((x) => x.attributes?.email ?? '');
        const listId = data?.relationships?.list?.data?.id ?? null;
        const unsub = path.includes('subscription');
        this.jobs.push({ type: unsub ? 'unsubscribe' : 'suppress', emails, listId });
        for (const e of emails) {
          const p = this.byEmail(e);
          if (!p) continue;
          this.change(p.id, (x) => {
            if (unsub) {
              x.consent = 'UNSUBSCRIBED';
              x.consentTimestamp = iso(Date.now());
            } else if (!x.suppression.length)
              x.suppression.push({ reason: 'USER_SUPPRESSED', timestamp: iso(Date.now()) });
          });
        }
        if (unsub) return { status: 202 };
        const id = ulid();
        return {
          status: 202,
          contentType: JSONAPI,
          body: {
            data: {
              type: 'profile-suppression-bulk-create-job',
              id,
              attributes: {
                status: 'queued',
                created_at: iso(Date.now()),
                total_count: emails.length,
                completed_count: 0,
                completed_at: null,
                skipped_count: 0,
              },
              links: { self: `${this.url}/api/profile-suppression-bulk-create-jobs/${id}/` },
            },
            links: { self: `${this.url}/api/profile-suppression-bulk-create-jobs/${id}/` },
          },
        };
      }
      if (method === 'GET' && path === '/api/campaigns') {
        const f = q.get('filter');
        if (!f)
          return error(
            400,
            'invalid',
            'Invalid filter provided.',
            'A channel filter is required.',
            undefined,
            'filter',
          );
        const pf = parseFilter(f);
        const rows = [...this.campaigns.values()].filter((c) =>
          matches(
            pf,
            (k) =>
              k === 'messages.channel'
                ? 'email'
                : k === 'status'
                  ? c.status
                  : k === 'id'
                    ? c.id
                    : k === 'archived'
                      ? false
                      : undefined,
            {
              id: ['any'],
              'messages.channel': ['equals'],
              status: ['any', 'equals'],
              archived: ['equals'],
            },
          ),
        );
        const include = (q.get('include') ?? '').split(',').includes('campaign-messages');
        const out = this.paged(
          req,
          rows.map((c) => this.campaignView(c)),
          100,
          100,
        );
        if (include && out.status === 200) {
          const body = out.body as { data: { id: string }[]; included?: unknown[] };
          body.included = body.data.map((d) => this.messageView(this.campaigns.get(d.id)!));
        }
        return out;
      }
      if (method === 'GET' && (m = path.match(/^\/api\/campaigns\/([^/]+)$/))) {
        const c = this.campaigns.get(m[1]!);
        return c
          ? ok({ data: this.campaignView(c), links: { self: `${this.url}/api/campaigns/${c.id}/` } })
          : notFound();
      }
      if (method === 'GET' && (m = path.match(/^\/api\/campaign-messages\/([^/]+)\/template$/))) {
        const c = [...this.campaigns.values()].find((x) => x.messageId === m![1]);
        if (!c) return notFound();
        return ok({
          data: {
            type: 'template',
            id: c.templateId,
            attributes: {
              name: `${c.name} template`,
              editor_type: 'CODE',
              html: c.html,
              text: c.text,
              amp: null,
              created: iso(Date.UTC(2026, 0, 1)),
              updated: iso(Date.UTC(2026, 0, 2)),
            },
            links: { self: `${this.url}/api/templates/${c.templateId}/` },
          },
          links: { self: `${this.url}/api/campaign-messages/${c.messageId}/template/` },
        });
      }
      if (method === 'PATCH' && (m = path.match(/^\/api\/campaign-send-jobs\/([^/]+)$/))) {
        const c = this.campaigns.get(m[1]!);
        if (!c) return notFound();
        const action =
          (req.body as { data?: { attributes?: { action?: string } } })?.data?.attributes?.action ?? '';
        this.sendJobActions.push({ id: c.id, action });
        if (action === 'revert' && c.status === 'Scheduled') {
          c.status = 'Draft';
          c.scheduledAt = null;
          return { status: 204 };
        }
        if (action === 'cancel' && c.status === 'Sending') {
          c.status = 'Cancelled';
          return { status: 204 };
        }
        return error(
          400,
          'invalid',
          'Invalid input.',
          `Campaign in status ${c.status} cannot be ${action === 'revert' ? 'reverted' : 'cancelled'}.`,
        );
      }
      return notFound();
    } catch (e) {
      return error(400, 'invalid', 'Invalid input.', (e as Error).message, undefined, 'filter');
    }
  }

  private listView(id: string, withCount: boolean) {
    const l = this.lists.get(id)!;
    return {
      type: 'list',
      id,
      attributes: {
        name: l.name,
        created: l.created,
        updated: l.created,
        opt_in_process: l.optIn,
        ...(withCount
          ? { profile_count: [...this.profiles.values()].filter((p) => p.lists.has(id)).length }
          : {}),
      },
      links: { self: `${this.url}/api/lists/${id}/` },
    };
  }

  private profileView(p: KlProfile, subs: boolean, listId: string | null, joined?: string) {
    const suppressed =
      p.suppression.length > 0 || (listId !== null && p.listSuppressions.some((s) => s.list_id === listId));
    return {
      type: 'profile',
      id: p.id,
      attributes: {
        email: p.email,
        phone_number: p.phone_number,
        external_id: null,
        first_name: p.first_name,
        last_name: p.last_name,
        organization: p.organization,
        locale: null,
        title: null,
        image: null,
        created: p.created,
        updated: p.updated,
        last_event_date: null,
        location: {
          address1: null,
          address2: null,
          city: p.location.city,
          country: p.location.country,
          latitude: null,
          longitude: null,
          region: null,
          zip: null,
          timezone: p.location.timezone,
          ip: p.location.ip,
        },
        properties: p.properties,
        ...(listId !== null ? { joined_group_at: joined ?? p.lists.get(listId) } : {}),
        ...(subs
          ? {
              subscriptions: {
                email: {
                  marketing: {
                    can_receive_email_marketing: p.consent !== 'UNSUBSCRIBED' && !suppressed,
                    consent: p.consent,
                    consent_timestamp: p.consentTimestamp,
                    last_updated: p.updated,
                    method: 'API',
                    method_detail: null,
                    custom_method_detail: null,
                    double_optin: p.doubleOptin,
                    suppression: p.suppression,
                    list_suppressions: p.listSuppressions,
                  },
                },
              },
            }
          : {}),
      },
      links: { self: `${this.url}/api/profiles/${p.id}/` },
    };
  }

  private campaignView(c: KlCampaign) {
    return {
      type: 'campaign',
      id: c.id,
      attributes: {
        name: c.name,
        status: c.status,
        archived: false,
        audiences: { included: c.included, excluded: c.excluded },
        send_options: { use_smart_sending: true },
        tracking_options: {
          add_tracking_params: false,
          custom_tracking_params: null,
          is_tracking_clicks: true,
          is_tracking_opens: true,
        },
        send_strategy: c.scheduledAt
          ? {
              method: 'static',
              datetime: c.scheduledAt,
              options: c.isLocal
                ? { is_local: true, send_past_recipients_immediately: false }
                : { is_local: false },
            }
          : { method: 'immediate' },
        created_at: iso(Date.UTC(2026, 0, 1)),
        scheduled_at: c.scheduledAt,
        updated_at: iso(Date.UTC(2026, 0, 2)),
        send_time: c.scheduledAt,
      },
      relationships: {
        'campaign-messages': {
          data: [{ type: 'campaign-message', id: c.messageId }],
          links: {
            self: `${this.url}/api/campaigns/${c.id}/relationships/campaign-messages/`,
            related: `${this.url}/api/campaigns/${c.id}/campaign-messages/`,
          },
        },
      },
      links: { self: `${this.url}/api/campaigns/${c.id}/` },
    };
  }

  private messageView(c: KlCampaign) {
    return {
      type: 'campaign-message',
      id: c.messageId,
      attributes: {
        definition: {
          channel: 'email',
          label: c.name,
          content: {
            subject: c.subject,
            preview_text: null,
            from_email: c.fromEmail,
            from_label: c.fromLabel,
            reply_to_email: c.replyTo,
            cc_email: null,
            bcc_email: null,
          },
        },
        send_times: c.scheduledAt ? [{ datetime: c.scheduledAt, is_local: c.isLocal }] : [],
        created_at: iso(Date.UTC(2026, 0, 1)),
        updated_at: iso(Date.UTC(2026, 0, 2)),
      },
      relationships: { campaign: { data: { type: 'campaign', id: c.id } } },
      links: { self: `${this.url}/api/campaign-messages/${c.messageId}/` },
    };
  }

  /** Cursor paging: page[size] (default/max per endpoint), page[cursor] an opaque offset token. */
  private paged(req: FakeRequest, rows: unknown[], def: number, max: number): FakeReply {
    const size = req.query.get('page[size]') ? Number(req.query.get('page[size]')) : def;
    if (!Number.isInteger(size) || size < 1 || size > max)
      return error(
        400,
        'invalid',
        'Invalid input.',
        `page[size] must be between 1 and ${max}`,
        undefined,
        'page[size]',
      );
    const cur = req.query.get('page[cursor]');
    let start = 0;
    if (cur) {
      const n = Number(Buffer.from(cur, 'base64url').toString('utf8').replace(/^o:/, ''));
      if (!Number.isInteger(n))
        return error(400, 'invalid', 'Invalid input.', 'Invalid page cursor.', undefined, 'page[cursor]');
      start = n;
    }
    const page = rows.slice(start, start + size);
    const links: Record<string, string> = { self: `${this.url}${req.url}` };
    if (start + size < rows.length) {
      const u = new URL(`${this.url}${req.path}`);
      for (const [k, v] of req.query) if (k !== 'page[cursor]') u.searchParams.set(k, v);
      u.searchParams.set('page[cursor]', Buffer.from(`o:${start + size}`).toString('base64url'));
      links.next = u.toString();
    }
    return ok({ data: page, links });
  }
}

const JSONAPI = 'application/vnd.api+json';

function ok(body: unknown): FakeReply {
  return { status: 200, body, contentType: JSONAPI };
}

function notFound(): FakeReply {
  return error(404, 'not_found', 'Not found.', 'The requested resource was not found.');
}

function error(
  status: number,
  code: string,
  title: string,
  detail: string,
  pointer?: string,
  parameter?: string,
): FakeReply {
  return {
    status,
    contentType: JSONAPI,
    body: {
      errors: [
        {
          id: randomUUID(),
          status,
          code,
          title,
          detail,
          source: { ...(pointer ? { pointer } : {}), ...(parameter ? { parameter } : {}) },
        },
      ],
    },
  };
}
