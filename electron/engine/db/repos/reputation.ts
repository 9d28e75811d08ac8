/**
 * The reputation guard's data (issue 16, §5 and §3): each provider's edited limits and keep-warm switch
 * (migration 12), the bounce and complaint reports that arrive after a message was accepted (found
 * through the timeline's suppression.added events), and the addresses most likely to hurt a cold
 * backup's reputation. Kept out of db/index.ts's shared registry (one repository per connection).
 */
import type { Db } from '../connection';

export interface ReputationRow {
  providerId: number;
  maxBounceRate: number | null;
  maxComplaintRate: number | null;
  minSample: number | null;
  keepWarm: boolean;
  updatedAt: string;
}

/** Why an address is left out of a send through a cold or small backup (stored as `risky:<why>`). */
export type RiskyReason = 'bounced_before' | 'bounced_elsewhere' | 'never_confirmed';
export const RISKY_PREFIX = 'risky:';

export interface RiskyRow {
  id: number;
  subscriberId: number;
  email: string;
  reason: RiskyReason;
}

/** A suppression recorded after the run started: the address, why, and where it came from. */
export interface ReportedSuppression {
  eventId: number;
  emails: string[];
  reason: string;
  source: string;
}

/**
 * The worst reason first: a hard bounce of this very address, then the address bounced or cleaned on
 * another list, then never confirmed (pending) on another list. Each subquery walks the lists and uses
 * subscribers (list_id, email_norm); deliveries by subscriber_id.
 */
const RISK = `
  CASE
    WHEN EXISTS (SELECT 1 FROM lists l JOIN subscribers o ON o.list_id = l.id AND o.email_norm = s.email_norm
                 JOIN deliveries b ON b.subscriber_id = o.id
                 WHERE b.state = 'failed_perm' AND b.error_class = 'bounced') THEN 'bounced_before'
    WHEN EXISTS (SELECT 1 FROM lists l JOIN subscribers o ON o.list_id = l.id AND o.email_norm = s.email_norm
                 WHERE o.id <> s.id AND o.status IN ('bounced', 'cleaned')) THEN 'bounced_elsewhere'
    WHEN EXISTS (SELECT 1 FROM lists l JOIN subscribers o ON o.list_id = l.id AND o.email_norm = s.email_norm
                 WHERE o.id <> s.id AND o.status = 'pending') THEN 'never_confirmed'
  END`;
/** The globally suppressed are left out anyway (and counted as suppressed), never as risky. */
const NOT_SUPPRESSED = 'NOT EXISTS (SELECT 1 FROM suppressions x WHERE x.email_norm = s.email_norm)';

export class ReputationRepo {
  constructor(private readonly db: Db) {}

  get(providerId: number): ReputationRow | undefined {
    const r = this.db
      .prepare(
        `SELECT provider_id AS providerId, max_bounce_rate AS maxBounceRate, max_complaint_rate AS maxComplaintRate,
                min_sample AS minSample, keep_warm AS keepWarm, updated_at AS updatedAt
         FROM provider_reputation WHERE provider_id = ?`,
      )
      .get(providerId) as (Omit<ReputationRow, 'keepWarm'> & { keepWarm: number }) | undefined;
    return r && { ...r, keepWarm: r.keepWarm === 1 };
  }

  save(r: Omit<ReputationRow, 'updatedAt'>, now: string): void {
    this.db
      .prepare(
        `INSERT INTO provider_reputation (provider_id, max_bounce_rate, max_complaint_rate, min_sample, keep_warm, updated_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (provider_id) DO UPDATE SET max_bounce_rate = excluded.max_bounce_rate,
           max_complaint_rate = excluded.max_complaint_rate, min_sample = excluded.min_sample,
           keep_warm = excluded.keep_warm, updated_at = excluded.updated_at`,
      )
      .run(r.providerId, r.maxBounceRate, r.maxComplaintRate, r.minSample, r.keepWarm ? 1 : 0, now);
  }

  /** Providers whose keep-warm is on. */
  keepWarmIds(): number[] {
    return (
      this.db.prepare('SELECT provider_id AS id FROM provider_reputation WHERE keep_warm = 1').all() as {
        id: number;
      }[]
    ).map((r) => r.id);
  }

  /** The newest event id (what a run has seen of the timeline when it starts). */
  lastEventId(): number {
    return (this.db.prepare('SELECT coalesce(max(id), 0) AS id FROM events').get() as { id: number }).id;
  }

  /** Bounces and complaints recorded as suppressions after event `afterId` (any source). */
  suppressionsAfter(afterId: number): ReportedSuppression[] {
    const rows = this.db
      .prepare(
        `SELECT id, data FROM events WHERE id > ? AND type = 'suppression.added'
           AND data ->> 'reason' IN ('bounced', 'complained') ORDER BY id`,
      )
      .all(afterId) as { id: number; data: string }[];
    return rows.map((r) => {
      const d = JSON.parse(r.data) as { email?: string; emails?: string[]; reason: string; source?: string };
      return {
        eventId: r.id,
        emails: d.emails ?? (d.email ? [d.email] : []),
        reason: d.reason,
        source: d.source ?? '',
      };
    });
  }

  /** This campaign's accepted deliveries to an address (in any list): id and the provider that took it. */
  acceptedTo(campaignId: number, emailNorm: string): { id: number; providerId: number }[] {
    return this.db
      .prepare(
        `SELECT d.id, d.provider_id AS providerId FROM lists l
         JOIN subscribers o ON o.list_id = l.id AND o.email_norm = ?
         JOIN deliveries d ON d.campaign_id = ? AND d.subscriber_id = o.id
         WHERE d.state = 'sent' AND d.provider_id IS NOT NULL`,
      )
      .all(emailNorm, campaignId) as { id: number; providerId: number }[];
  }

  /** Risky people among a campaign's queued deliveries (after the outbox was filled). */
  riskyQueued(campaignId: number): RiskyRow[] {
    return this.db
      .prepare(
        `SELECT * FROM (SELECT q.id, s.id AS subscriberId, s.email_norm AS email, ${RISK} AS reason
         FROM deliveries q JOIN subscribers s ON s.id = q.subscriber_id
         WHERE q.campaign_id = ? AND q.state = 'queued' AND ${NOT_SUPPRESSED}) WHERE reason IS NOT NULL`,
      )
      .all(campaignId) as RiskyRow[];
  }

  /** Risky people among subscriber ids (a dry run, before the outbox exists). */
  riskyAmong(subscriberIds: readonly number[]): RiskyRow[] {
    if (subscriberIds.length === 0) return [];
    return this.db
      .prepare(
        `SELECT * FROM (SELECT s.id AS id, s.id AS subscriberId, s.email_norm AS email, ${RISK} AS reason
         FROM json_each(?) j JOIN subscribers s ON s.id = j.value WHERE ${NOT_SUPPRESSED})
         WHERE reason IS NOT NULL`,
      )
      .all(JSON.stringify(subscriberIds)) as RiskyRow[];
  }

  /** Marks these queued deliveries skipped with `risky:<why>`; returns how many changed. */
  leaveOut(rows: readonly RiskyRow[], now: string): number {
    const stmt = this.db.prepare(
      `UPDATE deliveries SET state = 'skipped', error_class = ?, updated_at = ? WHERE id = ? AND state = 'queued'`,
    );
    return this.db.transaction(() => {
      let n = 0;
      for (const r of rows) n += stmt.run(`${RISKY_PREFIX}${r.reason}`, now, r.id).changes;
      return n;
    })();
  }

  /** People left out as risky, per campaign and reason. */
  leftOut(campaignIds: readonly number[]): { campaignId: number; reason: RiskyReason; count: number }[] {
    if (campaignIds.length === 0) return [];
    return (
      this.db
        .prepare(
          `SELECT campaign_id AS campaignId, substr(error_class, ${RISKY_PREFIX.length + 1}) AS reason, count(*) AS count
           FROM deliveries WHERE campaign_id IN (SELECT value FROM json_each(?)) AND state = 'skipped'
             AND error_class LIKE '${RISKY_PREFIX}%'
           GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`,
        )
        .all(JSON.stringify(campaignIds)) as { campaignId: number; reason: RiskyReason; count: number }[]
    ).filter((r) => r.count > 0);
  }
}
