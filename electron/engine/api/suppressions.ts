/**
 * Contract: reviewing and undoing global suppressions (issue 11, §2). A suppression keeps an address
 * out of every campaign; a marketer can see why and since when, and allow mail again with a reason.
 *
 * Event types about suppressions are declared here, once. Every such event names the address it is
 * about in `data.email` (normalized: trimmed, lower-cased, ASCII domain), so the per-address history
 * finds it; an event about many addresses at once may list them in `data.emails` instead.
 */
import { z } from 'zod';
import { call } from './define';
import { TimelineEventSchema } from './events';

export const SUPPRESSION_REASONS = ['unsubscribed', 'bounced', 'complained', 'cleaned', 'manual'] as const;
export const SuppressionReasonSchema = z.enum(SUPPRESSION_REASONS);
export type SuppressionReasonT = z.infer<typeof SuppressionReasonSchema>;

export const SUPPRESSION_EVENTS = {
  /** An address was put on the suppression list. data: {email, reason, source, detail?, previous?}. */
  added: 'suppression.added',
  /**
   * A person allowed mail to an address again. data: {email, reason, source, detail, suppressedAt,
   * why, force, restored: [{subscriberId, listId, from, to}], stillBlocked: [{subscriberId, listId, status}]}.
   */
  removed: 'suppression.removed',
  /**
   * The engine undid suppressions a misbehaving provider caused (the mass-rejection guard).
   * data: {email, reason?, providerId?, why?} per address, or {emails: [...]} for a batch.
   */
  rolledBack: 'suppression.rolled_back',
} as const;
export type SuppressionEventType = (typeof SUPPRESSION_EVENTS)[keyof typeof SUPPRESSION_EVENTS];
export const SUPPRESSION_EVENT_TYPES: readonly SuppressionEventType[] = Object.values(SUPPRESSION_EVENTS);
/** Events that lift a suppression (the address may get mail again). */
export const SUPPRESSION_LIFTED_TYPES: readonly SuppressionEventType[] = [
  SUPPRESSION_EVENTS.removed,
  SUPPRESSION_EVENTS.rolledBack,
];

/**
 * One earlier status of a subscriber row, as an event recorded it when a suppression changed it
 * (`data.previous` of a suppression.added or subscriber.bounced event). Removal restores only these.
 */
export const PreviousStatusSchema = z.object({
  subscriberId: z.number().int(),
  status: z.string(),
});

/** Earlier statuses of many rows in compact form (a batch event): {status: [subscriber ids]}. */
export const PreviousByStatusSchema = z.record(z.string(), z.array(z.number().int()));

/**
 * `data` of a suppression.added event. One address: `email`, and `previous` holds the earlier status of
 * each subscriber row the same change set (so removal can give it back). Many addresses added by one
 * import or one sync page: `emails` (all of one reason) and `count` instead of `email`, `previous` empty
 * and `previousByStatus` for all of them instead, `detail` null (each suppression row keeps its own).
 */
export const SuppressionAddedDataSchema = z.object({
  email: z.string().optional(),
  emails: z.array(z.string()).optional(),
  count: z.number().int().optional(),
  reason: SuppressionReasonSchema,
  /** Where it came from: send, inbox, import:<format>, esp:<kind>. */
  source: z.string(),
  detail: z.string().nullable(),
  previous: z.array(PreviousStatusSchema),
  previousByStatus: PreviousByStatusSchema.optional(),
});
export type SuppressionAddedData = z.infer<typeof SuppressionAddedDataSchema>;

export const SuppressionSchema = z.object({
  email: z.string(),
  reason: SuppressionReasonSchema,
  /** Where it came from: send, import, inbox, a sync (esp:…), manual. */
  source: z.string(),
  detail: z.string().nullable(),
  createdAt: z.string(),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

/** A suppression that no longer holds: removed by a person or rolled back by the engine. */
export const LiftedSuppressionSchema = z.object({
  email: z.string(),
  how: z.enum(['removed', 'rolled_back']),
  reason: z.string().nullable(),
  at: z.string(),
  why: z.string().nullable(),
  eventId: z.number().int(),
});
export type LiftedSuppression = z.infer<typeof LiftedSuppressionSchema>;

export const SuppressionQuerySchema = z.object({
  reason: SuppressionReasonSchema.optional(),
  /**
   * Only those added at or after: an ISO-8601 date (2026-12-01, midnight UTC) or date-time with a
   * zone, or a span back from now (24h, 7d, 4w). Checked by the engine: an impossible date is refused.
   */
  since: z.string().max(64).optional(),
  /** Part of the address (case-insensitive). */
  search: z.string().max(254).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  offset: z.number().int().min(0).default(0),
});
export type SuppressionQuery = z.input<typeof SuppressionQuerySchema>;

export const SuppressionPageSchema = z.object({
  total: z.number().int(),
  rows: z.array(SuppressionSchema),
  /** Suppressions lifted recently (same since/search filters), newest first, at most 50. */
  lifted: z.array(LiftedSuppressionSchema),
});
export type SuppressionPage = z.infer<typeof SuppressionPageSchema>;

export const RemoveSuppressionSchema = z.object({
  email: z.string().max(1000),
  /** Why mail may go to this address again: kept in the events log. Required. */
  why: z.string().max(2000),
  /** Needed to lift a spam complaint. */
  force: z.boolean().default(false),
});
export type RemoveSuppressionRequest = z.input<typeof RemoveSuppressionSchema>;

export const RemoveSuppressionResultSchema = z.object({
  email: z.string(),
  removed: z.object({
    reason: SuppressionReasonSchema,
    source: z.string(),
    detail: z.string().nullable(),
    createdAt: z.string(),
  }),
  /** A plain-words warning the person must see (set when a spam complaint was lifted). */
  warning: z.string().nullable(),
  /** Subscriber rows given back the status an event recorded before the suppression. */
  restored: z.array(
    z.object({ list: z.string(), listId: z.number().int(), from: z.string(), to: z.string() }),
  ),
  /** Rows left as they are: they get that list's mail only once resubscribed there. */
  stillBlocked: z.array(z.object({ list: z.string(), listId: z.number().int(), status: z.string() })),
  eventId: z.number().int(),
});
export type RemoveSuppressionResult = z.infer<typeof RemoveSuppressionResultSchema>;

export const SuppressionHistorySchema = z.object({
  email: z.string(),
  /** The suppression in force now, if any. */
  current: SuppressionSchema.nullable(),
  /** Events about this address, newest first (suppressions added, removed, rolled back, bounces …). */
  events: z.array(TimelineEventSchema),
});
export type SuppressionHistory = z.infer<typeof SuppressionHistorySchema>;

export const suppressionsCalls = {
  listSuppressions: call({
    description: 'One page of the suppression list, filtered by reason, date and part of the address.',
    input: SuppressionQuerySchema,
    output: SuppressionPageSchema,
    mutates: false,
  }),
  removeSuppression: call({
    description: 'Allow mail to a suppressed address again, with a reason (a spam complaint needs force).',
    input: RemoveSuppressionSchema,
    output: RemoveSuppressionResultSchema,
    mutates: true,
  }),
  suppressionHistory: call({
    description: 'Everything the events log says about one address, and its suppression now.',
    input: z.object({ email: z.string().max(1000) }),
    output: SuppressionHistorySchema,
    mutates: false,
  }),
};
