/**
 * Compensation codes (an apology's vouchers): imported once, each handed to exactly one recipient of
 * one campaign and never again — not even when that delivery later fails. Assignment happens in one
 * transaction with the outbox rows it covers; recipients left without a code when the batch runs out
 * are marked skipped, so the run stops cleanly instead of sending an apology without its code.
 */
import type { Db } from '../connection';
import { prepareAll, type HotStatements } from './hot';

export interface CodeBatchSummary {
  batch: string;
  total: number;
  free: number;
  assigned: number;
}

export const CODE_MERGE_FIELD = 'COMPENSATION_CODE';

/** Taking the next free code of a batch, once per recipient: from compensation_codes_free. */
const HOT = {
  take: `UPDATE compensation_codes SET campaign_id = ?, subscriber_id = ?, assigned_at = ?
       WHERE id = (SELECT id FROM compensation_codes WHERE batch = ? AND assigned_at IS NULL ORDER BY id LIMIT 1)
       RETURNING code`,
};

export class CodesRepo {
  constructor(private readonly db: Db) {}

  statements(): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, HOT);
  }

  /** Adds codes to a batch; a code already in the batch is not added twice. */
  import(batch: string, codes: string[], now: string): { added: number; duplicates: number } {
    const ins = this.db.prepare(
      `INSERT INTO compensation_codes (batch, code, imported_at) VALUES (?, ?, ?) ON CONFLICT (batch, code) DO NOTHING`,
    );
    return this.db.transaction(() => {
      let added = 0;
      for (const c of codes) added += ins.run(batch, c, now).changes;
      return { added, duplicates: codes.length - added };
    })();
  }

  summary(batch: string): CodeBatchSummary {
    const r = this.db
      .prepare(
        `SELECT count(*) AS total, sum(assigned_at IS NULL) AS free FROM compensation_codes WHERE batch = ?`,
      )
      .get(batch) as { total: number; free: number | null };
    return { batch, total: r.total, free: r.free ?? 0, assigned: r.total - (r.free ?? 0) };
  }

  /** The code a recipient got for a campaign, if any. */
  codeOf(campaignId: number, subscriberId: number): string | undefined {
    return (
      this.db
        .prepare('SELECT code FROM compensation_codes WHERE campaign_id = ? AND subscriber_id = ?')
        .get(campaignId, subscriberId) as { code: string } | undefined
    )?.code;
  }

  /**
   * Gives every queued delivery of the campaign that has no code yet the next free code of the batch,
   * and puts it in the subscriber's COMPENSATION_CODE merge field for rendering. Deliveries beyond the
   * batch are skipped ('no_compensation_code'). Call inside the transaction that materializes the
   * outbox rows. Returns the counts.
   */
  assign(campaignId: number, batch: string, now: string): { assigned: number; withoutCode: number } {
    const pending = this.db
      .prepare(
        `SELECT d.id, d.subscriber_id AS subscriberId FROM deliveries d
         WHERE d.campaign_id = ? AND d.state = 'queued'
           AND NOT EXISTS (SELECT 1 FROM compensation_codes c WHERE c.campaign_id = d.campaign_id AND c.subscriber_id = d.subscriber_id)
         ORDER BY d.id`,
      )
      .all(campaignId) as { id: number; subscriberId: number }[];
    const take = this.db.prepare(HOT.take);
    const setField = this.db.prepare(
      `UPDATE subscribers SET merge_fields = json_set(merge_fields, '$.${CODE_MERGE_FIELD}', ?) WHERE id = ?`,
    );
    const skip = this.db.prepare(
      `UPDATE deliveries SET state = 'skipped', error_class = 'no_compensation_code', updated_at = ? WHERE id = ? AND state = 'queued'`,
    );
    let assigned = 0;
    let withoutCode = 0;
    for (const d of pending) {
      const got = take.get(campaignId, d.subscriberId, now, batch) as { code: string } | undefined;
      if (got) {
        setField.run(got.code, d.subscriberId);
        assigned++;
      } else {
        skip.run(now, d.id);
        withoutCode++;
      }
    }
    return { assigned, withoutCode };
  }
}
