/**
 * Migration 4: what the continuity engine (scheduler, outage policies, backups, compensation codes)
 * needs beyond the first schema. The scheduler's and outage policy's decisions are persisted here, not
 * held in memory, so a restart resumes a wait, keeps a catch-up question open, and never fires twice.
 */
import type { Migration } from './types';

export const migration0004: Migration = {
  version: 4,
  name: 'continuity',
  up: `
    -- One row per scheduled campaign: the wall-clock time the person chose (kept for display and for
    -- rescheduling in their zone), what the scheduler decided about it, and why.
    CREATE TABLE campaign_schedules (
      campaign_id INTEGER PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
      local_time TEXT NOT NULL,
      time_zone TEXT NOT NULL,
      note TEXT,
      -- Why the campaign is held instead of sent: a late start waiting for the person's answer
      -- ('catchup'), or its ESP down at send time ('outage').
      hold TEXT CHECK (hold IS NULL OR hold IN ('catchup', 'outage')),
      hold_since TEXT,
      -- Outage policy 'wait': send through the backups at this instant if the ESP is still down.
      wait_until TEXT,
      fired_at TEXT,
      -- Who sends a campaign mirrored from an ESP: 'esp' (the ESP itself, unless it is down at send
      -- time) or 'local' (Understudy: it was unscheduled at the ESP, paused or rescheduled here).
      sender TEXT NOT NULL DEFAULT 'esp' CHECK (sender IN ('esp', 'local')),
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX campaign_schedules_hold ON campaign_schedules (hold) WHERE hold IS NOT NULL;

    CREATE INDEX backups_kind ON backups (kind, created_at) WHERE deleted_at IS NULL;

    -- Imported compensation codes (an apology's voucher codes). A code is assigned to exactly one
    -- delivery, once, and never handed out again, even if that delivery later fails.
    CREATE TABLE compensation_codes (
      id INTEGER PRIMARY KEY,
      batch TEXT NOT NULL,
      code TEXT NOT NULL,
      campaign_id INTEGER REFERENCES campaigns (id) ON DELETE SET NULL,
      subscriber_id INTEGER REFERENCES subscribers (id) ON DELETE SET NULL,
      assigned_at TEXT,
      imported_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX compensation_codes_code ON compensation_codes (batch, code);
    CREATE UNIQUE INDEX compensation_codes_recipient ON compensation_codes (campaign_id, subscriber_id)
      WHERE campaign_id IS NOT NULL;
    CREATE INDEX compensation_codes_free ON compensation_codes (batch, id) WHERE assigned_at IS NULL;

    -- Mailbox checkpoints: the last UID processed per mailbox and UIDVALIDITY, so an inbox run never
    -- applies the same unsubscribe or bounce report twice and never skips one.
    CREATE TABLE mailbox_state (
      mailbox TEXT PRIMARY KEY,
      uid_validity TEXT NOT NULL,
      last_uid INTEGER NOT NULL DEFAULT 0,
      updated_at TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
  `,
};
