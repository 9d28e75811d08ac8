/** Campaigns: what to send, to which list, from whom, and where it stands (draft → sending → sent). */
import type { Db } from '../connection';

import type { CampaignStatus } from '../../api/sending';
export type { CampaignStatus };
export type CampaignDialect = 'mailchimp' | 'brevo' | 'mailerlite' | 'kit' | 'sendgrid' | 'klaviyo' | 'local';

export interface CampaignRow {
  id: number;
  providerId: number | null;
  espCampaignId: string | null;
  listId: number | null;
  segment: unknown;
  name: string;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  html: string | null;
  text: string | null;
  dialect: CampaignDialect;
  scheduledAt: string | null;
  timeZone: string | null;
  status: CampaignStatus;
  outagePolicy: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CampaignInput {
  listId: number;
  name: string;
  subject: string;
  fromName: string;
  fromEmail: string;
  replyTo: string | null;
  html: string | null;
  text: string | null;
  dialect: CampaignDialect;
  scheduledAt: string | null;
  timeZone: string | null;
  status: CampaignStatus;
}

interface RawCampaign {
  id: number;
  provider_id: number | null;
  esp_campaign_id: string | null;
  list_id: number | null;
  segment: string | null;
  name: string;
  subject: string;
  from_name: string;
  from_email: string;
  reply_to: string | null;
  html: string | null;
  text: string | null;
  dialect: CampaignDialect;
  scheduled_at: string | null;
  time_zone: string | null;
  status: CampaignStatus;
  outage_policy: string | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
  updated_at: string;
}

const toCampaign = (r: RawCampaign): CampaignRow => ({
  id: r.id,
  providerId: r.provider_id,
  espCampaignId: r.esp_campaign_id,
  listId: r.list_id,
  segment: r.segment === null ? null : (JSON.parse(r.segment) as unknown),
  name: r.name,
  subject: r.subject,
  fromName: r.from_name,
  fromEmail: r.from_email,
  replyTo: r.reply_to,
  html: r.html,
  text: r.text,
  dialect: r.dialect,
  scheduledAt: r.scheduled_at,
  timeZone: r.time_zone,
  status: r.status,
  outagePolicy: r.outage_policy === null ? null : (JSON.parse(r.outage_policy) as unknown),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class CampaignsRepo {
  constructor(private readonly db: Db) {}

  all(limit = 500): CampaignRow[] {
    return (
      this.db.prepare('SELECT * FROM campaigns ORDER BY id DESC LIMIT ?').all(limit) as RawCampaign[]
    ).map(toCampaign);
  }

  byId(id: number): CampaignRow | undefined {
    const r = this.db.prepare('SELECT * FROM campaigns WHERE id = ?').get(id) as RawCampaign | undefined;
    return r && toCampaign(r);
  }

  byStatus(status: CampaignStatus): CampaignRow[] {
    return (
      this.db.prepare('SELECT * FROM campaigns WHERE status = ? ORDER BY id').all(status) as RawCampaign[]
    ).map(toCampaign);
  }

  create(c: CampaignInput, now: string): CampaignRow {
    const info = this.db
      .prepare(
        `INSERT INTO campaigns (list_id, name, subject, from_name, from_email, reply_to, html, text, dialect,
           scheduled_at, time_zone, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        c.listId,
        c.name,
        c.subject,
        c.fromName,
        c.fromEmail,
        c.replyTo,
        c.html,
        c.text,
        c.dialect,
        c.scheduledAt,
        c.timeZone,
        c.status,
        now,
        now,
      );
    return this.byId(Number(info.lastInsertRowid))!;
  }

  update(id: number, c: CampaignInput, now: string): CampaignRow {
    this.db
      .prepare(
        `UPDATE campaigns SET list_id = ?, name = ?, subject = ?, from_name = ?, from_email = ?, reply_to = ?,
           html = ?, text = ?, dialect = ?, scheduled_at = ?, time_zone = ?, status = ?, updated_at = ?
         WHERE id = ?`,
      )
      .run(
        c.listId,
        c.name,
        c.subject,
        c.fromName,
        c.fromEmail,
        c.replyTo,
        c.html,
        c.text,
        c.dialect,
        c.scheduledAt,
        c.timeZone,
        c.status,
        now,
        id,
      );
    return this.byId(id)!;
  }

  /**
   * Moves a campaign to `to` only if it is in one of `from` (compare-and-set), so two processes never
   * both start, finish or cancel the same campaign. Returns whether it moved.
   */
  transition(id: number, from: CampaignStatus[], to: CampaignStatus, now: string): boolean {
    const placeholders = from.map(() => '?').join(', ');
    const info = this.db
      .prepare(
        `UPDATE campaigns SET status = ?, updated_at = ?,
           started_at = CASE WHEN ? = 'sending' THEN coalesce(started_at, ?) ELSE started_at END,
           finished_at = CASE WHEN ? IN ('sent', 'cancelled', 'failed') THEN ? ELSE NULL END
         WHERE id = ? AND status IN (${placeholders})`,
      )
      .run(to, now, to, now, to, now, id, ...from);
    return info.changes > 0;
  }

  /** The campaign's own outage policy (JSON), or null to follow the default. */
  setOutagePolicy(id: number, policy: string | null, now: string): boolean {
    return (
      this.db
        .prepare('UPDATE campaigns SET outage_policy = ?, updated_at = ? WHERE id = ?')
        .run(policy, now, id).changes > 0
    );
  }

  remove(id: number): void {
    this.db.prepare('DELETE FROM campaigns WHERE id = ?').run(id);
  }
}
