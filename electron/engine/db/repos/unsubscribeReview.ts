/**
 * The unsubscribe review queue (migration 11): requests that could not be applied on their own, kept
 * for a person. A repeat of the same request (same `dedupe` key) bumps `seen` instead of adding a row.
 */
import type { Db } from '../connection';

export type ReviewChannel = 'link' | 'one_click' | 'mailto';
export type ReviewReason = 'bad_token' | 'unknown_subscriber' | 'key_unavailable' | 'not_on_list';

export interface ReviewInput {
  channel: ReviewChannel;
  reason: ReviewReason;
  dedupe: string;
  token?: string | null;
  fromEmail?: string | null;
  subject?: string | null;
  campaignId?: number | null;
  detail: string;
}

export interface ReviewRow {
  id: number;
  channel: ReviewChannel;
  reason: ReviewReason;
  token: string | null;
  fromEmail: string | null;
  subject: string | null;
  campaignId: number | null;
  detail: string;
  firstAt: string;
  lastAt: string;
  seen: number;
  resolvedAt: string | null;
  resolution: string | null;
}

const COLS = `id, channel, reason, token, from_email AS fromEmail, subject, campaign_id AS campaignId, detail,
  first_at AS firstAt, last_at AS lastAt, seen, resolved_at AS resolvedAt, resolution`;

export class UnsubscribeReviewRepo {
  constructor(private readonly db: Db) {}

  /** Adds the request, or counts a repeat of it. 'added' | 'repeat'. */
  keep(r: ReviewInput, now: string): 'added' | 'repeat' {
    const repeat = this.db
      .prepare(`UPDATE unsubscribe_review SET seen = seen + 1, last_at = ? WHERE dedupe = ?`)
      .run(now, r.dedupe).changes;
    if (repeat) return 'repeat';
    this.db
      .prepare(
        `INSERT INTO unsubscribe_review (channel, reason, dedupe, token, from_email, subject, campaign_id, detail,
           first_at, last_at)
         VALUES (@channel, @reason, @dedupe, @token, @fromEmail, @subject, @campaignId, @detail, @now, @now)`,
      )
      .run({
        channel: r.channel,
        reason: r.reason,
        dedupe: r.dedupe,
        token: r.token ?? null,
        fromEmail: r.fromEmail ?? null,
        subject: r.subject ?? null,
        campaignId: r.campaignId ?? null,
        detail: r.detail,
        now,
      });
    return 'added';
  }

  openCount(): number {
    return this.db
      .prepare(`SELECT count(*) FROM unsubscribe_review WHERE resolved_at IS NULL`)
      .pluck()
      .get() as number;
  }

  list(opts: { includeResolved?: boolean; limit?: number } = {}): ReviewRow[] {
    return this.db
      .prepare(
        `SELECT ${COLS} FROM unsubscribe_review ${opts.includeResolved ? '' : 'WHERE resolved_at IS NULL'}
         ORDER BY id DESC LIMIT ?`,
      )
      .all(opts.limit ?? 200) as ReviewRow[];
  }

  openByReason(reason: ReviewReason, limit = 1000): ReviewRow[] {
    return this.db
      .prepare(
        `SELECT ${COLS} FROM unsubscribe_review WHERE resolved_at IS NULL AND reason = ? ORDER BY id LIMIT ?`,
      )
      .all(reason, limit) as ReviewRow[];
  }

  byId(id: number): ReviewRow | undefined {
    return this.db.prepare(`SELECT ${COLS} FROM unsubscribe_review WHERE id = ?`).get(id) as
      ReviewRow | undefined;
  }

  resolve(id: number, resolution: string, now: string): boolean {
    return (
      this.db
        .prepare(
          `UPDATE unsubscribe_review SET resolved_at = ?, resolution = ? WHERE id = ? AND resolved_at IS NULL`,
        )
        .run(now, resolution, id).changes > 0
    );
  }
}
