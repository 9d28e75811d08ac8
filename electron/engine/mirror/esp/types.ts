/**
 * The ESP connector interface: one shape for Mailchimp, Brevo, MailerLite, Kit, SendGrid and Klaviyo.
 *
 * A connector is STATELESS: it turns the ESP's API into these types and back, and nothing else. The
 * sync engine (sync.ts) owns every checkpoint: it hands the connector an opaque cursor, gets a page
 * and the next cursor back, and stores that cursor in the same transaction that applies the page. A
 * connector never writes to the database, never keeps a cursor between calls, never sleeps on its own
 * (the shared HTTP client in http.ts does the retrying, the limits and the timeouts).
 *
 * Stability: other connectors are built on this file. Changes are additive only (new optional fields,
 * new optional methods); nothing is renamed or removed.
 */
import type { SubscriberStatus } from '../../model/status';
import { ESP_KINDS, isEspKind, type EspKind } from '../../api/esp';
import type { Dialect } from '../../api/sending';
import type { Clock } from '../../clock';
import type { EspHttp } from './http';

/** The ESP kinds are declared in the contract (api/esp.ts). */
export { ESP_KINDS, isEspKind, type EspKind };

/** The merge-tag syntax a campaign's HTML/text is written in (campaigns.dialect). */
export type MergeDialect = Dialect;

/** A JSON value: checkpoints and `extra` must survive JSON.stringify/parse unchanged. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/**
 * Opaque, JSON-serialisable position in a member stream (an offset, a cursor token, an export job id).
 * Only the connector that produced it reads it; the sync engine stores it verbatim. Each connector
 * declares its own cursor type (a `type`, so it stays assignable to this one) and implements
 * `EspConnector<ItsCursor>`; it still reads a stored cursor defensively (a cursor of an older version).
 */
export type MemberCursor = { [k: string]: Json };

/** The cursor of an ESP whose member pages are addressed by offset (Mailchimp, Brevo). */
export type OffsetCursor = { offset: number };

// ---------------------------------------------------------------------------------------------------
// Lists and members

export interface EspMergeFieldDef {
  /** The tag used in content and in member.mergeFields (Mailchimp FNAME, Brevo FIRSTNAME, Kit first_name). */
  tag: string;
  /** Human label. */
  name: string;
  /** text | number | date | birthday | address | phone | url | dropdown | radio | boolean | ... (ESP words kept). */
  type: string;
  required?: boolean;
  defaultValue?: string | null;
  /** Choices for dropdown/radio fields. */
  options?: string[];
  /** The ESP's own id for the field (Mailchimp merge_id, Brevo attribute name, ...). */
  espId?: string;
}

export interface EspList {
  espListId: string;
  name: string;
  /** Members the ESP reports (all statuses it counts); informative, for progress bars. */
  memberCount?: number | null;
  mergeFields: EspMergeFieldDef[];
  /** ESP-specific facts worth keeping (permission reminder, default from address, ...). */
  extra?: Record<string, Json>;
}

export interface EspMember {
  /** The ESP's id for this member in this list (Mailchimp: MD5 of the lower-cased address). */
  espId: string;
  email: string;
  /** Mapped to ours: subscribed | unsubscribed | cleaned | bounced | complained | pending | archived. */
  status: SubscriberStatus;
  /** The ESP's word or reason, verbatim ("cleaned: hard bounce", "blacklisted", ...). */
  statusReason?: string | null;
  /** When the status last changed at the ESP, if it says (ISO-8601 UTC). */
  statusChangedAt?: string | null;
  firstName?: string;
  lastName?: string;
  /** Every other merge field/attribute/custom field, as text (dates ISO-8601, numbers as written). */
  mergeFields: Record<string, string>;
  tags: string[];
  optinTime?: string | null;
  optinIp?: string | null;
  confirmTime?: string | null;
  confirmIp?: string | null;
  /** When anything about the member last changed at the ESP (ISO-8601 UTC); drives incremental sync. */
  changedAt: string | null;
  /** Everything else the ESP said (rating, location, language, unique email id, ...), as text. */
  extra?: Record<string, string>;
}

export interface MemberQuery {
  /**
   * Incremental sync: only members changed at or after this instant (ISO-8601 UTC). null = everyone.
   * A connector whose API has no such filter returns everyone; the sync engine then writes only
   * differences (capabilities.incremental tells it which).
   */
  since: string | null;
}

export interface MemberPage<C extends MemberCursor = MemberCursor> {
  members: EspMember[];
  /** Where the next page starts; null when this was the last page. */
  next: C | null;
  /** Total members matching the query, when the ESP reports it (for progress). */
  total?: number | null;
  /**
   * A long-running server-side job (SendGrid export) is not ready yet: nothing to apply, call again
   * with `next` after `pendingMs`. The sync engine waits; the connector never sleeps.
   */
  pendingMs?: number;
}

// ---------------------------------------------------------------------------------------------------
// Campaigns

export interface EspCampaign {
  espCampaignId: string;
  name: string;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  html: string | null;
  text: string | null;
  /** The instant the ESP will send it, ISO-8601 UTC. */
  scheduledAt: string;
  /** IANA zone the sender scheduled in, when the ESP says; shown to the user, never used for the instant. */
  timeZone: string | null;
  /** The target list (null: the ESP targets something we do not mirror as a list, e.g. all contacts). */
  espListId: string | null;
  /** Segment/conditions at the ESP, verbatim, for display and for a faithful local send. */
  segment?: Json | null;
  dialect: MergeDialect;
  extra?: Record<string, Json>;
}

/**
 * Who a campaign aimed at a segment, tag or group reaches, as the ESP's API lists it (exclusions
 * applied), or why the API cannot list it. Asked at every sync (EspConnector.campaignAudience).
 */
export type EspAudience =
  | {
      status: 'resolved';
      /** The target in the ESP's words, for display ("saved segment 12", "tag Customers"). */
      target: string;
      /** Addresses of the people it reaches, exclusions already removed. */
      emails: string[];
      /** People the campaign's exclusions left out. */
      excluded: number;
      /** ESP list ids the people are looked up in, in order (empty: every list of the connection). */
      espListIds: string[];
    }
  /**
   * The target is a combination of lists/segments this connector mirrors as lists (their members were
   * read from the API earlier in the same sync): the people of `include` minus those of `exclude`, by
   * ESP list id. Used where the API lists members only through the mirror's own paging (SendGrid's
   * export jobs, Klaviyo's segment profiles).
   */
  | { status: 'mirrored'; target: string; include: string[]; exclude: string[] }
  | {
      status: 'unresolvable';
      target: string;
      /** Completes "Understudy cannot send this through a backup because …". */
      reason: string;
      /** What the person can do about it, in the ESP's words. */
      next: string;
    };

export type UnscheduleResult =
  | { status: 'done'; message: string }
  /** The API cannot unschedule this campaign (or anything): the ESP may still send it later. */
  | { status: 'not_supported'; message: string }
  /** The ESP refused or did not answer: the ESP may still send it later. */
  | { status: 'failed'; message: string };

/**
 * Where a campaign stands at the ESP, asked after Understudy took it over: is the ESP still going to
 * send it (scheduled), did it (sending/sent), or will it not (draft/cancelled/gone)?
 */
export interface EspCampaignState {
  state: 'scheduled' | 'draft' | 'sending' | 'sent' | 'cancelled' | 'gone';
  /** The ESP's own word for it ("schedule", "queued", "Sent", ...). */
  espStatus: string;
  /** Recipients the ESP reports it sent to, when it says. */
  recipients?: number | null;
}

// ---------------------------------------------------------------------------------------------------
// Push-back (closing the loop after an outage)

export type PushBackKind = 'unsubscribe' | 'bounce' | 'complaint';

export interface PushBackItem {
  kind: PushBackKind;
  email: string;
  espListId: string;
  /** The member's ESP id when we know it (saves a lookup). */
  espMemberId?: string | null;
  /** When it happened locally (ISO-8601 UTC). */
  at: string;
  /** Why (the SMTP reply of a bounce, "unsubscribe link", ...). */
  detail?: string | null;
}

export interface PushBackResult {
  /**
   * done: the ESP now has it. already: the ESP already had it (a retried push). not_found: the ESP does
   * not know the address in that list (nothing to change). not_supported: the API cannot record it.
   * Transient failures THROW (an EspError with retryable=true) so the queue keeps the item.
   */
  status: 'done' | 'already' | 'not_found' | 'not_supported';
  message?: string;
}

// ---------------------------------------------------------------------------------------------------
// Health

export type StatusIndicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance' | 'unknown';

export interface StatusPageResult {
  /** Statuspage `status.indicator`: none = all good. unknown = the page did not answer. */
  indicator: StatusIndicator;
  description: string;
  /** Components not operational, from summary.json when available. */
  components?: { name: string; status: string }[];
  url: string;
}

export interface ApiProbeResult {
  /** ok: answered. auth: answered but refused the key. down: did not answer usefully. */
  state: 'ok' | 'auth' | 'down';
  message: string;
  latencyMs: number | null;
  /** Account/login name when the probe returns one. */
  account?: string | null;
}

export interface EspHealth {
  /** operational: API ok and status page calm. degraded: one of them unhappy. down: API unreachable. */
  overall: 'operational' | 'degraded' | 'down';
  api: ApiProbeResult;
  statusPage: StatusPageResult | null;
  checkedAt: string;
}

export interface EspAccount {
  /** Account or company name, for "Connected to Acme Ltd". */
  name: string;
  email?: string | null;
  extra?: Record<string, Json>;
}

// ---------------------------------------------------------------------------------------------------
// Capabilities and limits

export interface EspLimits {
  /** Simultaneous connections the ESP allows (Mailchimp 10). */
  maxConnections: number;
  /** Requests per minute across the account (MailerLite/Kit 120), if any. */
  perMinute?: number;
  /** Per-endpoint requests per minute, by the bucket name connectors pass to http (Brevo). */
  buckets?: Record<string, number>;
}

export interface EspCapabilities {
  /** The member listing takes a changed-since filter. */
  incremental: boolean;
  /**
   * Member pages are addressed by offset, so the cursor of page k can be computed without fetching
   * pages before it: the sync engine fetches up to maxConnections pages at once and applies them in
   * order. Such a connector implements `cursorAhead` (and says its `pageSize`).
   */
  parallelPages: boolean;
  /**
   * Members per page of the member listing, when fixed (offset paging). With the list's member count
   * and each page's total, the sync fetches no page past the end and opens its window at once.
   */
  pageSize?: number;
  unschedule: boolean;
  pushBack: PushBackKind[];
  /** Recipients sent through a backup can be tagged at the ESP (tagBackupRecipients). */
  tagRecipients: boolean;
}

// ---------------------------------------------------------------------------------------------------
// The connector

export interface ConnectorOptions {
  apiKey: string;
  /** Overrides the API base (proxy, EU data centre, tests). No trailing slash needed. */
  baseUrl?: string | null | undefined;
  /** Overrides the Statuspage base, e.g. https://status.example.com (the connector appends /api/v2/...). */
  statusUrl?: string | null | undefined;
  /** Other per-connection settings from providers.config (Klaviyo revision, SendGrid region, ...). */
  config?: Record<string, Json> | undefined;
  clock?: Clock | undefined;
  /** Injected for tests and benchmarks; defaults to global fetch. */
  fetch?: typeof fetch | undefined;
  /** Injected for tests: how the HTTP client waits between retries (default: a real timer). */
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number | undefined;
  /** Attempts per request including the first (default 6). */
  maxAttempts?: number | undefined;
  /** Backoff base and cap in ms (defaults 500 / 30,000). */
  backoffBaseMs?: number | undefined;
  backoffMaxMs?: number | undefined;
}

/** Per-call options every connector method accepts. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

export interface EspConnector<C extends MemberCursor = MemberCursor> {
  readonly kind: EspKind;
  /** Display name ("Mailchimp"). */
  readonly label: string;
  readonly dialect: MergeDialect;
  readonly limits: EspLimits;
  readonly capabilities: EspCapabilities;
  /** The configured HTTP client (exposed for tests and diagnostics). */
  readonly http: EspHttp;

  /** Checks the key with an authenticated call; throws an EspError (code esp_auth) when refused. */
  verify(opts?: CallOptions): Promise<EspAccount>;
  /** The cheapest authenticated call plus the public status page. Never throws. */
  health(opts?: CallOptions): Promise<EspHealth>;

  lists(opts?: CallOptions): Promise<EspList[]>;
  /**
   * For an ESP that keeps each list's merge fields behind a call of their own (Mailchimp), `lists` in
   * two halves: the lists with `mergeFields` empty, then one list's fields. A sync asks for the fields
   * beside the list's first member pages instead of before them (one round trip less per sync).
   */
  listsApart?: {
    lists(opts?: CallOptions): Promise<EspList[]>;
    mergeFields(list: EspList, opts?: CallOptions): Promise<EspMergeFieldDef[]>;
  };
  /** One page of a list's members. cursor null = the first page of `query`. */
  members(list: EspList, query: MemberQuery, cursor: C | null, opts?: CallOptions): Promise<MemberPage<C>>;
  /**
   * Only when capabilities.parallelPages: the cursor `pages` pages after `cursor` (null = the first
   * page), assuming full pages. A cursor past the end yields an empty page with next = null.
   */
  cursorAhead?(list: EspList, query: MemberQuery, cursor: C | null, pages: number): C;

  /** Campaigns scheduled to send in the future, with content. */
  scheduledCampaigns(opts?: CallOptions): Promise<EspCampaign[]>;
  /**
   * Only for a campaign with a `segment`: who it reaches at the ESP (see EspAudience). Throws an
   * EspError when the ESP does not answer (the previous audience is kept).
   */
  campaignAudience?(c: EspCampaign, opts?: CallOptions): Promise<EspAudience>;
  /** Unschedule/suspend/cancel. Never throws for ESP answers: returns failed with a plain message. */
  unschedule(espCampaignId: string, opts?: CallOptions): Promise<UnscheduleResult>;
  /**
   * Where one campaign stands at the ESP (after Understudy took it over: did the ESP send it anyway?).
   * Throws an EspError when the ESP does not answer.
   */
  campaignState?(espCampaignId: string, opts?: CallOptions): Promise<EspCampaignState>;
  /** Records a local unsubscribe/bounce/complaint at the ESP; idempotent. */
  pushBack(item: PushBackItem, opts?: CallOptions): Promise<PushBackResult>;
  /** Tags members who were sent a campaign through a backup (capabilities.tagRecipients). */
  tagBackupRecipients?(
    espListId: string,
    emails: string[],
    tag: string,
    opts?: CallOptions,
  ): Promise<{ tagged: number }>;
}

export type ConnectorFactory = (options: ConnectorOptions) => EspConnector;
