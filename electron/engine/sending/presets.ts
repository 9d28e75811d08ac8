/**
 * Provider presets: the host, port, TLS mode and the published sending limits of the SMTP services a
 * small business is likely to have. Every value is a default the person can edit; limits change by
 * plan and account age, so each preset says where its numbers come from.
 */
import type { ProviderCaps } from '../db/repos/providers';
import type { WarmupCurve } from './limiter';
import type { AuthMethod, TlsMode } from '../api/sending';

export type { TlsMode, AuthMethod };

export interface Preset {
  name: string;
  label: string;
  host: string;
  port: number;
  tls: TlsMode;
  auth: AuthMethod;
  caps: ProviderCaps;
  maxConnections: number;
  /** Recipients per message (we always send one per message; kept for the UI). */
  maxRecipientsPerMessage?: number;
  note: string;
}

const none: ProviderCaps = { perSecond: null, perMinute: null, perHour: null, perDay: null };

export const PRESETS: Record<string, Preset> = {
  gmail: {
    name: 'gmail',
    label: 'Gmail (personal account)',
    host: 'smtp.gmail.com',
    port: 465,
    tls: 'implicit',
    auth: 'PLAIN',
    caps: { ...none, perDay: 500 },
    maxConnections: 2,
    note: 'Gmail allows about 500 recipients per rolling 24 hours; use an app password or OAuth (XOAUTH2). https://support.google.com/mail/answer/22839',
  },
  'google-workspace': {
    name: 'google-workspace',
    label: 'Google Workspace',
    host: 'smtp.gmail.com',
    port: 465,
    tls: 'implicit',
    auth: 'PLAIN',
    caps: { ...none, perDay: 2000 },
    maxConnections: 3,
    maxRecipientsPerMessage: 100,
    note: 'Workspace: 2,000 messages per user per rolling 24 hours, 100 recipients per message over SMTP. https://support.google.com/a/answer/166852',
  },
  microsoft365: {
    name: 'microsoft365',
    label: 'Microsoft 365 / Exchange Online',
    host: 'smtp.office365.com',
    port: 587,
    tls: 'starttls',
    auth: 'XOAUTH2',
    caps: { ...none, perMinute: 30, perDay: 10000 },
    maxConnections: 3,
    note: 'Exchange Online: 10,000 recipients/day, 30 messages/minute, 3 concurrent connections; basic SMTP AUTH is being retired, use OAuth. https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits',
  },
  'ses-sandbox': {
    name: 'ses-sandbox',
    label: 'Amazon SES (sandbox)',
    host: 'email-smtp.us-east-1.amazonaws.com',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none, perSecond: 1, perDay: 200 },
    maxConnections: 1,
    note: 'SES sandbox: 1 message/second, 200 per 24 hours, verified recipients only. Change the region in the host. https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html',
  },
  ses: {
    name: 'ses',
    label: 'Amazon SES (production)',
    host: 'email-smtp.us-east-1.amazonaws.com',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none, perSecond: 14, perDay: 50000 },
    maxConnections: 5,
    note: "Set these to your account's quota (SES console, 'Sending statistics'); 14/s and 50,000/day are common first production quotas.",
  },
  mailgun: {
    name: 'mailgun',
    label: 'Mailgun',
    host: 'smtp.mailgun.org',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none, perDay: 100 },
    maxConnections: 5,
    note: "Mailgun's free plan sends 100/day; raise the cap to your plan. EU accounts use smtp.eu.mailgun.org.",
  },
  sendgrid: {
    name: 'sendgrid',
    label: 'SendGrid',
    host: 'smtp.sendgrid.net',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none, perDay: 100 },
    maxConnections: 5,
    note: 'User name is literally "apikey", the password an API key. The free plan sends 100/day; raise the cap to your plan.',
  },
  postmark: {
    name: 'postmark',
    label: 'Postmark (broadcast stream)',
    host: 'smtp-broadcasts.postmarkapp.com',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none },
    maxConnections: 5,
    note: 'Marketing mail must go through a Broadcast message stream. User and password are the server API token.',
  },
  brevo: {
    name: 'brevo',
    label: 'Brevo SMTP relay',
    host: 'smtp-relay.brevo.com',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none, perDay: 300 },
    maxConnections: 5,
    note: "Brevo's free plan sends 300/day; raise the cap to your plan. The password is an SMTP key, not the account password.",
  },
  custom: {
    name: 'custom',
    label: 'Other SMTP server',
    host: '',
    port: 587,
    tls: 'starttls',
    auth: 'PLAIN',
    caps: { ...none },
    maxConnections: 2,
    note: 'Set the limits your provider publishes; without them Understudy sends as fast as the server accepts.',
  },
};

export function presetNames(): string[] {
  return Object.keys(PRESETS);
}

/**
 * Warm-up curves (issue 16, §3): a cold provider — new, or idle longer than the warm-up setting
 * (30 days by default) — sends at most `perHourStart` messages in any hour on its first day, growing
 * `dailyGrowth`× a day for `days` days, on top of its own caps. Editable per provider
 * (`providers update NAME --warmup-start/--warmup-growth/--warmup-days`), or skipped with `--warm`.
 * SendGrid's published IP warm-up starts a new IP at 20 messages an hour and grows about 1.4× a day
 * (https://www.twilio.com/docs/sendgrid/ui/sending-email/warming-up-an-ip-address); the relays below
 * share that guidance. "Other SMTP server" has none (see warmupCurveFor). Mailbox accounts (Gmail, Workspace, Microsoft 365) have no published curve:
 * their daily caps already bound them, so theirs starts higher and is shorter.
 */
export const WARMUP_CURVES: Record<string, WarmupCurve> = {
  gmail: { perHourStart: 50, dailyGrowth: 1.5, days: 7 },
  'google-workspace': { perHourStart: 50, dailyGrowth: 1.5, days: 10 },
  microsoft365: { perHourStart: 50, dailyGrowth: 1.5, days: 10 },
  'ses-sandbox': { perHourStart: 20, dailyGrowth: 1.4, days: 7 },
  ses: { perHourStart: 20, dailyGrowth: 1.4, days: 20 },
  mailgun: { perHourStart: 20, dailyGrowth: 1.4, days: 20 },
  sendgrid: { perHourStart: 20, dailyGrowth: 1.4, days: 20 },
  postmark: { perHourStart: 20, dailyGrowth: 1.4, days: 20 },
  brevo: { perHourStart: 20, dailyGrowth: 1.4, days: 20 },
};

/**
 * The preset's curve, or null: a server of one's own ("custom", no preset) has no published warm-up,
 * so none is applied unless the person sets one (`providers update NAME --warmup-start N`).
 */
export function warmupCurveFor(preset: string | null): WarmupCurve | null {
  return preset !== null ? (WARMUP_CURVES[preset] ?? null) : null;
}
