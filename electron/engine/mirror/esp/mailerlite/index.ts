/**
 * MailerLite connector (the current API, connect.mailerlite.com/api; Bearer token). Subscribers belong
 * to the account and carry their status account-wide, so the mirror holds one list ("MailerLite
 * subscribers", esp id `all`) and MailerLite's groups become each member's tags (`include=groups`);
 * campaigns that target groups keep the group names in their segment, and a group that a ready
 * campaign targets on its own is mirrored as its own list (`group:<id>`) so the campaign can be sent. The subscriber listing is cursor
 * paged and filtered by one status at a time (it defaults to active), so a pass asks for each status in
 * turn; it has no changed-since filter, so every sync is a full pass and the engine writes only the
 * differences (capabilities.incremental = false).
 *
 * Limits: 120 requests a minute, then 429 with Retry-After (honoured by the shared client).
 * Closing the loop: ready campaigns are cancelled with `POST /campaigns/{id}/cancel` (they return to
 * draft); unsubscribes, bounces and complaints are pushed by setting the subscriber's status
 * (unsubscribed / bounced / junk); backup recipients are added to a group named after the tag.
 * Reference: https://developers.mailerlite.com/docs/ (no OpenAPI document is published).
 */
import type { Clock } from '../../../clock';
import { STATUS_RANK } from '../../../model/status';
import { EspHttp, isEspError, type ErrorAnswer, type EspErrorDescription } from '../http';
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
  Json,
  MemberPage,
  MemberQuery,
  PushBackItem,
  PushBackResult,
  UnscheduleResult,
  EspCampaignState,
} from '../types';
import {
  ML_STATUS_PASSES,
  mlIso,
  mlMember,
  mlStatus,
  targetGroups,
  type MlCampaign,
  type MlSubscriber,
} from './map';
import { ESP_DISPLAY_NAMES } from '../../../api/words';

export const MAILERLITE_BASE_URL = 'https://connect.mailerlite.com/api';
export const MAILERLITE_STATUS_URL = 'https://status.mailerlite.com';
export const MAILERLITE_LIST_ID = 'all';
/** esp_list_id of a group mirrored as a list. */
export const GROUP_PREFIX = 'group:';
const MAILERLITE_PAGE = 1000;

/** MailerLite's errors: `{message, errors: {field: [messages]}}`. */
export function describeMailerLiteError(a: ErrorAnswer): EspErrorDescription | undefined {
  const b = a.body as { message?: unknown; errors?: unknown } | undefined;
  if (!b || typeof b.message !== 'string')
    return a.text.trim() ? { message: a.text.trim().slice(0, 200) } : undefined;
  const details =
    b.errors && typeof b.errors === 'object'
      ? Object.entries(b.errors as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : String(v)}`)
          .join('; ')
      : '';
  return { message: details && !b.message.includes(details) ? `${b.message} (${details})` : b.message };
}

interface Paged<T> {
  data: T[];
  meta?: { last_page?: number; current_page?: number; next_cursor?: string | null; total?: number };
}

/** The status pass (an index into ML_STATUS_PASSES) and MailerLite's cursor within it (null: its first page). */
export type MailerLiteCursor = { si: number; cursor: string | null };

export class MailerLiteConnector implements EspConnector<MailerLiteCursor> {
  readonly kind = 'mailerlite' as const;
  readonly label = ESP_DISPLAY_NAMES.mailerlite;
  readonly dialect = 'mailerlite' as const;
  readonly limits: EspLimits = { maxConnections: 4, perMinute: 120 };
  readonly capabilities: EspCapabilities = {
    incremental: false,
    parallelPages: false,
    unschedule: true,
    pushBack: ['unsubscribe', 'bounce', 'complaint'],
    tagRecipients: true,
  };
  readonly http: EspHttp;
  private readonly clock: Clock;
  private readonly core: ConnectorCore;

  constructor(o: ConnectorOptions) {
    this.core = connectorCore(o, {
      esp: 'MailerLite',
      baseUrl: MAILERLITE_BASE_URL,
      statusUrl: MAILERLITE_STATUS_URL,
      headers: (key) => ({ authorization: `Bearer ${key}` }),
      limits: this.limits,
      // A little under the 120/min the ESP counts, so a long sync never trips it.
      perMinute: 110,
      http: { describeError: describeMailerLiteError },
    });
    this.http = this.core.http;
    this.clock = this.core.clock;
  }

  private count(opts: CallOptions): Promise<{ total?: number }> {
    return this.http.get<{ total?: number }>('/subscribers', { signal: opts.signal, query: { limit: 0 } });
  }

  async verify(opts: CallOptions = {}): Promise<EspAccount> {
    const c = await this.count(opts);
    return { name: 'MailerLite account', extra: { subscribers: c.total ?? null } };
  }

  health(opts: CallOptions = {}): Promise<EspHealth> {
    return this.core.health(async () => {
      await this.count(opts);
    }, opts);
  }

  /** Every page of a page-numbered collection. */
  private async pages<T>(
    path: string,
    opts: CallOptions,
    query: Record<string, string | number> = {},
  ): Promise<T[]> {
    const out: T[] = [];
    for (let page = 1; ; page++) {
      const body = await this.http.get<Paged<T>>(path, {
        signal: opts.signal,
        query: { limit: 100, page, ...query },
      });
      out.push(...(body.data ?? []));
      if (!body.meta?.last_page || page >= body.meta.last_page) return out;
    }
  }

  async lists(opts: CallOptions = {}): Promise<EspList[]> {
    const [fields, groups, count] = await Promise.all([
      this.pages<{ id: string; name: string; key: string; type: string }>('/fields', opts),
      this.pages<{ id: string; name: string }>('/groups', opts),
      this.count(opts),
    ]);
    const mergeFields = fields.map((f) => ({ tag: f.key, name: f.name, type: f.type, espId: f.id }));
    const out: EspList[] = [
      {
        espListId: MAILERLITE_LIST_ID,
        name: 'MailerLite subscribers',
        memberCount: count.total ?? null,
        mergeFields,
        extra: { groups: groups.map((g) => ({ id: g.id, name: g.name })) },
      },
    ];
    // A group that a ready campaign targets on its own is mirrored as a list too (every sync is a
    // full pass, so members who leave the group are archived), so that campaign can be sent from here.
    const targeted = new Set<string>();
    for (const c of await this.pages<MlCampaign>('/campaigns', opts, { 'filter[status]': 'ready' })) {
      const t = targetGroups(c);
      if (t && !t.other && t.groups.length === 1) targeted.add(t.groups[0]!);
    }
    for (const g of groups)
      if (targeted.has(g.id))
        out.push({
          espListId: `${GROUP_PREFIX}${g.id}`,
          name: `Group: ${g.name}`,
          memberCount: null,
          mergeFields,
        });
    return out;
  }

  async members(
    list: EspList,
    _query: MemberQuery,
    cursor: MailerLiteCursor | null,
    opts: CallOptions = {},
  ): Promise<MemberPage<MailerLiteCursor>> {
    const si = typeof cursor?.si === 'number' ? cursor.si : 0;
    const status = ML_STATUS_PASSES[si];
    if (!status) return { members: [], next: null };
    const path = list.espListId.startsWith(GROUP_PREFIX)
      ? `/groups/${encodeURIComponent(list.espListId.slice(GROUP_PREFIX.length))}/subscribers`
      : '/subscribers';
    const body = await this.http.get<Paged<MlSubscriber>>(path, {
      signal: opts.signal,
      query: {
        'filter[status]': status,
        limit: MAILERLITE_PAGE,
        include: 'groups',
        ...(typeof cursor?.cursor === 'string' ? { cursor: cursor.cursor } : {}),
      },
    });
    const members = (body.data ?? []).map(mlMember);
    const nextCursor = body.meta?.next_cursor ?? null;
    const next = nextCursor
      ? { si, cursor: nextCursor }
      : si + 1 < ML_STATUS_PASSES.length
        ? { si: si + 1, cursor: null }
        : null;
    return { members, next };
  }

  /**
   * A campaign's filter: rules `in_any`/`in_all` of groups (/groups/{id}/subscribers) and segments
   * (/segments/{id}/subscribers); the rules of an inner array must all hold, the inner arrays are
   * alternatives. Any other rule cannot be listed through the API.
   */
  async campaignAudience(c: EspCampaign, opts: CallOptions = {}): Promise<EspAudience> {
    const seg = (c.segment ?? {}) as { filter?: MlCampaign['filter'] };
    const filter = seg.filter ?? [];
    const kinds = { groups: 'group', segments: 'segment' } as const;
    const bad = filter
      .flat()
      .find(
        (r) =>
          !(r.args?.[0] === 'groups' || r.args?.[0] === 'segments') ||
          !(r.operator === 'in_any' || r.operator === 'in_all'),
      );
    if (bad)
      return {
        status: 'unresolvable',
        target: 'conditions set on the campaign',
        reason: `its recipients are chosen by a condition (${bad.operator} ${String(bad.args?.[0] ?? '')}) that MailerLite's API cannot list; only groups and segments can be listed`,
        next: 'In MailerLite, aim the campaign at groups or a segment instead, then sync; otherwise MailerLite must send it when it is back.',
      };
    const cache = new Map<string, Set<string>>();
    const emailsOf = async (kind: 'groups' | 'segments', id: string): Promise<Set<string>> => {
      const key = `${kind}:${id}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const out = new Set<string>();
      let cursor: string | null = null;
      do {
        const body: Paged<MlSubscriber> = await this.http.get<Paged<MlSubscriber>>(
          `/${kind}/${encodeURIComponent(id)}/subscribers`,
          {
            signal: opts.signal,
            query: { 'filter[status]': 'active', limit: MAILERLITE_PAGE, ...(cursor ? { cursor } : {}) },
          },
        );
        for (const x of body.data ?? []) if (x.email) out.add(x.email.toLowerCase());
        cursor = body.meta?.next_cursor ?? null;
      } while (cursor);
      cache.set(key, out);
      return out;
    };
    const included = new Set<string>();
    const names: string[] = [];
    for (const and of filter) {
      let cur = null as Set<string> | null;
      for (const r of and) {
        const kind = r.args[0] as 'groups' | 'segments';
        names.push(`${kinds[kind]}${r.args[1].length > 1 ? 's' : ''} ${r.args[1].join(', ')}`);
        const sets = await Promise.all(r.args[1].map((id) => emailsOf(kind, id)));
        let rule: Set<string>;
        if (r.operator === 'in_any') rule = new Set(sets.flatMap((x) => [...x]));
        else rule = sets.reduce((a, b) => new Set([...a].filter((e) => b.has(e))));
        cur = cur ? new Set([...cur].filter((e: string) => rule.has(e))) : rule;
      }
      for (const e of cur ?? []) included.add(e);
    }
    return {
      status: 'resolved',
      target: `MailerLite ${names.join(' and ')}`,
      emails: [...included],
      excluded: 0,
      espListIds: [MAILERLITE_LIST_ID],
    };
  }

  async scheduledCampaigns(opts: CallOptions = {}): Promise<EspCampaign[]> {
    const [campaigns, groups] = await Promise.all([
      this.pages<MlCampaign>('/campaigns', opts, { 'filter[status]': 'ready' }),
      this.pages<{ id: string; name: string }>('/groups', opts),
    ]);
    const groupName = new Map(groups.map((g) => [g.id, g.name]));
    const out: EspCampaign[] = [];
    for (const c of campaigns) {
      const at = mlIso(c.scheduled_for);
      if (!at) continue;
      const email = c.emails?.find((e) => e.id === c.default_email_id) ?? c.emails?.[0];
      if (!email) continue;
      let html = email.content ?? null;
      if (html === null && email.preview_url) {
        // The designed HTML is only published as the campaign's web version.
        html = await this.http.get<string>(email.preview_url, {
          absolute: true,
          text: true,
          signal: opts.signal,
          headers: { accept: 'text/html' },
        });
      }
      const target = targetGroups(c);
      out.push({
        espCampaignId: c.id,
        name: c.name,
        subject: email.subject ?? '',
        fromName: email.from_name ?? '',
        fromEmail: email.from ?? '',
        replyTo: email.reply_to ?? null,
        html,
        text: email.plain_text ?? null,
        scheduledAt: at,
        timeZone: null,
        // Only a campaign to everyone maps onto the mirrored audience; one to groups or segments keeps its
        // target in `segment` with no list, so nothing here can send it to every subscriber by mistake.
        espListId: !target
          ? MAILERLITE_LIST_ID
          : !target.other && target.groups.length === 1
            ? `${GROUP_PREFIX}${target.groups[0]}`
            : null,
        segment: target
          ? {
              kind: 'mailerlite_filter',
              tagsAny: target.groups.map((id) => groupName.get(id) ?? id),
              otherRules: target.other,
              filter: JSON.parse(JSON.stringify(c.filter ?? null)) as Json,
              described: (c.filter_for_humans ?? []).flat(),
            }
          : null,
        dialect: 'mailerlite',
        extra: { delivery_schedule: c.delivery_schedule ?? null, type: c.type ?? null },
      });
    }
    return out;
  }

  async unschedule(espCampaignId: string, opts: CallOptions = {}): Promise<UnscheduleResult> {
    const id = encodeURIComponent(espCampaignId);
    try {
      const r = await this.http.request<{ data?: MlCampaign }>('POST', `/campaigns/${id}/cancel`, {
        signal: opts.signal,
        accept: [422],
      });
      if (r.status === 200 && r.body.data?.status !== 'ready')
        return {
          status: 'done',
          message: `MailerLite campaign ${espCampaignId} was cancelled; it is a draft again.`,
        };
      const now = await this.http.get<{ data: MlCampaign }>(`/campaigns/${id}`, { signal: opts.signal });
      if (now.data.status === 'draft')
        return {
          status: 'done',
          message: `MailerLite campaign ${espCampaignId} was not scheduled (it is a draft).`,
        };
      return {
        status: 'failed',
        message: `MailerLite did not cancel campaign ${espCampaignId} (it is ${now.data.status}); MailerLite may still send it.`,
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `MailerLite did not cancel campaign ${espCampaignId}, so MailerLite may still send it later: ${(e as Error).message}`,
      };
    }
  }

  async campaignState(espCampaignId: string, opts: CallOptions = {}): Promise<EspCampaignState> {
    const r = await this.http.request<{ data?: MlCampaign }>(
      'GET',
      `/campaigns/${encodeURIComponent(espCampaignId)}`,
      { signal: opts.signal, accept: [404] },
    );
    const c = r.status === 404 ? undefined : r.body.data;
    if (!c) return { state: 'gone', espStatus: 'not found' };
    const st = c.status ?? 'unknown';
    const state: EspCampaignState['state'] =
      st === 'sent' ? 'sent' : st === 'sending' ? 'sending' : st === 'ready' ? 'scheduled' : 'draft';
    return { state, espStatus: st };
  }

  private async find(emailOrId: string, opts: CallOptions): Promise<MlSubscriber | null> {
    const r = await this.http.request<{ data?: MlSubscriber }>(
      'GET',
      `/subscribers/${encodeURIComponent(emailOrId)}`,
      {
        signal: opts.signal,
        accept: [404],
      },
    );
    return r.status === 404 ? null : (r.body.data ?? null);
  }

  async pushBack(item: PushBackItem, opts: CallOptions = {}): Promise<PushBackResult> {
    const sub = await this.find(item.espMemberId || item.email, opts);
    if (!sub) return { status: 'not_found', message: `MailerLite has no subscriber ${item.email}.` };
    const target = item.kind === 'unsubscribe' ? 'unsubscribed' : item.kind === 'bounce' ? 'bounced' : 'junk';
    if (STATUS_RANK[mlStatus(sub.status)] >= STATUS_RANK[mlStatus(target)])
      return { status: 'already', message: `MailerLite already has ${item.email} as ${sub.status}.` };
    await this.http.put(
      `/subscribers/${encodeURIComponent(sub.id)}`,
      { status: target },
      { signal: opts.signal },
    );
    return { status: 'done', message: `MailerLite now has ${item.email} as ${target}.` };
  }

  async tagBackupRecipients(
    _espListId: string,
    emails: string[],
    tag: string,
    opts: CallOptions = {},
  ): Promise<{ tagged: number }> {
    const groups = await this.pages<{ id: string; name: string }>('/groups', opts);
    let groupId = groups.find((g) => g.name.toLowerCase() === tag.toLowerCase())?.id;
    if (!groupId)
      groupId = (
        await this.http.post<{ data: { id: string } }>('/groups', { name: tag }, { signal: opts.signal })
      ).data.id;
    let tagged = 0;
    for (const email of emails) {
      const sub = await this.find(email, opts);
      if (!sub) continue;
      try {
        await this.http.post(
          `/subscribers/${encodeURIComponent(sub.id)}/groups/${encodeURIComponent(groupId)}`,
          undefined,
          {
            signal: opts.signal,
          },
        );
        tagged++;
      } catch (e) {
        if (!(isEspError(e) && e.status === 404)) throw e;
      }
    }
    return { tagged };
  }
}

export const createMailerLiteConnector: ConnectorFactory = (o: ConnectorOptions) =>
  new MailerLiteConnector(o);
