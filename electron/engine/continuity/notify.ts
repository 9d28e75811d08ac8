/**
 * Alerts a person should see now (incident opened/closed, a send finished or failed, a drill failed, a
 * campaign held): one function, `alert`, for all of them. It writes a durable timeline event, emits a
 * `notification` on the bus (which the app turns into a desktop notification and `understudy run`
 * prints), and hands the event to the team alert channel when one runs (teamAlerts.ts: email to the
 * addresses in `policy --alert-to`). The engine never shows anything itself.
 */
import type { Engine } from '../engine';
import type { EventInput, EventRow } from '../db/repos/events';
import type { NotificationEvent } from '../api/continuity';

/** A desktop notification: the `notification` channel's payload, declared in the contract. */
export type Notification = NotificationEvent;

export type { AlertSink } from '../services';

/** The one path of every alert: timeline event, desktop notification, team email (when set up). */
export function alert(engine: Engine, title: string, e: EventInput): EventRow {
  const row = engine.record({ ...e, data: { ...(e.data ?? {}), notify: true, title } });
  alertRecorded(engine, row, title);
  return row;
}

/**
 * The same for an event already on the timeline (a send that finished or failed, recorded by the
 * sending engine): desktop notification and team channel, nothing recorded twice.
 */
export function alertRecorded(
  engine: Engine,
  row: EventRow,
  title: string,
  severity: Notification['severity'] = row.severity === 'debug' ? 'info' : row.severity,
): void {
  const n: Notification = {
    title,
    body: row.message,
    severity,
    at: row.at,
    eventId: row.id,
    campaignId: row.campaignId,
    incidentId: row.incidentId,
    providerId: row.providerId,
  };
  engine.bus.emit('notification', n);
  engine.services.alerts.sink?.(row, title);
}

/** The historical name of `alert`, used across the engine. */
export const notify = alert;
