/**
 * MailerLite (connect.mailerlite.com) shapes → Understudy's. Pure functions, unit-tested.
 * Reference: https://developers.mailerlite.com/docs/subscribers.html, groups.html, campaigns.html.
 */
import type { SubscriberStatus } from '../../../model/status';
import type { EspMember } from '../types';

export interface MlSubscriber {
  id: string;
  email: string;
  status: string;
  source?: string | null;
  sent?: number | null;
  opens_count?: number | null;
  clicks_count?: number | null;
  ip_address?: string | null;
  subscribed_at?: string | null;
  unsubscribed_at?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  fields?: Record<string, unknown> | null;
  groups?: { id: string; name: string }[] | null;
  opted_in_at?: string | null;
  optin_ip?: string | null;
}

export interface MlEmail {
  from?: string | null;
  from_name?: string | null;
  reply_to?: string | null;
  subject?: string | null;
  plain_text?: string | null;
  content?: string | null;
  preview_url?: string | null;
}

export interface MlCampaign {
  id: string;
  name: string;
  type?: string;
  status: string;
  filter?: { operator: string; args: [string, string[]] }[][] | null;
  filter_for_humans?: string[][] | null;
  delivery_schedule?: string | null;
  scheduled_for?: string | null;
  default_email_id?: string | null;
  emails?: (MlEmail & { id?: string })[] | null;
}

/**
 * The order a full mirror asks for statuses in: a status change during the sync almost always moves to
 * a stricter status (active → unsubscribed → bounced/junk), so a later pass still catches the person.
 */
export const ML_STATUS_PASSES = ['unconfirmed', 'active', 'unsubscribed', 'bounced', 'junk'] as const;

export function mlStatus(s: string): SubscriberStatus {
  switch (s) {
    case 'active':
      return 'subscribed';
    case 'unconfirmed':
      return 'pending';
    case 'unsubscribed':
      return 'unsubscribed';
    case 'bounced':
      return 'bounced';
    case 'junk':
      return 'complained';
    default:
      return 'unsubscribed';
  }
}

/** MailerLite timestamps "2021-08-31 14:22:08" are UTC; ISO ones are accepted too. */
export function mlIso(v: string | null | undefined): string | null {
  if (!v) return null;
  const s = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v) ? `${v.replace(' ', 'T')}Z` : v;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

const str = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'number'
        ? String(v)
        : JSON.stringify(v);

export function mlMember(s: MlSubscriber): EspMember {
  const mergeFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.fields ?? {})) {
    const t = str(v);
    if (t !== null && t !== '') mergeFields[k] = t;
  }
  const status = mlStatus(s.status);
  const extra: Record<string, string> = { mailerlite_status: s.status };
  for (const k of ['source', 'sent', 'opens_count', 'clicks_count'] as const) {
    const t = str(s[k]);
    if (t !== null) extra[k] = t;
  }
  return {
    espId: s.id,
    email: s.email,
    status,
    statusReason: s.status === 'active' ? null : s.status,
    statusChangedAt: status === 'unsubscribed' ? mlIso(s.unsubscribed_at) : null,
    firstName: str(s.fields?.name) ?? '',
    lastName: str(s.fields?.last_name) ?? '',
    mergeFields,
    tags: (s.groups ?? []).map((g) => g.name).sort(),
    optinTime: mlIso(s.subscribed_at) ?? mlIso(s.created_at),
    optinIp: s.ip_address ?? null,
    confirmTime: mlIso(s.opted_in_at),
    confirmIp: s.optin_ip ?? null,
    changedAt: mlIso(s.updated_at),
    extra,
  };
}

/** Group ids a campaign's filter targets ("in any group"), or null when it targets everyone. */
export function targetGroups(c: MlCampaign): { groups: string[]; other: boolean } | null {
  const rules = (c.filter ?? []).flat();
  if (rules.length === 0) return null;
  const groups: string[] = [];
  let other = false;
  for (const r of rules) {
    if (r.args?.[0] === 'groups' && (r.operator === 'in_any' || r.operator === 'in_all'))
      groups.push(...r.args[1]);
    else other = true;
  }
  return { groups, other };
}
