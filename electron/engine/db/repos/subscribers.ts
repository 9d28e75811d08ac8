/**
 * Subscribers: paging and search for the UI and CLI (index-backed, never a scan of the list), and the
 * single-row upsert the ESP sync uses. The bulk import path lives in imports.ts.
 */
import type { Db } from '../connection';
import type { SubscriberStatus } from '../../mirror/status';

export interface SubscriberRow {
  id: number;
  listId: number;
  email: string;
  emailNorm: string;
  firstName: string;
  lastName: string;
  status: SubscriberStatus;
  statusChangedAt: string | null;
  statusReason: string | null;
  mergeFields: Record<string, string>;
  tags: string[];
  extra: Record<string, string>;
  optinTime: string | null;
  optinIp: string | null;
  confirmTime: string | null;
  confirmIp: string | null;
  source: string;
  espId: string | null;
  espChangedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RawSubscriber {
  id: number;
  list_id: number;
  email: string;
  email_norm: string;
  first_name: string;
  last_name: string;
  status: SubscriberStatus;
  status_changed_at: string | null;
  status_reason: string | null;
  merge_fields: string;
  tags: string;
  extra: string;
  optin_time: string | null;
  optin_ip: string | null;
  confirm_time: string | null;
  confirm_ip: string | null;
  source: string;
  esp_id: string | null;
  esp_changed_at: string | null;
  created_at: string;
  updated_at: string;
}

export const toSubscriber = (r: RawSubscriber): SubscriberRow => ({
  id: r.id,
  listId: r.list_id,
  email: r.email,
  emailNorm: r.email_norm,
  firstName: r.first_name,
  lastName: r.last_name,
  status: r.status,
  statusChangedAt: r.status_changed_at,
  statusReason: r.status_reason,
  mergeFields: JSON.parse(r.merge_fields) as Record<string, string>,
  tags: JSON.parse(r.tags) as string[],
  extra: JSON.parse(r.extra) as Record<string, string>,
  optinTime: r.optin_time,
  optinIp: r.optin_ip,
  confirmTime: r.confirm_time,
  confirmIp: r.confirm_ip,
  source: r.source,
  espId: r.esp_id,
  espChangedAt: r.esp_changed_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export interface SubscriberQuery {
  listId: number;
  status?: SubscriberStatus | undefined;
  /** Prefix of the email address or of "first last" (case-insensitive). */
  search?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** Keyset paging: rows whose email_norm sorts after this one (faster than offset deep in a list). */
  after?: string | undefined;
}

/** Upper bound for a prefix range on a BINARY index: every string that starts with p sorts below it. */
export function prefixEnd(p: string): string {
  return `${p}\u{10FFFF}`;
}

export class SubscribersRepo {
  constructor(private readonly db: Db) {}

  byId(id: number): SubscriberRow | undefined {
    const r = this.db.prepare('SELECT * FROM subscribers WHERE id = ?').get(id) as RawSubscriber | undefined;
    return r && toSubscriber(r);
  }

  byEmail(listId: number, emailNorm: string): SubscriberRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM subscribers WHERE list_id = ? AND email_norm = ?')
      .get(listId, emailNorm) as RawSubscriber | undefined;
    return r && toSubscriber(r);
  }

  /**
   * One page, ordered by address. A search is two index range scans (email prefix, name prefix)
   * merged: fast at any list size. See test/unit/db/queryPlans.test.ts.
   */
  query(q: SubscriberQuery): SubscriberRow[] {
    const { sql, args } = this.buildQuery(q, 'SELECT *');
    return (
      this.db
        .prepare(`${sql} ORDER BY email_norm LIMIT ? OFFSET ?`)
        .all(...args, q.limit ?? 100, q.offset ?? 0) as RawSubscriber[]
    ).map(toSubscriber);
  }

  count(q: SubscriberQuery): number {
    const { sql, args } = this.buildQuery(q, 'SELECT count(*) AS n');
    const inner = q.search
      ? `SELECT count(*) AS n FROM (${sql.replace('SELECT count(*) AS n', 'SELECT id')})`
      : sql;
    return (this.db.prepare(inner).get(...args) as { n: number }).n;
  }

  buildQuery(q: SubscriberQuery, select: string): { sql: string; args: (string | number)[] } {
    const base: string[] = ['list_id = ?'];
    const args: (string | number)[] = [q.listId];
    if (q.status) {
      base.push('status = ?');
      args.push(q.status);
    }
    if (q.after !== undefined) {
      base.push('email_norm > ?');
      args.push(q.after);
    }
    const search = q.search?.trim().toLowerCase();
    if (!search) return { sql: `${select} FROM subscribers WHERE ${base.join(' AND ')}`, args };
    const where = base.join(' AND ');
    const sql =
      `${select} FROM subscribers WHERE id IN (` +
      `SELECT id FROM subscribers WHERE ${where} AND email_norm >= ? AND email_norm < ? ` +
      `UNION SELECT id FROM subscribers WHERE ${where} AND name_norm >= ? AND name_norm < ?)`;
    return { sql, args: [...args, search, prefixEnd(search), ...args, search, prefixEnd(search)] };
  }

  /** Every row of a list in address order, without holding them all (export, backups). */
  *iterate(listId: number): IterableIterator<SubscriberRow> {
    const stmt = this.db.prepare('SELECT * FROM subscribers WHERE list_id = ? ORDER BY email_norm');
    for (const r of stmt.iterate(listId) as IterableIterator<RawSubscriber>) yield toSubscriber(r);
  }

  /** Every merge field key used by any subscriber of the list (for a lossless export). */
  mergeKeys(listId: number): string[] {
    return (
      this.db
        .prepare(
          'SELECT DISTINCT j.key AS k FROM subscribers s, json_each(s.merge_fields) j WHERE s.list_id = ? ORDER BY 1',
        )
        .all(listId) as { k: string }[]
    ).map((r) => r.k);
  }

  setStatus(id: number, status: SubscriberStatus, reason: string | null, now: string): void {
    this.db
      .prepare(
        'UPDATE subscribers SET status = ?, status_reason = ?, status_changed_at = ?, updated_at = ? WHERE id = ?',
      )
      .run(status, reason, now, now, id);
  }
}
