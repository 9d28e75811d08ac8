/** One CSV record → one staged subscriber, or the reason it cannot be imported. */
import type { StagedRow } from '../../db/repos/imports';
import { checkEmail } from '../email';
import { parseStatusWord, stricterStatus, type SubscriberStatus } from '../../model/status';
import type { ColumnPlan, Target } from './formats';
import { parseFlag, parseTags, parseTimestamp, unescapeFormula } from './values';
import { shown } from '../../display';

export type RowResult = { ok: true; row: StagedRow } | { ok: false; reason: string };

const TIME_TARGETS = new Set<Target>([
  'optin_time',
  'confirm_time',
  'status_changed_at',
  'esp_changed_at',
  'unsubscribed_at',
  'cleaned_at',
  'bounced_at',
]);

/** The status a filled opt-out time column means. */
const TIME_SIGNAL: Partial<Record<Target, SubscriberStatus>> = {
  unsubscribed_at: 'unsubscribed',
  cleaned_at: 'cleaned',
  bounced_at: 'bounced',
};

/**
 * Control characters that have no place in a name, an address or a merge field (tab, line feed and
 * carriage return are ordinary in quoted CSV fields). A row holding one goes to the reject report.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * Two statements about one person in one row: anything that is not "subscribed" wins over
 * "subscribed" (a pending consent is no consent), otherwise the stricter one.
 */
function combine(a: SubscriberStatus | undefined, b: SubscriberStatus): SubscriberStatus {
  if (a === undefined || a === 'subscribed') return b;
  if (b === 'subscribed') return a;
  return stricterStatus(a, b);
}

// Quote, backslash, control characters, and the two line separators: anything JSON must escape.
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u2028\u2029]/;

/** A JSON string literal; plain text (nearly every cell) skips JSON.stringify. */
function jsonString(v: string): string {
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

export class RowBuilder {
  /** Per column: the JSON key (quoted, with its colon) of a merge field, or undefined. */
  private readonly mergeKeys: (string | undefined)[];
  /** Per column: the JSON key of an extra field; for a time column, its header (used when unparseable). */
  private readonly extraKeys: (string | undefined)[];
  /** Columns that must hold a consent statement on every row (an empty cell is consent unknown). */
  private readonly hasConsent: boolean;
  /** Understudy's own export escapes spreadsheet formulas; its cells are unescaped on the way in. */
  private readonly unescape: boolean;

  constructor(
    private readonly plan: ColumnPlan,
    private readonly header: string[],
    private readonly defaultStatus: SubscriberStatus,
  ) {
    // Keys are the same on every row: encoded once here, not once per row.
    this.mergeKeys = plan.targets.map((t) =>
      t.startsWith('merge:') ? jsonString(t.slice(6)) + ':' : undefined,
    );
    this.extraKeys = plan.targets.map((t, i) =>
      t.startsWith('extra:')
        ? jsonString(t.slice(6)) + ':'
        : TIME_TARGETS.has(t)
          ? jsonString(header[i]!.trim()) + ':'
          : undefined,
    );
    this.hasConsent = plan.targets.includes('consent');
    this.unescape = plan.format === 'understudy';
  }

  /** `raw`: the record's text, checked once for control characters (the cheap test on every row). */
  // eslint-disable-next-line max-lines-per-function -- the import's per-row hot path: one pass over the fields, no calls per cell
  build(fields: string[], line: number, raw?: string): RowResult {
    const { targets, dayFirst } = this.plan;
    if (raw !== undefined && CONTROL.test(raw)) {
      const i = fields.findIndex((f) => CONTROL.test(f));
      if (i >= 0) {
        const c = CONTROL.exec(fields[i]!)![0].charCodeAt(0);
        return {
          ok: false,
          reason: `"${shown(this.header[i] ?? `column ${i + 1}`, 60)}" holds a control character (U+${c.toString(16).toUpperCase().padStart(4, '0')}), which has no place in a name or an address`,
        };
      }
    }
    if (this.unescape) fields = fields.map(unescapeFormula);
    if (fields.length > targets.length) {
      for (let i = targets.length; i < fields.length; i++) {
        if (fields[i]!.trim() !== '') {
          return { ok: false, reason: `has ${fields.length} columns but the header has ${targets.length}` };
        }
      }
    }
    let emailRaw = '';
    let first = '';
    let last = '';
    let statusWord: string | undefined;
    /** What the row's opt-out columns say (status words, consent, opt-out times, flags). */
    let said: SubscriberStatus | undefined;
    let saidReason: string | null = null;
    let consentSeen = false;
    let blocklisted = false;
    let tags: string[] = [];
    let statusReason: string | null = null;
    let optinIp: string | null = null;
    let confirmIp: string | null = null;
    let espId: string | null = null;
    let optinTime: string | null = null;
    let confirmTime: string | null = null;
    let statusChangedAt: string | null = null;
    let espChangedAt: string | null = null;
    // The JSON objects are built as the row is read: '' until a first member, then '{"K":"v",...'.
    let merge = '';
    let extra = '';
    let extraJson: Record<string, string> | undefined;
    let anyValue = false;

    const n = Math.min(fields.length, targets.length);
    for (let i = 0; i < n; i++) {
      const v = fields[i]!;
      if (v === '') continue;
      anyValue = true;
      const t = targets[i]!;
      switch (t) {
        case 'email':
          emailRaw = v;
          break;
        case 'first_name':
          first = v.trim();
          break;
        case 'last_name':
          last = v.trim();
          break;
        case 'status':
          if (statusWord === undefined) statusWord = v;
          else {
            const s = parseStatusWord(v);
            if (!s) return { ok: false, reason: `unknown status "${shown(v.trim(), 80)}"` };
            said = combine(said, s);
          }
          break;
        case 'blocklisted': {
          // Yes/no, or the date it happened ("Unsubscribed: 2024-05-01" means yes).
          const f = parseFlag(v) ?? (parseTimestamp(v, dayFirst) ? true : undefined);
          if (f === undefined)
            return {
              ok: false,
              reason: `"${shown(this.header[i]!, 60)}" is "${shown(v, 80)}", expected yes or no`,
            };
          if (f) blocklisted = true;
          break;
        }
        case 'consent': {
          consentSeen = true;
          const f = parseFlag(v);
          // Yes/no, a status word (Klaviyo: SUBSCRIBED, NEVER_SUBSCRIBED, …), or the date consent was given.
          const s =
            f === true
              ? 'subscribed'
              : f === false
                ? 'unsubscribed'
                : (parseStatusWord(v) ?? (parseTimestamp(v, dayFirst) ? 'subscribed' : undefined));
          if (!s)
            return {
              ok: false,
              reason: `"${shown(this.header[i]!, 60)}" is "${shown(v, 80)}": cannot tell whether this person agreed to get email`,
            };
          if (s !== 'subscribed' && saidReason === null)
            saidReason =
              f === false
                ? 'no consent'
                : v
                    .trim()
                    .toLowerCase()
                    .replace(/[\s_-]+/g, ' ');
          said = combine(said, s);
          break;
        }
        case 'tags':
          tags = parseTags(v);
          break;
        case 'status_reason':
          statusReason = v.trim();
          break;
        case 'optin_ip':
          optinIp = v.trim();
          break;
        case 'confirm_ip':
          confirmIp = v.trim();
          break;
        case 'esp_id':
          espId = v.trim();
          break;
        case 'extra_json':
          try {
            const parsed = JSON.parse(v) as unknown;
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
              extraJson = parsed as Record<string, string>;
            else return { ok: false, reason: `"${this.header[i]}" is not a JSON object` };
          } catch {
            return { ok: false, reason: `"${this.header[i]}" is not valid JSON` };
          }
          break;
        case 'ignore':
          break;
        case 'unsubscribed_at':
        case 'cleaned_at':
        case 'bounced_at':
        case 'optin_time':
        case 'confirm_time':
        case 'status_changed_at':
        case 'esp_changed_at': {
          const iso = parseTimestamp(v, dayFirst);
          const signal = TIME_SIGNAL[t];
          // A filled opt-out time means the person opted out, whether or not it reads as a date.
          if (signal) {
            said = combine(said, signal);
            if (iso && statusChangedAt === null) statusChangedAt = iso;
          }
          if (signal && iso) {
            // kept as the status change time above
          } else if (!iso) {
            // Not a time we can read: kept verbatim under its column's name.
            extra += (extra === '' ? '{' : ',') + this.extraKeys[i]! + jsonString(v);
          } else if (t === 'optin_time') optinTime = iso;
          else if (t === 'confirm_time') confirmTime = iso;
          else if (t === 'status_changed_at') statusChangedAt = iso;
          else espChangedAt = iso;
          break;
        }
        default: {
          const mkey = this.mergeKeys[i];
          if (mkey !== undefined) merge += (merge === '' ? '{' : ',') + mkey + jsonString(v);
          else extra += (extra === '' ? '{' : ',') + this.extraKeys[i]! + jsonString(v);
        }
      }
    }
    if (!anyValue) return { ok: false, reason: 'blank row' };
    const email = checkEmail(emailRaw);
    if (!email.ok) return { ok: false, reason: email.reason };

    let status: SubscriberStatus;
    if (statusWord !== undefined) {
      const s = parseStatusWord(statusWord);
      if (!s) return { ok: false, reason: `unknown status "${shown(statusWord.trim(), 80)}"` };
      status = s;
      if (s === 'pending' && statusReason === null && /never|not|non/i.test(statusWord))
        statusReason = 'never subscribed';
    } else status = this.plan.impliedStatus ?? this.defaultStatus;
    if (this.hasConsent && !consentSeen) {
      // A consent column left empty: consent unknown, so not a subscriber.
      said = combine(said, 'pending');
      saidReason ??= 'consent unknown';
    }
    if (said !== undefined) {
      const before = status;
      status = combine(status, said);
      if (status !== before && statusReason === null) statusReason = saidReason;
    }
    if (blocklisted && (status === 'subscribed' || status === 'pending')) status = 'unsubscribed';

    extra = extra === '' ? '{}' : extra + '}';
    if (extraJson) extra = JSON.stringify({ ...extraJson, ...(JSON.parse(extra) as Record<string, string>) });

    return {
      ok: true,
      row: [
        line,
        email.email,
        email.norm,
        first,
        last,
        (first === '' ? last : last === '' ? first : `${first} ${last}`).toLowerCase(),
        status,
        statusChangedAt,
        statusReason,
        merge === '' ? '{}' : merge + '}',
        tags.length ? JSON.stringify(tags) : '[]',
        extra,
        optinTime,
        optinIp,
        confirmTime,
        confirmIp,
        espId,
        espChangedAt,
      ],
    };
  }
}
