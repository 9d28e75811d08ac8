/**
 * The audience of a mirrored campaign aimed at a segment, tag or group (migration 14): who the ESP said
 * the target holds at the last sync, as subscriber rows of the mirror, or why the API cannot say.
 */
import type { Db } from '../connection';
import type { AudienceState } from '../../api/audience';

export interface AudienceRow {
  campaignId: number;
  state: AudienceState;
  members: number;
  unmatched: number;
  excluded: number;
  target: string;
  reason: string | null;
  next: string | null;
  resolvedAt: string;
}

interface RawAudience {
  campaign_id: number;
  state: AudienceState;
  members: number;
  unmatched: number;
  excluded: number;
  target: string;
  reason: string | null;
  next: string | null;
  resolved_at: string;
}

const toRow = (r: RawAudience): AudienceRow => ({
  campaignId: r.campaign_id,
  state: r.state,
  members: r.members,
  unmatched: r.unmatched,
  excluded: r.excluded,
  target: r.target,
  reason: r.reason,
  next: r.next,
  resolvedAt: r.resolved_at,
});

/** Lookups are chunked under SQLite's bound-parameter limit. */
const CHUNK = 500;

export class CampaignAudienceRepo {
  constructor(private readonly db: Db) {}

  get(campaignId: number): AudienceRow | undefined {
    const r = this.db.prepare(`SELECT * FROM campaign_audiences WHERE campaign_id = ?`).get(campaignId) as
      RawAudience | undefined;
    return r ? toRow(r) : undefined;
  }

  /**
   * Subscriber ids for normalized addresses: in `listIds` (the first list that holds an address wins,
   * so one person in several targeted lists is mailed once). Returns the ids and how many addresses
   * the mirror does not hold.
   */
  match(listIds: number[], norms: string[]): { ids: number[]; unmatched: number } {
    const unique = [...new Set(norms)];
    if (!listIds.length || !unique.length) return { ids: [], unmatched: unique.length };
    const found = new Map<string, { id: number; rank: number }>();
    const rank = new Map(listIds.map((l, i) => [l, i]));
    for (let i = 0; i < unique.length; i += CHUNK) {
      const part = unique.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(
          `SELECT id, list_id, email_norm FROM subscribers
           WHERE list_id IN (${listIds.map(() => '?').join(',')}) AND email_norm IN (${part.map(() => '?').join(',')})`,
        )
        .all(...listIds, ...part) as { id: number; list_id: number; email_norm: string }[];
      for (const r of rows) {
        const k = rank.get(r.list_id)!;
        const prev = found.get(r.email_norm);
        if (!prev || k < prev.rank || (k === prev.rank && r.id < prev.id))
          found.set(r.email_norm, { id: r.id, rank: k });
      }
    }
    return {
      ids: [...found.values()].map((f) => f.id).sort((a, b) => a - b),
      unmatched: unique.length - found.size,
    };
  }

  /**
   * The people of lists `include` minus anyone in lists `exclude` (rows archived — no longer in that
   * list at the ESP — count in neither). One row per address: a subscribed row first, then the order of
   * `include`. Returns the ids and how many addresses the exclusion removed.
   */
  matchLists(include: number[], exclude: number[]): { ids: number[]; excluded: number } {
    if (!include.length) return { ids: [], excluded: 0 };
    const inc = include.map(() => '?').join(',');
    const rows = this.db
      .prepare(
        `SELECT id, list_id, email_norm, status FROM subscribers WHERE list_id IN (${inc}) AND status != 'archived'`,
      )
      .all(...include) as { id: number; list_id: number; email_norm: string; status: string }[];
    const out = new Set<string>();
    if (exclude.length) {
      const ex = this.db
        .prepare(
          `SELECT DISTINCT email_norm FROM subscribers WHERE list_id IN (${exclude.map(() => '?').join(',')}) AND status != 'archived'`,
        )
        .all(...exclude) as { email_norm: string }[];
      for (const r of ex) out.add(r.email_norm);
    }
    const rank = new Map(include.map((l, i) => [l, i]));
    const key = (r: { list_id: number; status: string; id: number }) =>
      [r.status === 'subscribed' ? 0 : 1, rank.get(r.list_id)!, r.id] as const;
    const best = new Map<string, { id: number; list_id: number; status: string }>();
    const excluded = new Set<string>();
    for (const r of rows) {
      if (out.has(r.email_norm)) {
        excluded.add(r.email_norm);
        continue;
      }
      const prev = best.get(r.email_norm);
      if (!prev) {
        best.set(r.email_norm, r);
        continue;
      }
      const a = key(r);
      const b = key(prev);
      if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2]))))
        best.set(r.email_norm, r);
    }
    return { ids: [...best.values()].map((r) => r.id).sort((a, b) => a - b), excluded: excluded.size };
  }

  /** Replaces a campaign's audience (inside the caller's transaction). */
  replace(a: Omit<AudienceRow, 'members'>, subscriberIds: number[]): void {
    this.db.prepare(`DELETE FROM campaign_audience WHERE campaign_id = ?`).run(a.campaignId);
    const ins = this.db.prepare(
      `INSERT OR IGNORE INTO campaign_audience (campaign_id, subscriber_id) VALUES (?, ?)`,
    );
    for (const id of subscriberIds) ins.run(a.campaignId, id);
    this.db
      .prepare(
        `INSERT INTO campaign_audiences (campaign_id, state, members, unmatched, excluded, target, reason, next, resolved_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (campaign_id) DO UPDATE SET state = excluded.state, members = excluded.members,
           unmatched = excluded.unmatched, excluded = excluded.excluded, target = excluded.target,
           reason = excluded.reason, next = excluded.next, resolved_at = excluded.resolved_at`,
      )
      .run(
        a.campaignId,
        a.state,
        subscriberIds.length,
        a.unmatched,
        a.excluded,
        a.target,
        a.reason,
        a.next,
        a.resolvedAt,
      );
  }

  /** Forgets the audience of a campaign that no longer targets a segment. */
  clear(campaignId: number): void {
    this.db.prepare(`DELETE FROM campaign_audience WHERE campaign_id = ?`).run(campaignId);
    this.db.prepare(`DELETE FROM campaign_audiences WHERE campaign_id = ?`).run(campaignId);
  }

  subscriberIds(campaignId: number): number[] {
    return (
      this.db
        .prepare(`SELECT subscriber_id FROM campaign_audience WHERE campaign_id = ? ORDER BY subscriber_id`)
        .all(campaignId) as { subscriber_id: number }[]
    ).map((r) => r.subscriber_id);
  }

  /** The list of the first person in the audience (for the list name a message shows). */
  firstListId(campaignId: number): number | null {
    const r = this.db
      .prepare(
        `SELECT s.list_id AS list_id FROM campaign_audience a JOIN subscribers s ON s.id = a.subscriber_id
         WHERE a.campaign_id = ? ORDER BY a.subscriber_id LIMIT 1`,
      )
      .get(campaignId) as { list_id: number } | undefined;
    return r?.list_id ?? null;
  }
}
