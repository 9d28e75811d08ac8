/**
 * Global suppressions: addresses that get no campaign from any list (bounced, complained, cleaned,
 * manual blocks; unsubscribes are per list, on the subscriber row). The outbox checks them at claim time.
 */
import type { Db } from '../connection';
import { toEvent, type EventRow, type RawEvent } from './events';

export type SuppressionReason = 'unsubscribed' | 'bounced' | 'complained' | 'cleaned' | 'manual';

export interface SuppressionRow {
  emailNorm: string;
  reason: SuppressionReason;
  source: string;
  detail: string | null;
  createdAt: string;
}

interface RawSuppression {
  email_norm: string;
  reason: SuppressionReason;
  source: string;
  detail: string | null;
  created_at: string;
}

const toRow = (r: RawSuppression): SuppressionRow => ({
  emailNorm: r.email_norm,
  reason: r.reason,
  source: r.source,
  detail: r.detail,
  createdAt: r.created_at,
});

export class SuppressionsRepo {
  constructor(private readonly db: Db) {}

  /** Adds an address; an existing suppression is kept as it was (the first reason stands). */
  add(
    emailNorm: string,
    reason: SuppressionReason,
    source: string,
    detail: string | null,
    now: string,
  ): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO suppressions (email_norm, reason, source, detail, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (email_norm) DO NOTHING`,
        )
        .run(emailNorm, reason, source, detail, now).changes > 0
    );
  }

  get(emailNorm: string): SuppressionRow | undefined {
    const r = this.db.prepare('SELECT * FROM suppressions WHERE email_norm = ?').get(emailNorm) as
      RawSuppression | undefined;
    return r && toRow(r);
  }

  page(limit = 100, after = ''): SuppressionRow[] {
    return (
      this.db
        .prepare('SELECT * FROM suppressions WHERE email_norm > ? ORDER BY email_norm LIMIT ?')
        .all(after, limit) as RawSuppression[]
    ).map(toRow);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM suppressions').get() as { n: number }).n;
  }

  remove(emailNorm: string): boolean {
    return this.db.prepare('DELETE FROM suppressions WHERE email_norm = ?').run(emailNorm).changes > 0;
  }

  /** A page newest first, filtered by reason, a lower bound on created_at and part of the address. */
  query(f: { reason?: SuppressionReason; since?: string; search?: string; limit: number; offset: number }): {
    total: number;
    rows: SuppressionRow[];
  } {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (f.reason !== undefined) {
      where.push('reason = ?');
      args.push(f.reason);
    }
    if (f.since !== undefined) {
      where.push('created_at >= ?');
      args.push(f.since);
    }
    if (f.search !== undefined && f.search !== '') {
      where.push('instr(email_norm, ?) > 0');
      args.push(f.search.toLowerCase());
    }
    const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (
      this.db.prepare(`SELECT count(*) AS n FROM suppressions ${w}`).get(...args) as { n: number }
    ).n;
    const rows = (
      this.db
        .prepare(`SELECT * FROM suppressions ${w} ORDER BY created_at DESC, email_norm LIMIT ? OFFSET ?`)
        .all(...args, f.limit, f.offset) as RawSuppression[]
    ).map(toRow);
    return { total, rows };
  }

  /** Every subscriber row of this address, in every list, with the list's name. */
  members(emailNorm: string): { id: number; listId: number; list: string; status: string }[] {
    return this.db
      .prepare(
        `SELECT s.id, s.list_id AS listId, l.name AS list, s.status
         FROM lists l JOIN subscribers s ON s.list_id = l.id AND s.email_norm = ? ORDER BY l.name, s.id`,
      )
      .all(emailNorm) as { id: number; listId: number; list: string; status: string }[];
  }

  /** Sets a subscriber's status back, only if it is still `expected` (nothing changed it since). */
  restoreStatus(id: number, expected: string, to: string, reason: string, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE subscribers SET status = ?, status_reason = ?, status_changed_at = ?, updated_at = ?
           WHERE id = ? AND status = ?`,
        )
        .run(to, reason, now, now, id, expected).changes > 0
    );
  }

  /**
   * Events about one address, newest first: those naming it in data.email, and those of `batchTypes`
   * listing it in data.emails. A batch event (an import's thousands of cleaned addresses) is parsed
   * only when its text contains the address at all: `instr` on the stored JSON rules the others out
   * without building their arrays.
   */
  history(emailNorm: string, batchTypes: readonly string[], limit = 500): EventRow[] {
    const types = JSON.stringify(batchTypes);
    const quoted = JSON.stringify(emailNorm).toLowerCase();
    return (
      this.db
        .prepare(
          `SELECT * FROM (
             SELECT * FROM events
             WHERE json_extract(data, '$.email') IS NOT NULL AND lower(json_extract(data, '$.email')) = ?
             UNION
             SELECT * FROM events
             WHERE type IN (SELECT value FROM json_each(?)) AND instr(lower(data), ?) > 0
               AND EXISTS (SELECT 1 FROM json_each(events.data, '$.emails') e WHERE lower(e.value) = ?)
           ) ORDER BY at DESC, id DESC LIMIT ?`,
        )
        .all(emailNorm, types, quoted, emailNorm, limit) as RawEvent[]
    ).map(toEvent);
  }

  /** Events of `types` (lifted suppressions), newest first, at or after `since`. */
  eventsOfTypes(types: readonly string[], since: string | undefined, limit: number): EventRow[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM events WHERE type IN (SELECT value FROM json_each(?)) AND at >= ?
           ORDER BY at DESC, id DESC LIMIT ?`,
        )
        .all(JSON.stringify(types), since ?? '', limit) as RawEvent[]
    ).map(toEvent);
  }
}
