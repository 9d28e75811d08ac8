/**
 * Twilio SendGrid connector (Marketing Campaigns, v3; Bearer key). SendGrid has no paged contact
 * listing, so a list is mirrored through its export job: `POST /v3/marketing/contacts/exports` (JSON),
 * poll `GET …/exports/{id}` (the sync engine waits between polls; the connector never sleeps), then
 * download the files at the presigned `urls` WITHOUT the API key and page through them. The cursor
 * holds the job id and a position, never the presigned URLs (they are bearer links to subscriber data):
 * a resumed pass asks for them again. Contacts carry no status, so statuses come from the account's
 * suppression lists (bounces, spam reports, invalid emails, global and group unsubscribes), read once
 * per pass. Every pass is full (no changed-since filter); the sync engine writes only differences.
 * Lists: every SendGrid list plus "All contacts" (single sends can target everyone), plus each segment
 * a scheduled single send targets (`segment:<id>`, exported by segment id).
 *
 * Closing the loop: a scheduled single send is unscheduled with `DELETE …/singlesends/{id}/schedule`;
 * unsubscribes, bounces and complaints are pushed to the global unsubscribe group
 * (`POST /v3/asm/suppressions/global`) — the one suppression list the API lets us add to, and one
 * SendGrid never mails past; backup recipients get a Text custom field set to the tag.
 * Limits: SendGrid answers 429 with X-RateLimit-Reset (an epoch time, not Retry-After): the shared
 * client waits until then (https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits).
 */
import type { Clock } from '../../../clock';
import {
  EspError,
  EspHttp,
  isEspError,
  realSleep,
  type ErrorAnswer,
  type EspErrorDescription,
  eitherSignal,
} from '../http';
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
  MemberPage,
  MemberQuery,
  PushBackItem,
  PushBackResult,
  UnscheduleResult,
  EspCampaignState,
} from '../types';
import {
  addSuppression,
  parseExportFile,
  sgIso,
  sgMember,
  unixIso,
  type SgExportContact,
  type SuppressionMap,
} from './map';
import { ESP_DISPLAY_NAMES } from '../../../api/words';

export const SENDGRID_BASE_URL = 'https://api.sendgrid.com';
export const SENDGRID_STATUS_URL = 'https://status.sendgrid.com';
/** esp_list_id of a segment mirrored as a list. */
export const SEGMENT_PREFIX = 'segment:';
/** The pseudo-list of every contact. */
export const SENDGRID_ALL = 'all';
const SENDGRID_PAGE = 1000;
const CACHE_TTL_MS = 10 * 60_000;

/** SendGrid's errors: `{errors: [{field, message}]}`. */
export function describeSendGridError(a: ErrorAnswer): EspErrorDescription | undefined {
  const errs = (a.body as { errors?: { field?: string | null; message?: string }[] } | undefined)?.errors;
  if (Array.isArray(errs) && errs.length)
    return {
      message: errs.map((e) => (e.field ? `${e.field}: ${e.message ?? ''}` : (e.message ?? ''))).join('; '),
    };
  return a.text.trim() ? { message: a.text.trim().slice(0, 200) } : undefined;
}

interface ExportStatus {
  id: string;
  status: 'pending' | 'ready' | 'failure';
  urls?: string[];
  message?: string;
  contact_count?: number;
}

interface SingleSend {
  id: string;
  name?: string;
  status?: string;
  send_at?: string | null;
  send_to?: { list_ids?: string[]; segment_ids?: string[]; all?: boolean };
  email_config?: {
    subject?: string;
    html_content?: string;
    plain_content?: string;
    sender_id?: number | null;
    suppression_group_id?: number | null;
  };
}

/**
 * Where the export stands: to be started, waiting for the job `job` (`polls` so far), or reading
 * its files (`file`, `offset` in it). Flat, because a stored cursor is read field by field.
 */
export type SendGridCursor = {
  phase: 'start' | 'wait' | 'read';
  job?: string;
  polls?: number;
  file?: number;
  offset?: number;
};

export class SendGridConnector implements EspConnector<SendGridCursor> {
  readonly kind = 'sendgrid' as const;
  readonly label = ESP_DISPLAY_NAMES.sendgrid;
  readonly dialect = 'sendgrid' as const;
  readonly limits: EspLimits = { maxConnections: 4, perMinute: 500 };
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
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  /** How long the sync engine waits between export status polls. */
  private readonly pollMs: number;
  /** Polls before an export that never finishes is reported (720 × 5 s = an hour). */
  private readonly maxPolls: number;
  private suppressions: { at: number; map: SuppressionMap } | null = null;
  private file: { job: string; index: number; rows: SgExportContact[] } | null = null;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(o: ConnectorOptions) {
    this.fetchImpl = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.sleep = o.sleep ?? realSleep;
    this.timeoutMs = o.timeoutMs ?? 120_000;
    this.pollMs = typeof o.config?.exportPollMs === 'number' ? o.config.exportPollMs : 5_000;
    this.maxPolls = typeof o.config?.exportMaxPolls === 'number' ? o.config.exportMaxPolls : 720;
    this.core = connectorCore(o, {
      esp: 'SendGrid',
      baseUrl: SENDGRID_BASE_URL,
      statusUrl: SENDGRID_STATUS_URL,
      headers: (key) => ({ authorization: `Bearer ${key}` }),
      limits: this.limits,
      http: { describeError: describeSendGridError, resetAtHeaders: ['x-ratelimit-reset'] },
    });
    this.http = this.core.http;
    this.clock = this.core.clock;
  }

  private async allLists(opts: CallOptions): Promise<{ id: string; name: string; contact_count?: number }[]> {
    const out: { id: string; name: string; contact_count?: number }[] = [];
    let token: string | null = null;
    for (;;) {
      const body: {
        result?: { id: string; name: string; contact_count?: number }[];
        _metadata?: { next?: string };
      } = await this.http.get('/v3/marketing/lists', {
        signal: opts.signal,
        query: { page_size: 1000, ...(token ? { page_token: token } : {}) },
      });
      out.push(...(body.result ?? []));
      const next = body._metadata?.next;
      token = next ? new URL(next).searchParams.get('page_token') : null;
      if (!token) return out;
    }
  }

  async verify(opts: CallOptions = {}): Promise<EspAccount> {
    const lists = await this.http.get<{ _metadata?: { count?: number } }>('/v3/marketing/lists', {
      signal: opts.signal,
      query: { page_size: 1 },
    });
    return { name: 'SendGrid account', extra: { lists: lists._metadata?.count ?? null } };
  }

  health(opts: CallOptions = {}): Promise<EspHealth> {
    return this.core.health(async () => {
      await this.verify(opts);
    }, opts);
  }

  async lists(opts: CallOptions = {}): Promise<EspList[]> {
    const [lists, defs] = await Promise.all([
      this.allLists(opts),
      this.http.get<{
        custom_fields?: { id: string; name: string; field_type: string }[];
        reserved_fields?: { name?: string; field_type?: string; read_only?: boolean }[];
      }>('/v3/marketing/field_definitions', { signal: opts.signal }),
    ]);
    const skip = new Set(['email', 'first_name', 'last_name', 'created_at', 'updated_at', 'contact_id']);
    const mergeFields = [
      { tag: 'first_name', name: 'First name', type: 'text' },
      { tag: 'last_name', name: 'Last name', type: 'text' },
      ...(defs.reserved_fields ?? [])
        .filter((f) => f.name && !skip.has(f.name) && !f.read_only)
        .map((f) => ({ tag: f.name!, name: f.name!, type: (f.field_type ?? 'Text').toLowerCase() })),
      ...(defs.custom_fields ?? []).map((f) => ({
        tag: f.name,
        name: f.name,
        type: f.field_type.toLowerCase(),
        espId: f.id,
      })),
    ];
    const out: EspList[] = [
      { espListId: SENDGRID_ALL, name: 'SendGrid contacts', memberCount: null, mergeFields },
      ...lists.map((l) => ({
        espListId: l.id,
        name: l.name,
        memberCount: l.contact_count ?? null,
        mergeFields,
      })),
    ];
    // Segments a scheduled single send targets are mirrored as lists too (exported by segment id), so
    // that send can go out from here; other segments are not.
    const segmentIds = new Set<string>();
    for (const s of await this.scheduledSends(opts))
      for (const id of s.send_to?.segment_ids ?? []) segmentIds.add(id);
    for (const id of segmentIds) {
      const r = await this.http.request<{ name?: string; contacts_count?: number }>(
        'GET',
        `/v3/marketing/segments/2.0/${encodeURIComponent(id)}`,
        { signal: opts.signal, accept: [404] },
      );
      if (r.status === 404) continue;
      out.push({
        espListId: `${SEGMENT_PREFIX}${id}`,
        name: `Segment: ${r.body.name ?? id}`,
        memberCount: r.body.contacts_count ?? null,
        mergeFields,
        extra: { kind: 'segment' },
      });
    }
    return out;
  }

  /** Every scheduled single send, with its details. */
  private async scheduledSends(opts: CallOptions): Promise<SingleSend[]> {
    const found: { id: string }[] = [];
    let token: string | null = null;
    for (;;) {
      const body: { result?: { id: string }[]; _metadata?: { next?: string } } = await this.http.post(
        '/v3/marketing/singlesends/search',
        { status: ['scheduled'] },
        { signal: opts.signal, query: { page_size: 100, ...(token ? { page_token: token } : {}) } },
      );
      found.push(...(body.result ?? []));
      const next = body._metadata?.next;
      token = next ? new URL(next).searchParams.get('page_token') : null;
      if (!token) break;
    }
    const out: SingleSend[] = [];
    for (const f of found)
      out.push(
        await this.http.get<SingleSend>(`/v3/marketing/singlesends/${encodeURIComponent(f.id)}`, {
          signal: opts.signal,
        }),
      );
    return out;
  }

  /** Every suppression that keeps SendGrid from mailing an address, strictest per address. */
  private async suppressionMap(opts: CallOptions): Promise<SuppressionMap> {
    if (this.suppressions && this.clock.now() - this.suppressions.at < CACHE_TTL_MS)
      return this.suppressions.map;
    const map: SuppressionMap = new Map();
    const paged = async (path: string, each: (r: Record<string, unknown>) => void) => {
      for (let offset = 0; ; offset += 500) {
        const rows = await this.http.get<Record<string, unknown>[]>(path, {
          signal: opts.signal,
          query: { limit: 500, offset },
          ...(path.endsWith('bounces') ? { headers: { accept: 'application/json' } } : {}),
        });
        rows.forEach(each);
        if (rows.length < 500) return;
      }
    };
    await paged('/v3/suppression/unsubscribes', (r) =>
      addSuppression(map, r.email as string, {
        status: 'unsubscribed',
        reason: 'global unsubscribe',
        at: unixIso(r.created),
      }),
    );
    await paged('/v3/suppression/bounces', (r) =>
      addSuppression(map, r.email as string, {
        status: 'bounced',
        reason: `bounce${r.status ? ` ${String(r.status)}` : ''}${r.reason ? `: ${String(r.reason)}` : ''}`,
        at: unixIso(r.created),
      }),
    );
    await paged('/v3/suppression/spam_reports', (r) =>
      addSuppression(map, r.email as string, {
        status: 'complained',
        reason: 'spam report',
        at: unixIso(r.created),
      }),
    );
    await paged('/v3/suppression/invalid_emails', (r) =>
      addSuppression(map, r.email as string, {
        status: 'cleaned',
        reason: `invalid email${r.reason ? `: ${String(r.reason)}` : ''}`,
        at: unixIso(r.created),
      }),
    );
    // Group unsubscribes: a single send always goes out under an unsubscribe group; treating them as
    // unsubscribed everywhere may hold back mail someone still wants, but never sends unwanted mail.
    const groups = await this.http.get<{ email: string; group_name?: string; created_at?: number }[]>(
      '/v3/asm/suppressions',
      { signal: opts.signal },
    );
    for (const g of groups)
      addSuppression(map, g.email, {
        status: 'unsubscribed',
        reason: `unsubscribed from group ${g.group_name ?? ''}`.trim(),
        at: unixIso(g.created_at),
      });
    this.suppressions = { at: this.clock.now(), map };
    return map;
  }

  /** Downloads an export file, retrying a dropped or refused download a few times with backoff. */
  private async download(url: string, opts: CallOptions): Promise<Buffer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.downloadOnce(url, opts);
      } catch (e) {
        if (attempt >= 3 || opts.signal?.aborted) throw e;
        await this.sleep(1000 * 2 ** attempt, opts.signal);
      }
    }
  }

  private async downloadOnce(url: string, opts: CallOptions): Promise<Buffer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = eitherSignal(opts.signal, timeout);
    let res: Response;
    try {
      // A presigned link: no API key (the storage host must never see it, and refuses two auths).
      res = await this.fetchImpl(url, { signal });
    } catch (e) {
      throw new EspError(
        'esp_unavailable',
        `Could not download SendGrid's export file: ${(e as Error).message}.`,
        {
          retryable: true,
          safe: 'Nothing from the file was applied; the next run resumes at the same place.',
          next: 'Try again in a few minutes.',
        },
      );
    }
    if (!res.ok)
      throw new EspError('esp_unavailable', `SendGrid's export file answered HTTP ${res.status}.`, {
        status: res.status,
        retryable: true,
        safe: 'Nothing from the file was applied.',
        next: 'The next sync starts a fresh export.',
      });
    return Buffer.from(await res.arrayBuffer());
  }

  async members(
    list: EspList,
    _query: MemberQuery,
    cursor: SendGridCursor | null,
    opts: CallOptions = {},
  ): Promise<MemberPage<SendGridCursor>> {
    const phase = cursor?.phase ?? 'start';
    if (phase === 'start') {
      const job = await this.http.post<{ id?: string }>(
        '/v3/marketing/contacts/exports',
        {
          ...(list.espListId === SENDGRID_ALL
            ? {}
            : list.espListId.startsWith(SEGMENT_PREFIX)
              ? { segment_ids: [list.espListId.slice(SEGMENT_PREFIX.length)] }
              : { list_ids: [list.espListId] }),
          file_type: 'json',
        },
        { signal: opts.signal },
      );
      if (!job.id)
        throw new EspError('esp_bad_response', 'SendGrid started an export but gave no job id.', {
          retryable: true,
        });
      return { members: [], next: { phase: 'wait', job: job.id }, pendingMs: this.pollMs };
    }
    const job = String(cursor!.job);
    const st = await this.http.request<ExportStatus>(
      'GET',
      `/v3/marketing/contacts/exports/${encodeURIComponent(job)}`,
      {
        signal: opts.signal,
        accept: [404],
      },
    );
    if (st.status === 404 || st.body.status === 'failure') {
      // Expired or failed at SendGrid: start a fresh export (a full pass re-applies idempotently).
      return { members: [], next: { phase: 'start' }, pendingMs: this.pollMs };
    }
    if (st.body.status !== 'ready') {
      const polls = Number(cursor!.polls ?? 0) + 1;
      if (polls >= this.maxPolls)
        throw new EspError(
          'esp_unavailable',
          `SendGrid's contact export ${job} has not finished after ${polls} checks (${Math.round((polls * this.pollMs) / 60_000)} min).`,
          {
            retryable: true,
            safe: 'The mirror keeps what it had; nothing from this export was applied.',
            next: "Check SendGrid's status page; the next sync checks the same export again.",
          },
        );
      return { members: [], next: { phase: 'wait', job, polls }, pendingMs: this.pollMs };
    }
    const urls = st.body.urls ?? [];
    if (phase === 'wait') {
      // Ready: read the suppressions now, so every page of this pass uses the same picture.
      this.suppressions = null;
      await this.suppressionMap(opts);
      return {
        members: [],
        next: urls.length ? { phase: 'read', job, file: 0, offset: 0 } : null,
        total: st.body.contact_count ?? null,
      };
    }
    const fileIndex = Number(cursor!.file ?? 0);
    const offset = Number(cursor!.offset ?? 0);
    const url = urls[fileIndex];
    if (!url) return { members: [], next: null };
    if (!this.file || this.file.job !== job || this.file.index !== fileIndex) {
      let rows: SgExportContact[];
      try {
        rows = parseExportFile(await this.download(url, opts));
      } catch (e) {
        if (isEspError(e)) throw e;
        throw new EspError(
          'esp_bad_response',
          `SendGrid's export file could not be read: ${(e as Error).message}`,
          {
            retryable: true,
            safe: 'Nothing from the file was applied.',
            next: 'Try again; a damaged download is fetched again.',
          },
        );
      }
      this.file = { job, index: fileIndex, rows };
    }
    const suppressions = await this.suppressionMap(opts);
    const slice = this.file.rows.slice(offset, offset + SENDGRID_PAGE);
    const members = slice.map((c) => sgMember(c, suppressions)).filter((m) => m !== null);
    const next: SendGridCursor | null =
      offset + SENDGRID_PAGE < this.file.rows.length
        ? { phase: 'read', job, file: fileIndex, offset: offset + SENDGRID_PAGE }
        : fileIndex + 1 < urls.length
          ? { phase: 'read', job, file: fileIndex + 1, offset: 0 }
          : null;
    if (!next) this.file = null;
    return { members, next, total: st.body.contact_count ?? null };
  }

  async scheduledCampaigns(opts: CallOptions = {}): Promise<EspCampaign[]> {
    const senders = new Map<
      number,
      { from?: { email?: string; name?: string }; reply_to?: { email?: string } }
    >();
    const out: EspCampaign[] = [];
    for (const s of await this.scheduledSends(opts)) {
      const at = sgIso(s.send_at);
      if (!at || s.status !== 'scheduled') continue;
      const cfg = s.email_config ?? {};
      let sender = cfg.sender_id != null ? senders.get(cfg.sender_id) : undefined;
      if (cfg.sender_id != null && !sender) {
        sender = await this.http.get(`/v3/marketing/senders/${cfg.sender_id}`, { signal: opts.signal });
        senders.set(cfg.sender_id, sender!);
      }
      const to = s.send_to ?? {};
      const listIds = to.list_ids ?? [];
      const segments = to.segment_ids ?? [];
      const simple = to.all || listIds.length + segments.length === 1;
      // Several lists/segments stay in `segment` with no list: the outbox sends to one list, and
      // sending to just the first would miss people (or reach the wrong ones).
      const espListId = to.all
        ? SENDGRID_ALL
        : !simple
          ? null
          : (listIds[0] ?? (segments[0] ? `${SEGMENT_PREFIX}${segments[0]}` : null));
      out.push({
        espCampaignId: s.id,
        name: s.name ?? '',
        subject: cfg.subject ?? '',
        fromName: sender?.from?.name ?? '',
        fromEmail: sender?.from?.email ?? '',
        replyTo: sender?.reply_to?.email ?? null,
        html: cfg.html_content ?? null,
        text: cfg.plain_content ?? null,
        scheduledAt: at,
        timeZone: null,
        espListId,
        segment: simple ? null : { kind: 'sendgrid_send_to', listIds, segmentIds: segments },
        dialect: 'sendgrid',
        extra: { suppression_group_id: cfg.suppression_group_id ?? null, sender_id: cfg.sender_id ?? null },
      });
    }
    return out;
  }

  /**
   * A single send to several lists and segments: every list, and every segment a scheduled send
   * targets, is mirrored as a list by this same sync (the export job is SendGrid's only way to list
   * members), so the audience is the union of those mirrored lists. Single sends have no exclusions.
   */
  campaignAudience(c: EspCampaign): Promise<EspAudience> {
    const seg = (c.segment ?? {}) as { listIds?: string[]; segmentIds?: string[] };
    const lists = seg.listIds ?? [];
    const segments = seg.segmentIds ?? [];
    const parts = [
      ...(lists.length ? [`list${lists.length > 1 ? 's' : ''} ${lists.join(', ')}`] : []),
      ...(segments.length ? [`segment${segments.length > 1 ? 's' : ''} ${segments.join(', ')}`] : []),
    ];
    return Promise.resolve({
      status: 'mirrored',
      target: `SendGrid ${parts.join(' and ')}`,
      include: [...lists, ...segments.map((id) => `${SEGMENT_PREFIX}${id}`)],
      exclude: [],
    });
  }

  async unschedule(espCampaignId: string, opts: CallOptions = {}): Promise<UnscheduleResult> {
    const id = encodeURIComponent(espCampaignId);
    try {
      const r = await this.http.request<{ status?: string }>(
        'DELETE',
        `/v3/marketing/singlesends/${id}/schedule`,
        {
          signal: opts.signal,
          accept: [404],
        },
      );
      if (r.status === 200)
        return {
          status: 'done',
          message: `SendGrid single send ${espCampaignId} is a draft again; SendGrid will not send it.`,
        };
      const s = await this.http.request<SingleSend>('GET', `/v3/marketing/singlesends/${id}`, {
        signal: opts.signal,
        accept: [404],
      });
      if (s.status === 200 && s.body.status === 'draft')
        return {
          status: 'done',
          message: `SendGrid single send ${espCampaignId} was not scheduled (it is a draft).`,
        };
      return {
        status: 'failed',
        message:
          s.status === 404
            ? `SendGrid no longer has single send ${espCampaignId}.`
            : `SendGrid did not unschedule single send ${espCampaignId} (it is ${s.body.status}); SendGrid may still send it.`,
      };
    } catch (e) {
      return {
        status: 'failed',
        message: `SendGrid did not unschedule single send ${espCampaignId}, so SendGrid may still send it later: ${(e as Error).message}`,
      };
    }
  }

  async campaignState(espCampaignId: string, opts: CallOptions = {}): Promise<EspCampaignState> {
    const r = await this.http.request<SingleSend>(
      'GET',
      `/v3/marketing/singlesends/${encodeURIComponent(espCampaignId)}`,
      { signal: opts.signal, accept: [404] },
    );
    if (r.status === 404) return { state: 'gone', espStatus: 'not found' };
    const st = r.body.status ?? 'unknown';
    // A triggered single send has gone out (SendGrid's word for sent).
    const state: EspCampaignState['state'] =
      st === 'triggered' ? 'sent' : st === 'scheduled' ? 'scheduled' : 'draft';
    return { state, espStatus: st };
  }

  async pushBack(item: PushBackItem, opts: CallOptions = {}): Promise<PushBackResult> {
    // Adding an address that is already there is a no-op at SendGrid: the push is idempotent.
    await this.http.post(
      '/v3/asm/suppressions/global',
      { recipient_emails: [item.email] },
      { signal: opts.signal },
    );
    return {
      status: 'done',
      message:
        item.kind === 'unsubscribe'
          ? `SendGrid now has ${item.email} in its global unsubscribes.`
          : `SendGrid now has ${item.email} in its global unsubscribes (its API cannot add to the ${item.kind === 'bounce' ? 'bounce' : 'spam report'} list; SendGrid will not mail the address either way).`,
    };
  }

  async tagBackupRecipients(
    _espListId: string,
    emails: string[],
    tag: string,
    opts: CallOptions = {},
  ): Promise<{ tagged: number }> {
    const FIELD = 'understudy_backup_send';
    const defs = await this.http.get<{ custom_fields?: { id: string; name: string }[] }>(
      '/v3/marketing/field_definitions',
      {
        signal: opts.signal,
      },
    );
    let id = defs.custom_fields?.find((f) => f.name === FIELD)?.id;
    if (!id)
      id = (
        await this.http.post<{ id: string }>(
          '/v3/marketing/field_definitions',
          { name: FIELD, field_type: 'Text' },
          { signal: opts.signal },
        )
      ).id;
    for (let i = 0; i < emails.length; i += 1000) {
      await this.http.put(
        '/v3/marketing/contacts',
        { contacts: emails.slice(i, i + 1000).map((email) => ({ email, custom_fields: { [id]: tag } })) },
        { signal: opts.signal },
      );
    }
    return { tagged: emails.length };
  }
}

export const createSendGridConnector: ConnectorFactory = (o: ConnectorOptions) => new SendGridConnector(o);
