/**
 * What the sending engine persists about each provider between runs: the send log the rate limiter's
 * windows are computed from (so a restart never resets a daily cap), and the circuit breaker / quota
 * pause (so a provider that said "daily limit exceeded" is left alone by the next run too).
 */
import type { Db } from '../connection';
import type { BreakerState } from '../../api/sending';

export type { BreakerState };

export interface BreakerRow {
  providerId: number;
  state: BreakerState;
  failures: number;
  trips: number;
  openedAt: string | null;
  retryAt: string | null;
  pausedUntil: string | null;
  reason: string | null;
  updatedAt: string;
}

interface RawBreaker {
  provider_id: number;
  state: BreakerState;
  failures: number;
  trips: number;
  opened_at: string | null;
  retry_at: string | null;
  paused_until: string | null;
  reason: string | null;
  updated_at: string;
}

export class ProviderStateRepo {
  constructor(private readonly db: Db) {}

  /** Per-second counts since `sinceSecond` (Unix seconds), oldest first. */
  sendLog(providerId: number, sinceSecond: number): { second: number; count: number }[] {
    return this.db
      .prepare('SELECT second, count FROM send_log WHERE provider_id = ? AND second >= ? ORDER BY second')
      .all(providerId, sinceSecond) as { second: number; count: number }[];
  }

  addSends(providerId: number, second: number, count: number): void {
    this.db
      .prepare(
        `INSERT INTO send_log (provider_id, second, count) VALUES (?, ?, ?)
         ON CONFLICT (provider_id, second) DO UPDATE SET count = count + excluded.count`,
      )
      .run(providerId, second, count);
  }

  /** Messages handed to the provider per UTC day ('YYYY-MM-DD'), oldest first (migration 21's triggers). */
  dailySends(providerId: number, sinceDay = '0000-00-00'): { day: string; sent: number }[] {
    return this.db
      .prepare(
        'SELECT day, sent FROM provider_daily WHERE provider_id = ? AND day >= ? AND sent > 0 ORDER BY day',
      )
      .all(providerId, sinceDay) as { day: string; sent: number }[];
  }

  /** What the person said about the provider's warm-up (declared warm at, an edited curve as JSON). */
  warmup(providerId: number): { declaredWarmAt: string | null; curve: unknown } | undefined {
    const r = this.db
      .prepare('SELECT declared_warm_at AS declaredWarmAt, curve FROM provider_warmup WHERE provider_id = ?')
      .get(providerId) as { declaredWarmAt: string | null; curve: string | null } | undefined;
    return (
      r && {
        declaredWarmAt: r.declaredWarmAt,
        curve: r.curve === null ? null : (JSON.parse(r.curve) as unknown),
      }
    );
  }

  saveWarmup(providerId: number, declaredWarmAt: string | null, curve: unknown, now: string): void {
    this.db
      .prepare(
        `INSERT INTO provider_warmup (provider_id, declared_warm_at, curve, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (provider_id) DO UPDATE SET declared_warm_at = excluded.declared_warm_at,
           curve = excluded.curve, updated_at = excluded.updated_at`,
      )
      .run(providerId, declaredWarmAt, curve === null ? null : JSON.stringify(curve), now);
  }

  pruneSendLog(beforeSecond: number): number {
    return this.db.prepare('DELETE FROM send_log WHERE second < ?').run(beforeSecond).changes;
  }

  breaker(providerId: number): BreakerRow | undefined {
    const r = this.db.prepare('SELECT * FROM provider_breakers WHERE provider_id = ?').get(providerId) as
      RawBreaker | undefined;
    return (
      r && {
        providerId: r.provider_id,
        state: r.state,
        failures: r.failures,
        trips: r.trips,
        openedAt: r.opened_at,
        retryAt: r.retry_at,
        pausedUntil: r.paused_until,
        reason: r.reason,
        updatedAt: r.updated_at,
      }
    );
  }

  saveBreaker(b: BreakerRow): void {
    this.db
      .prepare(
        `INSERT INTO provider_breakers (provider_id, state, failures, trips, opened_at, retry_at, paused_until, reason, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (provider_id) DO UPDATE SET state = excluded.state, failures = excluded.failures,
           trips = excluded.trips, opened_at = excluded.opened_at, retry_at = excluded.retry_at,
           paused_until = excluded.paused_until, reason = excluded.reason, updated_at = excluded.updated_at`,
      )
      .run(
        b.providerId,
        b.state,
        b.failures,
        b.trips,
        b.openedAt,
        b.retryAt,
        b.pausedUntil,
        b.reason,
        b.updatedAt,
      );
  }

  resetBreaker(providerId: number): void {
    this.db.prepare('DELETE FROM provider_breakers WHERE provider_id = ?').run(providerId);
  }
}
