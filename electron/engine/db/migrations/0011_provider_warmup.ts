/**
 * Migration 11: each provider's sending history and warm-up (issue 16, §3).
 *
 * - `provider_daily`: messages each provider was handed per UTC day. Kept by triggers on `send_log`
 *   (which the limiter prunes after 25 h), so nothing in the send path changes and the history
 *   outlives the limiter's log; filled once from the delivered outbox rows that exist already.
 *   "Days since it last sent" and "volume per day" are read from here.
 * - `provider_warmup`: what the person said about a provider's warm-up: declared warm (at a time: a
 *   later idle gap makes it cold again), and an edited curve (NULL = its preset's curve).
 */
import type { Migration } from './types';

export const migration0011: Migration = {
  version: 11,
  name: 'provider sending history and warm-up',
  up: `
    CREATE TABLE provider_daily (
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      day TEXT NOT NULL CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
      sent INTEGER NOT NULL CHECK (sent >= 0),
      PRIMARY KEY (provider_id, day)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO provider_daily (provider_id, day, sent)
      SELECT provider_id, substr(sent_at, 1, 10), count(*) FROM deliveries
      WHERE state = 'sent' AND provider_id IS NOT NULL AND sent_at IS NOT NULL
        AND provider_id IN (SELECT id FROM providers)
      GROUP BY provider_id, substr(sent_at, 1, 10);

    CREATE TRIGGER send_log_daily_insert AFTER INSERT ON send_log BEGIN
      INSERT INTO provider_daily (provider_id, day, sent)
        VALUES (NEW.provider_id, date(NEW.second, 'unixepoch'), NEW.count)
        ON CONFLICT (provider_id, day) DO UPDATE SET sent = sent + excluded.sent;
    END;
    CREATE TRIGGER send_log_daily_update AFTER UPDATE OF count ON send_log
      WHEN NEW.count > OLD.count BEGIN
      INSERT INTO provider_daily (provider_id, day, sent)
        VALUES (NEW.provider_id, date(NEW.second, 'unixepoch'), NEW.count - OLD.count)
        ON CONFLICT (provider_id, day) DO UPDATE SET sent = sent + excluded.sent;
    END;

    CREATE TABLE provider_warmup (
      provider_id INTEGER PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
      declared_warm_at TEXT,
      curve TEXT CHECK (curve IS NULL OR (json_valid(curve) AND json_type(curve) = 'object')),
      updated_at TEXT NOT NULL
    ) STRICT;
  `,
};
