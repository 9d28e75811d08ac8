/**
 * Kit (ConvertKit) API v4 connector. Kit has one audience per account, so the mirror holds one list
 * ("Kit subscribers", esp id `all`); Kit's tags become each member's tags (Kit's subscriber listing does
 * not carry them, so a sync first pages every tag's subscribers to build the map). Incremental sync uses
 * `updated_after` (whole days per the spec, so the filter starts a day early and the engine writes only
 * differences). Paging is Kit's keyset cursor in ascending id order, so members added while a sync pages
 * land on pages still to come instead of being skipped.
 *
 * Limits: 120 requests a minute per key; Kit's 429 carries no Retry-After (the shared client backs off).
 * Closing the loop: a scheduled broadcast is unscheduled by saving it back as a draft (`PUT` with
 * `send_at: null`); unsubscribes are pushed with `POST /v4/subscribers/{id}/unsubscribe`. Kit has no API
 * to record a bounce or a complaint, so those are pushed as unsubscribes (the address stops receiving
 * Kit mail) and the result says so. Backup recipients are tagged with a Kit tag.
 * Reference: https://developers.kit.com/v4 and test/specs/kit-v4.json.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../clock';
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
  EspMergeFieldDef,
  MemberPage,
  MemberQuery,
  PushBackItem,
  PushBackResult,
  UnscheduleResult,
  EspCampaignState,
} from '../types';
import {
  asJson,
  filterTags,
  kitIso,
  kitMember,
  unscheduleBody,
  type KitBroadcast,
  type KitFilter,
  type KitPagination,
  type KitSubscriber,
} from './map';
import { ESP_DISPLAY_NAMES } from '../../../api/words';

export const KIT_BASE_URL = 'https://api.kit.com';
export const KIT_STATUS_URL = 'https://status.kit.com';
/** The one list a Kit account has. */
export const KIT_LIST_ID = 'all';
/** esp_list_id of a tag mirrored as a list. */
export const TAG_PREFIX = 'tag:';
const KIT_PAGE = 1000;
const TAG_MAP_TTL_MS = 10 * 60_000;

interface KitAccount {
  user?: { email?: string };
  account?: { name?: string; primary_email_address?: string; id?: number; timezone?: { name?: string } };
}

/** Kit's error bodies: `{errors: ["..."]}`, or the plain text `Retry later` on a 429. */
export function describeKitError(a: ErrorAnswer): EspErrorDescription | undefined {
  const b = a.body as { errors?: unknown } | undefined;
  if (b && Array.isArray(b.errors) && b.errors.length)
    return { message: b.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ') };
  if (a.text.trim()) return { message: a.text.trim().slice(0, 200) };
  return undefined;
}

/**
 * One pass of Kit's keyset paging: `run` names the pass (the tag map is built once per run), `after`
 * is Kit's end_cursor, `since` the incremental filter; a tag's list adds the `left` phase (people
 * changed since who lost the tag).
 */
export type KitCursor = {
  run: string;
  after: string | null;
  since: string | null;
  phase?: 'tagged' | 'left';
};

export class KitConnector implements EspConnector<KitCursor> {
  readonly kind = 'kit' as const;
  readonly label = ESP_DISPLAY_NAMES.kit;
  readonly dialect = 'kit' as const;
  /** Kit counts 120 a minute on a rolling window; we stay under it so a long sync never trips it. */
  readonly limits: EspLimits = { maxConnections: 4, perMinute: 120 };
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
  /**
   * Tag membership (subscriber id → tag names), built at the start of a pass and reused by the passes
   * that follow within TAG_MAP_TTL_MS (the sync's changed-since follow-up). A resumed pass in a new
   * process simply rebuilds it: the cursor never carries it.
   */
  private tagMap: { run: string; builtAt: number; map: Map<number, string[]> } | null = null;

  constructor(private readonly o: ConnectorOptions) {
    this.core = connectorCore(o, {
      esp: 'Kit',
      baseUrl: KIT_BASE_URL,
      statusUrl: KIT_STATUS_URL,
      headers: (key) => ({ 'X-Kit-Api-Key': key }),
      limits: this.limits,
      perMinute: 110,
      http: { describeError: describeKitError, backoffBaseMs: 1000 },
    });
    this.http = this.core.http;
    this.clock = this.core.clock;
  }

  private account(opts: CallOptions = {}): Promise<KitAccount> {
    return this.http.get<KitAccount>('/v4/account', { signal: opts.signal });
  }

  async verify(opts: CallOptions = {}): Promise<EspAccount> {
    const a = await this.account(opts);
    return {
      name: a.account?.name ?? 'Kit account',
      email: a.account?.primary_email_address ?? a.user?.email ?? null,
      extra: { id: a.account?.id ?? null, timezone: a.account?.timezone?.name ?? null },
    };
  }

  health(opts: CallOptions = {}): Promise<EspHealth> {
    return this.core.health(
      async () => ({ account: (await this.account(opts)).account?.name ?? null }),
      opts,
    );
  }

  /** Every page of a cursor-paged collection. */
  private async all<T>(
    path: string,
    key: string,
    opts: CallOptions,
    query: Record<string, string | number> = {},
  ): Promise<T[]> {
    const out: T[] = [];
    let after: string | null = null;
    for (;;) {
      const body: Record<string, unknown> & { pagination: KitPagination } = await this.http.get(path, {
        signal: opts.signal,
        query: { per_page: KIT_PAGE, ...query, ...(after ? { after } : {}) },
      });
      out.push(...((body[key] as T[] | undefined) ?? []));
      if (!body.pagination?.has_next_page || !body.pagination.end_cursor) return out;
      after = body.pagination.end_cursor;
    }
  }

  async lists(opts: CallOptions = {}): Promise<EspList[]> {
    const [fields, tags, count] = await Promise.all([
      this.all<{ id: number; key: string; label: string; name: string }>(
        '/v4/custom_fields',
        'custom_fields',
        opts,
      ),
      this.all<{ id: number; name: string }>('/v4/tags', 'tags', opts),
      this.http.get<{ pagination?: { total_count?: number } }>('/v4/subscribers', {
        signal: opts.signal,
        query: { status: 'all', per_page: 1, include_total_count: 'true' },
      }),
    ]);
    const mergeFields: EspMergeFieldDef[] = [
      { tag: 'first_name', name: 'First name', type: 'text' },
      ...fields.map((f) => ({ tag: f.key, name: f.label, type: 'text', espId: String(f.id) })),
    ];
    const out: EspList[] = [
      {
        espListId: KIT_LIST_ID,
        name: 'Kit subscribers',
        memberCount: count.pagination?.total_count ?? null,
        mergeFields,
        extra: { tags: tags.map((t) => t.name) },
      },
    ];
    // A tag that a scheduled broadcast targets on its own is mirrored as a list too, so the broadcast
    // can be sent from here.
    for (const id of await this.targetedTags(opts)) {
      const t = tags.find((x) => String(x.id) === id);
      if (t)
        out.push({ espListId: `${TAG_PREFIX}${id}`, name: `Tag: ${t.name}`, memberCount: null, mergeFields });
    }
    return out;
  }

  /** Scheduled broadcasts, with the one tag each targets when it targets exactly one. */
  private async scheduledBroadcasts(
    opts: CallOptions,
  ): Promise<{ b: KitBroadcast; at: string; tag: string | null }[]> {
    const now = this.clock.now();
    const out: { b: KitBroadcast; at: string; tag: string | null }[] = [];
    for (const b of await this.all<KitBroadcast>('/v4/broadcasts', 'broadcasts', opts)) {
      const at = kitIso(b.send_at);
      if (!at || Date.parse(at) <= now) continue;
      const st = b.stats?.status?.toLowerCase();
      if (st && st !== 'draft' && st !== 'scheduled') continue;
      const f = filterTags(b.subscriber_filter);
      const one =
        !f.everyone && f.none.length === 0 && f.segments.length === 0 && f.all.length + f.any.length === 1
          ? (f.all[0] ?? f.any[0]!)
          : null;
      out.push({ b, at, tag: one });
    }
    return out;
  }

  private async targetedTags(opts: CallOptions): Promise<string[]> {
    return [...new Set((await this.scheduledBroadcasts(opts)).map((x) => x.tag).filter((t) => t !== null))];
  }

  /** subscriber id → tag names, from every tag's subscriber listing (all states). */
  private async buildTagMap(run: string, opts: CallOptions): Promise<Map<number, string[]>> {
    if (this.tagMap && (this.tagMap.run === run || this.clock.now() - this.tagMap.builtAt < TAG_MAP_TTL_MS)) {
      this.tagMap.run = run;
      return this.tagMap.map;
    }
    const map = new Map<number, string[]>();
    const tags = await this.all<{ id: number; name: string }>('/v4/tags', 'tags', opts);
    for (const t of tags) {
      const subs = await this.all<{ id: number }>(`/v4/tags/${t.id}/subscribers`, 'subscribers', opts, {
        status: 'all',
      });
      for (const s of subs) {
        const list = map.get(s.id);
        if (list) list.push(t.name);
        else map.set(s.id, [t.name]);
      }
    }
    this.tagMap = { run, builtAt: this.clock.now(), map };
    return map;
  }

  async members(
    list: EspList,
    query: MemberQuery,
    cursor: KitCursor | null,
    opts: CallOptions = {},
  ): Promise<MemberPage<KitCursor>> {
    const c = cursor ?? { run: randomUUID(), after: null, since: query.since };
    const run = String(c.run);
    const tagMap = await this.buildTagMap(run, opts);
    const since = typeof c.since === 'string' ? c.since : null;
    if (list.espListId.startsWith(TAG_PREFIX)) return this.tagMembers(list, c, since, tagMap, opts);
    const body = await this.http.get<{ subscribers: KitSubscriber[]; pagination: KitPagination }>(
      '/v4/subscribers',
      {
        signal: opts.signal,
        query: {
          status: 'all',
          per_page: KIT_PAGE,
          sort_field: 'id',
          sort_order: 'asc',
          ...(since ? { updated_after: dayBefore(since) } : {}),
          ...(typeof c.after === 'string' ? { after: c.after } : {}),
          ...(cursor ? {} : { include_total_count: 'true' }),
        },
      },
    );
    const members = (body.subscribers ?? []).map((s) => kitMember(s, tagMap.get(s.id) ?? []));
    const p = body.pagination;
    const next: KitCursor | null =
      p?.has_next_page && p.end_cursor ? { run, after: p.end_cursor, since } : null;
    return { members, next, total: p?.total_count ?? null };
  }

  /**
   * A tag mirrored as a list: every tagged subscriber (all states), in full on every pass. After an
   * incremental pass's tagged set, subscribers changed since who are no longer tagged and can no longer
   * be mailed are returned too, so someone who unsubscribed and lost the tag never stays "subscribed"
   * in the tag's list until the next full pass (which archives them).
   */
  private async tagMembers(
    list: EspList,
    c: KitCursor,
    since: string | null,
    tagMap: Map<number, string[]>,
    opts: CallOptions,
  ): Promise<MemberPage<KitCursor>> {
    const tagId = list.espListId.slice(TAG_PREFIX.length);
    const run = String(c.run);
    const phase = c.phase === 'left' ? 'left' : 'tagged';
    const after = typeof c.after === 'string' ? c.after : null;
    const path = phase === 'tagged' ? `/v4/tags/${encodeURIComponent(tagId)}/subscribers` : '/v4/subscribers';
    const body = await this.http.get<{ subscribers: KitSubscriber[]; pagination: KitPagination }>(path, {
      signal: opts.signal,
      query: {
        status: 'all',
        per_page: KIT_PAGE,
        ...(phase === 'left'
          ? { sort_field: 'id', sort_order: 'asc', updated_after: dayBefore(since!) }
          : {}),
        ...(after ? { after } : {}),
      },
    });
    const tagName = list.name.replace(/^Tag: /, '');
    let rows = body.subscribers ?? [];
    if (phase === 'left')
      rows = rows.filter(
        (s) => !(tagMap.get(s.id) ?? []).includes(tagName) && kitMember(s, []).status !== 'subscribed',
      );
    const members = rows.map((s) => kitMember(s, tagMap.get(s.id) ?? []));
    const p = body.pagination;
    const next: KitCursor | null =
      p?.has_next_page && p.end_cursor
        ? { run, phase, after: p.end_cursor, since }
        : phase === 'tagged' && since
          ? { run, phase: 'left', after: null, since }
          : null;
    return { members, next };
  }

  /**
   * A broadcast's subscriber_filter: tags are listed by /v4/tags/{tag_id}/subscribers (any = union,
   * all = intersection, none = subtracted). Kit's API lists segments but not who a segment holds.
   */
  async campaignAudience(c: EspCampaign, opts: CallOptions = {}): Promise<EspAudience> {
    const seg = (c.segment ?? {}) as { filter?: KitFilter[] | null };
    const f = filterTags(seg.filter);
    if (f.segments.length)
      return {
        status: 'unresolvable',
        target: `Kit segment ${f.segments.join(', ')}`,
        reason: "it is aimed at a Kit segment, and Kit's API names a segment but does not list who it holds",
        next: "In Kit, aim the broadcast at a tag instead (tag the segment's subscribers with a bulk action), then sync; otherwise Kit must send it when it is back.",
      };
    const emailsOf = async (tag: string) =>
      new Set(
        (
          await this.all<{ email_address?: string }>(
            `/v4/tags/${encodeURIComponent(tag)}/subscribers`,
            'subscribers',
            opts,
          )
        ).map((x) => (x.email_address ?? '').toLowerCase()),
      );
    let included: Set<string>;
    if (f.everyone && !f.all.length && !f.any.length)
      included = new Set(
        (await this.all<{ email_address?: string }>('/v4/subscribers', 'subscribers', opts)).map((x) =>
          (x.email_address ?? '').toLowerCase(),
        ),
      );
    else {
      let any: Set<string> | null = null;
      for (const t of f.any) {
        any ??= new Set();
        for (const e of await emailsOf(t)) any.add(e);
      }
      let all: Set<string> | null = null;
      for (const t of f.all) {
        const got = await emailsOf(t);
        const prev: Set<string> | null = all;
        all = prev ? new Set([...prev].filter((e: string) => got.has(e))) : got;
      }
      const both: Set<string> | null = all;
      included =
        any && both
          ? new Set([...any].filter((e: string) => both.has(e)))
          : (any ?? both ?? new Set<string>());
    }
    let excluded = 0;
    for (const t of f.none) for (const e of await emailsOf(t)) if (included.delete(e)) excluded++;
    included.delete('');
    const tagName = new Map(
      (await this.all<{ id: number; name: string }>('/v4/tags', 'tags', opts)).map((t) => [
        String(t.id),
        t.name,
      ]),
    );
    const names = (ids: string[]) => ids.map((id) => `"${tagName.get(id) ?? id}"`).join(', ');
    const target = [
      f.all.length ? `subscribers tagged ${names(f.all)}` : '',
      f.any.length ? `subscribers tagged any of ${names(f.any)}` : '',
      !f.all.length && !f.any.length ? 'all subscribers' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      status: 'resolved',
      target: `${target}${f.none.length ? ` except those tagged ${names(f.none)}` : ''}`,
      emails: [...included],
      excluded,
      espListIds: [KIT_LIST_ID],
    };
  }

  async scheduledCampaigns(opts: CallOptions = {}): Promise<EspCampaign[]> {
    const [scheduled, account, tags] = await Promise.all([
      this.scheduledBroadcasts(opts),
      this.account(opts),
      this.all<{ id: number; name: string }>('/v4/tags', 'tags', opts),
    ]);
    const tagName = new Map(tags.map((t) => [String(t.id), t.name]));
    const out: EspCampaign[] = [];
    for (const { b, at, tag } of scheduled) {
      // The list endpoint may omit content; the single endpoint always has it.
      const full =
        b.content === undefined
          ? (
              await this.http.get<{ broadcast: KitBroadcast }>(`/v4/broadcasts/${b.id}`, {
                signal: opts.signal,
              })
            ).broadcast
          : b;
      const f = filterTags(full.subscriber_filter);
      const names = (ids: string[]) => ids.map((id) => tagName.get(id) ?? `tag ${id}`);
      out.push({
        espCampaignId: String(b.id),
        name: full.description || full.subject || `Broadcast ${b.id}`,
        subject: full.subject ?? '',
        fromName: account.account?.name ?? '',
        fromEmail: full.email_address || account.account?.primary_email_address || '',
        replyTo: null,
        html: full.content ?? null,
        text: null,
        scheduledAt: at,
        timeZone: account.account?.timezone?.name ?? null,
        // Only an everyone-broadcast maps onto the mirrored audience. Anything narrower (tags, segments) is
        // kept in `segment` with no list, so nothing here can send it to the whole audience by mistake.
        espListId: f.everyone ? KIT_LIST_ID : tag ? `${TAG_PREFIX}${tag}` : null,
        segment:
          f.everyone && f.none.length === 0 && f.segments.length === 0
            ? null
            : asJson({
                kind: 'kit_filter',
                tagsAll: names(f.all),
                tagsAny: names(f.any),
                tagsNone: names(f.none),
                segments: f.segments,
                filter: full.subscriber_filter,
              }),
        dialect: 'kit',
        extra: { preview_text: full.preview_text ?? null, public: full.public ?? false },
      });
    }
    return out;
  }

  async unschedule(espCampaignId: string, opts: CallOptions = {}): Promise<UnscheduleResult> {
    try {
      const { broadcast: b } = await this.http.get<{ broadcast: KitBroadcast }>(
        `/v4/broadcasts/${encodeURIComponent(espCampaignId)}`,
        { signal: opts.signal },
      );
      if (b.stats?.status === 'completed')
        return {
          status: 'failed',
          message: `Kit already sent broadcast ${espCampaignId}; it cannot be unscheduled.`,
        };
      if (!b.send_at)
        return {
          status: 'done',
          message: `Kit broadcast ${espCampaignId} was not scheduled (already a draft).`,
        };
      const { broadcast: after } = await this.http.put<{ broadcast: KitBroadcast }>(
        `/v4/broadcasts/${encodeURIComponent(espCampaignId)}`,
        unscheduleBody(b),
        { signal: opts.signal },
      );
      if (after?.send_at)
        return {
          status: 'failed',
          message: `Kit kept broadcast ${espCampaignId} scheduled for ${after.send_at}; Kit may still send it.`,
        };
      return {
        status: 'done',
        message: `Kit broadcast ${espCampaignId} is a draft again; Kit will not send it.`,
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `Kit did not unschedule broadcast ${espCampaignId}, so Kit may still send it later: ${(e as Error).message}`,
      };
    }
  }

  async campaignState(espCampaignId: string, opts: CallOptions = {}): Promise<EspCampaignState> {
    const r = await this.http.request<{ broadcast?: KitBroadcast & { stats?: { recipients?: number } } }>(
      'GET',
      `/v4/broadcasts/${encodeURIComponent(espCampaignId)}`,
      { signal: opts.signal, accept: [404] },
    );
    const b = r.status === 404 ? undefined : r.body.broadcast;
    if (!b) return { state: 'gone', espStatus: 'not found' };
    const st = b.stats?.status ?? (b.send_at ? 'scheduled' : 'draft');
    const state: EspCampaignState['state'] =
      st === 'completed'
        ? 'sent'
        : st === 'processing' || st === 'sending'
          ? 'sending'
          : b.send_at
            ? 'scheduled'
            : 'draft';
    return { state, espStatus: st, recipients: b.stats?.recipients ?? null };
  }

  private async findSubscriber(email: string, opts: CallOptions): Promise<KitSubscriber | null> {
    const body = await this.http.get<{ subscribers: KitSubscriber[] }>('/v4/subscribers', {
      signal: opts.signal,
      query: { email_address: email, status: 'all' },
    });
    return body.subscribers?.find((s) => s.email_address.toLowerCase() === email.toLowerCase()) ?? null;
  }

  async pushBack(item: PushBackItem, opts: CallOptions = {}): Promise<PushBackResult> {
    let sub: KitSubscriber | null = null;
    if (item.espMemberId) {
      const r = await this.http.request<{ subscriber?: KitSubscriber }>(
        'GET',
        `/v4/subscribers/${encodeURIComponent(item.espMemberId)}`,
        { signal: opts.signal, accept: [404] },
      );
      sub = r.status === 404 ? null : (r.body.subscriber ?? null);
    }
    sub ??= await this.findSubscriber(item.email, opts);
    if (!sub) return { status: 'not_found', message: `Kit has no subscriber ${item.email}.` };
    const note =
      item.kind === 'unsubscribe'
        ? ''
        : ` Kit has no API to record a ${item.kind}; it was recorded as an unsubscribe so Kit stops mailing the address.`;
    if (['cancelled', 'bounced', 'complained'].includes(sub.state))
      return { status: 'already', message: `Kit already has ${item.email} as ${sub.state}.${note}` };
    await this.http.post(`/v4/subscribers/${sub.id}/unsubscribe`, {}, { signal: opts.signal });
    return { status: 'done', message: `Unsubscribed ${item.email} at Kit.${note}` };
  }

  async tagBackupRecipients(
    _espListId: string,
    emails: string[],
    tag: string,
    opts: CallOptions = {},
  ): Promise<{ tagged: number }> {
    const tags = await this.all<{ id: number; name: string }>('/v4/tags', 'tags', opts);
    let id = tags.find((t) => t.name.toLowerCase() === tag.toLowerCase())?.id;
    if (id === undefined) {
      const created = await this.http.post<{ tag: { id: number } }>(
        '/v4/tags',
        { name: tag },
        { signal: opts.signal },
      );
      id = created.tag.id;
    }
    let tagged = 0;
    for (const email of emails) {
      try {
        await this.http.post(`/v4/tags/${id}/subscribers`, { email_address: email }, { signal: opts.signal });
        tagged++;
      } catch (e) {
        // An address Kit does not know (422/404) is skipped; anything else stops the run.
        if (!(isEspError(e) && (e.status === 422 || e.status === 404))) throw e;
      }
    }
    return { tagged };
  }
}

/** yyyy-mm-dd of the day before `iso` (UTC): Kit's date filter has day granularity. */
export function dayBefore(iso: string): string {
  const t = Date.parse(iso);
  return new Date(t - 86_400_000).toISOString().slice(0, 10);
}

export const createKitConnector: ConnectorFactory = (o: ConnectorOptions) => new KitConnector(o);
