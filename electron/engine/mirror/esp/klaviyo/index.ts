/**
 * Klaviyo connector (REST API, revision 2026-07-15: `Authorization: Klaviyo-API-Key …`, the `revision`
 * header, JSON:API documents, cursor paging through `links.next`). Klaviyo lists are mirrored as lists;
 * a profile's email consent and suppressions decide its status (see map.ts).
 *
 * Incremental: list membership has no "changed since" filter, only `joined_group_at`, and consent
 * changes are profile-wide. So a changed-since pass has two phases: the list's profiles that joined
 * since (`greater-than(joined_group_at,…)`), then profiles updated since (`/api/profiles` with
 * `greater-than(updated,…)`), each page of which is looked up in the list (`any(email,[…])`) so only
 * this list's members are applied. A full pass pages the whole list.
 *
 * Closing the loop: a scheduled campaign is reverted to a draft (`PATCH /api/campaign-send-jobs/{id}`
 * with action `revert`; `cancel` while it is sending); an unsubscribe is pushed with a bulk
 * unsubscribe job for the list, a bounce or complaint with a bulk suppression job (Klaviyo records it as
 * a manual suppression: it never mails the address again). Klaviyo tags apply to lists and campaigns,
 * not people, so backup recipients are added to a list named after the tag.
 * Segments that a scheduled campaign targets are mirrored as lists (`segment:<id>`), paged through
 * `/api/segments/{id}/profiles` the same way; a profile that leaves a segment is archived by the next
 * full pass (incremental passes see joins and consent changes only).
 * Limits: per-endpoint (lists/profiles 75/s burst, 700/min steady); 429 with Retry-After.
 */
import type { Clock } from '../../../clock';
import { EspHttp, type ErrorAnswer, type EspErrorDescription } from '../http';
import { connectorCore, type ConnectorCore } from '../connector';
import type {
  CallOptions,
  ConnectorFactory,
  ConnectorOptions,
  EspAccount,
  EspAudience,
  EspCampaign,
  EspCapabilities,
  EspConnector,
  EspHealth,
  EspLimits,
  EspList,
  EspMember,
  Json,
  MemberPage,
  MemberQuery,
  PushBackItem,
  PushBackResult,
  UnscheduleResult,
  EspCampaignState,
} from '../types';
import { klIso, klMember, klStatus, nextCursor, q, type KlMarketing, type KlProfile } from './map';
import { ESP_DISPLAY_NAMES } from '../../../api/words';

export const KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
export const KLAVIYO_STATUS_URL = 'https://status.klaviyo.com';
export const KLAVIYO_REVISION = '2026-07-15';
const KLAVIYO_PAGE = 100;
/** esp_list_id of a segment mirrored as a list. */
export const SEGMENT_PREFIX = 'segment:';

/** Klaviyo's errors: `{errors: [{id, status, code, title, detail, source}]}`. */
export function describeKlaviyoError(a: ErrorAnswer): EspErrorDescription | undefined {
  const errs = (a.body as { errors?: { code?: string; title?: string; detail?: string }[] } | undefined)
    ?.errors;
  if (Array.isArray(errs) && errs.length) {
    return {
      message: errs.map((e) => e.detail || e.title || e.code || 'error').join('; '),
      espCode: errs[0]?.code ?? null,
    };
  }
  return a.text.trim() ? { message: a.text.trim().slice(0, 200) } : undefined;
}

interface Doc<T> {
  data: T;
  links?: { next?: string | null };
  included?: { type: string; id: string; attributes: Record<string, unknown> }[];
}

interface KlCampaign {
  type: 'campaign';
  id: string;
  attributes: {
    name: string;
    status: string;
    audiences?: { included?: string[]; excluded?: string[] | null };
    send_strategy?: { method?: string; datetime?: string; options?: { is_local?: boolean } | null } | null;
    scheduled_at?: string | null;
  };
  relationships?: { 'campaign-messages'?: { data?: { id: string }[] } };
}

interface KlMessageContent {
  subject?: string | null;
  preview_text?: string | null;
  from_email?: string | null;
  from_label?: string | null;
  reply_to_email?: string | null;
}

type Phase = 'list' | 'joined' | 'updated';

/** The pass (whole list, joined since, updated since), its `since` and Klaviyo's page token (`links.next`). */
export type KlaviyoCursor = { phase: Phase; since: string | null; next: string | null };

export class KlaviyoConnector implements EspConnector<KlaviyoCursor> {
  readonly kind = 'klaviyo' as const;
  readonly label = ESP_DISPLAY_NAMES.klaviyo;
  readonly dialect = 'klaviyo' as const;
  readonly limits: EspLimits = { maxConnections: 3, perMinute: 600 };
  readonly capabilities: EspCapabilities = {
    incremental: true,
    parallelPages: false,
    unschedule: true,
    pushBack: ['unsubscribe', 'bounce', 'complaint'],
    tagRecipients: true,
  };
  readonly http: EspHttp;
  private readonly clock: Clock;
  private readonly core: ConnectorCore;

  constructor(o: ConnectorOptions) {
    const revision = typeof o.config?.revision === 'string' ? o.config.revision : KLAVIYO_REVISION;
    this.core = connectorCore(o, {
      esp: 'Klaviyo',
      baseUrl: KLAVIYO_BASE_URL,
      statusUrl: KLAVIYO_STATUS_URL,
      headers: (key) => ({
        authorization: `Klaviyo-API-Key ${key}`,
        revision,
        accept: 'application/vnd.api+json',
        'content-type': 'application/vnd.api+json',
      }),
      limits: this.limits,
      http: { describeError: describeKlaviyoError },
    });
    this.http = this.core.http;
    this.clock = this.core.clock;
  }

  private accounts(opts: CallOptions) {
    return this.http.get<
      Doc<{ id: string; attributes: { timezone?: string; contact_information?: Record<string, unknown> } }[]>
    >('/api/accounts', { signal: opts.signal });
  }

  async verify(opts: CallOptions = {}): Promise<EspAccount> {
    const a = (await this.accounts(opts)).data[0];
    const ci = a?.attributes.contact_information ?? {};
    return {
      name: String(ci.organization_name ?? ci.default_sender_name ?? 'Klaviyo account'),
      email: typeof ci.default_sender_email === 'string' ? ci.default_sender_email : null,
      extra: { id: a?.id ?? null, timezone: a?.attributes.timezone ?? null },
    };
  }

  health(opts: CallOptions = {}): Promise<EspHealth> {
    return this.core.health(async () => ({ account: (await this.verify(opts)).name }), opts);
  }

  /** Every page of a collection (links.next → page[cursor] on our own base URL). */
  private async all<T>(
    path: string,
    query: Record<string, string | number>,
    opts: CallOptions,
  ): Promise<Doc<T[]>> {
    const out: Doc<T[]> = { data: [], included: [] };
    let cursor: string | null = null;
    for (;;) {
      const page: Doc<T[]> = await this.http.get<Doc<T[]>>(path, {
        signal: opts.signal,
        query: { ...query, ...(cursor ? { 'page[cursor]': cursor } : {}) },
      });
      out.data.push(...page.data);
      out.included!.push(...(page.included ?? []));
      cursor = nextCursor(page.links);
      if (!cursor) return out;
    }
  }

  async lists(opts: CallOptions = {}): Promise<EspList[]> {
    const lists = await this.all<{
      id: string;
      attributes: { name?: string | null; opt_in_process?: string | null };
    }>('/api/lists', {}, opts);
    const out: EspList[] = [];
    for (const l of lists.data) {
      const one = await this.http.get<Doc<{ attributes: { profile_count?: number | null } }>>(
        `/api/lists/${encodeURIComponent(l.id)}`,
        { signal: opts.signal, query: { 'additional-fields[list]': 'profile_count' } },
      );
      out.push({
        espListId: l.id,
        name: l.attributes.name || l.id,
        memberCount: one.data.attributes.profile_count ?? null,
        mergeFields: [
          { tag: 'first_name', name: 'First name', type: 'text' },
          { tag: 'last_name', name: 'Last name', type: 'text' },
          { tag: 'phone_number', name: 'Phone number', type: 'phone' },
          { tag: 'organization', name: 'Organization', type: 'text' },
          { tag: 'title', name: 'Title', type: 'text' },
          { tag: 'locale', name: 'Locale', type: 'text' },
          { tag: 'external_id', name: 'External ID', type: 'text' },
        ],
        extra: { opt_in_process: l.attributes.opt_in_process ?? null },
      });
    }
    // Segments a scheduled campaign targets are mirrored as lists too, so that campaign can be sent
    // from here; other segments are not (they can be large and nothing here would use them).
    const listIds = new Set(lists.data.map((l) => l.id));
    const segmentIds = new Set<string>();
    for (const c of (await this.scheduled(opts)).data)
      // Excluded segments too: a backup send must leave their people out (see campaignAudience).
      for (const id of [
        ...(c.attributes.audiences?.included ?? []),
        ...(c.attributes.audiences?.excluded ?? []),
      ])
        if (!listIds.has(id)) segmentIds.add(id);
    for (const id of segmentIds) {
      const r = await this.http.request<
        Doc<{ attributes: { name?: string | null; profile_count?: number | null } }>
      >('GET', `/api/segments/${encodeURIComponent(id)}`, {
        signal: opts.signal,
        query: { 'additional-fields[segment]': 'profile_count' },
        accept: [404],
      });
      if (r.status === 404) continue;
      out.push({
        espListId: `${SEGMENT_PREFIX}${id}`,
        name: `Segment: ${r.body.data.attributes.name || id}`,
        memberCount: r.body.data.attributes.profile_count ?? null,
        mergeFields: out[0]?.mergeFields ?? [],
        extra: { kind: 'segment' },
      });
    }
    return out;
  }

  private scheduled(opts: CallOptions): Promise<Doc<KlCampaign[]>> {
    return this.all<KlCampaign>(
      '/api/campaigns',
      {
        filter: `and(equals(messages.channel,'email'),equals(status,"Scheduled"))`,
        include: 'campaign-messages',
      },
      opts,
    );
  }

  /** The profiles collection of a list, or of a segment mirrored as a list. */
  private profilesPath(espListId: string): string {
    return espListId.startsWith(SEGMENT_PREFIX)
      ? `/api/segments/${encodeURIComponent(espListId.slice(SEGMENT_PREFIX.length))}/profiles`
      : `/api/lists/${encodeURIComponent(espListId)}/profiles`;
  }

  private listProfiles(listId: string, filter: string | null, cursor: string | null, opts: CallOptions) {
    return this.http.get<Doc<KlProfile[]>>(this.profilesPath(listId), {
      signal: opts.signal,
      query: {
        'additional-fields[profile]': 'subscriptions',
        'page[size]': KLAVIYO_PAGE,
        ...(filter ? { filter } : {}),
        ...(cursor ? { 'page[cursor]': cursor } : {}),
      },
    });
  }

  private toMembers(profiles: KlProfile[], listId: string): EspMember[] {
    const out: EspMember[] = [];
    for (const p of profiles) {
      const m = klMember(p, listId);
      if (m) out.push(m);
    }
    return out;
  }

  async members(
    list: EspList,
    query: MemberQuery,
    cursor: KlaviyoCursor | null,
    opts: CallOptions = {},
  ): Promise<MemberPage<KlaviyoCursor>> {
    const since = cursor ? (typeof cursor.since === 'string' ? cursor.since : null) : query.since;
    const phase: Phase = cursor ? (cursor.phase as Phase) : since ? 'joined' : 'list';
    const token = typeof cursor?.next === 'string' ? cursor.next : null;
    const at = since ? new Date(Date.parse(since)).toISOString().replace(/\.\d{3}Z$/, 'Z') : null;
    if (phase === 'list' || phase === 'joined') {
      const page = await this.listProfiles(
        list.espListId,
        phase === 'joined' ? `greater-than(joined_group_at,${at})` : null,
        token,
        opts,
      );
      const nextTok = nextCursor(page.links);
      const next: KlaviyoCursor | null = nextTok
        ? { phase, since, next: nextTok }
        : phase === 'joined'
          ? { phase: 'updated', since, next: null }
          : null;
      return { members: this.toMembers(page.data, list.espListId), next };
    }
    // 'updated': profiles changed account-wide since, narrowed to this list's members. A changed
    // profile that is no longer in the list but can no longer be emailed is returned too (with its
    // status): someone who unsubscribed and left the list (segments drop unsubscribed people on their
    // own) must never stay "subscribed" in the mirror until the next full pass.
    const changed = await this.http.get<Doc<KlProfile[]>>('/api/profiles', {
      signal: opts.signal,
      query: {
        filter: `greater-than(updated,${at})`,
        'additional-fields[profile]': 'subscriptions',
        'page[size]': KLAVIYO_PAGE,
        sort: 'updated',
        ...(token ? { 'page[cursor]': token } : {}),
      },
    });
    const emails = changed.data.map((p) => p.attributes.email).filter((e): e is string => !!e);
    let members: EspMember[] = [];
    if (emails.length) {
      const inList = await this.all<KlProfile>(
        this.profilesPath(list.espListId),
        {
          'additional-fields[profile]': 'subscriptions',
          'page[size]': KLAVIYO_PAGE,
          filter: `any(email,[${emails.map(q).join(',')}])`,
        },
        opts,
      );
      members = this.toMembers(inList.data, list.espListId);
      const seen = new Set(members.map((m) => m.email.toLowerCase()));
      for (const p of changed.data) {
        if (!p.attributes.email || seen.has(p.attributes.email.toLowerCase())) continue;
        const st = klStatus(p.attributes.subscriptions?.email?.marketing, list.espListId).status;
        if (st === 'subscribed' || st === 'pending') continue;
        const m = klMember(p, list.espListId);
        if (m) members.push({ ...m, extra: { ...m.extra, in_list: 'no' } });
      }
    }
    const nextTok = nextCursor(changed.links);
    return { members, next: nextTok ? { phase: 'updated', since, next: nextTok } : null };
  }

  /**
   * Included and excluded lists and segments: every list, and every segment a scheduled campaign
   * includes or excludes, is mirrored as a list by this same sync (/api/lists/{id}/profiles,
   * /api/segments/{id}/profiles), so the audience is their union minus the excluded ones.
   */
  campaignAudience(c: EspCampaign): Promise<EspAudience> {
    const seg = (c.segment ?? {}) as {
      includedLists?: string[];
      includedSegments?: string[];
      excludedLists?: string[];
      excludedSegments?: string[];
    };
    const asList = (ids: string[] | undefined, segment: boolean) =>
      (ids ?? []).map((id) => (segment ? `${SEGMENT_PREFIX}${id}` : id));
    const include = [...asList(seg.includedLists, false), ...asList(seg.includedSegments, true)];
    const exclude = [...asList(seg.excludedLists, false), ...asList(seg.excludedSegments, true)];
    return Promise.resolve({
      status: 'mirrored',
      target: `Klaviyo ${include.length === 1 ? 'audience' : 'audiences'} ${include.join(', ')}${exclude.length ? ` without ${exclude.join(', ')}` : ''}`,
      include,
      exclude,
    });
  }

  async scheduledCampaigns(opts: CallOptions = {}): Promise<EspCampaign[]> {
    const [doc, account, lists] = await Promise.all([
      this.scheduled(opts),
      this.accounts(opts),
      this.all<{ id: string }>('/api/lists', {}, opts),
    ]);
    const listIds = new Set(lists.data.map((l) => l.id));
    const tz = account.data[0]?.attributes.timezone ?? null;
    const messages = new Map(
      (doc.included ?? []).filter((x) => x.type === 'campaign-message').map((x) => [x.id, x]),
    );
    const out: EspCampaign[] = [];
    for (const c of doc.data) {
      const a = c.attributes;
      const at = klIso(a.scheduled_at ?? a.send_strategy?.datetime ?? null);
      if (!at) continue;
      const mid = c.relationships?.['campaign-messages']?.data?.[0]?.id;
      if (!mid) continue;
      const msg = messages.get(mid);
      const content = ((msg?.attributes.definition as { content?: KlMessageContent } | undefined)?.content ??
        {}) as KlMessageContent;
      const tpl = await this.http.get<Doc<{ attributes: { html: string; text?: string | null } }>>(
        `/api/campaign-messages/${encodeURIComponent(mid)}/template`,
        { signal: opts.signal },
      );
      const included = a.audiences?.included ?? [];
      const excluded = a.audiences?.excluded ?? [];
      const targetLists = included.filter((id) => listIds.has(id));
      const targetSegments = included.filter((id) => !listIds.has(id));
      const simple = included.length === 1 && excluded.length === 0;
      out.push({
        espCampaignId: c.id,
        name: a.name,
        subject: content.subject ?? '',
        fromName: content.from_label ?? '',
        fromEmail: content.from_email ?? '',
        replyTo: content.reply_to_email ?? null,
        html: tpl.data.attributes.html,
        text: tpl.data.attributes.text ?? null,
        scheduledAt: at,
        timeZone: tz,
        // One audience maps onto one mirrored list; several, or exclusions, stay in `segment` with no
        // list, so nothing here can send to the wrong people (the outbox sends to a list).
        espListId: !simple
          ? null
          : (targetLists[0] ?? (targetSegments[0] ? `${SEGMENT_PREFIX}${targetSegments[0]}` : null)),
        segment: simple
          ? null
          : ({
              kind: 'klaviyo_audiences',
              includedLists: targetLists,
              includedSegments: targetSegments,
              excluded,
              excludedLists: excluded.filter((id) => listIds.has(id)),
              excludedSegments: excluded.filter((id) => !listIds.has(id)),
            } as Json),
        dialect: 'klaviyo',
        extra: {
          preview_text: content.preview_text ?? null,
          local_time: a.send_strategy?.options?.is_local === true,
          status: a.status,
        },
      });
    }
    return out;
  }

  async unschedule(espCampaignId: string, opts: CallOptions = {}): Promise<UnscheduleResult> {
    const id = encodeURIComponent(espCampaignId);
    try {
      const c = await this.http.get<Doc<KlCampaign>>(`/api/campaigns/${id}`, { signal: opts.signal });
      const status = c.data.attributes.status;
      if (status === 'Draft' || status.startsWith('Cancelled'))
        return { status: 'done', message: `Klaviyo campaign ${espCampaignId} is not scheduled (${status}).` };
      if (status === 'Sent' || status === 'Variations Sent')
        return {
          status: 'failed',
          message: `Klaviyo already sent campaign ${espCampaignId}; it cannot be unscheduled.`,
        };
      const action = status === 'Sending' || status === 'Sending Segments' ? 'cancel' : 'revert';
      await this.http.patch(
        `/api/campaign-send-jobs/${id}`,
        { data: { type: 'campaign-send-job', id: espCampaignId, attributes: { action } } },
        { signal: opts.signal },
      );
      return {
        status: 'done',
        message:
          action === 'revert'
            ? `Klaviyo campaign ${espCampaignId} was reverted to a draft; Klaviyo will not send it.`
            : `Klaviyo stopped sending campaign ${espCampaignId}; part of the list may already have it.`,
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `Klaviyo did not unschedule campaign ${espCampaignId}, so Klaviyo may still send it later: ${(e as Error).message}`,
      };
    }
  }

  async campaignState(espCampaignId: string, opts: CallOptions = {}): Promise<EspCampaignState> {
    const r = await this.http.request<Doc<KlCampaign>>(
      'GET',
      `/api/campaigns/${encodeURIComponent(espCampaignId)}`,
      { signal: opts.signal, accept: [404] },
    );
    if (r.status === 404) return { state: 'gone', espStatus: 'not found' };
    const st = r.body.data.attributes.status;
    const state: EspCampaignState['state'] =
      st === 'Sent' || st === 'Variations Sent'
        ? 'sent'
        : st === 'Sending' || st === 'Sending Segments'
          ? 'sending'
          : st === 'Scheduled' || st === 'Queued without Recipients' || st === 'Adding Recipients'
            ? 'scheduled'
            : st.startsWith('Cancelled')
              ? 'cancelled'
              : 'draft';
    return { state, espStatus: st };
  }

  private async profileByEmail(email: string, opts: CallOptions): Promise<KlProfile | null> {
    const doc = await this.http.get<Doc<KlProfile[]>>('/api/profiles', {
      signal: opts.signal,
      query: { filter: `equals(email,${q(email)})`, 'additional-fields[profile]': 'subscriptions' },
    });
    return doc.data[0] ?? null;
  }

  async pushBack(item: PushBackItem, opts: CallOptions = {}): Promise<PushBackResult> {
    const p = await this.profileByEmail(item.email, opts);
    if (!p) return { status: 'not_found', message: `Klaviyo has no profile ${item.email}.` };
    const m: KlMarketing | undefined = p.attributes.subscriptions?.email?.marketing;
    const now = klStatus(m, item.espListId);
    const profile = { type: 'profile', attributes: { email: p.attributes.email ?? item.email } };
    if (item.kind === 'unsubscribe') {
      if (now.status !== 'subscribed' && now.status !== 'pending')
        return {
          status: 'already',
          message: `Klaviyo already does not email ${item.email} (${now.reason}).`,
        };
      await this.http.post(
        '/api/profile-subscription-bulk-delete-jobs',
        {
          data: {
            type: 'profile-subscription-bulk-delete-job',
            attributes: {
              profiles: {
                data: [
                  {
                    ...profile,
                    attributes: {
                      ...profile.attributes,
                      subscriptions: { email: { marketing: { consent: 'UNSUBSCRIBED' } } },
                    },
                  },
                ],
              },
            },
            relationships: { list: { data: { type: 'list', id: item.espListId } } },
          },
        },
        { signal: opts.signal },
      );
      return { status: 'done', message: `Unsubscribed ${item.email} from the Klaviyo list.` };
    }
    if ((m?.suppression ?? []).length > 0)
      return { status: 'already', message: `Klaviyo already suppresses ${item.email}.` };
    await this.http.post(
      '/api/profile-suppression-bulk-create-jobs',
      {
        data: { type: 'profile-suppression-bulk-create-job', attributes: { profiles: { data: [profile] } } },
      },
      { signal: opts.signal },
    );
    return {
      status: 'done',
      message: `Klaviyo now suppresses ${item.email} (recorded as a manual suppression: Klaviyo's API cannot record a ${item.kind} itself).`,
    };
  }

  async tagBackupRecipients(
    _espListId: string,
    emails: string[],
    tag: string,
    opts: CallOptions = {},
  ): Promise<{ tagged: number }> {
    const found = await this.all<{ id: string }>('/api/lists', { filter: `equals(name,${q(tag)})` }, opts);
    let listId = found.data[0]?.id;
    if (!listId) {
      const created = await this.http.post<Doc<{ id: string }>>(
        '/api/lists',
        { data: { type: 'list', attributes: { name: tag } } },
        { signal: opts.signal },
      );
      listId = created.data.id;
    }
    let tagged = 0;
    for (let i = 0; i < emails.length; i += KLAVIYO_PAGE) {
      const chunk = emails.slice(i, i + KLAVIYO_PAGE);
      const profiles = await this.all<{ id: string }>(
        '/api/profiles',
        {
          filter: `any(email,[${chunk.map(q).join(',')}])`,
          'fields[profile]': 'email',
          'page[size]': KLAVIYO_PAGE,
        },
        opts,
      );
      if (!profiles.data.length) continue;
      await this.http.post(
        `/api/lists/${encodeURIComponent(listId)}/relationships/profiles`,
        { data: profiles.data.map((p) => ({ type: 'profile', id: p.id })) },
        { signal: opts.signal },
      );
      tagged += profiles.data.length;
    }
    return { tagged };
  }
}

export const createKlaviyoConnector: ConnectorFactory = (o: ConnectorOptions) => new KlaviyoConnector(o);
