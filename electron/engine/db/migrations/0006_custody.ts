/**
 * Migration 8: custody of a mirrored campaign. When Understudy takes a campaign over from its ESP (sent
 * through a backup, paused, rescheduled or cancelled here) the ESP must be told, or it sends the
 * campaign too. That duty is a row here, written in the same transaction as the takeover, and kept
 * until the ESP confirms (done), the ESP's own send time passes and the ESP says it did not send it
 * (not_sent), or the ESP says it sent it anyway (double_sent: the incident records it).
 *
 * Who holds the campaign is campaign_schedules.sender ('esp' or 'local', migration 4).
 */
import type { Migration } from './types';

export const migration0006: Migration = {
  version: 6,
  name: 'custody',
  up: `
    CREATE TABLE esp_obligations (
      id INTEGER PRIMARY KEY,
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      esp_campaign_id TEXT NOT NULL,
      -- unschedule: unschedule/suspend/cancel the campaign at the ESP.
      -- tag: tag at the ESP the people who got the campaign through a backup.
      action TEXT NOT NULL CHECK (action IN ('unschedule', 'tag')),
      -- What took the campaign over: backup (the outage policy), send, pause, reschedule, cancel.
      reason TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'done', 'not_sent', 'double_sent', 'abandoned')),
      -- When the ESP itself would send the campaign (its schedule when we took it over), UTC.
      esp_send_at TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_try_at TEXT NOT NULL,
      last_error TEXT,
      -- The smallest "minutes before the ESP's send time" alert already given (30, 10, 2).
      alerted_minutes INTEGER,
      -- How many times a sync saw the ESP still showing the campaign scheduled while we hold it.
      discrepancies INTEGER NOT NULL DEFAULT 0,
      -- People who got the campaign twice, when the ESP confirmed it sent it (double_sent).
      affected INTEGER,
      outcome TEXT,
      incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      done_at TEXT
    ) STRICT;
    -- At most one open duty of each kind per campaign.
    CREATE UNIQUE INDEX esp_obligations_open ON esp_obligations (campaign_id, action) WHERE state = 'pending';
    CREATE INDEX esp_obligations_due ON esp_obligations (next_try_at) WHERE state = 'pending';
    CREATE INDEX esp_obligations_provider ON esp_obligations (provider_id, state);
  `,
};
