/** One CSV record → one staged subscriber, or the reason it cannot be imported. */
import type { StagedRow } from '../../db/repos/imports';
import { checkEmail } from '../email';
import { parseStatusWord, type SubscriberStatus } from '../status';
import type { ColumnPlan, Target } from './formats';
import { parseFlag, parseTags, parseTimestamp } from './values';

export type RowResult = { ok: true; row: StagedRow } | { ok: false; reason: string };

const TIME_TARGETS = new Set<Target>(['optin_time', 'confirm_time', 'status_changed_at', 'esp_changed_at']);

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
  }

  build(fields: string[], line: number): RowResult {
    const { targets, dayFirst } = this.plan;
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
          statusWord = v;
          break;
        case 'blocklisted': {
          const f = parseFlag(v);
          if (f === undefined)
            return { ok: false, reason: `"${this.header[i]}" is "${v}", expected yes or no` };
          blocklisted = f;
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
        case 'optin_time':
        case 'confirm_time':
        case 'status_changed_at':
        case 'esp_changed_at': {
          const iso = parseTimestamp(v, dayFirst);
          if (!iso) {
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
      if (!s) return { ok: false, reason: `unknown status "${statusWord.trim()}"` };
      status = s;
    } else status = this.plan.impliedStatus ?? this.defaultStatus;
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
