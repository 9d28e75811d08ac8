/**
 * Migration 3: ESP connectors. The push-back queue (unsubscribes, bounces and complaints collected
 * locally, pushed to the ESP once it answers; each item marked done in the same transaction that
 * records the ESP's answer, so a push that fails halfway resumes without doubling) and an index the
 * sync uses to find a member by its ESP id, and when a full pass last saw each member.
 */
import type { Migration } from './types';

export const migration0003: Migration = {
  version: 3,
  name: 'esp connectors',
  up: `
    CREATE TABLE esp_pushback (
      id INTEGER PRIMARY KEY,
      provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
      list_id INTEGER REFERENCES lists (id) ON DELETE SET NULL,
      esp_list_id TEXT NOT NULL,
      email TEXT NOT NULL,
      email_norm TEXT NOT NULL,
      esp_member_id TEXT,
      kind TEXT NOT NULL CHECK (kind IN ('unsubscribe', 'bounce', 'complaint')),
      detail TEXT,
      happened_at TEXT NOT NULL,
      -- pending: not yet at the ESP. done: the ESP answered (result says how). failed: the ESP refused
      -- it for good (kept for the user to see; the local status is untouched either way).
      state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      result TEXT CHECK (result IS NULL OR result IN ('done', 'already', 'not_found', 'not_supported')),
      result_message TEXT,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      done_at TEXT
    ) STRICT;
    -- One pending item per address, list and kind: queuing the same unsubscribe twice is a no-op.
    CREATE UNIQUE INDEX esp_pushback_pending ON esp_pushback (provider_id, esp_list_id, email_norm, kind)
      WHERE state = 'pending';
    CREATE INDEX esp_pushback_state ON esp_pushback (provider_id, state, id);
    CREATE INDEX esp_pushback_list ON esp_pushback (list_id, email_norm) WHERE state = 'pending';

    CREATE INDEX subscribers_esp ON subscribers (list_id, esp_id) WHERE esp_id IS NOT NULL;

    -- When a full ESP pass last saw the member. After a complete full pass, members of the list the ESP
    -- no longer returns (deleted there, e.g. a GDPR erasure) are archived instead of staying sendable.
    ALTER TABLE subscribers ADD COLUMN esp_seen_at TEXT;
  `,
};
