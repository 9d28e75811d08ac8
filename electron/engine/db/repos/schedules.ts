/**
 * What the scheduler reads and writes: campaigns that are due, their schedule rows (the wall-clock time
 * and zone the person chose, the scheduler's note, holds for catch-up questions and outage waits).
 * Status changes are guarded by the status they come from, so two processes (the app and
 * `understudy run`) can never both fire the same campaign: only one UPDATE matches.
 */
import type { Db } from '../connection';
import type { CampaignStatus } from '../../api/sending';
import type { ProviderKind } from '../../api/common';
import type { CampaignsRepo } from './campaigns';
import { prepareAll, type HotStatements } from './hot';

export type { CampaignStatus };
export type Hold = 'catchup' | 'outage';

export interface ScheduledCampaign {
  id: number;
  name: string;
  subject: string;
  status: CampaignStatus;
  providerId: number | null;
  providerName: string | null;
  providerKind: ProviderKind | null;
  providerHealth: string | null;
  espCampaignId: string | null;
  listId: number | null;
  scheduledAt: string | null;
  timeZone: string | null;
  outagePolicy: unknown;
  startedAt: string | null;
  finishedAt: string | null;
  localTime: string | null;
  note: string | null;
  hold: Hold | null;
  holdSince: string | null;
  waitUntil: string | null;
  firedAt: string | null;
  sender: 'esp' | 'local';
}

interface Raw {
  id: number;
  name: string;
  subject: string;
  status: CampaignStatus;
  provider_id: number | null;
  provider_name: string | null;
  provider_kind: ProviderKind | null;
  provider_health: string | null;
  esp_campaign_id: string | null;
  list_id: number | null;
  scheduled_at: string | null;
  time_zone: string | null;
  outage_policy: string | null;
  started_at: string | null;
  finished_at: string | null;
  local_time: string | null;
  note: string | null;
  hold: Hold | null;
  hold_since: string | null;
  wait_until: string | null;
  fired_at: string | null;
  sender: 'esp' | 'local' | null;
}

const to = (r: Raw): ScheduledCampaign => ({
  id: r.id,
  name: r.name,
  subject: r.subject,
  status: r.status,
  providerId: r.provider_id,
  providerName: r.provider_name,
  providerKind: r.provider_kind,
  providerHealth: r.provider_health,
  espCampaignId: r.esp_campaign_id,
  listId: r.list_id,
  scheduledAt: r.scheduled_at,
  timeZone: r.time_zone,
  outagePolicy: r.outage_policy === null ? null : (JSON.parse(r.outage_policy) as unknown),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  localTime: r.local_time,
  note: r.note,
  hold: r.hold,
  holdSince: r.hold_since,
  waitUntil: r.wait_until,
  firedAt: r.fired_at,
  sender: r.sender ?? 'esp',
});

const SELECT = `SELECT c.id, c.name, c.subject, c.status, c.provider_id, p.name AS provider_name,
    p.kind AS provider_kind, p.health AS provider_health, c.esp_campaign_id, c.list_id, c.scheduled_at,
    c.time_zone, c.outage_policy, c.started_at, c.finished_at, s.local_time, s.note, s.hold, s.hold_since,
    s.wait_until, s.fired_at, s.sender
  FROM campaigns c
  LEFT JOIN campaign_schedules s ON s.campaign_id = c.id
  LEFT JOIN providers p ON p.id = c.provider_id`;

/** The scheduler's queries, run at every tick of `run`: each walks an index (campaigns_due, campaign_schedules_hold). */
const HOT = {
  due: `${SELECT} WHERE c.status = 'scheduled' AND c.scheduled_at <= ? AND s.hold IS NULL AND s.fired_at IS NULL
           ORDER BY c.scheduled_at, c.id`,
  nextDueAt: `SELECT min(scheduled_at) AS at FROM campaigns WHERE status = 'scheduled' AND scheduled_at IS NOT NULL`,
  held: `${SELECT} WHERE s.hold IS NOT NULL ORDER BY s.hold_since`,
};

export class SchedulesRepo {
  constructor(
    private readonly db: Db,
    /** The campaigns table's one writer: scheduling moves a campaign's instant and status through it. */
    private readonly campaigns: CampaignsRepo,
  ) {}

  statements(): HotStatements<keyof typeof HOT> {
    return prepareAll(this.db, HOT);
  }

  get(campaignId: number): ScheduledCampaign | undefined {
    const r = this.db.prepare(`${SELECT} WHERE c.id = ?`).get(campaignId) as Raw | undefined;
    return r && to(r);
  }

  /**
   * Scheduled campaigns whose instant has come, oldest first, that are not held. Walks the
   * campaigns_due index (status, scheduled_at).
   */
  due(nowIso: string): ScheduledCampaign[] {
    return (this.db.prepare(HOT.due).all(nowIso) as Raw[]).map(to);
  }

  /** The next instant a scheduled campaign is due, for the scheduler's timer. */
  nextDueAt(): string | null {
    const r = this.db.prepare(HOT.nextDueAt).get() as { at: string | null };
    return r.at;
  }

  held(): ScheduledCampaign[] {
    return (this.db.prepare(HOT.held).all() as Raw[]).map(to);
  }

  /** Every campaign with a time: what `schedule list` and the UI's calendar show. */
  upcoming(limit = 200): ScheduledCampaign[] {
    return (
      this.db
        .prepare(
          `${SELECT} WHERE c.status IN ('scheduled', 'paused', 'sending') ORDER BY c.scheduled_at IS NULL, c.scheduled_at LIMIT ?`,
        )
        .all(limit) as Raw[]
    ).map(to);
  }

  /** Sets the UTC instant and zone on the campaign and remembers the wall-clock time chosen. */
  schedule(
    campaignId: number,
    at: { utc: string; localTime: string; timeZone: string; note: string | null },
    now: string,
  ): boolean {
    return this.db.transaction(() => {
      if (!this.campaigns.schedule(campaignId, at, now)) return false;
      this.db
        .prepare(
          `INSERT INTO campaign_schedules (campaign_id, local_time, time_zone, note, hold, hold_since, wait_until, fired_at, updated_at)
           VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, ?)
           ON CONFLICT (campaign_id) DO UPDATE SET local_time = excluded.local_time, time_zone = excluded.time_zone,
             note = excluded.note, hold = NULL, hold_since = NULL, wait_until = NULL, fired_at = NULL,
             updated_at = excluded.updated_at`,
        )
        .run(campaignId, at.localTime, at.timeZone, at.note, now);
      return true;
    })();
  }

  setHold(campaignId: number, hold: Hold | null, now: string, waitUntil: string | null = null): void {
    this.ensureRow(campaignId, now);
    this.db
      .prepare(
        `UPDATE campaign_schedules SET hold = ?, hold_since = CASE WHEN ? IS NULL THEN NULL ELSE coalesce(hold_since, ?) END,
           wait_until = ?, updated_at = ? WHERE campaign_id = ?`,
      )
      .run(hold, hold, now, waitUntil, now, campaignId);
  }

  /**
   * Claims the firing of a campaign: true for exactly one caller (the app and `understudy run` may
   * both tick), false when it was fired already.
   */
  claimFire(campaignId: number, now: string): boolean {
    this.ensureRow(campaignId, now);
    const info = this.db
      .prepare(
        `UPDATE campaign_schedules SET fired_at = ?, hold = NULL, hold_since = NULL, wait_until = NULL, updated_at = ?
         WHERE campaign_id = ? AND fired_at IS NULL`,
      )
      .run(now, now, campaignId);
    return info.changes > 0;
  }

  /** Lets a campaign be fired again (resumed after a pause, rescheduled). */
  rearm(campaignId: number, now: string): void {
    this.ensureRow(campaignId, now);
    this.db
      .prepare('UPDATE campaign_schedules SET fired_at = NULL, updated_at = ? WHERE campaign_id = ?')
      .run(now, campaignId);
  }

  setSender(campaignId: number, sender: 'esp' | 'local', now: string): void {
    this.ensureRow(campaignId, now);
    this.db
      .prepare('UPDATE campaign_schedules SET sender = ?, updated_at = ? WHERE campaign_id = ?')
      .run(sender, now, campaignId);
  }

  /** Instants at which an outage wait ends, for the scheduler's timer. */
  nextWaitEnd(): string | null {
    const r = this.db
      .prepare(
        'SELECT min(wait_until) AS at FROM campaign_schedules WHERE hold IS NOT NULL AND wait_until IS NOT NULL',
      )
      .get() as { at: string | null };
    return r.at;
  }

  private ensureRow(campaignId: number, now: string): void {
    this.db
      .prepare(
        `INSERT INTO campaign_schedules (campaign_id, local_time, time_zone, updated_at)
         SELECT id, coalesce(scheduled_at, ''), coalesce(time_zone, 'UTC'), ? FROM campaigns WHERE id = ?
         ON CONFLICT (campaign_id) DO NOTHING`,
      )
      .run(now, campaignId);
  }
}
