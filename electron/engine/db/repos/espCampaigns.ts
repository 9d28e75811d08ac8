/**
 * Campaigns mirrored from an ESP (provider_id + esp_campaign_id). The sync inserts or refreshes a
 * scheduled campaign only while it is still 'scheduled' locally: once the continuity engine has taken
 * it over (sending, paused, sent, cancelled) the ESP's copy no longer overwrites it. This file decides
 * when; the rows are written by the campaigns repository, the table's one writer.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../connection';
import type { CampaignsRepo, EspCampaignInput } from './campaigns';

export type { EspCampaignInput };

export interface EspCampaignRef {
  id: number;
  providerId: number | null;
  espCampaignId: string | null;
  status: string;
  name: string;
  subject: string;
  scheduledAt: string | null;
  timeZone: string | null;
  /** Who sends it: the ESP, or Understudy (it took the campaign over; the ESP's copy never overwrites it). */
  sender: 'esp' | 'local';
}

export class EspCampaignsRepo {
  constructor(
    private readonly db: Db,
    private readonly campaigns: CampaignsRepo,
  ) {}

  private readonly cache = new Map<string, Statement<unknown[]>>();

  /** Prepared once per SQL text (preparing is most of the cost of a small statement). */
  private stmt(sql: string): Statement<unknown[]> {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  byEspId(providerId: number, espCampaignId: string): EspCampaignRef | undefined {
    return this.stmt(
      `SELECT c.id, c.provider_id AS providerId, c.esp_campaign_id AS espCampaignId, c.status, c.name, c.subject,
           c.scheduled_at AS scheduledAt, c.time_zone AS timeZone, coalesce(s.sender, 'esp') AS sender
         FROM campaigns c LEFT JOIN campaign_schedules s ON s.campaign_id = c.id
         WHERE c.provider_id = ? AND c.esp_campaign_id = ?`,
    ).get(providerId, espCampaignId) as EspCampaignRef | undefined;
  }

  byId(id: number): EspCampaignRef | undefined {
    return this.stmt(
      `SELECT c.id, c.provider_id AS providerId, c.esp_campaign_id AS espCampaignId, c.status, c.name, c.subject,
           c.scheduled_at AS scheduledAt, c.time_zone AS timeZone, coalesce(s.sender, 'esp') AS sender
         FROM campaigns c LEFT JOIN campaign_schedules s ON s.campaign_id = c.id WHERE c.id = ?`,
    ).get(id) as EspCampaignRef | undefined;
  }

  /**
   * Inserts a new one or refreshes a still-scheduled one. Returns what happened: 'held' when Understudy
   * holds the campaign (sent, paused, rescheduled or cancelled here) and the ESP still shows it
   * scheduled — a discrepancy, never an overwrite.
   */
  upsertScheduled(c: EspCampaignInput, now: string): 'added' | 'updated' | 'unchanged' | 'kept' | 'held' {
    const existing = this.byEspId(c.providerId, c.espCampaignId);
    if (!existing) {
      this.campaigns.insertMirrored(c, now);
      return 'added';
    }
    if (existing.sender === 'local') return 'held';
    if (existing.status !== 'scheduled') return 'kept';
    return this.campaigns.refreshMirrored(existing.id, c, now) ? 'updated' : 'unchanged';
  }

  /**
   * Campaigns of this connection still 'scheduled' locally but absent from the ESP's scheduled list,
   * other than those Understudy holds (rescheduled here: the ESP no longer having it is the point).
   */
  scheduledNotIn(providerId: number, espIds: string[]): EspCampaignRef[] {
    const rows = this.stmt(
      `SELECT c.id, c.provider_id AS providerId, c.esp_campaign_id AS espCampaignId, c.status, c.name, c.subject,
           c.scheduled_at AS scheduledAt, c.time_zone AS timeZone, coalesce(s.sender, 'esp') AS sender
         FROM campaigns c LEFT JOIN campaign_schedules s ON s.campaign_id = c.id
         WHERE c.provider_id = ? AND c.status = 'scheduled' AND c.esp_campaign_id IS NOT NULL
           AND coalesce(s.sender, 'esp') = 'esp'`,
    ).all(providerId) as EspCampaignRef[];
    const keep = new Set(espIds);
    return rows.filter((r) => !keep.has(r.espCampaignId!));
  }
}
