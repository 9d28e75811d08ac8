/**
 * Global suppressions: addresses that get no campaign from any list (bounced, complained, cleaned,
 * manual blocks; unsubscribes are per list, on the subscriber row). The outbox checks them at claim time.
 */
import type { Db } from '../connection';

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
}
