/**
 * Kit (ConvertKit) API v4 shapes → Understudy's. Pure functions, unit-tested without a server.
 * Reference: test/specs/kit-v4.json and https://developers.kit.com/v4.
 */
import type { SubscriberStatus } from '../../../model/status';
import type { EspMember, Json } from '../types';

export interface KitSubscriber {
  id: number;
  first_name?: string | null;
  email_address: string;
  state: string;
  created_at?: string | null;
  fields?: Record<string, unknown> | null;
}

export interface KitPagination {
  has_next_page: boolean;
  end_cursor: string | null;
  total_count?: number;
}

export interface KitBroadcast {
  id: number;
  created_at?: string;
  subject?: string | null;
  description?: string | null;
  content?: string | null;
  public?: boolean | null;
  published_at?: string | null;
  send_at?: string | null;
  thumbnail_alt?: string | null;
  thumbnail_url?: string | null;
  email_address?: string | null;
  preview_text?: string | null;
  email_template?: { id: number; name: string } | null;
  subscriber_filter?: KitFilter[] | null;
  stats?: { status?: string } | null;
}

export interface KitFilterRule {
  type: string;
  ids?: (number | string)[];
}
export interface KitFilter {
  all?: KitFilterRule[] | null;
  any?: KitFilterRule[] | null;
  none?: KitFilterRule[] | null;
}

/**
 * Kit's subscriber states. `inactive` is a subscriber who never confirmed (double opt-in), `cancelled`
 * one who unsubscribed; `cold` is Kit's label for an unengaged but still subscribed address.
 */
export function kitStatus(state: string): SubscriberStatus {
  switch (state.toLowerCase()) {
    case 'active':
    case 'cold':
      return 'subscribed';
    case 'inactive':
      return 'pending';
    case 'cancelled':
    case 'canceled':
      return 'unsubscribed';
    case 'bounced':
      return 'bounced';
    case 'complained':
      return 'complained';
    default:
      // A state Kit adds later must never make someone sendable.
      return 'unsubscribed';
  }
}

/** Kit dates are ISO-8601 with an offset ("2023-02-17T11:43:55Z"): normalised to UTC with ms. */
export function kitIso(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

function text(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function kitMember(s: KitSubscriber, tags: string[]): EspMember {
  const mergeFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) {
    const t = text(v);
    if (t !== null) mergeFields[k] = t;
  }
  const status = kitStatus(s.state);
  return {
    espId: String(s.id),
    email: s.email_address,
    status,
    statusReason: s.state === 'active' ? null : s.state,
    firstName: s.first_name ?? '',
    lastName: '',
    mergeFields,
    tags: [...tags].sort(),
    optinTime: kitIso(s.created_at),
    changedAt: null,
    extra: { kit_state: s.state },
  };
}

/** The tag ids a broadcast's subscriber_filter names, by clause. */
export function filterTags(filter: KitFilter[] | null | undefined): {
  all: string[];
  any: string[];
  none: string[];
  segments: string[];
  everyone: boolean;
} {
  const out = { all: [] as string[], any: [] as string[], none: [] as string[], segments: [] as string[] };
  let everyone = !filter || filter.length === 0;
  for (const f of filter ?? []) {
    for (const clause of ['all', 'any', 'none'] as const) {
      for (const rule of f[clause] ?? []) {
        if (rule.type === 'tag') out[clause].push(...(rule.ids ?? []).map(String));
        else if (rule.type === 'segment') out.segments.push(...(rule.ids ?? []).map(String));
        else if (rule.type === 'all_subscribers') everyone = true;
      }
    }
  }
  return { ...out, everyone };
}

/** A JSON-safe copy (for EspCampaign.segment). */
export function asJson(v: unknown): Json {
  return JSON.parse(JSON.stringify(v ?? null)) as Json;
}

/** The PUT body that unschedules a broadcast: everything as it is, with send_at null (a draft). */
export function unscheduleBody(b: KitBroadcast): Record<string, unknown> {
  return {
    email_template_id: b.email_template?.id ?? null,
    email_address: b.email_address ?? null,
    content: b.content ?? null,
    description: b.description ?? null,
    public: b.public ?? false,
    published_at: b.published_at ?? null,
    send_at: null,
    thumbnail_alt: b.thumbnail_alt ?? null,
    thumbnail_url: b.thumbnail_url ?? null,
    preview_text: b.preview_text ?? null,
    subject: b.subject ?? null,
    // Kit's schema wants all three clauses present (null when unused).
    subscriber_filter:
      b.subscriber_filter?.map((f) => ({ all: f.all ?? null, any: f.any ?? null, none: f.none ?? null })) ??
      null,
  };
}
