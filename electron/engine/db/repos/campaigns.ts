/**
 * Campaigns: what to send, to which list, from whom, and where it stands (draft → sending → sent).
 * The one writer of the `campaigns` table: campaigns made here, campaigns mirrored from an ESP
 * (espCampaigns.ts decides when), scheduling (schedules.ts) and every status change go through this
 * repository. Statements bind by name (`@listId`), from the input objects themselves.
 */
import type { Db } from '../connection';
import type { CampaignStatus, Dialect } from '../../api/sending';

export type { CampaignStatus };
export type CampaignDialect = Dialect;

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

/** What a campaign says, whoever made it: the columns a campaign made here and a mirrored one share. */
type CampaignContent = Pick<
  CampaignRow,
  'name' | 'subject' | 'fromName' | 'fromEmail' | 'replyTo' | 'html' | 'text' | 'timeZone'
>;

export interface CampaignInput extends CampaignContent {
  listId: number;
  dialect: CampaignDialect;
  scheduledAt: string | null;
  status: CampaignStatus;
}

/** A campaign as the ESP sync mirrors it (provider_id + esp_campaign_id). */
export interface EspCampaignInput extends CampaignContent {
  providerId: number;
  espCampaignId: string;
  listId: number | null;
  segment: string | null;
  dialect: string;
  scheduledAt: string;
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

/** The named parameters a campaign made here and a mirrored one share (a missing property binds NULL). */
const contentBinds = (c: CampaignInput | EspCampaignInput) => ({
  listId: c.listId,
  name: c.name,
  subject: c.subject,
  fromName: c.fromName,
  fromEmail: c.fromEmail,
  replyTo: c.replyTo,
  html: c.html,
  text: c.text,
  dialect: c.dialect,
  scheduledAt: c.scheduledAt,
  timeZone: c.timeZone,
});

/** Exactly the named parameters of a campaign (a missing property binds NULL, as a positional one did). */
const campaignBinds = (c: CampaignInput) => ({ ...contentBinds(c), status: c.status });

const mirroredBinds = (c: EspCampaignInput) => ({
  ...contentBinds(c),
  providerId: c.providerId,
  espCampaignId: c.espCampaignId,
  segment: c.segment,
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
         VALUES (@listId, @name, @subject, @fromName, @fromEmail, @replyTo, @html, @text, @dialect,
           @scheduledAt, @timeZone, @status, @now, @now)`,
      )
      .run({ ...campaignBinds(c), now });
    return this.byId(Number(info.lastInsertRowid))!;
  }

  update(id: number, c: CampaignInput, now: string): CampaignRow {
    this.db
      .prepare(
        `UPDATE campaigns SET list_id = @listId, name = @name, subject = @subject, from_name = @fromName,
           from_email = @fromEmail, reply_to = @replyTo, html = @html, text = @text, dialect = @dialect,
           scheduled_at = @scheduledAt, time_zone = @timeZone, status = @status, updated_at = @now
         WHERE id = @id`,
      )
      .run({ ...campaignBinds(c), now, id });
    return this.byId(id)!;
  }

  /** A campaign newly mirrored from its ESP, scheduled there. */
  insertMirrored(c: EspCampaignInput, now: string): void {
    this.db
      .prepare(
        `INSERT INTO campaigns (provider_id, esp_campaign_id, list_id, segment, name, subject, from_name, from_email,
           reply_to, html, text, dialect, scheduled_at, time_zone, status, created_at, updated_at)
         VALUES (@providerId, @espCampaignId, @listId, @segment, @name, @subject, @fromName, @fromEmail,
           @replyTo, @html, @text, @dialect, @scheduledAt, @timeZone, 'scheduled', @now, @now)`,
      )
      .run({ ...mirroredBinds(c), now });
  }

  /**
   * Refreshes a mirrored campaign from its ESP while it is still 'scheduled' here and only if something
   * changed. Returns whether it changed.
   */
  refreshMirrored(id: number, c: EspCampaignInput, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE campaigns SET list_id = @listId, segment = @segment, name = @name, subject = @subject,
             from_name = @fromName, from_email = @fromEmail, reply_to = @replyTo, html = @html, text = @text,
             dialect = @dialect, scheduled_at = @scheduledAt, time_zone = @timeZone, updated_at = @now
           WHERE id = @id AND status = 'scheduled' AND NOT (
             list_id IS @listId AND segment IS @segment AND name = @name AND subject = @subject
             AND from_name = @fromName AND from_email = @fromEmail AND reply_to IS @replyTo AND html IS @html
             AND text IS @text AND dialect = @dialect AND scheduled_at IS @scheduledAt AND time_zone IS @timeZone)`,
        )
        .run({ ...mirroredBinds(c), now, id }).changes > 0
    );
  }

  /**
   * Sets the UTC instant and zone of a campaign that may still be scheduled (a draft, scheduled, paused,
   * or cancelled before it started). Returns whether it was.
   */
  schedule(id: number, at: { utc: string; timeZone: string }, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE campaigns SET scheduled_at = @utc, time_zone = @timeZone, status = 'scheduled', updated_at = @now
           WHERE id = @id AND (status IN ('draft', 'scheduled', 'paused') OR (status = 'cancelled' AND started_at IS NULL))`,
        )
        .run({ utc: at.utc, timeZone: at.timeZone, now, id }).changes > 0
    );
  }

  /** Sets the status, whatever it was (a mirrored campaign its ESP no longer schedules). */
  setStatus(id: number, status: CampaignStatus, now: string): void {
    this.db.prepare('UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ?').run(status, now, id);
  }

  /**
   * Moves the status only if it is still one of `from`, leaving the start and finish times alone (the
   * scheduler's holds and releases). Returns whether it moved.
   */
  moveStatus(id: number, from: CampaignStatus[], to: CampaignStatus, now: string): boolean {
    const marks = from.map(() => '?').join(', ');
    const info = this.db
      .prepare(`UPDATE campaigns SET status = ?, updated_at = ? WHERE id = ? AND status IN (${marks})`)
      .run(to, now, id, ...from);
    return info.changes > 0;
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
