/**
 * Obligations to the ESP (esp_obligations): what Understudy owes an ESP after taking a mirrored
 * campaign over, durable until the ESP confirms. take() is called inside the transaction that takes
 * the campaign over; the custody runner (mirror/esp/custody.ts) drains the pending ones.
 */
import type { Db } from '../connection';
import type { ObligationState } from '../../api/custody';

export type { ObligationState };
export type ObligationAction = 'unschedule' | 'tag';

export interface ObligationRow {
  id: number;
  campaignId: number;
  providerId: number;
  espCampaignId: string;
  action: ObligationAction;
  reason: string;
  state: ObligationState;
  espSendAt: string | null;
  attempts: number;
  nextTryAt: string;
  lastError: string | null;
  alertedMinutes: number | null;
  discrepancies: number;
  affected: number | null;
  outcome: string | null;
  incidentId: number | null;
  createdAt: string;
  updatedAt: string;
  doneAt: string | null;
}

const COLUMNS = `id, campaign_id AS campaignId, provider_id AS providerId, esp_campaign_id AS espCampaignId,
  action, reason, state, esp_send_at AS espSendAt, attempts, next_try_at AS nextTryAt, last_error AS lastError,
  alerted_minutes AS alertedMinutes, discrepancies, affected, outcome, incident_id AS incidentId,
  created_at AS createdAt, updated_at AS updatedAt, done_at AS doneAt`;

export interface CustodyCandidate {
  id: number;
  providerId: number | null;
  providerKind: string | null;
  espCampaignId: string | null;
  scheduledAt: string | null;
  sender: 'esp' | 'local';
}

export class ObligationsRepo {
  constructor(private readonly db: Db) {}

  /** The campaign's ESP link and who holds it now (campaign_schedules.sender, 'esp' when absent). */
  candidate(campaignId: number): CustodyCandidate | undefined {
    return this.db
      .prepare(
        `SELECT c.id, c.provider_id AS providerId, p.kind AS providerKind, c.esp_campaign_id AS espCampaignId,
           c.scheduled_at AS scheduledAt, coalesce(s.sender, 'esp') AS sender
         FROM campaigns c LEFT JOIN providers p ON p.id = c.provider_id
         LEFT JOIN campaign_schedules s ON s.campaign_id = c.id WHERE c.id = ?`,
      )
      .get(campaignId) as CustodyCandidate | undefined;
  }

  /**
   * Moves the campaign to Understudy's custody (sender 'local') and records the duty to unschedule it
   * at its ESP. Call inside the transaction that takes the campaign over. Returns the pending duty (an
   * existing one is kept), or undefined when the campaign is not the ESP's to send.
   */
  take(
    c: { campaignId: number; providerId: number; espCampaignId: string; espSendAt: string | null },
    reason: string,
    incidentId: number | null,
    now: string,
  ): ObligationRow | undefined {
    this.db
      .prepare(
        `INSERT INTO campaign_schedules (campaign_id, local_time, time_zone, sender, updated_at)
         SELECT id, coalesce(scheduled_at, ''), coalesce(time_zone, 'UTC'), 'local', ? FROM campaigns WHERE id = ?
         ON CONFLICT (campaign_id) DO UPDATE SET sender = 'local', updated_at = excluded.updated_at`,
      )
      .run(now, c.campaignId);
    this.db
      .prepare(
        `INSERT INTO esp_obligations (campaign_id, provider_id, esp_campaign_id, action, reason, esp_send_at,
           next_try_at, incident_id, created_at, updated_at)
         VALUES (?, ?, ?, 'unschedule', ?, ?, ?, ?, ?, ?)
         ON CONFLICT (campaign_id, action) WHERE state = 'pending' DO NOTHING`,
      )
      .run(c.campaignId, c.providerId, c.espCampaignId, reason, c.espSendAt, now, incidentId, now, now);
    return this.pendingFor(c.campaignId);
  }

  /** A duty to tag the backup's recipients at the ESP (after the backup send finished). */
  addTag(
    c: { campaignId: number; providerId: number; espCampaignId: string },
    incidentId: number | null,
    now: string,
  ): boolean {
    const info = this.db
      .prepare(
        `INSERT INTO esp_obligations (campaign_id, provider_id, esp_campaign_id, action, reason, next_try_at,
           incident_id, created_at, updated_at)
         VALUES (?, ?, ?, 'tag', 'backup', ?, ?, ?, ?)
         ON CONFLICT (campaign_id, action) WHERE state = 'pending' DO NOTHING`,
      )
      .run(c.campaignId, c.providerId, c.espCampaignId, now, incidentId, now, now);
    return info.changes > 0;
  }

  byId(id: number): ObligationRow | undefined {
    return this.db.prepare(`SELECT ${COLUMNS} FROM esp_obligations WHERE id = ?`).get(id) as
      ObligationRow | undefined;
  }

  pendingFor(campaignId: number, action: ObligationAction = 'unschedule'): ObligationRow | undefined {
    return this.db
      .prepare(
        `SELECT ${COLUMNS} FROM esp_obligations WHERE campaign_id = ? AND action = ? AND state = 'pending'`,
      )
      .get(campaignId, action) as ObligationRow | undefined;
  }

  /** The latest duty of a campaign, whatever its state (what the UI says about it). */
  latestFor(campaignId: number, action: ObligationAction = 'unschedule'): ObligationRow | undefined {
    return this.db
      .prepare(
        `SELECT ${COLUMNS} FROM esp_obligations WHERE campaign_id = ? AND action = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(campaignId, action) as ObligationRow | undefined;
  }

  /** Every pending duty (of one ESP connection), oldest first. */
  pending(providerId?: number): ObligationRow[] {
    return (
      providerId === undefined
        ? this.db.prepare(`SELECT ${COLUMNS} FROM esp_obligations WHERE state = 'pending' ORDER BY id`).all()
        : this.db
            .prepare(
              `SELECT ${COLUMNS} FROM esp_obligations WHERE state = 'pending' AND provider_id = ? ORDER BY id`,
            )
            .all(providerId)
    ) as ObligationRow[];
  }

  /**
   * The incident report's duties: those tagged with the incident, or of its provider created while it
   * was open, or of the given (affected) campaigns; with the campaign's name.
   */
  forIncident(
    incidentId: number,
    providerId: number | null,
    from: string,
    to: string,
    campaignIds: number[],
  ): (ObligationRow & { campaignName: string })[] {
    const inIds = campaignIds.length ? `OR o.campaign_id IN (${campaignIds.map(() => '?').join(', ')})` : '';
    return this.db
      .prepare(
        `SELECT ${COLUMNS.replace(/(^|, |\n\s*)(\w+)/g, '$1o.$2')}, coalesce(nullif(c.name, ''), c.subject) AS campaignName
         FROM esp_obligations o JOIN campaigns c ON c.id = o.campaign_id
         WHERE o.action = 'unschedule' AND (o.incident_id = ? OR (o.provider_id IS ? AND o.created_at BETWEEN ? AND ?) ${inIds})
         ORDER BY o.id`,
      )
      .all(incidentId, providerId, from, to, ...campaignIds) as (ObligationRow & { campaignName: string })[];
  }

  /** Duties of these campaigns (the incident report). */
  ofCampaigns(campaignIds: number[]): ObligationRow[] {
    if (!campaignIds.length) return [];
    return this.db
      .prepare(
        `SELECT ${COLUMNS} FROM esp_obligations WHERE campaign_id IN (${campaignIds.map(() => '?').join(', ')}) ORDER BY id`,
      )
      .all(...campaignIds) as ObligationRow[];
  }

  /** An attempt that did not settle it: the next try at `nextTryAt`. */
  retryLater(id: number, error: string, nextTryAt: string, now: string): void {
    this.db
      .prepare(
        `UPDATE esp_obligations SET attempts = attempts + 1, last_error = ?, next_try_at = ?, updated_at = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .run(error, nextTryAt, now, id);
  }

  /** Try it at the next pass (the ESP answers again, or a sync saw the ESP still holding it). */
  dueNow(id: number, now: string, discrepancy = false): void {
    this.db
      .prepare(
        `UPDATE esp_obligations SET next_try_at = ?, discrepancies = discrepancies + ?, updated_at = ?
         WHERE id = ? AND state = 'pending'`,
      )
      .run(now, discrepancy ? 1 : 0, now, id);
  }

  setAlerted(id: number, minutes: number, now: string): void {
    this.db
      .prepare('UPDATE esp_obligations SET alerted_minutes = ?, updated_at = ? WHERE id = ?')
      .run(minutes, now, id);
  }

  /** Settles a duty; true for exactly one caller (two engines may drain the same queue). */
  settle(
    id: number,
    state: Exclude<ObligationState, 'pending'>,
    outcome: string,
    now: string,
    affected: number | null = null,
  ): boolean {
    const info = this.db
      .prepare(
        `UPDATE esp_obligations SET state = ?, outcome = ?, affected = ?, attempts = attempts + 1, done_at = ?,
           updated_at = ? WHERE id = ? AND state = 'pending'`,
      )
      .run(state, outcome, affected, now, now, id);
    return info.changes > 0;
  }

  /**
   * The ESP shows as scheduled a campaign we hold and whose duty was settled: the duty opens again
   * (someone rescheduled it there by hand, or the ESP restored it).
   */
  reopen(
    c: { campaignId: number; providerId: number; espCampaignId: string; espSendAt: string | null },
    now: string,
  ): ObligationRow | undefined {
    this.db
      .prepare(
        `INSERT INTO esp_obligations (campaign_id, provider_id, esp_campaign_id, action, reason, esp_send_at,
           next_try_at, discrepancies, created_at, updated_at)
         VALUES (?, ?, ?, 'unschedule', 'discrepancy', ?, ?, 1, ?, ?)
         ON CONFLICT (campaign_id, action) WHERE state = 'pending' DO NOTHING`,
      )
      .run(c.campaignId, c.providerId, c.espCampaignId, c.espSendAt, now, now, now);
    return this.pendingFor(c.campaignId);
  }

  countPending(providerId?: number): number {
    const r = (
      providerId === undefined
        ? this.db.prepare(`SELECT count(*) AS n FROM esp_obligations WHERE state = 'pending'`).get()
        : this.db
            .prepare(`SELECT count(*) AS n FROM esp_obligations WHERE state = 'pending' AND provider_id = ?`)
            .get(providerId)
    ) as { n: number };
    return r.n;
  }
}
