/**
 * Klaviyo (revision 2026-07-15) JSON:API documents → Understudy's shapes. Pure, unit-tested.
 * Reference: test/specs/klaviyo-stable.json; consent and suppression semantics from
 * https://developers.klaviyo.com/en/reference/get_profiles (subscriptions.email.marketing).
 */
import type { SubscriberStatus } from '../../../model/status';
import type { EspMember } from '../types';

export interface KlMarketing {
  can_receive_email_marketing?: boolean;
  consent?: string;
  consent_timestamp?: string | null;
  last_updated?: string | null;
  method?: string | null;
  double_optin?: boolean | null;
  suppression?: { reason: string; timestamp: string }[] | null;
  list_suppressions?: { list_id: string; reason: string; timestamp: string }[] | null;
}

export interface KlProfile {
  type: 'profile';
  id: string;
  attributes: {
    email?: string | null;
    phone_number?: string | null;
    external_id?: string | null;
    first_name?: string | null;
    last_name?: string | null;
    organization?: string | null;
    locale?: string | null;
    title?: string | null;
    created?: string | null;
    updated?: string | null;
    location?: Record<string, unknown> | null;
    properties?: Record<string, unknown> | null;
    joined_group_at?: string | null;
    subscriptions?: { email?: { marketing?: KlMarketing } } | null;
  };
}

/** Strongest first: one suppression reason decides the status. */
const SUPPRESSION: Record<string, SubscriberStatus> = {
  SPAM_COMPLAINT: 'complained',
  HARD_BOUNCE: 'bounced',
  INVALID_EMAIL: 'cleaned',
  UNSUBSCRIBE: 'unsubscribed',
  USER_SUPPRESSED: 'unsubscribed',
};
const ORDER = ['SPAM_COMPLAINT', 'HARD_BOUNCE', 'INVALID_EMAIL', 'UNSUBSCRIBE', 'USER_SUPPRESSED'];

export function klIso(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/**
 * A profile's status in one list. Klaviyo emails everyone in a list who `can_receive_email_marketing`
 * (including profiles that never explicitly subscribed), so that flag decides "subscribed"; otherwise a
 * global suppression (bounce, complaint, invalid, unsubscribe, manual) or a suppression for this list
 * says why. No consent data at all is never sendable.
 */
export function klStatus(
  m: KlMarketing | undefined,
  listId: string,
): { status: SubscriberStatus; reason: string | null; at: string | null } {
  if (!m) return { status: 'pending', reason: 'consent unknown', at: null };
  const sup = [...(m.suppression ?? [])].sort((a, b) => ORDER.indexOf(a.reason) - ORDER.indexOf(b.reason))[0];
  if (sup)
    return {
      status: SUPPRESSION[sup.reason] ?? 'unsubscribed',
      reason: sup.reason,
      at: klIso(sup.timestamp),
    };
  const ls = (m.list_suppressions ?? []).find((s) => s.list_id === listId);
  if (ls) return { status: 'unsubscribed', reason: `list ${ls.reason}`, at: klIso(ls.timestamp) };
  if (m.can_receive_email_marketing === true)
    return {
      status: 'subscribed',
      reason: m.consent === 'SUBSCRIBED' ? null : (m.consent ?? null),
      at: null,
    };
  return {
    status: 'unsubscribed',
    reason: m.consent ?? 'cannot receive email marketing',
    at: klIso(m.last_updated),
  };
}

const text = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);

/** Standard profile attributes kept as merge fields (Klaviyo templates use {{ organization }} etc.). */
export const KL_STANDARD_FIELDS = ['phone_number', 'organization', 'title', 'locale', 'external_id'] as const;

export function klMember(p: KlProfile, listId: string): EspMember | null {
  const a = p.attributes;
  if (!a.email) return null; // an SMS-only profile: nothing to mirror for email
  const m = a.subscriptions?.email?.marketing;
  const st = klStatus(m, listId);
  const mergeFields: Record<string, string> = {};
  for (const k of KL_STANDARD_FIELDS) {
    const t = text(a[k]);
    if (t) mergeFields[k] = t;
  }
  for (const [k, v] of Object.entries(a.properties ?? {})) {
    const t = text(v);
    if (t !== null) mergeFields[k] = t;
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.location ?? {})) {
    const t = text(v);
    if (t) extra[`location.${k}`] = t;
  }
  if (m?.consent) extra.consent = m.consent;
  if (m?.method) extra.consent_method = m.method;
  if (a.joined_group_at) extra.joined_group_at = a.joined_group_at;
  const consentAt = klIso(m?.consent_timestamp);
  return {
    espId: p.id,
    email: a.email,
    status: st.status,
    statusReason: st.reason,
    statusChangedAt: st.at,
    firstName: a.first_name ?? '',
    lastName: a.last_name ?? '',
    mergeFields,
    tags: [],
    optinTime:
      (m?.consent === 'SUBSCRIBED' ? consentAt : null) ?? klIso(a.joined_group_at) ?? klIso(a.created),
    confirmTime: m?.double_optin ? consentAt : null,
    optinIp: text(a.location?.ip) ?? null,
    changedAt: klIso(a.updated),
    extra,
  };
}

/** The page[cursor] token of a JSON:API `links.next` URL (we rebuild URLs on our own base). */
export function nextCursor(links: { next?: string | null } | undefined): string | null {
  if (!links?.next) return null;
  try {
    return new URL(links.next).searchParams.get('page[cursor]');
  } catch {
    return null;
  }
}

/** A Klaviyo filter string literal: double-quoted with escapes. */
export function q(s: string): string {
  return JSON.stringify(s);
}
