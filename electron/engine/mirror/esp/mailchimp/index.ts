/**
 * Mailchimp Marketing API 3.0 connector.
 * Reference: https://mailchimp.com/developer/marketing/api/ (and test/specs/mailchimp-marketing-openapi3.yaml).
 * - Base https://<dc>.api.mailchimp.com/3.0, dc = the key's suffix ("…-us6"); HTTP Basic, key as password.
 * - Members are addressed by the MD5 of the lower-cased address; `count` ≤ 1000 with `offset`, so the
 *   sync engine may fetch several pages at once (cursorAhead). Incremental: `since_last_changed`.
 * - At most 10 simultaneous connections per key, then 429. Errors are application/problem+json.
 */
import { createHash } from 'node:crypto';
import { userError } from '../../../errors';
import { isEspError, type ErrorAnswer } from '../http';
import { connectorCore } from '../connector';
import { parseStatusWord, type SubscriberStatus } from '../../../model/status';
import type {
  CallOptions,
  ConnectorOptions,
  EspAccount,
  EspAudience,
  EspCampaign,
  EspConnector,
  EspHealth,
  EspList,
  EspMember,
  EspMergeFieldDef,
  Json,
  OffsetCursor,
  MemberPage,
  MemberQuery,
  PushBackItem,
  PushBackResult,
  UnscheduleResult,
  EspCampaignState,
} from '../types';
import { ESP_DISPLAY_NAMES } from '../../../api/words';

export const MAILCHIMP_PAGE = 1000;
export const MAILCHIMP_STATUS_URL = 'https://status.mailchimp.com';

export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

/** "0123…-us6" → "us6". */
export function dataCenterOf(key: string): string {
  const m = /-([a-z]+\d+)$/.exec(key.trim());
  if (!m)
    throw userError(
      'This does not look like a Mailchimp API key: it should end in a data centre such as "-us6".',
      {
        code: 'esp_bad_key',
        safe: 'Nothing was stored.',
        next: 'Copy the whole key from Mailchimp (Account → Extras → API keys), including the part after the dash.',
      },
    );
  return m[1]!;
}

interface McProblem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  errors?: { field?: string; message?: string }[];
}

export function describeMailchimpError(a: ErrorAnswer) {
  const p = (a.body ?? {}) as McProblem;
  if (!p.title && !p.detail) return undefined;
  const fields = (p.errors ?? []).map((e) => `${e.field ?? ''} ${e.message ?? ''}`.trim()).filter(Boolean);
  return {
    message: [p.title, p.detail, fields.length ? `(${fields.join('; ')})` : ''].filter(Boolean).join(': '),
    espCode: p.title ?? null,
  };
}

interface McMember {
  id: string;
  email_address: string;
  unique_email_id?: string;
  contact_id?: string;
  full_name?: string;
  web_id?: number;
  email_type?: string;
  status: string;
  unsubscribe_reason?: string;
  merge_fields?: Record<string, unknown>;
  ip_signup?: string;
  timestamp_signup?: string;
  ip_opt?: string;
  timestamp_opt?: string;
  member_rating?: number;
  last_changed?: string;
  language?: string;
  vip?: boolean;
  location?: { latitude?: number; longitude?: number; country_code?: string; timezone?: string };
  source?: string;
  tags?: { id?: number; name: string }[];
}

interface McMergeField {
  merge_id?: number;
  tag: string;
  name: string;
  type: string;
  required?: boolean;
  default_value?: string;
  options?: { choices?: string[] };
}

interface McList {
  id: string;
  name: string;
  stats?: { member_count?: number; unsubscribe_count?: number; cleaned_count?: number };
  permission_reminder?: string;
  campaign_defaults?: { from_name?: string; from_email?: string };
}

interface McCampaign {
  id: string;
  status: string;
  send_time?: string;
  recipients?: { list_id?: string; segment_opts?: unknown };
  settings?: {
    subject_line?: string;
    title?: string;
    from_name?: string;
    reply_to?: string;
    to_name?: string;
  };
}

/** Mailchimp's ISO times carry "+00:00"; store them as our canonical UTC form. */
const PLAIN_UTC = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d{3})?(?:\+00:00|Z)$/;

export function utc(s: string | undefined | null): string | null {
  if (!s) return null;
  // The common case, without a Date round trip (hundreds of thousands per sync).
  const plain = PLAIN_UTC.exec(s);
  if (plain) return `${plain[1]}${plain[2] ?? '.000'}Z`;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function mergeValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') {
    // ADDRESS fields are objects: keep them as one line, the way Mailchimp's export does.
    const a = v as Record<string, unknown>;
    return ['addr1', 'addr2', 'city', 'state', 'zip', 'country']
      .map((k) => a[k])
      .filter((x) => x !== undefined && x !== null && x !== '')
      .join('  ');
  }
  return String(v);
}

function mapStatus(word: string): SubscriberStatus {
  // 'transactional' members never opted in to marketing: treat as pending (not sendable).
  return parseStatusWord(word) ?? 'pending';
}

/**
 * The `fields` of a member page: every member field toMember reads, and the total. Mailchimp returns
 * only these (https://mailchimp.com/developer/marketing/docs/methods-parameters/#partial-responses).
 */
export const MEMBER_FIELDS = [
  'total_items',
  ...[
    'id',
    'email_address',
    'unique_email_id',
    'contact_id',
    'web_id',
    'email_type',
    'status',
    'unsubscribe_reason',
    'merge_fields',
    'ip_signup',
    'timestamp_signup',
    'ip_opt',
    'timestamp_opt',
    'member_rating',
    'last_changed',
    'language',
    'vip',
    'location',
    'source',
    'tags',
  ].map((f) => `members.${f}`),
].join(',');

function put(extra: Record<string, string>, k: string, v: unknown): void {
  if (v !== undefined && v !== null && v !== '') extra[k] = String(v);
}

export function toMember(m: McMember): EspMember {
  const merge = m.merge_fields ?? {};
  const mergeFields: Record<string, string> = {};
  for (const k in merge) {
    if (k === 'FNAME' || k === 'LNAME') continue;
    const s = mergeValue(merge[k]);
    if (s !== '') mergeFields[k] = s;
  }
  // In key order: the sync stores these maps with sorted keys, and skips the sort when they are.
  const extra: Record<string, string> = {};
  const loc = m.location;
  put(extra, 'contact_id', m.contact_id);
  put(extra, 'country_code', loc?.country_code);
  put(extra, 'email_type', m.email_type);
  if (m.status === 'transactional') put(extra, 'esp_status', m.status);
  put(extra, 'language', m.language);
  put(extra, 'latitude', loc?.latitude);
  put(extra, 'longitude', loc?.longitude);
  put(extra, 'member_rating', m.member_rating);
  put(extra, 'source', m.source);
  put(extra, 'timezone', loc?.timezone);
  put(extra, 'unique_email_id', m.unique_email_id);
  put(extra, 'vip', m.vip);
  put(extra, 'web_id', m.web_id);
  return {
    espId: m.id,
    email: m.email_address,
    status: mapStatus(m.status),
    statusReason: m.unsubscribe_reason ?? (m.status === 'cleaned' ? 'cleaned at Mailchimp' : null),
    statusChangedAt: null,
    firstName: mergeValue(merge.FNAME),
    lastName: mergeValue(merge.LNAME),
    mergeFields,
    tags: (m.tags ?? []).map((t) => t.name),
    optinTime: utc(m.timestamp_signup),
    optinIp: m.ip_signup || null,
    confirmTime: utc(m.timestamp_opt),
    confirmIp: m.ip_opt || null,
    changedAt: utc(m.last_changed),
    extra,
  };
}

function toMergeDef(f: McMergeField): EspMergeFieldDef {
  return {
    tag: f.tag,
    name: f.name,
    type: f.type,
    required: f.required ?? false,
    defaultValue: f.default_value ?? null,
    ...(f.options?.choices?.length ? { options: f.options.choices } : {}),
    ...(f.merge_id !== undefined ? { espId: String(f.merge_id) } : {}),
  };
}

/** Members are paged by offset, MAILCHIMP_PAGE at a time. */
export type MailchimpCursor = OffsetCursor;

// eslint-disable-next-line max-lines-per-function -- the connector object: its methods share one HTTP client and key
export function createMailchimp(options: ConnectorOptions): EspConnector<MailchimpCursor> {
  const limits = { maxConnections: 10 };
  const core = connectorCore(options, {
    esp: 'Mailchimp',
    // The data centre is the key's suffix; asked only when the connection sets no base URL.
    baseUrl: options.baseUrl?.trim() || `https://${dataCenterOf(options.apiKey)}.api.mailchimp.com/3.0`,
    statusUrl: MAILCHIMP_STATUS_URL,
    headers: (key) => ({ authorization: `Basic ${Buffer.from(`understudy:${key}`).toString('base64')}` }),
    limits,
    http: { describeError: describeMailchimpError },
  });
  const { http } = core;

  async function allPages<T>(
    path: string,
    field: string,
    query: Record<string, string | number>,
    o?: CallOptions,
  ) {
    const out: T[] = [];
    for (let offset = 0; ; offset += MAILCHIMP_PAGE) {
      const page = await http.get<Record<string, unknown>>(path, {
        query: { ...query, count: MAILCHIMP_PAGE, offset },
        signal: o?.signal,
      });
      const items = (page[field] as T[] | undefined) ?? [];
      out.push(...items);
      const total = Number(page.total_items ?? 0);
      if (items.length < MAILCHIMP_PAGE || offset + items.length >= total) return out;
    }
  }

  const listsApart: NonNullable<EspConnector['listsApart']> = {
    async lists(o) {
      const lists = await allPages<McList>('/lists', 'lists', {}, o);
      return lists.map((l): EspList => {
        const extra: Record<string, Json> = {};
        if (l.permission_reminder) extra.permissionReminder = l.permission_reminder;
        if (l.campaign_defaults?.from_email) extra.defaultFromEmail = l.campaign_defaults.from_email;
        if (l.campaign_defaults?.from_name) extra.defaultFromName = l.campaign_defaults.from_name;
        return {
          espListId: l.id,
          name: l.name,
          memberCount:
            (l.stats?.member_count ?? 0) + (l.stats?.unsubscribe_count ?? 0) + (l.stats?.cleaned_count ?? 0),
          mergeFields: [],
          extra,
        };
      });
    },
    async mergeFields(list, o) {
      const fields = await allPages<McMergeField>(
        `/lists/${encodeURIComponent(list.espListId)}/merge-fields`,
        'merge_fields',
        {},
        o,
      );
      return fields.map(toMergeDef);
    },
  };

  const connector: EspConnector<MailchimpCursor> = {
    kind: 'mailchimp',
    label: ESP_DISPLAY_NAMES.mailchimp,
    dialect: 'mailchimp',
    limits,
    http,
    capabilities: {
      incremental: true,
      parallelPages: true,
      pageSize: MAILCHIMP_PAGE,
      unschedule: true,
      pushBack: ['unsubscribe', 'bounce', 'complaint'],
      tagRecipients: true,
    },

    async verify(o): Promise<EspAccount> {
      await http.get('/ping', { signal: o?.signal });
      const root = await http.get<{ account_name?: string; email?: string; account_timezone?: string }>('/', {
        signal: o?.signal,
        query: { fields: 'account_name,email,account_timezone' },
      });
      return {
        name: root.account_name ?? 'Mailchimp account',
        email: root.email ?? null,
        extra: { timeZone: root.account_timezone ?? null },
      };
    },

    health(o): Promise<EspHealth> {
      return core.health(async () => {
        await http.get('/ping', { signal: o?.signal, noRetry: true });
      }, o);
    },

    async lists(o): Promise<EspList[]> {
      const lists = await listsApart.lists(o);
      // Every list's merge fields at once (the connection limit still holds): one round trip for all
      // lists instead of one per list.
      return Promise.all(lists.map(async (l) => ({ ...l, mergeFields: await listsApart.mergeFields(l, o) })));
    },

    listsApart,

    cursorAhead(_list, _query, cursor, pages): MailchimpCursor {
      const offset = Number(cursor?.offset ?? 0);
      return { offset: offset + pages * MAILCHIMP_PAGE };
    },

    async members(
      list: EspList,
      query: MemberQuery,
      cursor: MailchimpCursor | null,
      o?: CallOptions,
    ): Promise<MemberPage<MailchimpCursor>> {
      const offset = Number(cursor?.offset ?? 0);
      const page = await http.get<{ members?: McMember[]; total_items?: number }>(
        `/lists/${encodeURIComponent(list.espListId)}/members`,
        {
          signal: o?.signal,
          query: {
            count: MAILCHIMP_PAGE,
            offset,
            // Only what toMember reads: a real member also carries hypermedia links (most of its
            // bytes), stats, interests, marketing permissions … none of which is mirrored.
            fields: MEMBER_FIELDS,
            // Newest change first: a member changed while we page moves to the front, which shifts
            // the pages after it by one (an address seen twice, harmless) instead of shifting an unseen
            // member into a page already fetched. The changed member is picked up by the follow-up
            // changed-since pass the sync engine runs right after.
            sort_field: 'last_changed',
            sort_dir: 'DESC',
            ...(query.since ? { since_last_changed: query.since } : {}),
          },
        },
      );
      const members = (page.members ?? []).map(toMember);
      const total = page.total_items ?? null;
      const done = members.length < MAILCHIMP_PAGE || (total !== null && offset + members.length >= total);
      return { members, next: done ? null : { offset: offset + members.length }, total };
    },

    async scheduledCampaigns(o): Promise<EspCampaign[]> {
      const root = await http.get<{ account_timezone?: string }>('/', {
        signal: o?.signal,
        query: { fields: 'account_timezone' },
      });
      const campaigns = await allPages<McCampaign>('/campaigns', 'campaigns', { status: 'schedule' }, o);
      const out: EspCampaign[] = [];
      for (const c of campaigns) {
        const content = await http.get<{ html?: string; plain_text?: string }>(
          `/campaigns/${encodeURIComponent(c.id)}/content`,
          { signal: o?.signal },
        );
        const s = c.settings ?? {};
        out.push({
          espCampaignId: c.id,
          name: s.title ?? '',
          subject: s.subject_line ?? '',
          fromName: s.from_name ?? '',
          // Mailchimp sends from the reply-to address; there is no separate From address.
          fromEmail: s.reply_to ?? '',
          replyTo: s.reply_to ?? null,
          html: content.html ?? null,
          text: content.plain_text ?? null,
          scheduledAt: utc(c.send_time) ?? '',
          timeZone: root.account_timezone ?? null,
          espListId: c.recipients?.list_id ?? null,
          segment: (c.recipients?.segment_opts as Json | undefined) ?? null,
          dialect: 'mailchimp',
        });
      }
      return out.filter((c) => c.scheduledAt !== '');
    },

    async campaignAudience(c, o): Promise<EspAudience> {
      const opts = (c.segment ?? {}) as { saved_segment_id?: number; prebuilt_segment_id?: string };
      const listId = c.espListId;
      // A saved segment or a tag (a static segment) is listed by
      // /lists/{list_id}/segments/{segment_id}/members. Conditions set on the campaign itself (no saved
      // segment) or a prebuilt segment have no member listing in the API.
      if (!listId || typeof opts.saved_segment_id !== 'number')
        return {
          status: 'unresolvable',
          target: opts.prebuilt_segment_id
            ? `prebuilt segment ${opts.prebuilt_segment_id}`
            : 'conditions set on the campaign',
          reason:
            "the campaign's recipients are chosen by conditions set on the campaign itself, and Mailchimp's API can list the members of a saved segment or a tag but not of such conditions",
          next: "In Mailchimp, save these conditions as a segment (or use a tag) and choose it as the campaign's audience; the next sync reads who it holds. Otherwise Mailchimp must send it when it is back.",
        };
      const id = String(opts.saved_segment_id);
      const seg = await http.get<{ name?: string; type?: string }>(
        `/lists/${encodeURIComponent(listId)}/segments/${encodeURIComponent(id)}`,
        { signal: o?.signal, query: { fields: 'name,type' } },
      );
      const members = await allPages<{ email_address?: string }>(
        `/lists/${encodeURIComponent(listId)}/segments/${encodeURIComponent(id)}/members`,
        'members',
        { fields: 'members.email_address,total_items' },
        o,
      );
      return {
        status: 'resolved',
        target: `${seg.type === 'static' ? 'the tag' : 'the segment'} "${seg.name ?? id}"`,
        emails: members.map((m) => m.email_address ?? '').filter(Boolean),
        excluded: 0,
        espListIds: [listId],
      };
    },

    async unschedule(id, o): Promise<UnscheduleResult> {
      try {
        await http.post(`/campaigns/${encodeURIComponent(id)}/actions/unschedule`, undefined, {
          signal: o?.signal,
        });
        return { status: 'done', message: 'Mailchimp unscheduled the campaign; it is now a draft there.' };
      } catch (e) {
        const why = isEspError(e) ? e.message : String((e as Error)?.message ?? e);
        return {
          status: 'failed',
          message: `Mailchimp did not unschedule the campaign (${why}). Mailchimp may still send it at its scheduled time: unschedule it in Mailchimp before sending it from here.`,
        };
      }
    },

    async campaignState(id, o): Promise<EspCampaignState> {
      const r = await http.request<{ status?: string; emails_sent?: number } | undefined>(
        'GET',
        `/campaigns/${encodeURIComponent(id)}`,
        { signal: o?.signal, accept: [404], query: { fields: 'id,status,emails_sent' } },
      );
      if (r.status === 404) return { state: 'gone', espStatus: 'not found' };
      const st = r.body?.status ?? 'unknown';
      const state: EspCampaignState['state'] =
        st === 'schedule'
          ? 'scheduled'
          : st === 'sent'
            ? 'sent'
            : st === 'sending'
              ? 'sending'
              : st === 'canceled' || st === 'canceling'
                ? 'cancelled'
                : 'draft';
      return { state, espStatus: st, recipients: r.body?.emails_sent ?? null };
    },

    async pushBack(item: PushBackItem, o): Promise<PushBackResult> {
      const hash = item.espMemberId || subscriberHash(item.email);
      const path = `/lists/${encodeURIComponent(item.espListId)}/members/${hash}`;
      const current = await http.request<McMember | undefined>('GET', path, {
        signal: o?.signal,
        accept: [404],
        query: { fields: 'id,status' },
      });
      if (current.status === 404)
        return { status: 'not_found', message: 'Mailchimp does not know this address in the list.' };
      const st = current.body?.status;
      if (st === 'unsubscribed' || st === 'cleaned')
        return { status: 'already', message: `Mailchimp already has the address as ${st}.` };
      // Mailchimp's API cannot mark an address cleaned or as a complaint: unsubscribed stops its mail.
      await http.patch(path, { status: 'unsubscribed' }, { signal: o?.signal });
      return {
        status: 'done',
        message:
          item.kind === 'unsubscribe'
            ? 'Unsubscribed at Mailchimp.'
            : `Recorded as unsubscribed at Mailchimp (its API cannot mark a ${item.kind}).`,
      };
    },

    async tagBackupRecipients(espListId, emails, tag, o) {
      let tagged = 0;
      for (const email of emails) {
        const path = `/lists/${encodeURIComponent(espListId)}/members/${subscriberHash(email)}/tags`;
        const r = await http.request('POST', path, {
          signal: o?.signal,
          body: { tags: [{ name: tag, status: 'active' }] },
          accept: [404],
        });
        if (r.status !== 404) tagged++;
      }
      return { tagged };
    },
  };
  return connector;
}
