/**
 * The shape every relay's feedback API is read into (issue 14, §5): items of one of three kinds, each
 * with the relay's own time and a key that names it within its feed. A reply that is not what the
 * relay documents (wrong types, missing fields, a page that never ends) is refused as a whole: nothing
 * of that pull is written.
 */
import { EspError, type EspHttp } from '../../mirror/esp/http';
import type { SmtpConfig } from '../transport';
import type { RelayFeedbackKind } from '../../db/repos/relayFeedback';
import { normalizeEmail } from '../../mirror/email';

export type { RelayFeedbackKind };

export interface FeedItem {
  /** The relay's list it came from ("bounces", "spam_reports", "suppressed", …). */
  feed: string;
  /** Unique within the feed: the relay's id, or the address and the relay's time. */
  key: string;
  email: string;
  kind: RelayFeedbackKind;
  /** The relay's time of it, ISO-8601 UTC. */
  at: string;
  /** The relay's reason, as it gave it (shortened). */
  detail: string | null;
}

export interface PullContext {
  http: EspHttp;
  apiKey: string;
  smtp: SmtpConfig;
  /** Where each feed stopped last time (the relay's time or its own cursor). */
  cursors: Readonly<Record<string, string>>;
  /** Now, ms. */
  now: number;
  signal?: AbortSignal | undefined;
  /** The most items one pull reads (across feeds); the rest waits for the next pull. */
  maxItems: number;
}

export interface PullOutcome {
  items: FeedItem[];
  /** The cursors to save once the items are written. A feed left out keeps its old cursor. */
  cursors: Record<string, string>;
  /** Items the relay reported that are not a bounce, complaint or unsubscribe (a temporary block …). */
  skipped: number;
  /** A feed stopped at maxItems: the next pull goes on. */
  truncated: boolean;
}

export interface RelayApi {
  /** The relay's name as people know it. */
  label: string;
  /** Where its API is, for this SMTP account (its region from the SMTP host). */
  baseUrl(smtp: SmtpConfig): string;
  /** Headers sent with every request (the key, per the relay's documentation). */
  headers(apiKey: string): Record<string, string>;
  /** What the person must enter, in words ("the API key", "access key id:secret access key"). */
  keyWords: string;
  /** Refuses a key (or account) that cannot work before anything is stored or asked. */
  checkKey?(apiKey: string, smtp: SmtpConfig): void;
  /** The secrets inside the key that must never be shown (SES: the secret access key). */
  secretsOf?(apiKey: string): string[];
  pull(ctx: PullContext): Promise<PullOutcome>;
}

/** Pages of one feed a pull reads at most: a relay that never stops paging is refused. */
export const MAX_PAGES = 500;

/** A reply that is not what the relay documents: refused, nothing of the pull is written. */
export function badReply(label: string, what: string, detail: string): EspError {
  return new EspError(
    'esp_bad_response',
    `${label} sent an answer to ${what} that its API does not document: ${detail}.`,
    {
      safe: 'Nothing of this pull was written; the suppression list is as it was.',
      next: 'Try again later; if it keeps happening, the relay may have changed its API: report it with this message.',
    },
  );
}

/** One page's items: a list (`name`, as the reply calls it) of at most the `max` asked for. */
export function pageItems(label: string, what: string, list: unknown, name: string, max: number): unknown[] {
  if (!Array.isArray(list)) throw badReply(label, what, `${name} is not a list`);
  if (list.length > max) throw badReply(label, what, `${list.length} items where at most ${max} were asked`);
  return list;
}

/**
 * Adds an item to the pull, or counts it skipped: a kind Understudy does not act on (`kind` undefined)
 * or an address that is not one. `detail`: the relay's words, joined by ': ', at most 500 characters.
 */
export function keep(
  out: PullOutcome,
  item: Omit<FeedItem, 'kind' | 'detail'> & {
    kind: RelayFeedbackKind | undefined;
    detail: (string | null | undefined)[];
  },
): void {
  if (!item.kind || normalizeEmail(item.email) === undefined) {
    out.skipped++;
    return;
  }
  out.items.push({ ...item, kind: item.kind, detail: item.detail.filter(Boolean).join(': ').slice(0, 500) });
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A field that must be a string (of at most 1000 characters). */
export function str(
  label: string,
  what: string,
  item: Record<string, unknown>,
  field: string,
  i: number,
): string {
  const v = item[field];
  if (typeof v !== 'string' || v.length > 1000)
    throw badReply(
      label,
      what,
      `item ${i + 1} has ${typeof v === 'string' ? 'an over-long' : 'no text'} "${field}"`,
    );
  return v;
}

/** An optional text field: a string, or nothing; anything else is refused. */
export function optStr(
  label: string,
  what: string,
  item: Record<string, unknown>,
  field: string,
  i: number,
): string | null {
  const v = item[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw badReply(label, what, `item ${i + 1} has a "${field}" that is not text`);
  return v.slice(0, 500);
}

/** Seconds since 1970 → ISO; anything else refused. */
export function epochIso(label: string, what: string, v: unknown, i: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 32_503_680_000)
    throw badReply(label, what, `item ${i + 1} has no valid time`);
  return new Date(Math.floor(v * 1000)).toISOString();
}

/** A date text the relay wrote → ISO; anything that is not a date refused. */
export function textIso(label: string, what: string, v: unknown, i: number): string {
  const t =
    typeof v === 'string' && v.length <= 100 ? Date.parse(v.replace(/^(\d{4}-\d{2}-\d{2}) /, '$1T')) : NaN;
  if (Number.isNaN(t)) throw badReply(label, what, `item ${i + 1} has no valid time`);
  return new Date(t).toISOString();
}

/** The later of two ISO times (either may be missing). */
export function later(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}
