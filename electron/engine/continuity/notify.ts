/**
 * Alerts a person should see now (incident opened/closed, a send finished or failed, a drill failed, a
 * campaign held): a durable timeline event plus a `notification` on the bus, which the app turns into a
 * desktop notification and `understudy run` prints. The engine never shows anything itself.
 */
import type { Engine } from '../engine';
import type { EventInput, EventRow } from '../db/repos/events';

export interface Notification {
  title: string;
  body: string;
  severity: 'info' | 'warning' | 'error';
  at: string;
  eventId: number;
  campaignId: number | null;
  incidentId: number | null;
  providerId: number | null;
}

export function notify(engine: Engine, title: string, e: EventInput): EventRow {
  const row = engine.record({ ...e, data: { ...(e.data ?? {}), notify: true, title } });
  const n: Notification = {
    title,
    body: row.message,
    severity: row.severity === 'debug' ? 'info' : row.severity,
    at: row.at,
    eventId: row.id,
    campaignId: row.campaignId,
    incidentId: row.incidentId,
    providerId: row.providerId,
  };
  engine.bus.emit('notification', n);
  return row;
}
