/**
 * Shared schemas of the API contract. The renderer imports these files (types and zod schemas only,
 * never engine runtime code); IPC, HTTP and the CLI validate every argument with them.
 */
import { z } from 'zod';

/**
 * Subscriber statuses, declared once. The rules about them (which is stricter, which may be mailed,
 * which suppress an address everywhere) live in the engine's `model/status.ts`.
 */
export const SUBSCRIBER_STATUSES = [
  'subscribed',
  'unsubscribed',
  'cleaned',
  'bounced',
  'complained',
  'pending',
  'archived',
] as const;
export const SubscriberStatusSchema = z.enum(SUBSCRIBER_STATUSES);
export type SubscriberStatus = z.infer<typeof SubscriberStatusSchema>;
/** The renderer's name for `SubscriberStatus`. */
export type SubscriberStatusT = SubscriberStatus;

/** How serious a timeline event is (declared once; a desktop notification is never `debug`). */
export const SEVERITIES = ['debug', 'info', 'warning', 'error'] as const;
export const SeveritySchema = z.enum(SEVERITIES);
export type Severity = z.infer<typeof SeveritySchema>;

/** What a provider row is: an SMTP account of the backup chain, or an ESP connection. */
export const ProviderKindSchema = z.enum(['smtp', 'esp']);
export type ProviderKind = z.infer<typeof ProviderKindSchema>;

/** The health of a sending account or an ESP connection (declared once). */
export const HEALTH_STATES = ['unknown', 'operational', 'degraded', 'down', 'paused'] as const;
export const HealthStateSchema = z.enum(HEALTH_STATES);
export type HealthState = z.infer<typeof HealthStateSchema>;

/**
 * A durable event of the timeline (`engine.record`) as it is read back. Its `type` is one of the types
 * declared in words.ts (`TimelineEventType`), but a row written by an older version may hold another.
 * An event about one address names it in `data.email`.
 */
export const TimelineEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  type: z.string(),
  severity: SeveritySchema,
  message: z.string(),
  providerId: z.number().int().nullable(),
  listId: z.number().int().nullable(),
  campaignId: z.number().int().nullable(),
  incidentId: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
});
export type TimelineEvent = z.infer<typeof TimelineEventSchema>;

export const StatusCountsSchema = z.record(SubscriberStatusSchema, z.number().int().nonnegative());

/** Every result crosses a process boundary as an envelope, never as a thrown error. */
export const ApiErrorSchema = z.object({
  kind: z.enum(['user', 'internal']),
  code: z.string(),
  message: z.string(),
  safe: z.string().optional(),
  next: z.string().optional(),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ApiError };
