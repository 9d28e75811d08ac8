/**
 * Migration 2: what the sending engine needs beyond the first schema (issue 3).
 *
 * - `send_log`: how many messages each provider was handed, per UTC second. The rate limiter's windows
 *   (per second, minute, hour and the rolling 24 h) are sums over it, so a restart, a crash or a second
 *   process never resets a daily cap (Gmail's 500/day is a rolling 24 h count at Google's side too).
 *   Rows older than 25 h are pruned by the limiter.
 * - `provider_breakers`: each provider's circuit breaker and quota pause, persisted so that a provider
 *   that answered "daily limit exceeded" is not hammered again by the next run or after a restart.
 * - `campaign_runs`: one row per run of a campaign (who runs it, since when, its last heartbeat, how it
 *   ended). A run whose process died (pid gone, or heartbeat stale) is "interrupted" and resumed.
 * - `deliveries_claimed`: a partial index so resume finds in-flight rows without scanning the outbox.
 */
import type { Migration } from './types';

export const migration0002: Migration = {
  version: 2,
  name: 'sending: send log, breakers, campaign runs',
  up: `
    CREATE TABLE send_log (
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      -- Unix time in whole seconds (UTC).
      second INTEGER NOT NULL,
      count INTEGER NOT NULL CHECK (count >= 0),
      PRIMARY KEY (provider_id, second)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE provider_breakers (
      provider_id INTEGER PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
      state TEXT NOT NULL DEFAULT 'closed' CHECK (state IN ('closed', 'open', 'half_open')),
      -- Consecutive provider-level failures (connection, TLS, auth, repeated 4xx).
      failures INTEGER NOT NULL DEFAULT 0,
      -- How many times in a row the breaker opened: the cool-down doubles each time.
      trips INTEGER NOT NULL DEFAULT 0,
      opened_at TEXT,
      -- When an open breaker lets one probe through (half-open).
      retry_at TEXT,
      -- A provider that said "quota exceeded" rests until its window resets.
      paused_until TEXT,
      reason TEXT,
      updated_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE campaign_runs (
      id INTEGER PRIMARY KEY,
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      state TEXT NOT NULL DEFAULT 'running'
        CHECK (state IN ('running', 'finished', 'paused', 'cancelled', 'interrupted', 'waiting', 'failed')),
      via TEXT,
      dry_run INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1)),
      pid INTEGER NOT NULL,
      host TEXT NOT NULL,
      started_at TEXT NOT NULL,
      heartbeat_at TEXT NOT NULL,
      finished_at TEXT,
      summary TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(summary)),
      error TEXT
    ) STRICT;
    CREATE INDEX campaign_runs_campaign ON campaign_runs (campaign_id, id);
    CREATE INDEX campaign_runs_running ON campaign_runs (state) WHERE state = 'running';

    CREATE INDEX deliveries_claimed ON deliveries (campaign_id) WHERE state = 'claimed';
  `,
};
