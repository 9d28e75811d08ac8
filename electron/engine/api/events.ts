/**
 * Events the engine pushes to the UI, by channel, with their payload schemas. Each area adds its
 * channels here (send.progress, sync.progress, health.changed, incident.opened, ...).
 */
import { z } from 'zod';
import { ImportProgressSchema } from './lists';
import { SendProgressSchema } from './sending';
import { HealthChangeSchema, NotificationSchema } from './continuity';
import { SyncProgressSchema } from './esp';

/**
 * A durable event of the timeline (`engine.record`). Its `type` is one of the types an area declares
 * (suppressions.ts: SUPPRESSION_EVENTS); an event about one address names it in `data.email`.
 */
export const TimelineEventSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  type: z.string(),
  severity: z.enum(['debug', 'info', 'warning', 'error']),
  message: z.string(),
  providerId: z.number().int().nullable(),
  listId: z.number().int().nullable(),
  campaignId: z.number().int().nullable(),
  incidentId: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const eventChannels = {
  /** A durable event was appended to the timeline. */
  event: TimelineEventSchema,
  'import.progress': ImportProgressSchema,
  /** A campaign run's counts, at most a few times a second. */
  'send.progress': SendProgressSchema,
  /** A provider's or ESP's health changed (operational / degraded / down). */
  'health.changed': HealthChangeSchema,
  /** Something a person should see now: the app shows it as a desktop notification. */
  notification: NotificationSchema,
  /** An ESP sync's progress: phase, list, pages and members so far. */
  'sync.progress': SyncProgressSchema,
};

export type EventChannels = typeof eventChannels;
export type EventChannel = keyof EventChannels;
export type EventPayload<C extends EventChannel> = z.infer<EventChannels[C]>;
