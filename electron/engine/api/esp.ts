/**
 * Contract: ESP connections, the mirror sync, unschedule before a backup send, push-back (issue 4).
 * Calls are spread into `contract` (contract.ts); handlers live in handlers/esp.ts; sync progress
 * travels on the `sync.progress` event channel.
 */
import { z } from 'zod';
import { SyncAudiencesSchema } from './audience';
import { call } from './define';
import { StatusCountsSchema } from './common';

/** The ESPs Understudy stands in for, declared once: connectors, dialects and import formats derive from it. */
export const ESP_KINDS = ['mailchimp', 'brevo', 'mailerlite', 'kit', 'sendgrid', 'klaviyo'] as const;
export const EspKindSchema = z.enum(ESP_KINDS);
export type EspKind = z.infer<typeof EspKindSchema>;

export function isEspKind(s: string): s is EspKind {
  return (ESP_KINDS as readonly string[]).includes(s);
}

/** How each ESP spells its own name. */
export const ESP_DISPLAY_NAMES: Record<EspKind, string> = {
  mailchimp: 'Mailchimp',
  brevo: 'Brevo',
  mailerlite: 'MailerLite',
  kit: 'Kit',
  sendgrid: 'SendGrid',
  klaviyo: 'Klaviyo',
};

export const EspConnectionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  baseUrl: z.string().nullable(),
  health: z.string(),
  healthChangedAt: z.string().nullable(),
  lastSync: z.string().nullable(),
  /** The mirror as of this instant: the end of the last complete sync (null: never synced). */
  mirrorAsOf: z.string().nullable().optional(),
  /** Older than twice the sync interval: decisions rest on an old copy. */
  stale: z.boolean().optional(),
  lists: z.number().int(),
  pushBack: z.object({ pending: z.number().int(), done: z.number().int(), failed: z.number().int() }),
});

/** Timeline events of the scheduled sync and the mirror's freshness (declared once). */
export const MIRROR_EVENTS = {
  /** A scheduled sync was due but its ESP is down: it runs as soon as the ESP is back. */
  skipped: 'esp.sync_skipped',
  /** The mirror is older than twice the sync interval. */
  stale: 'mirror.stale',
  /** A stale mirror was synced again. */
  fresh: 'mirror.fresh',
} as const;

/** "just now", "12 minutes ago", "3 hours ago", "2 days ago": the age of a mirror in plain words. */
export function agoWords(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} minute${min === 1 ? '' : 's'} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'} ago`;
  return `${Math.floor(h / 24)} days ago`;
}

/** "your list as of 12 minutes ago" — what the UI says next to a decision that rests on the mirror. */
export function mirrorAsOfWords(asOf: string | null | undefined, nowMs: number): string {
  if (!asOf) return 'never synced from the ESP';
  return `as of ${agoWords(Math.max(0, nowMs - Date.parse(asOf)))}`;
}

export const SyncProgressSchema = z.object({
  provider: z.string(),
  phase: z.enum(['lists', 'members', 'campaigns', 'done']),
  list: z.string().nullable(),
  pages: z.number().int(),
  members: z.number().int(),
  total: z.number().int().nullable(),
});
export type SyncProgress = z.infer<typeof SyncProgressSchema>;

export const SyncSummarySchema = z.object({
  provider: z.string(),
  providerId: z.number().int(),
  mode: z.enum(['full', 'incremental', 'mixed']),
  lists: z.number().int(),
  listsAdded: z.number().int(),
  pages: z.number().int(),
  members: z.object({
    added: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    /** The ESP said something less strict than a local unsubscribe/bounce/complaint not yet pushed back. */
    keptLocal: z.number().int(),
    /** No longer returned by the ESP after a full pass. */
    archived: z.number().int(),
    /** Addresses the ESP holds that are not valid addresses (skipped, never sent to). */
    invalid: z.number().int(),
    /** The mirror of this connection's lists after the sync, by status. */
    byStatus: StatusCountsSchema,
  }),
  campaigns: z.object({
    added: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    kept: z.number().int(),
    /** Held by Understudy while the ESP still shows them scheduled: discrepancies, retried. */
    held: z.number().int().default(0),
    gone: z.number().int(),
    total: z.number().int(),
    /** The ESP's scheduled sends: the instant (UTC) and the zone it was scheduled in, for display. */
    scheduled: z.array(
      z.object({
        espCampaignId: z.string(),
        name: z.string(),
        scheduledAt: z.string(),
        timeZone: z.string().nullable(),
      }),
    ),
    /** Campaigns aimed at a segment, tag or group: resolved, or reported as not enumerable. */
    audiences: SyncAudiencesSchema.default({ resolved: 0, unresolvable: [] }),
  }),
  resumed: z.boolean(),
  /** Local unsubscribes/bounces pushed to the ESP before the sync (the ESP answers again). */
  pushedBack: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type SyncSummary = z.infer<typeof SyncSummarySchema>;

export const EspHealthReportSchema = z.object({
  provider: z.string(),
  type: z.string(),
  changed: z.boolean(),
  health: z.object({
    overall: z.enum(['operational', 'degraded', 'down']),
    api: z.object({
      state: z.enum(['ok', 'auth', 'down']),
      message: z.string(),
      latencyMs: z.number().nullable(),
      account: z.string().nullable().optional(),
    }),
    statusPage: z
      .object({
        indicator: z.string(),
        description: z.string(),
        components: z.array(z.object({ name: z.string(), status: z.string() })).optional(),
        url: z.string(),
      })
      .nullable(),
    checkedAt: z.string(),
  }),
});

export const UnscheduleOutcomeSchema = z.object({
  campaignId: z.number().int(),
  provider: z.string().nullable(),
  result: z.object({ status: z.enum(['done', 'not_supported', 'failed']), message: z.string() }),
});

export const PushBackSummarySchema = z.object({
  provider: z.string(),
  pushed: z.number().int(),
  already: z.number().int(),
  notFound: z.number().int(),
  notSupported: z.number().int(),
  failed: z.number().int(),
  pending: z.number().int(),
  error: z.string().nullable(),
});

export const espCalls = {
  espConnections: call({
    description: 'ESP connections with health, last sync, mirrored lists and the push-back queue.',
    input: z.object({}).default({}),
    output: z.array(EspConnectionSchema),
    mutates: false,
  }),
  espAdd: call({
    description: 'Connect an ESP (the key is checked with the ESP, then kept in the secret store only).',
    input: z.object({
      kind: EspKindSchema,
      name: z.string().trim().min(1).max(100),
      apiKey: z.string().min(1).max(4096),
      baseUrl: z.string().url().nullable().optional(),
      statusUrl: z.string().url().nullable().optional(),
    }),
    output: z.object({
      id: z.number().int(),
      name: z.string(),
      account: z.string().nullable(),
      replaced: z.boolean(),
    }),
    mutates: true,
  }),
  espHealth: call({
    description: "Probe each ESP's API (cheapest authenticated call) and its public status page.",
    input: z.object({ esp: z.string().optional() }).default({}),
    output: z.array(EspHealthReportSchema),
    mutates: true,
  }),
  espSync: call({
    description:
      'Mirror lists, members and scheduled campaigns (progress on sync.progress; cancel with cancelTask).',
    input: z
      .object({ esp: z.string().optional(), full: z.boolean().optional(), taskId: z.string().optional() })
      .default({}),
    output: z.array(SyncSummarySchema),
    mutates: true,
  }),
  espUnschedule: call({
    description: 'Unschedule (or suspend) a mirrored campaign at its ESP before sending it through a backup.',
    input: z.object({ campaignId: z.number().int().positive() }),
    output: UnscheduleOutcomeSchema,
    mutates: true,
  }),
  espPushBack: call({
    description: 'Push unsubscribes, bounces and complaints collected locally back to the ESP.',
    input: z.object({ esp: z.string().optional() }).default({}),
    output: z.array(PushBackSummarySchema),
    mutates: true,
  }),
};
