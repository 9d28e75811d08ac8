/**
 * The numbers of a post-incident report: affected campaigns with scheduled vs actual send times,
 * messages by provider, failures by class, unsubscribes and bounces during the incident, and messages
 * over time for the chart. Read-only; every query is bounded by the incident's window or campaigns.
 */
import type { Db } from '../connection';
import { UNSUBSCRIBE_EVENTS } from '../../api/unsubscribe';

export interface ReportCampaign {
  id: number;
  name: string;
  subject: string;
  status: string;
  originalProvider: string | null;
  scheduledAt: string | null;
  timeZone: string | null;
  firstSentAt: string | null;
  lastSentAt: string | null;
  recipients: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
  /** Unsubscribes from this campaign's messages, whenever they came (link, one-click, email). */
  unsubscribes: number;
}

export interface ProviderCount {
  campaignId: number;
  provider: string;
  sent: number;
}

export interface FailureClass {
  errorClass: string;
  state: string;
  smtpCode: number | null;
  count: number;
}

export interface StatusCount {
  status: string;
  count: number;
}

export interface SendPoint {
  at: string;
  provider: string;
}

export class ReportsRepo {
  constructor(private readonly db: Db) {}

  /**
   * Campaigns touched by the incident: due during it, sending during it, or named in its timeline.
   */
  affectedCampaigns(incidentId: number, from: string, to: string): ReportCampaign[] {
    return this.db
      .prepare(
        `WITH ids AS (
           SELECT id FROM campaigns WHERE scheduled_at >= ? AND scheduled_at <= ?
           UNION SELECT DISTINCT campaign_id FROM deliveries WHERE sent_at >= ? AND sent_at <= ?
           UNION SELECT DISTINCT campaign_id FROM events WHERE incident_id = ? AND campaign_id IS NOT NULL
         )
         SELECT c.id, c.name, c.subject, c.status, p.name AS originalProvider, c.scheduled_at AS scheduledAt,
           c.time_zone AS timeZone,
           (SELECT min(sent_at) FROM deliveries d WHERE d.campaign_id = c.id AND d.state = 'sent') AS firstSentAt,
           (SELECT max(sent_at) FROM deliveries d WHERE d.campaign_id = c.id AND d.state = 'sent') AS lastSentAt,
           (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id) AS recipients,
           (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.state = 'sent') AS sent,
           (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.state IN ('failed_perm', 'failed_temp')) AS failed,
           (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.state = 'skipped') AS skipped,
           (SELECT count(*) FROM deliveries d WHERE d.campaign_id = c.id AND d.state IN ('queued', 'claimed')) AS pending,
           (SELECT count(*) FROM events e WHERE e.campaign_id = c.id AND e.type = '${UNSUBSCRIBE_EVENTS.unsubscribed}') AS unsubscribes
         FROM campaigns c LEFT JOIN providers p ON p.id = c.provider_id
         WHERE c.id IN (SELECT id FROM ids)
         ORDER BY c.scheduled_at, c.id`,
      )
      .all(from, to, from, to, incidentId) as ReportCampaign[];
  }

  sentByProvider(campaignIds: number[]): ProviderCount[] {
    if (!campaignIds.length) return [];
    const marks = campaignIds.map(() => '?').join(', ');
    return this.db
      .prepare(
        `SELECT d.campaign_id AS campaignId, coalesce(p.name, '(removed provider)') AS provider, count(*) AS sent
         FROM deliveries d LEFT JOIN providers p ON p.id = d.provider_id
         WHERE d.campaign_id IN (${marks}) AND d.state = 'sent'
         GROUP BY d.campaign_id, d.provider_id ORDER BY d.campaign_id, sent DESC`,
      )
      .all(...campaignIds) as ProviderCount[];
  }

  failuresByClass(campaignIds: number[]): FailureClass[] {
    if (!campaignIds.length) return [];
    const marks = campaignIds.map(() => '?').join(', ');
    return this.db
      .prepare(
        `SELECT coalesce(error_class, 'unclassified') AS errorClass, state, smtp_code AS smtpCode, count(*) AS count
         FROM deliveries WHERE campaign_id IN (${marks}) AND state IN ('failed_perm', 'failed_temp')
         GROUP BY 1, 2, 3 ORDER BY count DESC`,
      )
      .all(...campaignIds) as FailureClass[];
  }

  /** Subscribers whose status changed to unsubscribed, bounced, complained or cleaned in the window. */
  statusChanges(from: string, to: string): StatusCount[] {
    return this.db
      .prepare(
        `SELECT status, count(*) AS count FROM subscribers
         WHERE status IN ('unsubscribed', 'bounced', 'complained', 'cleaned')
           AND status_changed_at >= ? AND status_changed_at <= ?
         GROUP BY status ORDER BY status`,
      )
      .all(from, to) as StatusCount[];
  }

  suppressionsAdded(from: string, to: string): StatusCount[] {
    return this.db
      .prepare(
        `SELECT reason AS status, count(*) AS count FROM suppressions
         WHERE created_at >= ? AND created_at <= ? GROUP BY reason ORDER BY reason`,
      )
      .all(from, to) as StatusCount[];
  }

  /** Messages sent per time bucket and provider (for the chart). */
  sendsOverTime(
    campaignIds: number[],
    bucketMs: number,
    from: string,
  ): { bucket: number; provider: string; n: number }[] {
    if (!campaignIds.length) return [];
    const marks = campaignIds.map(() => '?').join(', ');
    const fromMs = Date.parse(from);
    return this.db
      .prepare(
        `SELECT CAST((unixepoch(d.sent_at, 'subsec') * 1000 - ?) / ? AS INTEGER) AS bucket,
           coalesce(p.name, '(removed provider)') AS provider, count(*) AS n
         FROM deliveries d LEFT JOIN providers p ON p.id = d.provider_id
         WHERE d.campaign_id IN (${marks}) AND d.state = 'sent' AND d.sent_at IS NOT NULL
         GROUP BY 1, 2 ORDER BY 1`,
      )
      .all(fromMs, bucketMs, ...campaignIds) as {
      bucket: number;
      provider: string;
      n: number;
    }[];
  }
}
