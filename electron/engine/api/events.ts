/**
 * Events the engine pushes to the UI, by channel, with their payload schemas. Each area adds its
 * channels here (send.progress, sync.progress, health.changed, incident.opened, ...).
 */
import { z } from 'zod';
import { ImportProgressSchema } from './lists';
import { SendProgressSchema } from './sending';
import { HealthChangeSchema, NotificationSchema } from './continuity';
import { SyncProgressSchema } from './esp';
import { TimelineEventSchema } from './common';

/** The timeline's rows (declared in common.ts, where every area's schemas can reach it). */
export { TimelineEventSchema };

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

/** Every channel, for the shells that forward them all (IPC, WebSocket). */
export const EVENT_CHANNELS = Object.keys(eventChannels) as EventChannel[];
