/**
 * Incidents: one opens when a provider or ESP goes down and closes when it recovers. Its timeline is
 * the events that carry its id; notes are events too (append-only, like everything in the timeline).
 */
import type { Db } from '../connection';
import { prepareAll, type HotStatements } from './hot';
import { EventsRepo, type EventRow } from './events';

export interface IncidentRow {
  id: number;
  providerId: number | null;
  providerName: string | null;
  title: string;
  status: 'open' | 'closed';
  openedAt: string;
  closedAt: string | null;
}

interface RawIncident {
  id: number;
  provider_id: number | null;
  provider_name: string | null;
  title: string;
  status: 'open' | 'closed';
  opened_at: string;
  closed_at: string | null;
}

const toIncident = (r: RawIncident): IncidentRow => ({
  id: r.id,
  providerId: r.provider_id,
  providerName: r.provider_name,
  title: r.title,
  status: r.status,
  openedAt: r.opened_at,
  closedAt: r.closed_at,
});

const SELECT = `SELECT i.*, p.name AS provider_name FROM incidents i LEFT JOIN providers p ON p.id = i.provider_id`;

/** Read by the health monitor at every pass: the open incidents come from incidents_open. */
const HOT = { openNow: `${SELECT} WHERE i.status = 'open' ORDER BY i.opened_at` };

export class IncidentsRepo {
  constructor(private readonly db: Db) {}

  statements(): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, HOT);
  }

  open(providerId: number | null, title: string, now: string): IncidentRow {
    const info = this.db
      .prepare(`INSERT INTO incidents (provider_id, title, status, opened_at) VALUES (?, ?, 'open', ?)`)
      .run(providerId, title, now);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  close(id: number, now: string): void {
    this.db
      .prepare(`UPDATE incidents SET status = 'closed', closed_at = ? WHERE id = ? AND status = 'open'`)
      .run(now, id);
  }

  byId(id: number): IncidentRow | undefined {
    const r = this.db.prepare(`${SELECT} WHERE i.id = ?`).get(id) as RawIncident | undefined;
    return r && toIncident(r);
  }

  /** The open incident of a provider, if any (at most one is open per provider). */
  openFor(providerId: number): IncidentRow | undefined {
    const r = this.db
      .prepare(`${SELECT} WHERE i.provider_id = ? AND i.status = 'open' ORDER BY i.opened_at DESC LIMIT 1`)
      .get(providerId) as RawIncident | undefined;
    return r && toIncident(r);
  }

  openNow(): IncidentRow[] {
    return (this.db.prepare(HOT.openNow).all() as RawIncident[]).map(toIncident);
  }

  list(limit = 100): IncidentRow[] {
    return (
      this.db.prepare(`${SELECT} ORDER BY i.opened_at DESC, i.id DESC LIMIT ?`).all(limit) as RawIncident[]
    ).map(toIncident);
  }

  /**
   * The timeline of an incident: events tagged with it, plus events of its provider and of campaigns
   * that sent during it, between its opening and its close. Walks events_incident and events_at.
   */
  timeline(id: number, providerId: number | null, from: string, to: string): EventRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, at FROM events WHERE incident_id = ?
         UNION
         SELECT id, at FROM events WHERE at >= ? AND at <= ? AND (
           (provider_id IS NOT NULL AND provider_id = ?)
           OR campaign_id IN (SELECT DISTINCT campaign_id FROM deliveries WHERE sent_at >= ? AND sent_at <= ?)
         )
         ORDER BY at, id`,
      )
      .all(id, from, to, providerId, from, to) as { id: number }[];
    const events = new EventsRepo(this.db);
    return rows.map((r) => events.byId(r.id)!);
  }
}
