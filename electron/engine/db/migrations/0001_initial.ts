/**
 * Migration 1: the mirror's first schema (DESIGN.md "Data model"), sized for 1,000,000 subscribers in a
 * list. All tables are STRICT; all timestamps are ISO-8601 UTC text ('2026-11-23T05:37:15.000Z'), which
 * sorts correctly as text. String literals are single-quoted (better-sqlite3 builds SQLite with
 * SQLITE_DQS=0, so "x" is an identifier, never a string).
 */
import type { Migration } from './types';

export const migration0001: Migration = {
  version: 1,
  name: 'initial schema',
  up: `
    -- ESP connections and SMTP accounts. Secrets are never stored here: secret_ref names an entry in
    -- the secret store (safeStorage in the app, an encrypted file in the CLI).
    CREATE TABLE providers (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('smtp', 'esp')),
      type TEXT NOT NULL,
      config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
      secret_ref TEXT,
      preset TEXT,
      priority INTEGER NOT NULL DEFAULT 100,
      weight REAL NOT NULL DEFAULT 1 CHECK (weight >= 0),
      cap_per_second REAL CHECK (cap_per_second IS NULL OR cap_per_second > 0),
      cap_per_minute INTEGER CHECK (cap_per_minute IS NULL OR cap_per_minute > 0),
      cap_per_hour INTEGER CHECK (cap_per_hour IS NULL OR cap_per_hour > 0),
      cap_per_day INTEGER CHECK (cap_per_day IS NULL OR cap_per_day > 0),
      max_connections INTEGER NOT NULL DEFAULT 1 CHECK (max_connections > 0),
      health TEXT NOT NULL DEFAULT 'unknown'
        CHECK (health IN ('unknown', 'operational', 'degraded', 'down', 'paused')),
      health_changed_at TEXT,
      enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX providers_name ON providers (lower(name));

    CREATE TABLE lists (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      provider_id INTEGER REFERENCES providers (id) ON DELETE SET NULL,
      esp_list_id TEXT,
      -- Merge field definitions: [{"tag":"FNAME","name":"First Name","type":"text"}, ...]
      merge_fields TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(merge_fields)),
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX lists_name ON lists (lower(name));
    CREATE UNIQUE INDEX lists_esp ON lists (provider_id, esp_list_id) WHERE esp_list_id IS NOT NULL;

    -- One row per address per list. email_norm is the identity (trimmed, lower-cased, IDN domain in
    -- ASCII); email keeps what the person typed. name_norm is lower(first || ' ' || last) for prefix
    -- search. The stricter status always wins on merge (see mirror/status.ts).
    CREATE TABLE subscribers (
      id INTEGER PRIMARY KEY,
      list_id INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
      email TEXT NOT NULL,
      email_norm TEXT NOT NULL,
      first_name TEXT NOT NULL DEFAULT '',
      last_name TEXT NOT NULL DEFAULT '',
      name_norm TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL
        CHECK (status IN ('subscribed', 'unsubscribed', 'cleaned', 'bounced', 'complained', 'pending', 'archived')),
      status_changed_at TEXT,
      status_reason TEXT,
      merge_fields TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(merge_fields)),
      tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags)),
      -- Everything else the ESP told us (member rating, location, LEID/EUID, notes ...): kept verbatim.
      extra TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(extra)),
      optin_time TEXT,
      optin_ip TEXT,
      confirm_time TEXT,
      confirm_ip TEXT,
      source TEXT NOT NULL,
      esp_id TEXT,
      esp_changed_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX subscribers_email ON subscribers (list_id, email_norm);
    CREATE INDEX subscribers_status ON subscribers (list_id, status);
    CREATE INDEX subscribers_name ON subscribers (list_id, name_norm);

    -- Global suppressions: checked at send time, not only at import. Unsubscribes are per list
    -- (subscribers.status); bounces, complaints and manual blocks apply to every list.
    CREATE TABLE suppressions (
      email_norm TEXT PRIMARY KEY,
      reason TEXT NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained', 'cleaned', 'manual')),
      source TEXT NOT NULL,
      detail TEXT,
      created_at TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE campaigns (
      id INTEGER PRIMARY KEY,
      provider_id INTEGER REFERENCES providers (id) ON DELETE SET NULL,
      esp_campaign_id TEXT,
      list_id INTEGER REFERENCES lists (id) ON DELETE RESTRICT,
      segment TEXT CHECK (segment IS NULL OR json_valid(segment)),
      name TEXT NOT NULL DEFAULT '',
      subject TEXT NOT NULL,
      from_name TEXT NOT NULL DEFAULT '',
      from_email TEXT NOT NULL,
      reply_to TEXT,
      html TEXT,
      text TEXT,
      dialect TEXT NOT NULL DEFAULT 'local'
        CHECK (dialect IN ('mailchimp', 'brevo', 'mailerlite', 'kit', 'sendgrid', 'klaviyo', 'local')),
      scheduled_at TEXT,
      time_zone TEXT,
      status TEXT NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled', 'failed')),
      outage_policy TEXT CHECK (outage_policy IS NULL OR json_valid(outage_policy)),
      started_at TEXT,
      finished_at TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX campaigns_esp ON campaigns (provider_id, esp_campaign_id) WHERE esp_campaign_id IS NOT NULL;
    CREATE INDEX campaigns_due ON campaigns (status, scheduled_at);

    -- The outbox: one row per (campaign, subscriber). Resume = every row not sent and not failed_perm.
    CREATE TABLE deliveries (
      id INTEGER PRIMARY KEY,
      campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
      subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE RESTRICT,
      email TEXT NOT NULL,
      state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'claimed', 'sent', 'failed_temp', 'failed_perm', 'skipped')),
      provider_id INTEGER REFERENCES providers (id) ON DELETE SET NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT,
      claimed_at TEXT,
      message_id TEXT NOT NULL,
      smtp_code INTEGER,
      smtp_enhanced TEXT,
      smtp_reply TEXT,
      error_class TEXT,
      sent_at TEXT,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE UNIQUE INDEX deliveries_unique ON deliveries (campaign_id, subscriber_id);
    CREATE INDEX deliveries_state ON deliveries (campaign_id, state, next_attempt_at);

    CREATE TABLE incidents (
      id INTEGER PRIMARY KEY,
      provider_id INTEGER REFERENCES providers (id) ON DELETE SET NULL,
      title TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
      opened_at TEXT NOT NULL,
      closed_at TEXT
    ) STRICT;
    CREATE INDEX incidents_open ON incidents (status, opened_at);

    -- Append-only timeline and audit log; triggers refuse updates and deletes.
    CREATE TABLE events (
      id INTEGER PRIMARY KEY,
      at TEXT NOT NULL,
      type TEXT NOT NULL,
      severity TEXT NOT NULL DEFAULT 'info' CHECK (severity IN ('debug', 'info', 'warning', 'error')),
      message TEXT NOT NULL,
      provider_id INTEGER,
      list_id INTEGER,
      campaign_id INTEGER,
      incident_id INTEGER,
      data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data))
    ) STRICT;
    CREATE INDEX events_at ON events (at);
    CREATE INDEX events_incident ON events (incident_id, at) WHERE incident_id IS NOT NULL;
    CREATE INDEX events_campaign ON events (campaign_id, at) WHERE campaign_id IS NOT NULL;
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
      BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

    -- Checkpoints per ESP connection and scope (a list's members, campaigns, push-back ...).
    CREATE TABLE sync_state (
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      scope TEXT NOT NULL,
      checkpoint TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(checkpoint)),
      updated_at TEXT NOT NULL,
      PRIMARY KEY (provider_id, scope)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE backups (
      id INTEGER PRIMARY KEY,
      path TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('manual', 'hourly', 'daily', 'pre-restore', 'pre-migration')),
      created_at TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      schema_version INTEGER NOT NULL,
      integrity TEXT NOT NULL,
      deleted_at TEXT
    ) STRICT;

    CREATE TABLE drills (
      id INTEGER PRIMARY KEY,
      provider_id INTEGER REFERENCES providers (id) ON DELETE CASCADE,
      started_at TEXT NOT NULL,
      finished_at TEXT,
      result TEXT NOT NULL DEFAULT 'running' CHECK (result IN ('running', 'passed', 'failed')),
      message_id TEXT,
      detail TEXT
    ) STRICT;

    -- User settings that the engine needs (postal address, default outage policy, catch-up policy...),
    -- each a JSON value. Window bounds and theme live in electron-store, not here.
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL CHECK (json_valid(value)),
      updated_at TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- Small key/value facts about this database (last integrity check, ...).
    CREATE TABLE meta (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;
  `,
};
