/**
 * Contract: SMTP providers (the backup chain), campaigns, and sending them (issue 3). Calls are
 * declared here and spread into `contract` (contract.ts); handlers live in handlers/sending.ts.
 */
import { z } from 'zod';
import { AudienceViewSchema } from './audience';
import { call } from './define';
import { CustodyViewSchema } from './custody';
import { ESP_KINDS } from './esp';
import { HealthStateSchema } from './common';

export const TlsModeSchema = z.enum(['implicit', 'starttls', 'none']);
export type TlsMode = z.infer<typeof TlsModeSchema>;
export const AuthMethodSchema = z.enum(['PLAIN', 'LOGIN', 'XOAUTH2', 'none']);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;
/** A provider's circuit breaker: closed (sending), open (resting), half_open (one trial message). */
export const BreakerStateSchema = z.enum(['closed', 'open', 'half_open']);
export type BreakerState = z.infer<typeof BreakerStateSchema>;
/** The merge-tag dialects a campaign may be written in: each ESP's, and Understudy's own. */
export const DIALECTS = [...ESP_KINDS, 'local'] as const;
export const DialectSchema = z.enum(DIALECTS);
export type Dialect = z.infer<typeof DialectSchema>;
export const CampaignStatusSchema = z.enum([
  'draft',
  'scheduled',
  'sending',
  'paused',
  'sent',
  'cancelled',
  'failed',
]);
export type CampaignStatus = z.infer<typeof CampaignStatusSchema>;

/**
 * What a person can do with a campaign. `send` starts it now (through the chain or a chosen backup);
 * `schedule` sets or moves its send time; `edit` changes its content, subject or sender; `policy`
 * chooses what happens if its email service is down at the send time.
 */
export const CampaignActionSchema = z.enum([
  'edit',
  'schedule',
  'send',
  'sendTest',
  'pause',
  'resume',
  'cancel',
  'retryFailed',
  'policy',
]);
export type CampaignAction = z.infer<typeof CampaignActionSchema>;

/**
 * The one table of which action each status allows: the engine's checks (control.ts, campaigns.ts,
 * the scheduler) and the Campaigns screen's buttons both read it, so a button is shown exactly when
 * the engine would do what it says. A paused campaign is resumed, not sent again; a sent or cancelled
 * one only keeps its record (and its failures can be resent).
 */
const ACTIONS_BY_STATUS: Readonly<Record<CampaignStatus, readonly CampaignAction[]>> = {
  draft: ['edit', 'schedule', 'send', 'sendTest', 'cancel', 'policy'],
  scheduled: ['edit', 'schedule', 'send', 'sendTest', 'pause', 'cancel', 'policy'],
  sending: ['sendTest', 'pause', 'cancel', 'policy'],
  paused: ['schedule', 'sendTest', 'resume', 'cancel', 'policy'],
  sent: ['retryFailed'],
  cancelled: [],
  failed: ['send', 'sendTest', 'retryFailed', 'policy'],
};

/** The statuses from which an action is allowed (the "from" of a compare-and-set transition). */
export function statusesAllowing(action: CampaignAction): CampaignStatus[] {
  return CampaignStatusSchema.options.filter((s) => ACTIONS_BY_STATUS[s].includes(action));
}

/** What a campaign needs to say which actions it allows: its status, whether it ever started, its failures. */
export interface CampaignFacts {
  status: CampaignStatus;
  startedAt?: string | null;
  counts?: { failedTemp: number; failedPerm: number };
}

/**
 * Whether a campaign allows an action now. Beyond the status table: a cancelled campaign that never
 * started can be scheduled again, and failures can be resent only when there are some.
 */
export function campaignAllows(c: CampaignFacts, action: CampaignAction): boolean {
  if (action === 'schedule' && c.status === 'cancelled' && !c.startedAt) return true;
  if (!ACTIONS_BY_STATUS[c.status].includes(action)) return false;
  if (action === 'retryFailed' && c.counts) return c.counts.failedTemp + c.counts.failedPerm > 0;
  return true;
}

/** Every action a campaign allows now, in the table's order. */
export function campaignActions(c: CampaignFacts): CampaignAction[] {
  return CampaignActionSchema.options.filter((a) => campaignAllows(c, a));
}

/** A sending cap: a positive number, or null for none. Zero would block the provider for good. */
const cap = z.number().positive().nullable().optional();

/** A host name or IP address: one token, no spaces or line breaks (they would end up in SMTP). */
export const HostSchema = z
  .string()
  .min(1)
  .max(253)
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\s\x00-\x1f\x7f]+$/, 'must be a host name without spaces or line breaks');

/** Adding or editing an SMTP account. The password travels once, into the secret store. */
export const ProviderInputSchema = z.object({
  name: z.string().trim().min(1).max(100),
  preset: z.string().optional(),
  host: HostSchema.optional(),
  port: z.number().int().min(1).max(65535).optional(),
  tls: TlsModeSchema.optional(),
  user: z.string().max(320).optional(),
  auth: AuthMethodSchema.optional(),
  /** Password, app password, API key or OAuth token (JSON for a refresh-token setup). */
  password: z.string().max(10_000).optional(),
  perSecond: cap,
  perMinute: cap,
  perHour: cap,
  perDay: cap,
  maxConnections: z.number().int().min(1).max(50).optional(),
  priority: z.number().int().min(0).max(10_000).optional(),
  weight: z.number().min(0).max(1000).optional(),
  allowInvalidCertificate: z.boolean().optional(),
  /**
   * The person accepts that the password travels unencrypted (`tls: 'none'`) to a host that is not
   * this computer. Without it such a provider is refused.
   */
  allowPlaintextAuth: z.boolean().optional(),
  ehloName: HostSchema.optional(),
  enabled: z.boolean().optional(),
  /**
   * The relay's API key, with which Understudy pulls the bounces, complaints and unsubscribes the relay
   * keeps to itself (SendGrid, Amazon SES, Mailgun, Postmark, Brevo). Goes to the secret store.
   */
  apiKey: z.string().max(4096).optional(),
  /** Forget the relay's API key (its feedback is no longer pulled). */
  removeApiKey: z.boolean().optional(),
});
export type ProviderInput = z.input<typeof ProviderInputSchema>;

export const ProviderSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  preset: z.string().nullable(),
  host: z.string(),
  port: z.number().int(),
  tls: TlsModeSchema,
  user: z.string().nullable(),
  auth: AuthMethodSchema,
  hasSecret: z.boolean(),
  /** The relay whose API bounces and complaints can be pulled from ("SendGrid"), or null for none. */
  relayApi: z.string().nullable(),
  /** What key that API needs, in words. */
  relayApiKeyWords: z.string().nullable(),
  hasApiKey: z.boolean(),
  /** When bounces and complaints were last pulled from the relay, and the last pull's error. */
  feedbackPulledAt: z.string().nullable(),
  feedbackError: z.string().nullable(),
  priority: z.number().int(),
  weight: z.number(),
  perSecond: z.number().nullable(),
  perMinute: z.number().nullable(),
  perHour: z.number().nullable(),
  perDay: z.number().nullable(),
  maxConnections: z.number().int(),
  allowInvalidCertificate: z.boolean(),
  enabled: z.boolean(),
  health: HealthStateSchema,
  healthChangedAt: z.string().nullable(),
  breaker: BreakerStateSchema,
  pausedUntil: z.string().nullable(),
  retryAt: z.string().nullable(),
  breakerReason: z.string().nullable(),
  sentLastDay: z.number().int(),
});
export type Provider = z.infer<typeof ProviderSchema>;

export const PresetSchema = z.object({
  name: z.string(),
  label: z.string(),
  host: z.string(),
  port: z.number().int(),
  tls: TlsModeSchema,
  auth: AuthMethodSchema,
  perSecond: z.number().nullable(),
  perMinute: z.number().nullable(),
  perHour: z.number().nullable(),
  perDay: z.number().nullable(),
  maxConnections: z.number().int(),
  note: z.string(),
  /** The relay whose API bounces and complaints can be pulled from, and the key it needs, or null. */
  relayApi: z.string().nullable(),
  relayApiKeyWords: z.string().nullable(),
});
export type Preset = z.infer<typeof PresetSchema>;

export const SecretsStatusSchema = z.object({
  /** Passwords can be read and saved now. */
  open: z.boolean(),
  /** A secret file exists (false: the first passphrase given creates it). */
  exists: z.boolean(),
  /** The store can be unlocked with a passphrase (browser mode); false when the shell manages it. */
  canUnlock: z.boolean(),
});
export type SecretsStatus = z.infer<typeof SecretsStatusSchema>;

export const ProviderTestResultSchema = z.object({
  provider: z.string(),
  ok: z.boolean(),
  message: z.string(),
  durationMs: z.number(),
});
export type ProviderTestResult = z.infer<typeof ProviderTestResultSchema>;

export const CampaignInputSchema = z.object({
  list: z.string().min(1),
  name: z.string().max(200).optional(),
  subject: z.string().min(1).max(998),
  /** "Name <address>" or a bare address. */
  from: z.string().min(3).max(500),
  replyTo: z.string().max(320).nullable().optional(),
  html: z.string().nullable().optional(),
  text: z.string().nullable().optional(),
  dialect: DialectSchema.default('local'),
  /** ISO-8601 instant; absent: a draft sent by hand. A time in the past is refused unless sendNow. */
  at: z.string().nullable().optional(),
  /** The person said "send now": scheduled at this instant, so the scheduler sends it at once. */
  sendNow: z.boolean().optional(),
  timeZone: z.string().nullable().optional(),
});
export type CampaignInput = z.input<typeof CampaignInputSchema>;

export const DeliveryCountsSchema = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  claimed: z.number().int(),
  sent: z.number().int(),
  failedTemp: z.number().int(),
  failedPerm: z.number().int(),
  skipped: z.number().int(),
  suppressed: z.number().int(),
});
export type DeliveryCounts = z.infer<typeof DeliveryCountsSchema>;

/** A campaign with no deliveries yet: every count 0. */
export function noDeliveries(): DeliveryCounts {
  return Object.fromEntries(Object.keys(DeliveryCountsSchema.shape).map((k) => [k, 0])) as DeliveryCounts;
}

export const CampaignSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  list: z.string().nullable(),
  listId: z.number().int().nullable(),
  subject: z.string(),
  fromName: z.string(),
  fromEmail: z.string(),
  replyTo: z.string().nullable(),
  dialect: DialectSchema,
  status: CampaignStatusSchema,
  scheduledAt: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
  counts: DeliveryCountsSchema,
});
export type Campaign = z.infer<typeof CampaignSchema>;

export const CampaignDetailSchema = CampaignSchema.extend({
  html: z.string().nullable(),
  text: z.string().nullable(),
  /**
   * What to review before it is sent, in words a person reads: merge tags that will be left empty, an
   * unsubscribe link the footer adds, no one-click unsubscribe, a setting that would stop the send.
   * Empty once the campaign is sent or cancelled.
   */
  review: z.array(z.string()),
  byProvider: z.record(z.string(), z.number().int()),
  /**
   * A campaign mirrored from an ESP: who sends it (the ESP or Understudy) and, in one sentence, what
   * happens at the ESP if it is sent here. Null for a campaign made in Understudy.
   */
  custody: CustodyViewSchema.nullable().default(null),
  /**
   * A campaign aimed at a segment, tag or group at its ESP: who a backup would send it to, or why it
   * cannot. Null for a campaign to a whole list.
   */
  audience: AudienceViewSchema.nullable().default(null),
  run: z
    .object({
      id: z.number().int(),
      state: z.string(),
      startedAt: z.string(),
      heartbeatAt: z.string(),
      finishedAt: z.string().nullable(),
      error: z.string().nullable(),
    })
    .nullable(),
  failures: z.array(
    z.object({
      email: z.string(),
      state: z.string(),
      smtpCode: z.number().int().nullable(),
      smtpEnhanced: z.string().nullable(),
      reply: z.string().nullable(),
      errorClass: z.string().nullable(),
    }),
  ),
});
export type CampaignDetail = z.infer<typeof CampaignDetailSchema>;

/**
 * One member's copy of a campaign, rendered as it is sent (footer and unsubscribe link included; the
 * link in a preview unsubscribes nobody), and the merge tags it cannot fill, in plain words.
 */
export const CampaignPreviewSchema = z.object({
  /** Whose values fill the merge tags (null: nobody on the list is subscribed yet). */
  as: z.string().nullable(),
  from: z.string(),
  to: z.string(),
  replyTo: z.string().nullable(),
  subject: z.string(),
  html: z.string().nullable(),
  text: z.string(),
  /** Merge tags no copy can fill, and those this member has no value for. Empty: every tag is filled. */
  unfilled: z.array(z.string()),
});
export type CampaignPreview = z.infer<typeof CampaignPreviewSchema>;

export const SendSummarySchema = z.object({
  campaign: z.number().int(),
  state: z.enum(['finished', 'paused', 'cancelled', 'waiting', 'dry_run', 'already_running']),
  sent: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  suppressed: z.number().int(),
  queued: z.number().int(),
  byProvider: z.record(z.string(), z.number().int()),
  /** Messages resent with the same Message-ID because an earlier copy may have arrived. */
  resentUncertain: z.number().int(),
  durationMs: z.number(),
  message: z.string(),
});
export type SendSummary = z.infer<typeof SendSummarySchema>;

export const SendProgressSchema = z.object({
  campaignId: z.number().int(),
  taskId: z.string().optional(),
  sent: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  suppressed: z.number().int(),
  queued: z.number().int(),
  total: z.number().int(),
  inFlight: z.number().int(),
  perSecond: z.number(),
  provider: z.string().nullable(),
  /** Messages accepted per provider so far (the same numbers the campaign's "Sent through" line shows). */
  byProvider: z.record(z.string(), z.number().int()).optional(),
  state: z.enum(['sending', 'waiting', 'finishing']),
});
export type SendProgress = z.infer<typeof SendProgressSchema>;

const CampaignRef = z.object({ id: z.number().int().positive() });

/**
 * Timeline event types of the sending engine's safety rules (issue 11 §2), and the data of the audit
 * event (`SUPPRESSION_EVENTS.rolledBack`, declared with the suppressions) written for each address
 * whose bounce was undone because its provider was rejecting everyone (sending/massReject.ts).
 */
export const SendingEventType = {
  /** A provider rejected everyone as unknown: paused, incident opened, its bounces rolled back. */
  massRejection: 'provider.mass_rejection',
} as const;

export const SuppressionRolledBackDataSchema = z.object({
  email: z.string(),
  subscriberId: z.number().int(),
  deliveryId: z.number().int(),
  /** The status given back (null: the subscriber had changed since, and was left alone). */
  restoredStatus: z.string().nullable(),
  suppressionRemoved: z.boolean(),
  requeued: z.boolean(),
  reason: z.literal('mass_rejection'),
  reply: z.string(),
});
export type SuppressionRolledBackData = z.infer<typeof SuppressionRolledBackDataSchema>;

export const sendingCalls = {
  listProviders: call({
    description: 'SMTP providers in chain order, with health, breaker state and usage.',
    input: z.object({}).default({}),
    output: z.array(ProviderSchema),
    mutates: false,
  }),
  listProviderPresets: call({
    description: 'Presets with the real limits of common SMTP services.',
    input: z.object({}).default({}),
    output: z.array(PresetSchema),
    mutates: false,
  }),
  addProvider: call({
    description: 'Add an SMTP account to the chain (the password goes to the secret store).',
    input: ProviderInputSchema,
    output: ProviderSchema,
    mutates: true,
  }),
  updateProvider: call({
    description: 'Change an SMTP account (only the given fields change).',
    input: ProviderInputSchema.partial().extend({ current: z.string().min(1) }),
    output: ProviderSchema,
    mutates: true,
  }),
  removeProvider: call({
    description: 'Remove an SMTP account and its stored secret.',
    input: z.object({ name: z.string().min(1) }),
    output: z.object({ removed: z.boolean() }),
    mutates: true,
  }),
  secretsStatus: call({
    description:
      'Whether the secret store (account passwords, ESP keys) is open in this process, and whether its file exists yet.',
    input: z.object({}).default({}),
    output: SecretsStatusSchema,
    mutates: false,
  }),
  unlockSecrets: call({
    description:
      'Open the secret store with its passphrase (browser mode started without one). The passphrase is held in memory by this process only; a new store is created with it when none exists yet.',
    input: z.object({ passphrase: z.string().min(1) }),
    output: SecretsStatusSchema,
    mutates: true,
  }),
  testProvider: call({
    description: 'Connect, EHLO, STARTTLS and AUTH without sending anything.',
    input: z.object({ name: z.string().min(1) }),
    output: ProviderTestResultSchema,
    // It records the provider's health (and an event when it changes) and logs in with its password.
    mutates: true,
  }),
  listCampaigns: call({
    description: 'Campaigns, newest first, with delivery counts.',
    input: z.object({}).default({}),
    output: z.array(CampaignSchema),
    mutates: false,
  }),
  getCampaign: call({
    description: 'One campaign with its content, counts per provider, last run and recent failures.',
    input: CampaignRef,
    output: CampaignDetailSchema,
    mutates: false,
  }),
  previewCampaign: call({
    description:
      "One member's copy of a campaign as it is sent (footer and unsubscribe link included), and the merge tags it cannot fill.",
    input: CampaignRef.extend({ as: z.string().max(320).optional() }),
    output: CampaignPreviewSchema,
    mutates: false,
  }),
  createCampaign: call({
    description: 'Create a campaign (a draft, or scheduled with `at`).',
    input: CampaignInputSchema,
    output: CampaignSchema,
    mutates: true,
  }),
  updateCampaign: call({
    description: 'Edit a campaign that has not started sending.',
    input: CampaignInputSchema.partial().extend({ id: z.number().int().positive() }),
    output: CampaignSchema,
    mutates: true,
  }),
  sendCampaign: call({
    description: 'Send (or resume) a campaign through the provider chain; progress on send.progress.',
    input: CampaignRef.extend({
      via: z.string().optional(),
      dryRun: z.boolean().default(false),
      taskId: z.string().optional(),
      /** Leave out the people most likely to hurt a cold or small backup (riskyAddresses says who). */
      skipRisky: z.boolean().optional(),
    }),
    output: SendSummarySchema,
    mutates: true,
  }),
  sendTest: call({
    description:
      "Send one test of a campaign to an address (merge tags filled with a member's values); nothing is recorded as sent.",
    input: CampaignRef.extend({
      to: z.string().min(3).max(320),
      as: z.string().max(320).optional(),
      via: z.string().optional(),
    }),
    output: z.object({
      campaign: z.number().int(),
      to: z.string(),
      as: z.string().nullable(),
      provider: z.string(),
      messageId: z.string(),
      response: z.string(),
    }),
    mutates: true,
  }),
  pauseCampaign: call({
    description: 'Pause a sending campaign; messages in flight finish, nothing else is sent.',
    input: CampaignRef,
    output: CampaignSchema,
    mutates: true,
  }),
  resumeCampaign: call({
    description: 'Resume a paused campaign from exactly what is not yet sent.',
    input: CampaignRef.extend({ taskId: z.string().optional() }),
    output: SendSummarySchema,
    mutates: true,
  }),
  cancelCampaign: call({
    description: 'Cancel a campaign: nothing more is sent; what was sent stays recorded.',
    input: CampaignRef,
    output: CampaignSchema,
    mutates: true,
  }),
  retryFailed: call({
    description: 'Resend only to the recipients whose delivery failed.',
    input: CampaignRef.extend({ taskId: z.string().optional() }),
    output: SendSummarySchema,
    mutates: true,
  }),
  getSendingSettings: call({
    description: 'Postal address, unsubscribe address/URL, Message-ID domain, company name.',
    input: z.object({}).default({}),
    output: z.record(z.string(), z.string()),
    mutates: false,
  }),
  setSendingSetting: call({
    description: 'Set one sending setting (an empty value is refused: unset it instead).',
    input: z.object({ key: z.string().min(1), value: z.string().max(2000) }),
    output: z.record(z.string(), z.string()),
    mutates: true,
  }),
  unsetSendingSetting: call({
    description: 'Remove one sending setting; the warning says what stops working until it is set again.',
    input: z.object({ key: z.string().min(1) }),
    output: z.object({
      settings: z.record(z.string(), z.string()),
      removed: z.boolean(),
      warning: z.string().nullable(),
    }),
    mutates: true,
  }),
};
