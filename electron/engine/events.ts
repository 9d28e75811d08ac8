/**
 * Engine events: what the UI, the CLI's progress line and the incident log listen to. Durable events
 * (state changes) are also appended to the `events` table; progress ticks are not.
 */
import { EventEmitter } from 'node:events';
import type { EventRow } from './db/repos/events';
import type { ImportProgress } from './api/lists';
import type { HealthChangeEvent, NotificationEvent } from './api/continuity';

export interface EngineEventMap {
  /** A durable event was recorded in the timeline. */
  event: [EventRow];
  'import.progress': [ImportProgress];
  'health.changed': [HealthChangeEvent];
  notification: [NotificationEvent];
  /** Other areas add their own channels here (send.progress, sync.progress, health.changed, ...). */
  [channel: string]: unknown[];
}

export class EngineBus extends EventEmitter<EngineEventMap> {}
