/**
 * Twilio SendGrid Marketing Campaigns shapes → Understudy's. Pure, unit-tested.
 * A SendGrid contact has no status of its own: whether it may be mailed is decided by the account's
 * suppression lists (global unsubscribes, bounces, spam reports, invalid emails, group unsubscribes),
 * so a member's status is computed from those. Reference: test/specs/sendgrid-*.json.
 */
import { gunzipSync } from 'node:zlib';
import type { SubscriberStatus } from '../../../model/status';
import { STATUS_RANK } from '../../../model/status';
import type { EspMember } from '../types';

/** One line of a JSON contact export (newline-delimited JSON objects, not an array). */
export interface SgExportContact {
  contact_id: string;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  custom_fields?: Record<string, unknown> | null;
  list_ids?: string[] | null;
  [reserved: string]: unknown;
}

export interface SgSuppression {
  status: SubscriberStatus;
  reason: string;
  at: string | null;
}

/** email (lower-case) → the strictest suppression SendGrid holds for it. */
export type SuppressionMap = Map<string, SgSuppression>;

export function addSuppression(map: SuppressionMap, email: string | undefined, s: SgSuppression): void {
  if (!email) return;
  const key = email.trim().toLowerCase();
  const prev = map.get(key);
  if (!prev || STATUS_RANK[s.status] > STATUS_RANK[prev.status]) map.set(key, s);
}

export const unixIso = (v: unknown): string | null =>
  typeof v === 'number' && Number.isFinite(v) ? new Date(v * 1000).toISOString() : null;

export function sgIso(v: unknown): string | null {
  if (typeof v !== 'string' || !v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** Reserved contact fields kept as merge fields (SendGrid substitution tags use these names). */
const RESERVED_SKIP = new Set([
  'contact_id',
  'email',
  'first_name',
  'last_name',
  'created_at',
  'updated_at',
  'custom_fields',
  'list_ids',
]);

const text = (v: unknown): string | null =>
  v === null || v === undefined || v === ''
    ? null
    : typeof v === 'string'
      ? v
      : typeof v === 'number' || typeof v === 'boolean'
        ? String(v)
        : JSON.stringify(v);

export function sgMember(c: SgExportContact, suppressions: SuppressionMap): EspMember | null {
  if (!c.email) return null;
  const s = suppressions.get(c.email.trim().toLowerCase());
  const mergeFields: Record<string, string> = {};
  for (const [k, v] of Object.entries(c)) {
    if (RESERVED_SKIP.has(k)) continue;
    const t = text(v);
    if (t !== null) mergeFields[k] = t;
  }
  for (const [k, v] of Object.entries(c.custom_fields ?? {})) {
    const t = text(v);
    if (t !== null) mergeFields[k] = t;
  }
  return {
    espId: c.contact_id,
    email: c.email,
    status: s?.status ?? 'subscribed',
    statusReason: s?.reason ?? null,
    statusChangedAt: s?.at ?? null,
    firstName: c.first_name ?? '',
    lastName: c.last_name ?? '',
    mergeFields,
    tags: [],
    optinTime: sgIso(c.created_at),
    changedAt: sgIso(c.updated_at),
    extra: c.list_ids?.length ? { list_ids: c.list_ids.join(',') } : {},
  };
}

/** An export file: gzip (as SendGrid's presigned files are) or plain; NDJSON or a JSON array. */
export function parseExportFile(bytes: Buffer): SgExportContact[] {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  const text = raw.toString('utf8').trim();
  if (!text) return [];
  if (text.startsWith('[')) return JSON.parse(text) as SgExportContact[];
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SgExportContact);
}
