/** The append-only timeline: every state change the user or the incident report may need to see. */
import type { Db } from '../connection';
import type { Severity } from '../../api/common';
import type { TimelineEventType } from '../../api/words';
import { prepareAll, type HotStatements } from './hot';

export type { Severity };

/** What `engine.record` takes: the type is one the contract declares (api/words.ts) and has words. */
export interface EventInput {
  type: TimelineEventType;
  message: string;
  severity?: Severity;
  providerId?: number | null;
  listId?: number | null;
  campaignId?: number | null;
  incidentId?: number | null;
  data?: Record<string, unknown>;
}

/** A timeline row as read back: a row an older version wrote may hold a type no longer declared. */
export interface EventRow extends Required<Omit<EventInput, 'data' | 'type'>> {
  type: string;
  id: number;
  at: string;
  data: Record<string, unknown>;
}

export interface RawEvent {
  id: number;
  at: string;
  type: string;
  severity: Severity;
  message: string;
  provider_id: number | null;
  list_id: number | null;
  campaign_id: number | null;
  incident_id: number | null;
  data: string;
}

export const toEvent = (r: RawEvent): EventRow => ({
  id: r.id,
  at: r.at,
  type: r.type,
  severity: r.severity,
  message: r.message,
  providerId: r.provider_id,
  listId: r.list_id,
  campaignId: r.campaign_id,
  incidentId: r.incident_id,
  data: JSON.parse(r.data) as Record<string, unknown>,
});

export class EventsRepo {
  constructor(private readonly db: Db) {}

  statements(): HotStatements<'ofIncident' | 'ofCampaign'> {
    return prepareAll(this.db, {
      ofIncident: recentSql({ incidentId: 0 }).sql,
      ofCampaign: recentSql({ campaignId: 0 }).sql,
    });
  }

  append(at: string, e: EventInput): EventRow {
    const info = this.db
      .prepare(
        `INSERT INTO events (at, type, severity, message, provider_id, list_id, campaign_id, incident_id, data)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        at,
        e.type,
        e.severity ?? 'info',
        e.message,
        e.providerId ?? null,
        e.listId ?? null,
        e.campaignId ?? null,
        e.incidentId ?? null,
        JSON.stringify(e.data ?? {}),
      );
    return this.byId(Number(info.lastInsertRowid))!;
  }

  byId(id: number): EventRow | undefined {
    const r = this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as RawEvent | undefined;
    return r && toEvent(r);
  }

  recent(limit = 100, filter: EventFilter = {}): EventRow[] {
    const { sql, args } = recentSql(filter);
    return (this.db.prepare(sql).all(...args, limit) as RawEvent[]).map(toEvent);
  }
}

interface EventFilter {
  campaignId?: number;
  incidentId?: number;
  since?: string;
}

/** The timeline of a campaign or an incident (events_campaign, events_incident), newest first. */
function recentSql(filter: EventFilter): { sql: string; args: (string | number)[] } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (filter.campaignId !== undefined) {
    where.push('campaign_id = ?');
    args.push(filter.campaignId);
  }
  if (filter.incidentId !== undefined) {
    where.push('incident_id = ?');
    args.push(filter.incidentId);
  }
  if (filter.since !== undefined) {
    where.push('at >= ?');
    args.push(filter.since);
  }
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
  return { sql, args };
}
