/**
 * Brevo (ex-Sendinblue) API v3 connector.
 * Reference: https://developers.brevo.com/reference (and test/specs/brevo-v3.yml).
 * - `api-key` header; base https://api.brevo.com/v3.
 * - Lists: limit ≤ 50 + offset. A list's contacts: limit ≤ 500 + offset, `modifiedSince`, `sort`
 *   (by creation; desc by default). Attributes (account-wide) are the merge fields.
 * - `emailBlacklisted` (and `listUnsubscribed` when per-list unsubscription is on) → unsubscribed.
 * - Scheduled campaigns: GET /emailCampaigns?status=queued; suspend with PUT /emailCampaigns/{id}/status.
 * - Rate limits are per endpoint; a 429 carries `x-sib-ratelimit-reset` (seconds) rather than Retry-After.
 * - Errors: {"code": "unauthorized", "message": "Key not found"}.
 */
import { isEspError, type ErrorAnswer } from '../http';
import { connectorCore } from '../connector';
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

export const BREVO_BASE_URL = 'https://api.brevo.com/v3';
export const BREVO_STATUS_URL = 'https://status.brevo.com';
export const BREVO_PAGE = 500;
const LIST_PAGE = 50;
const CAMPAIGN_PAGE = 100;

export function describeBrevoError(a: ErrorAnswer) {
  const b = (a.body ?? {}) as { code?: string; message?: string };
  if (!b.message && !b.code) return undefined;
  return { message: b.message ?? b.code ?? '', espCode: b.code ?? null };
}

interface BrevoContact {
  email?: string;
  id: number;
  emailBlacklisted: boolean;
  smsBlacklisted?: boolean;
  createdAt: string;
  modifiedAt: string;
  listIds: number[];
  listUnsubscribed?: number[];
  attributes: Record<string, unknown>;
}

interface BrevoCampaign {
  id: number;
  name: string;
  subject?: string;
  status: string;
  scheduledAt?: string;
  sender?: { name?: string; email?: string };
  replyTo?: string;
  htmlContent?: string;
  recipients?: { lists?: number[]; exclusionLists?: number[]; segments?: number[] };
}

/** Brevo writes "2017-05-12 12:30:00+00:00" or ISO: both to our canonical UTC form. */
export function brevoTime(s: string | undefined | null): string | null {
  if (!s) return null;
  const t = Date.parse(s.includes('T') ? s : s.replace(' ', 'T'));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function toBrevoMember(c: BrevoContact, listId: number): EspMember {
  const a = c.attributes ?? {};
  const mergeFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) {
    if (k === 'FIRSTNAME' || k === 'LASTNAME' || v === null || v === undefined || v === '') continue;
    mergeFields[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  const unsubscribedHere = (c.listUnsubscribed ?? []).includes(listId);
  const extra: Record<string, string> = { contact_id: String(c.id) };
  if (c.smsBlacklisted !== undefined) extra.sms_blacklisted = String(c.smsBlacklisted);
  if (c.listIds?.length) extra.list_ids = c.listIds.join(',');
  return {
    espId: String(c.id),
    email: c.email ?? '',
    status: c.emailBlacklisted || unsubscribedHere ? 'unsubscribed' : 'subscribed',
    statusReason: c.emailBlacklisted
      ? 'blacklisted at Brevo'
      : unsubscribedHere
        ? 'unsubscribed from the list at Brevo'
        : null,
    statusChangedAt: null,
    firstName: a.FIRSTNAME === undefined || a.FIRSTNAME === null ? '' : String(a.FIRSTNAME),
    lastName: a.LASTNAME === undefined || a.LASTNAME === null ? '' : String(a.LASTNAME),
    mergeFields,
    tags: [],
    optinTime: brevoTime(c.createdAt),
    optinIp: null,
    confirmTime: null,
    confirmIp: null,
    changedAt: brevoTime(c.modifiedAt),
    extra,
  };
}

/** Members are paged by offset, BREVO_PAGE at a time. */
export type BrevoCursor = OffsetCursor;

// eslint-disable-next-line max-lines-per-function -- the connector object: its methods share one HTTP client and key
export function createBrevo(options: ConnectorOptions): EspConnector<BrevoCursor> {
  // Brevo documents limits per endpoint family; stay well inside them.
  const limits = { maxConnections: 5, buckets: { contacts: 600, campaigns: 300, account: 60 } };
  const core = connectorCore(options, {
    esp: 'Brevo',
    baseUrl: BREVO_BASE_URL,
    statusUrl: BREVO_STATUS_URL,
    headers: (key) => ({ 'api-key': key }),
    limits,
    http: { describeError: describeBrevoError, retryAfterHeaders: ['x-sib-ratelimit-reset'] },
  });
  const { http } = core;

  const connector: EspConnector<BrevoCursor> = {
    kind: 'brevo',
    label: ESP_DISPLAY_NAMES.brevo,
    dialect: 'brevo',
    limits,
    http,
    capabilities: {
      incremental: true,
      parallelPages: true,
      pageSize: BREVO_PAGE,
      unschedule: true,
      pushBack: ['unsubscribe', 'bounce', 'complaint'],
      tagRecipients: false,
    },

    async verify(o): Promise<EspAccount> {
      const a = await http.get<{
        email?: string;
        companyName?: string;
        firstName?: string;
        lastName?: string;
      }>('/account', { signal: o?.signal, bucket: 'account' });
      return {
        name: a.companyName || [a.firstName, a.lastName].filter(Boolean).join(' ') || 'Brevo account',
        email: a.email ?? null,
      };
    },

    health(o): Promise<EspHealth> {
      return core.health(async () => {
        const a = await http.get<{ companyName?: string }>('/account', {
          signal: o?.signal,
          bucket: 'account',
          noRetry: true,
        });
        return { account: a.companyName ?? null };
      }, o);
    },

    async lists(o): Promise<EspList[]> {
      const attrs = await http.get<{
        attributes?: {
          name: string;
          category: string;
          type?: string;
          enumeration?: { value: number; label: string }[];
        }[];
      }>('/contacts/attributes', { signal: o?.signal, bucket: 'contacts' });
      const mergeFields = (attrs.attributes ?? [])
        .filter((x) => x.category === 'normal' || x.category === 'category' || x.category === 'global')
        .map((x) => ({
          tag: x.name,
          name: x.name,
          type: x.category === 'category' ? 'category' : (x.type ?? 'text'),
          ...(x.enumeration?.length ? { options: x.enumeration.map((e) => e.label) } : {}),
          espId: x.name,
        }));
      const out: EspList[] = [];
      for (let offset = 0; ; offset += LIST_PAGE) {
        const page = await http.get<{
          lists?: { id: number; name: string; uniqueSubscribers?: number; folderId?: number }[];
          count?: number;
        }>('/contacts/lists', { signal: o?.signal, bucket: 'contacts', query: { limit: LIST_PAGE, offset } });
        const lists = page.lists ?? [];
        for (const l of lists)
          out.push({
            espListId: String(l.id),
            name: l.name,
            memberCount: l.uniqueSubscribers ?? null,
            mergeFields,
            extra: l.folderId !== undefined ? { folderId: l.folderId } : {},
          });
        if (lists.length < LIST_PAGE || offset + lists.length >= (page.count ?? 0)) return out;
      }
    },

    cursorAhead(_list, _query, cursor, pages): BrevoCursor {
      return { offset: Number(cursor?.offset ?? 0) + pages * BREVO_PAGE };
    },

    async members(
      list: EspList,
      query: MemberQuery,
      cursor: BrevoCursor | null,
      o?: CallOptions,
    ): Promise<MemberPage<BrevoCursor>> {
      const offset = Number(cursor?.offset ?? 0);
      const listId = Number(list.espListId);
      const page = await http.get<{ contacts?: BrevoContact[]; count?: number }>(
        `/contacts/lists/${encodeURIComponent(list.espListId)}/contacts`,
        {
          signal: o?.signal,
          bucket: 'contacts',
          query: {
            limit: BREVO_PAGE,
            offset,
            // Newest contact first: a contact created while we page shifts later pages by one (an
            // address seen twice, harmless) instead of hiding an unseen one.
            sort: 'desc',
            ...(query.since ? { modifiedSince: query.since } : {}),
          },
        },
      );
      const members = (page.contacts ?? []).map((c) => toBrevoMember(c, listId));
      const total = page.count ?? null;
      const done = members.length < BREVO_PAGE || (total !== null && offset + members.length >= total);
      return { members, next: done ? null : { offset: offset + members.length }, total };
    },

    async scheduledCampaigns(o): Promise<EspCampaign[]> {
      const out: EspCampaign[] = [];
      for (let offset = 0; ; offset += CAMPAIGN_PAGE) {
        const page = await http.get<{ campaigns?: BrevoCampaign[]; count?: number }>('/emailCampaigns', {
          signal: o?.signal,
          bucket: 'campaigns',
          query: { status: 'queued', limit: CAMPAIGN_PAGE, offset },
        });
        const cs = page.campaigns ?? [];
        for (const c of cs) {
          const at = brevoTime(c.scheduledAt);
          if (!at) continue;
          const lists = c.recipients?.lists ?? [];
          const segment: Record<string, Json> = {};
          if (lists.length > 1) segment.lists = lists;
          if (c.recipients?.exclusionLists?.length) segment.exclusionLists = c.recipients.exclusionLists;
          if (c.recipients?.segments?.length) segment.segments = c.recipients.segments;
          out.push({
            espCampaignId: String(c.id),
            name: c.name,
            subject: c.subject ?? '',
            fromName: c.sender?.name ?? '',
            fromEmail: c.sender?.email ?? '',
            replyTo: c.replyTo ?? null,
            html: c.htmlContent ?? null,
            text: null,
            scheduledAt: at,
            timeZone: null,
            espListId: lists.length ? String(lists[0]) : null,
            segment: Object.keys(segment).length ? segment : null,
            dialect: 'brevo',
          });
        }
        if (cs.length < CAMPAIGN_PAGE || offset + cs.length >= (page.count ?? 0)) return out;
      }
    },

    async campaignAudience(c, o): Promise<EspAudience> {
      // A Brevo campaign's recipients are lists (several), segments and exclusion lists. Lists are
      // paged through /contacts/lists/{listId}/contacts, segments through /contacts?segmentId=.
      const seg = (c.segment ?? {}) as { lists?: number[]; exclusionLists?: number[]; segments?: number[] };
      const lists = (seg.lists ?? (c.espListId ? [Number(c.espListId)] : [])).map(String);
      const segments = (seg.segments ?? []).map(String);
      const exclusions = (seg.exclusionLists ?? []).map(String);
      const page = async (path: string, query: Record<string, string | number>) => {
        const out: string[] = [];
        for (let offset = 0; ; offset += BREVO_PAGE) {
          const p = await http.get<{ contacts?: BrevoContact[]; count?: number }>(path, {
            signal: o?.signal,
            bucket: 'contacts',
            query: { ...query, limit: BREVO_PAGE, offset, sort: 'asc' },
          });
          const cs = p.contacts ?? [];
          for (const x of cs) if (x.email) out.push(x.email.toLowerCase());
          if (cs.length < BREVO_PAGE || offset + cs.length >= (p.count ?? 0)) return out;
        }
      };
      const included = new Set<string>();
      for (const l of lists)
        for (const e of await page(`/contacts/lists/${encodeURIComponent(l)}/contacts`, {})) included.add(e);
      for (const g of segments) for (const e of await page('/contacts', { segmentId: g })) included.add(e);
      const out = new Set<string>();
      for (const l of exclusions)
        for (const e of await page(`/contacts/lists/${encodeURIComponent(l)}/contacts`, {}))
          if (included.delete(e)) out.add(e);
      const parts = [
        ...(lists.length ? [`list${lists.length > 1 ? 's' : ''} ${lists.join(', ')}`] : []),
        ...(segments.length ? [`segment${segments.length > 1 ? 's' : ''} ${segments.join(', ')}`] : []),
      ];
      return {
        status: 'resolved',
        target: `Brevo ${parts.join(' and ')}${exclusions.length ? ` without list${exclusions.length > 1 ? 's' : ''} ${exclusions.join(', ')}` : ''}`,
        emails: [...included],
        excluded: out.size,
        // People of a segment may be in any list; people of lists are looked up in those lists.
        espListIds: segments.length ? [] : lists,
      };
    },

    async unschedule(id, o): Promise<UnscheduleResult> {
      try {
        await http.put(
          `/emailCampaigns/${encodeURIComponent(id)}/status`,
          { status: 'suspended' },
          { signal: o?.signal, bucket: 'campaigns' },
        );
        return {
          status: 'done',
          message: 'Brevo suspended the campaign; it will not send unless resumed there.',
        };
      } catch (e) {
        const why = isEspError(e) ? e.message : String((e as Error)?.message ?? e);
        return {
          status: 'failed',
          message: `Brevo did not suspend the campaign (${why}). Brevo may still send it at its scheduled time: suspend it in Brevo before sending it from here.`,
        };
      }
    },

    async campaignState(id, o): Promise<EspCampaignState> {
      const r = await http.request<
        { status?: string; statistics?: { globalStats?: { sent?: number } } } | undefined
      >('GET', `/emailCampaigns/${encodeURIComponent(id)}`, {
        signal: o?.signal,
        bucket: 'campaigns',
        accept: [404],
      });
      if (r.status === 404) return { state: 'gone', espStatus: 'not found' };
      const st = r.body?.status ?? 'unknown';
      // queued = scheduled at Brevo; suspended/draft will not send; archive is a sent campaign.
      const state: EspCampaignState['state'] =
        st === 'queued'
          ? 'scheduled'
          : st === 'sent' || st === 'archive'
            ? 'sent'
            : st === 'inProcess'
              ? 'sending'
              : st === 'suspended'
                ? 'cancelled'
                : 'draft';
      return { state, espStatus: st, recipients: r.body?.statistics?.globalStats?.sent ?? null };
    },

    async pushBack(item: PushBackItem, o): Promise<PushBackResult> {
      const path = `/contacts/${encodeURIComponent(item.email)}`;
      const current = await http.request<BrevoContact | undefined>('GET', path, {
        signal: o?.signal,
        bucket: 'contacts',
        accept: [404],
      });
      if (current.status === 404)
        return { status: 'not_found', message: 'Brevo does not know this address.' };
      if (current.body?.emailBlacklisted)
        return { status: 'already', message: 'Brevo already has the address blocklisted.' };
      // Brevo has one email blocklist flag for unsubscribes, hard bounces and complaints alike.
      await http.put(path, { emailBlacklisted: true }, { signal: o?.signal, bucket: 'contacts' });
      return {
        status: 'done',
        message:
          item.kind === 'unsubscribe'
            ? 'Blocklisted for email at Brevo (unsubscribed).'
            : `Blocklisted for email at Brevo (${item.kind}).`,
      };
    },
  };
  return connector;
}
