/**
 * What pulling relay feedback writes (migration 12): each provider's API key reference, API address
 * override and feed cursors, and every item a relay reported, once. The items, the cursors and the
 * suppressions they become are written by the caller in one transaction.
 */
import type { Db } from '../connection';

export type RelayFeedbackKind = 'bounce' | 'complaint' | 'unsubscribe';

export interface RelayFeedbackState {
  providerId: number;
  apiSecretRef: string | null;
  apiBaseUrl: string | null;
  cursors: Record<string, string>;
  lastPulledAt: string | null;
  lastError: string | null;
}

export interface RelayFeedbackRow {
  providerId: number;
  feed: string;
  itemKey: string;
  emailNorm: string;
  kind: RelayFeedbackKind;
  happenedAt: string;
  detail: string | null;
}

interface RawState {
  provider_id: number;
  api_secret_ref: string | null;
  api_base_url: string | null;
  cursors: string;
  last_pulled_at: string | null;
  last_error: string | null;
}

const toState = (r: RawState): RelayFeedbackState => ({
  providerId: r.provider_id,
  apiSecretRef: r.api_secret_ref,
  apiBaseUrl: r.api_base_url,
  cursors: JSON.parse(r.cursors) as Record<string, string>,
  lastPulledAt: r.last_pulled_at,
  lastError: r.last_error,
});

export class RelayFeedbackRepo {
  constructor(private readonly db: Db) {}

  state(providerId: number): RelayFeedbackState | undefined {
    const r = this.db.prepare('SELECT * FROM relay_feedback_state WHERE provider_id = ?').get(providerId) as
      RawState | undefined;
    return r && toState(r);
  }

  /** Every provider that has an API key. */
  withKeys(): RelayFeedbackState[] {
    return (
      this.db
        .prepare('SELECT * FROM relay_feedback_state WHERE api_secret_ref IS NOT NULL ORDER BY provider_id')
        .all() as RawState[]
    ).map(toState);
  }

  private ensure(providerId: number, now: string): void {
    this.db
      .prepare(
        `INSERT INTO relay_feedback_state (provider_id, updated_at) VALUES (?, ?)
         ON CONFLICT (provider_id) DO NOTHING`,
      )
      .run(providerId, now);
  }

  /** A new key (or none) starts the feeds over: a new key may be another account. */
  setKey(providerId: number, ref: string | null, now: string): void {
    this.ensure(providerId, now);
    this.db
      .prepare(
        `UPDATE relay_feedback_state SET api_secret_ref = ?, cursors = '{}', last_error = NULL, updated_at = ?
         WHERE provider_id = ?`,
      )
      .run(ref, now, providerId);
  }

  /** The API address override (null: the relay's published address). */
  setBaseUrl(providerId: number, url: string | null, now: string): void {
    this.ensure(providerId, now);
    this.db
      .prepare('UPDATE relay_feedback_state SET api_base_url = ?, updated_at = ? WHERE provider_id = ?')
      .run(url, now, providerId);
  }

  saveCursors(providerId: number, cursors: Record<string, string>, now: string): void {
    this.db
      .prepare(
        `UPDATE relay_feedback_state SET cursors = ?, last_pulled_at = ?, last_error = NULL, updated_at = ?
         WHERE provider_id = ?`,
      )
      .run(JSON.stringify(cursors), now, now, providerId);
  }

  /** Returns the error that was stored before (so a repeated failure is recorded once). */
  saveError(providerId: number, error: string, now: string): string | null {
    const before = this.state(providerId)?.lastError ?? null;
    this.db
      .prepare('UPDATE relay_feedback_state SET last_error = ?, updated_at = ? WHERE provider_id = ?')
      .run(error, now, providerId);
    return before;
  }

  /** Whether this item was pulled before. */
  seen(providerId: number, feed: string, itemKey: string): boolean {
    return (
      this.db
        .prepare('SELECT 1 FROM relay_feedback WHERE provider_id = ? AND feed = ? AND item_key = ?')
        .get(providerId, feed, itemKey) !== undefined
    );
  }

  add(r: RelayFeedbackRow, applied: boolean, now: string): boolean {
    return (
      this.db
        .prepare(
          `INSERT INTO relay_feedback (provider_id, feed, item_key, email_norm, kind, happened_at, pulled_at, applied, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        )
        .run(
          r.providerId,
          r.feed,
          r.itemKey,
          r.emailNorm,
          r.kind,
          r.happenedAt,
          now,
          applied ? 1 : 0,
          r.detail,
        ).changes > 0
    );
  }

  /** Items that changed something, by provider and kind, whose relay time falls in [from, to]. */
  countsBetween(from: string, to: string): { provider: string; kind: RelayFeedbackKind; count: number }[] {
    return this.db
      .prepare(
        `SELECT coalesce(p.name, '(removed provider)') AS provider, f.kind, count(*) AS count
         FROM relay_feedback f LEFT JOIN providers p ON p.id = f.provider_id
         WHERE f.applied = 1 AND f.happened_at >= ? AND f.happened_at <= ?
         GROUP BY 1, 2 ORDER BY 1, 2`,
      )
      .all(from, to) as { provider: string; kind: RelayFeedbackKind; count: number }[];
  }

  /** The last UTC day the provider sent anything (migration 11's history), or null. */
  lastSentDay(providerId: number): string | null {
    return (
      (this.db
        .prepare('SELECT max(day) FROM provider_daily WHERE provider_id = ? AND sent > 0')
        .pluck()
        .get(providerId) as string | null | undefined) ?? null
    );
  }

  /** The providers a campaign's messages went through. */
  providersOfCampaign(campaignId: number): number[] {
    return this.db
      .prepare(
        'SELECT DISTINCT provider_id FROM deliveries WHERE campaign_id = ? AND provider_id IS NOT NULL',
      )
      .pluck()
      .all(campaignId) as number[];
  }
}
